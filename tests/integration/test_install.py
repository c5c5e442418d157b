"""The package as a user installs it: the built wheel in fresh virtual environments.

Each environment gets the wheel (with no extra, or one extra) and nothing else, and then does
what a user would: the chat model against ``FakeNemotronServer``, the command line, each
extra's feature, and a pytest run of the user's own tests. Installs run offline, from uv's
cache: ``scripts/test`` fills it before pytest (it builds the wheel and installs every
variant once, online), so no test here touches the network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from langchain_nemotron_omni.demo import DEMO_LABEL
from tests import media_samples as ms
from tests.user_env import user_env

if TYPE_CHECKING:
    from collections.abc import Sequence

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ROOT / "tests" / "install_checks.py"
# What a plain install may hold, counted as `pip list` counts in a `python -m venv`
# environment (pip and setuptools included): langchain-openai alone is 40.
MAX_BASE_PACKAGES = 47
# The agents' LangGraph is an extra too: the chat model never imports it.
HEAVY = ("pypdfium2", "av", "playwright", "langgraph", "aiosqlite", "sqlite-vec")
FILL_CACHE = "run scripts/test once: it fills uv's cache, from which these installs run offline"

pytestmark = pytest.mark.install


def _uv() -> list[str]:
    found = os.environ.get("UV") or shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def _env() -> dict[str, str]:
    offline = {"UV_OFFLINE": "1", "UV_PYTHON_DOWNLOADS": "never", "PIP_NO_INDEX": "1"}
    return user_env(drop=("VIRTUAL_ENV", "PYTHONPATH"), **offline)


def _run(
    args: Sequence[str | Path], *, cwd: Path = ROOT, timeout: float = 180, hint: str = ""
) -> str:
    result = subprocess.run(  # noqa: S603 - our interpreters and uv, fixed arguments
        [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(),
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}\n{hint}"
    return result.stdout


class Venv:
    """A fresh virtual environment and what runs in it."""

    def __init__(self, path: Path, *, with_pip: bool = False) -> None:
        self.path = path
        # `python -m venv` (pip and setuptools inside) is what a user's `pip list` counts.
        base = getattr(sys, "_base_executable", sys.executable)
        if with_pip:
            _run([base, "-m", "venv", path])
        else:
            _run([*_uv(), "venv", "--quiet", "--python", base, path])
        self.python = path / "bin" / "python"

    def install(self, *requirements: str | Path) -> None:
        uv_install: list[str | Path] = [*_uv(), "pip", "install", "--quiet", "--python"]
        uv_install.append(self.python)
        _run([*uv_install, *requirements], hint=FILL_CACHE)

    def packages(self) -> list[str]:
        """``pip list`` as a user runs it: one name per installed distribution."""
        out = _run([self.python, "-m", "pip", "list", "--format=freeze"])
        return [line.split("==")[0].lower() for line in out.splitlines() if line]

    def check(self, name: str, *args: str | Path) -> Any:
        return json.loads(_run([self.python, CHECKS, name, *args], cwd=self.path))

    def command(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - the installed script, fixed arguments
            [str(self.path / "bin" / "nemotron-omni"), *map(str, args)],
            capture_output=True,
            text=True,
            cwd=self.path,
            env=_env(),
            timeout=120,
            check=False,
        )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run([*_uv(), "build", "--wheel", "--quiet", "--out-dir", out, ROOT], hint=FILL_CACHE)
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One file of each kind a user sends, made here (the fresh venvs have no PyAV to make them)."""
    folder = tmp_path_factory.mktemp("media")
    png = folder / "photo.png"
    png.write_bytes(ms.image_bytes())
    webp = folder / "slide.webp"
    webp.write_bytes(ms.image_bytes("WEBP"))
    return {
        "png": png,
        "webp": webp,
        "mp4": ms.write_video(folder / "clip.mp4"),
        "webm": ms.write_video(
            folder / "clip.webm", container="webm", video_codec="libvpx", audio_codec="libopus"
        ),
        "ogg": ms.write_audio(folder / "note.ogg", fmt="ogg"),
        "pdf": ms.write_pdf(folder / "report.pdf", ["The revenue was 42 million.", "Outlook"]),
    }


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Venv:
    venv = Venv(tmp_path_factory.mktemp("base") / "venv", with_pip=True)
    venv.install(wheel)
    return venv


def test_plain_install_is_the_chat_model_and_small(
    base: Venv, tmp_path_factory: pytest.TempPathFactory
) -> None:
    installed = base.packages()
    peer = Venv(tmp_path_factory.mktemp("peer") / "venv", with_pip=True)
    peer.install("langchain-openai")
    peer_installed = peer.packages()
    peer_count = len(peer_installed)
    sys.stderr.write(f"\npip list: plain install {len(installed)}, langchain-openai {peer_count}\n")
    assert len(installed) <= MAX_BASE_PACKAGES, installed
    assert not set(HEAVY) & set(installed)
    assert len(installed) - peer_count <= MAX_BASE_PACKAGES - 40
    # What the chat model adds to langchain-openai: images (Pillow) and their cache.
    added = set(installed) - set(peer_installed)
    assert added == {"langchain-nemotron-omni", "pillow", "cachetools"}, added


def test_plain_install_chats_with_reasoning_images_and_tools(
    base: Venv, media: dict[str, Path]
) -> None:
    result = base.check("chat", media["webp"])
    assert result["answer"] == "Hello!"
    assert result["reasoning"] == "The user greets me."
    assert result["streamed"] == "Streamed answer."
    assert result["streamed_reasoning"] == "Streaming now."
    assert result["image_answer"] == "It is blue."
    # WebP is converted to PNG with Pillow, part of the plain install.
    assert result["image_parts"] == [{"type": "image_url", "mime": "image/png"}]
    assert result["tool_calls"] == [{"name": "get_weather", "args": {"city": "Paris", "days": 2}}]


def test_plain_install_sends_mp4_and_names_the_extra_for_the_rest(
    base: Venv, media: dict[str, Path]
) -> None:
    sent = base.check("send", media["mp4"])["parts"]
    assert sent[1:] == [{"type": "video_url", "mime": "video/mp4"}]
    errors = base.check("missing", media["pdf"], media["webm"])
    expected = {
        "report.pdf": "pip install 'langchain-nemotron-omni[pdf]'",
        "clip.webm": "pip install 'langchain-nemotron-omni[video]'",
        "agents": "pip install 'langchain-nemotron-omni[agents]'",
        "computer_use": "pip install 'langchain-nemotron-omni[agents]'",
    }
    for name, line in expected.items():
        error = errors[name]
        assert error["install"] == line, error
        assert {"MissingExtraError", "ImportError"} <= set(error["classes"]), error
        assert line in error["message"]


def test_plain_install_command_line(base: Venv, media: dict[str, Path]) -> None:
    asked = base.command("ask", "What is this?", media["png"])
    assert asked.returncode == 0, asked.stderr
    assert DEMO_LABEL in asked.stdout
    for agent in (
        ("doc-qa", media["pdf"], "What was the revenue?"),
        ("computer-use", "Press the button", "--max-steps", "1"),
    ):
        refused = base.command(*agent)
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.count("\n") == 1, refused.stderr
        assert "pip install 'langchain-nemotron-omni[agents]'" in refused.stderr


def test_users_pytest_gets_our_fixtures_only_when_it_opts_in(base: Venv) -> None:
    base.install("pytest")
    project = base.path.parent / "project"
    project.mkdir()
    (project / "test_agent.py").write_text(
        "def test_server(fake_nemotron):\n    assert fake_nemotron.base_url\n", encoding="utf-8"
    )

    def pytest_run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - the venv's own pytest
            [str(base.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
            capture_output=True,
            text=True,
            cwd=project,
            env=_env(),
            timeout=120,
            check=False,
        )

    plain = pytest_run("--trace-config")
    assert plain.returncode == 1
    assert "fixture 'fake_nemotron' not found" in plain.stdout
    plugins = [line for line in plain.stdout.splitlines() if "PLUGIN registered" in line]
    assert plugins, plain.stdout
    assert not [line for line in plugins if "nemotron" in line.lower()]
    opted = pytest_run("-p", "langchain_nemotron_omni.testing.pytest_plugin")
    assert opted.returncode == 0, opted.stdout
    (project / "conftest.py").write_text(
        'pytest_plugins = ["langchain_nemotron_omni.testing.pytest_plugin"]\n', encoding="utf-8"
    )
    assert pytest_run().returncode == 0


@pytest.mark.parametrize(
    "case",
    [
        # PDF pages become images; WebM and Ogg are converted (PyAV) to what vLLM takes.
        ("pdf", ["pdf"], ["Page 1:", "image/jpeg", "Page 2:", "image/jpeg"]),
        ("video", ["webm", "ogg"], ["video/mp4", "audio/wav"]),
    ],
    ids=["pdf", "video"],
)
def test_media_extras(
    tmp_path_factory: pytest.TempPathFactory,
    wheel: Path,
    media: dict[str, Path],
    case: tuple[str, list[str], list[str]],
) -> None:
    extra, files, sent = case
    venv = Venv(tmp_path_factory.mktemp(extra) / "venv")
    venv.install(f"{wheel}[{extra}]")
    parts = venv.check("send", *(media[name] for name in files))["parts"][1:]
    assert [part.get("text") or part["mime"] for part in parts] == sent


def test_agents_extra(
    tmp_path_factory: pytest.TempPathFactory, wheel: Path, media: dict[str, Path]
) -> None:
    venv = Venv(tmp_path_factory.mktemp("agents") / "venv")
    venv.install(f"{wheel}[agents]")
    answered = venv.command("doc-qa", media["pdf"], "What was the revenue?")
    assert answered.returncode == 0, answered.stderr
    assert "Tokens:" in answered.stdout
    assert DEMO_LABEL in answered.stdout
    # The browser is its own extra: without Playwright the command says which one.
    no_browser = venv.command("computer-use", "Press the button", "--max-steps", "1")
    assert no_browser.returncode != 0
    assert "pip install 'langchain-nemotron-omni[browser]'" in no_browser.stderr
    assert "Traceback" not in no_browser.stderr


@pytest.mark.browser
def test_browser_extra(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> None:
    folder = tmp_path_factory.mktemp("browser")
    venv = Venv(folder / "venv")
    venv.install(f"{wheel}[browser]")
    run_dir = folder / "run"
    ran = venv.command(
        "computer-use", "Press the demo button", "--run-dir", run_dir, "--max-steps", "5"
    )
    assert "Demo mode" in ran.stdout, ran.stderr
    assert "Traceback" not in ran.stderr
    assert list(run_dir.rglob("*.png")), "each step saves its screenshot"
    assert (run_dir / "runs.sqlite").is_file(), "the run is saved in SQLite"


def test_all_extra(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> None:
    venv = Venv(tmp_path_factory.mktemp("all") / "venv")
    venv.install(f"{wheel}[all]")
    imports = (
        "import av, pypdfium2, playwright.sync_api, langgraph.checkpoint.sqlite; "
        "import langchain_nemotron_omni.agents.document_qa, "
        "langchain_nemotron_omni.agents.computer_use.browser; print('ok')"
    )
    out = _run([venv.python, "-c", imports])
    assert out.strip() == "ok"
