r"""A scripted stand-in for the model, so ``nemotron-omni computer-use`` runs without one.

The script writes what Nemotron writes (a thought, ``</think>``, then qwen3_coder XML tool
calls or a ``## Code:`` block) and the bundled fake server parses it, so the demo exercises
the same path as a real run. It cannot see the screen: it follows a fixed plan on its own
demo page (type a name, press a button, report), or scrolls through a given start page.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.tool_xml import render_tool_call_xml

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from langchain_nemotron_omni.testing import ChatRequest

DEMO_NAME = "Nemotron"
DEMO_PAGE = """<!doctype html>
<html><head><title>Computer-use demo</title>
<style>
 body { margin: 0; font: 20px sans-serif; background: #f4f6fb; }
 h1 { position: absolute; left: 0; width: 100%; top: 120px; text-align: center; }
 #name { position: absolute; left: 440px; top: 300px; width: 400px; height: 40px; font-size: 20px; }
 #greet { position: absolute; left: 540px; top: 380px; width: 200px; height: 50px;
          font-size: 20px; }
 #out { position: absolute; left: 0; width: 100%; top: 470px; text-align: center; }
</style></head>
<body>
<h1>Type a name and press Greet</h1>
<input id="name" placeholder="Your name" autocomplete="off">
<button id="greet" type="button"
  onclick="document.getElementById('out').textContent =
           'Hello, ' + document.getElementById('name').value + '!'">Greet</button>
<div id="out"></div>
</body></html>
"""
# Centres of the page's controls in a 1280x720 viewport, as fractions.
NAME_FIELD = (0.5, 0.444)
GREET_BUTTON = (0.5, 0.5625)
_STEP = re.compile(r"You are currently on Step (\d+)")


def code_reply(action: str, code: str) -> str:
    """A desktop-protocol reply: ``## Action:`` then a fenced ``## Code:`` block."""
    return f"## Action:\n{action}\n## Code:\n```python\n{code}\n```"


def current_step(request: ChatRequest) -> int:
    """The step number of the request's last observation (1 when there is none)."""
    found = _STEP.findall(request.last_user_text or "")
    return int(found[-1]) if found else 1


def demo_script(*, own_page: bool) -> Callable[[ChatRequest], str]:
    """The demo's responder: the browser plan (tool calls) or the desktop plan (code)."""

    def reply(request: ChatRequest) -> str:
        step = current_step(request)
        if request.tools:
            return _browser_step(step, own_page=own_page)
        return _desktop_step(step)

    return reply


def _browser_step(step: int, *, own_page: bool) -> str:
    plan: list[tuple[str, str, dict[str, Any]]]
    if own_page:
        plan = [
            ("The page asks for a name. I click the name field and type it.",
             "computer", {"actions": [
                 {"action": "left_click", "coordinate": list(NAME_FIELD)},
                 {"action": "type", "text": DEMO_NAME}]}),
            ("The name is in the field. I press Greet.",
             "computer", {"actions": [{"action": "left_click", "coordinate": list(GREET_BUTTON)}]}),
            ("The page should now greet the name, so the task is done.",
             "terminate", {"status": "success",
                           "answer": f"[demo] Typed {DEMO_NAME!r} and pressed Greet."}),
        ]  # fmt: skip
    else:
        plan = [
            ("I look further down the page.", "computer",
             {"actions": [{"action": "scroll", "scroll_parameters":
                           {"scroll_direction": "down", "scroll_amount": 5}}]}),
            ("I go back to the top.", "computer",
             {"actions": [{"action": "scroll", "scroll_parameters":
                           {"scroll_direction": "up", "scroll_amount": 5}}]}),
            ("This scripted demo cannot read pages, so I stop here.", "terminate",
             {"status": "success",
              "answer": "[demo] Scrolled through the page; connect a model for real answers."}),
        ]  # fmt: skip
    thought, name, args = plan[min(step, len(plan)) - 1]
    return f"{thought}\n</think>\n{render_tool_call_xml(name, args)}"


def _desktop_step(step: int) -> str:
    plan = [
        ("A terminal is open at the top left. I click into it.",
         code_reply("Click into the terminal.", "pyautogui.click(0.15, 0.15)")),
        ("I type a command and run it.",
         code_reply("Type a greeting command and press Enter.",
                    "pyautogui.write('echo hello from Nemotron')\npyautogui.press('enter')")),
        ("The command ran, so the task is done.",
         code_reply("Finish.", "computer.terminate(status='success', "
                               "answer='[demo] Ran echo in the terminal.')")),
    ]  # fmt: skip
    thought, text = plan[min(step, len(plan)) - 1]
    return f"{thought}\n</think>\n{text}"


class _PageHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = DEMO_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  # the base signature
        """Stay quiet: the command line prints its own progress."""


@contextmanager
def demo_page() -> Iterator[str]:
    """Serve :data:`DEMO_PAGE` on a free loopback port; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
