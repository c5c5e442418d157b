"""Every code block of the README runs, against the scripted server, or says why it cannot.

A block that cannot run here (it installs from PyPI, needs a GPU server, or is a development
command) is marked on the line before it with ``<!-- readme-test: skip (REASON) -->``. Every
other block runs as a user would run it, in a folder holding the files it names (made here):
Python blocks with this interpreter, shell blocks with bash. The endpoint is a
``FakeNemotronServer`` serving the model under the name the README's ``vllm serve`` command
gives it; ``NEMOTRON_OMNI_BASE_URL`` and the README's ``http://localhost:8000/v1`` point there.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.testing import FakeNemotronServer, echo_reply
from tests import media_samples as ms
from tests.user_env import user_env

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
LOCAL_VLLM = "http://localhost:8000/v1"
_BLOCK = re.compile(
    r"(?:<!-- readme-test: skip \((?P<skip>[^)]+)\) -->\n)?^```(?P<lang>\w*)\n(?P<code>.*?)^```",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Block:
    """A fenced code block of the README."""

    line: int
    lang: str
    code: str
    skip: str | None

    @property
    def id(self) -> str:
        first = self.code.strip().splitlines()[0] if self.code.strip() else ""
        return f"line {self.line}: {first[:50]}"


def blocks() -> list[Block]:
    return [
        Block(README.count("\n", 0, m.start("code")), m["lang"], m["code"], m["skip"])
        for m in _BLOCK.finditer(README)
    ]


def served_name() -> str:
    """The model name the README's `vllm serve` command serves."""
    command = next(b.code for b in blocks() if b.code.lstrip().startswith("vllm serve"))
    words = shlex.split(command.replace("\\\n", " "))
    if "--served-model-name" in words:
        return words[words.index("--served-model-name") + 1]
    return words[2]  # vllm serve MODEL: served under its own path


def test_every_block_runs_or_says_why_not() -> None:
    found = blocks()
    assert len(found) >= 8
    for block in found:
        assert block.lang in {"python", "bash"}, block.id
        if block.skip:
            assert len(block.skip) > 10, f"{block.id}: say why it cannot run"


def test_the_default_model_is_the_served_one() -> None:
    """`ChatNemotronOmni()` against the README's serve command: the same name, or a 404."""
    assert ChatNemotronOmni().model_name == served_name()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding every file the README's blocks name, each a real file of its kind."""
    folder = tmp_path_factory.mktemp("readme")
    (folder / "docs").mkdir()
    (folder / "notes.txt").write_text("Revenue grew 12 percent.\n", encoding="utf-8")
    (folder / "slide.webp").write_bytes(ms.image_bytes("WEBP"))
    (folder / "chart.png").write_bytes(ms.image_bytes())
    ms.write_video(folder / "meeting.mp4", seconds=1.5)
    ms.write_video(folder / "clip.mp4")
    ms.write_audio(folder / "call.mp3", fmt="mp3")
    ms.write_audio(folder / "speech.wav")
    pages = ["Revenue in 2023: 42 million", "Costs", "Outlook", "Appendix"]
    ms.write_pdf(folder / "contract.pdf", pages)
    ms.write_pdf(folder / "report.pdf", pages)
    ms.write_pdf(folder / "docs" / "report.pdf", pages)
    return folder


@pytest.fixture(scope="module")
def server() -> Iterator[FakeNemotronServer]:
    with FakeNemotronServer(echo_reply, model=served_name()) as fake:
        yield fake


def _env(server: FakeNemotronServer) -> dict[str, str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return user_env(NEMOTRON_OMNI_BASE_URL=server.base_url, PATH=path)


@pytest.mark.parametrize("block", [b for b in blocks() if not b.skip], ids=lambda b: b.id)
def test_block_runs(block: Block, workdir: Path, server: FakeNemotronServer) -> None:
    code = block.code.replace(LOCAL_VLLM, server.base_url)
    command = [sys.executable, "-c", code] if block.lang == "python" else ["bash", "-e", "-c", code]
    before = len(server.requests)
    result = subprocess.run(  # noqa: S603 - the README's own code
        command,
        capture_output=True,
        text=True,
        cwd=workdir,
        env=_env(server),
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, f"{block.id}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    uses_endpoint = "ChatNemotronOmni(" in code or "nemotron-omni" in code
    if uses_endpoint and "FakeNemotronServer(" not in code:
        assert len(server.requests) > before, f"{block.id} never reached the server"
