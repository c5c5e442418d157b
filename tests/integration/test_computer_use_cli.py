"""``nemotron-omni computer-use``: terminal output, resume in a new process, the report, the
GIF and the live page, with real Chromium and the scripted model over HTTP.

The report and the live page are opened in real Chromium and their screenshots checked for
the click markers.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page, sync_playwright

from langchain_nemotron_omni.agents.computer_use.browser import CHROMIUM_FLAGS, CHROMIUM_PATH
from langchain_nemotron_omni.agents.computer_use.cli import add_parser, run_computer_use
from langchain_nemotron_omni.agents.computer_use.report import MARK
from langchain_nemotron_omni.providers import BASE_URL_ENV, PROVIDER_ENV, PROVIDERS
from langchain_nemotron_omni.testing import FakeNemotronServer
from tests.computer_use_support import (
    NAME_FIELD,
    PASSWORD_FIELD,
    SignUp,
    Site,
    wait_for,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    """A real Chromium tab for looking at reports and live pages."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, args=list(CHROMIUM_FLAGS)
        )
        yield browser.new_page(viewport={"width": 1400, "height": 1000})
        browser.close()


@pytest.fixture
def no_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [BASE_URL_ENV, PROVIDER_ENV, *(s.key_env for s in PROVIDERS.values() if s.key_env)]:
        monkeypatch.delenv(name, raising=False)


def _cli(*argv: str) -> argparse.Namespace:
    root = argparse.ArgumentParser(prog="nemotron-omni")
    add_parser(root.add_subparsers(dest="command", required=True))
    return root.parse_args(["computer-use", *argv])


def _endpoint(server: FakeNemotronServer) -> list[str]:
    return ["--base-url", server.base_url, "--model", "nemotron", "--provider", "vllm"]


def _sign_up_args(site: Site, server: FakeNemotronServer, run_dir: Path, thread: str) -> list[str]:
    return [
        "--run-dir", str(run_dir), "--thread-id", thread, "--allowed-domain", "127.0.0.1",
        "--size", "800x600", *_endpoint(server),
    ]  # fmt: skip


def _has_marker(png: bytes, at: tuple[float, float], *, reach: int = 30) -> bool:
    """Whether marker-coloured pixels are drawn around ``at`` (fractions of the image)."""
    with Image.open(io.BytesIO(png)) as opened:
        image = opened.convert("RGB")
    x, y = round(at[0] * image.width), round(at[1] * image.height)
    hits = 0
    for px in range(max(0, x - reach), min(image.width, x + reach)):
        for py in range(max(0, y - reach), min(image.height, y + reach)):
            r, g, b = image.getpixel((px, py))  # type: ignore[misc]
            if abs(r - MARK[0]) < 40 and abs(g - MARK[1]) < 40 and abs(b - MARK[2]) < 40:
                hits += 1
    return hits > 20


@pytest.mark.usefixtures("no_endpoint")
def test_demo_prints_each_step_and_keeps_the_run(tmp_path: Path) -> None:
    out = io.StringIO()
    args = _cli("Greet someone", "--run-dir", str(tmp_path), "--thread-id", "demo")
    assert args.handler is run_computer_use
    assert run_computer_use(args, out) == 0
    text = out.getvalue()
    assert text.startswith("Demo mode: no endpoint configured.")
    assert "Task: Greet someone" in text
    assert "  Thought (" in text
    assert "    The page asks for a name. I click the name field and type it." in text
    assert "  2. type 'Nemotron': ok (" in text
    assert "Outcome: success after 3 step(s)" in text
    shots = re.findall(r"screenshot: (\S+)", text)
    assert len(shots) == 3
    folder = Path(shots[0]).parent
    assert folder.parent == tmp_path / "runs" / "demo"
    assert all(Path(s).is_file() and Path(s).parent == folder for s in shots)
    assert f"Report: {folder / 'report.html'}" in text
    assert (folder / "trajectory.gif").is_file()
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    assert events[0]["event"] == "run_started"
    assert events[-1]["event"] == "run_finished"
    # Saved in SQLite: asking again by thread id reports the finished run.
    again = io.StringIO()
    assert run_computer_use(_cli("--run-dir", str(tmp_path), "--thread-id", "demo"), again) == 0
    assert "Outcome: success after 3 step(s)" in again.getvalue()
    with sqlite3.connect(tmp_path / "runs.sqlite") as db:
        threads = {row[0] for row in db.execute("select thread_id from checkpoints")}
    assert threads == {"demo"}


def test_resume_in_a_new_process_types_into_the_right_field(site: Site, tmp_path: Path) -> None:
    """The first process stops at the password approval (Ctrl-C); the second one resumes
    with a new browser on the same profile: the agent looks again, fills the form again and
    asks again, so the password goes into the password field of a filled-in form."""
    script = SignUp(name="Grace", password="pw-grace")
    loads = len(site.paths)
    with FakeNemotronServer(script) as server:
        common = _sign_up_args(site, server, tmp_path, "resume")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-m", "langchain_nemotron_omni.cli", "computer-use"]
        first = subprocess.Popen(  # noqa: S603  # our own CLI
            [*command, "Sign up as Grace.", "--start-url", site.url, *common],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
            text=True,
        )
        assert first.stdout is not None
        shown = ""
        while "Approve? [y/N]" not in shown:
            chunk = first.stdout.read(1)
            assert chunk, shown
            shown += chunk
        first.send_signal(signal.SIGINT)  # the user walks away: Ctrl-C at the prompt
        shown += first.communicate(timeout=60)[0]
        assert "Approval needed at step 2: type" in shown
        assert "Run saved in" in shown
        assert not any(p.startswith("/welcome") for p in site.paths)
        second = subprocess.run(  # noqa: S603  # our own CLI
            [*command, *common],
            input="y\ny\n",
            capture_output=True,
            cwd=ROOT,
            env=env,
            text=True,
            timeout=120,
            check=False,
        )
    text = second.stdout
    assert second.returncode == 0, text + second.stderr
    assert "Resuming thread resume at step 2." in text
    assert "Not run: the environment was restarted" in text
    assert script.replans == [3]
    # The new browser kept the first one's profile: the site's cookie came back.
    resumed = site.paths.index("/", loads + 1)
    assert site.cookies[resumed].startswith("visitor=")
    # The password went into the password field of the form filled in again.
    assert "/welcome?name=Grace&password=pw-grace" in site.paths[loads:]
    assert not [p for p in site.paths[loads:] if p.startswith("/welcome?name=&")]
    # One report covers both processes' steps.
    report = (tmp_path / "runs" / "resume").glob("*/report.html")
    html = next(report).read_text()
    assert 'id="step-1"' in html
    assert 'id="step-7"' in html


def test_report_and_gif_show_where_the_model_clicked(
    site: Site, tmp_path: Path, page: Page
) -> None:
    answers = iter(["y", "y"])
    with FakeNemotronServer(SignUp()) as server:
        args = _cli(
            "Sign up.", "--start-url", site.url, *_sign_up_args(site, server, tmp_path, "r")
        )
        out = io.StringIO()
        assert run_computer_use(args, out, ask=lambda _: next(answers)) == 0
    report = Path(re.findall(r"Report: (\S+)", out.getvalue())[-1])
    page.goto(report.as_uri())
    steps = page.locator("section.step")
    assert steps.count() == 5
    # Step 1 clicked the name field, step 2 the password field: the markers are drawn there.
    first = steps.nth(0).locator("figure img").screenshot()
    second = steps.nth(1).locator("figure img").screenshot()
    assert _has_marker(first, (NAME_FIELD[0], NAME_FIELD[1]))
    assert not _has_marker(first, (PASSWORD_FIELD[0], PASSWORD_FIELD[1]))
    assert _has_marker(second, (PASSWORD_FIELD[0], PASSWORD_FIELD[1]))
    page.screenshot(path=str(tmp_path / "report-in-chromium.png"), full_page=True)
    approvals = page.locator(".approval.approved")
    assert approvals.count() == 2
    assert "types into a password field" in approvals.nth(0).inner_text()
    assert "Success after 5 step(s)" in page.locator(".outcome").inner_text()
    assert page.locator(".thought").nth(0).inner_text() == "Fill in the name."
    gif = report.parent / "trajectory.gif"
    with Image.open(gif) as animation:
        assert getattr(animation, "n_frames", 1) == 5
        frame = io.BytesIO()
        animation.convert("RGB").save(frame, format="PNG")
        size = animation.size
    # The first frame has the caption band below the screenshot.
    height = size[1] - 30
    at = (NAME_FIELD[0], NAME_FIELD[1] * height / size[1])
    assert _has_marker(frame.getvalue(), at)


def test_live_page_follows_the_run_and_takes_the_approval(
    site: Site, tmp_path: Path, page: Page
) -> None:
    never = threading.Event()

    def terminal(_: str) -> str:  # nobody at the terminal
        never.wait()
        raise EOFError

    out = io.StringIO()
    result: dict[str, Any] = {}
    with FakeNemotronServer(SignUp(name="Live", password="pw-live")) as server:
        args = _cli(
            "Sign up.", "--start-url", site.url, "--watch",
            *_sign_up_args(site, server, tmp_path, "live"),
        )  # fmt: skip

        def run() -> None:
            result["code"] = run_computer_use(args, out, ask=terminal)

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        try:
            wait_for(lambda: "Live view: " in out.getvalue(), 30, "the live view's address")
            url = re.findall(r"Live view: (\S+)", out.getvalue())[0]
            _check_guards(url)
            page.goto(url)
            # The run stops at the password: the page shows the request and the steps so far.
            page.locator("#approval").wait_for(state="visible", timeout=30_000)
            assert "types into a password field" in page.locator("#approval").inner_text()
            page.wait_for_function("document.querySelectorAll('section.step').length == 2")
            shot = page.locator("#step-1 figure img").screenshot()
            assert _has_marker(shot, (NAME_FIELD[0], NAME_FIELD[1]))
            page.screenshot(path=str(tmp_path / "live-in-chromium.png"), full_page=True)
            page.click("#approve")
            # The next approval (the submit button) is answered from the page as well.
            page.locator("#approval").wait_for(state="hidden", timeout=30_000)
            page.locator("#approval").wait_for(state="visible", timeout=30_000)
            page.click("#approve")
            worker.join(timeout=60)
            page.locator(".outcome.success").wait_for(timeout=30_000)
        finally:
            never.set()
    assert result == {"code": 0}, out.getvalue()
    assert "(answered on the live page)" in out.getvalue()
    assert "/welcome?name=Live&password=pw-live" in site.paths


def _check_guards(url: str) -> None:
    """The live page answers only with its token, only to a loopback Host, JSON posts only."""
    base, token = url.split("/?token=")
    assert base.startswith("http://127.0.0.1:")
    assert httpx.get(f"{base}/api/updates?since=999999").status_code == 403
    assert httpx.get(f"{base}/?token=wrong").status_code == 403
    host = {"Host": "attacker.example"}
    assert httpx.get(f"{base}/?token={token}", headers=host).status_code == 421
    decision = {"approve": True, "step": 2, "index": 1}
    form = httpx.post(f"{base}/api/decision", data=decision, headers={"X-Live-Token": token})
    assert form.status_code == 415
    no_token = httpx.post(f"{base}/api/decision", json=decision)
    assert no_token.status_code == 403
