"""Shared pieces of the computer-use tests: a socket-free scripted chat model and a test site."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import Field

from langchain_nemotron_omni.agents.computer_use.demo import current_step
from langchain_nemotron_omni.testing import ChatRequest
from langchain_nemotron_omni.tool_xml import render_tool_call_xml

Reply = Callable[[list[BaseMessage]], AIMessage]
_STEP = re.compile(r"You are currently on Step (\d+)")


class ScriptedChatModel(BaseChatModel):
    """Answers with ``reply(messages)`` and records every request (no network)."""

    reply: Reply
    requests: list[list[BaseMessage]] = Field(default_factory=list)
    call_kwargs: list[dict[str, Any]] = Field(default_factory=list)
    tools: list[Any] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(
        self, tools: Sequence[Any], **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        self.tools = list(tools)
        return self.bind(**kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.requests.append(list(messages))
        self.call_kwargs.append(kwargs)
        return ChatResult(generations=[ChatGeneration(message=self.reply(messages))])


def step_of(messages: Sequence[BaseMessage]) -> int:
    """The step number the last observation announces."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            found = _STEP.findall(str(message.text))
            if found:
                return int(found[-1])
    return 0


def tool_reply(name: str, args: dict[str, Any], *, thought: str = "I act.") -> AIMessage:
    """An assistant turn calling one tool, with reasoning, as ChatNemotronOmni returns it."""
    return AIMessage(
        content="",
        tool_calls=[{"name": name, "args": args, "id": f"call_{name}_{id(args)}"}],
        additional_kwargs={"reasoning_content": thought},
    )


# -- a multi-page site on loopback -------------------------------------------------------------

PAGES = {
    "/": """<!doctype html><html><head><title>Sign up</title></head>
<body style="margin:0;font:16px sans-serif">
<form action="/welcome" method="get">
<input id="name" name="name" placeholder="Name"
  style="position:absolute;left:100px;top:100px;width:300px;height:30px">
<input id="password" name="password" type="password" placeholder="Password"
  style="position:absolute;left:100px;top:160px;width:300px;height:30px">
<div style="height:2400px"></div>
<button id="submit" type="submit"
  style="position:absolute;left:0;top:1300px;width:800px;height:150px">Submit</button>
</form></body></html>""",
    "/page2": """<!doctype html><html><head><title>Page two</title></head>
<body style="margin:0;font:16px sans-serif">
<a id="details" href="/details" target="_blank"
  style="position:absolute;left:100px;top:100px;width:200px;height:40px;display:block">
  Open details</a>
</body></html>""",
    "/details": """<!doctype html><html><head><title>Details</title></head>
<body style="margin:0;font:16px sans-serif"><div id="code" style="margin:100px">4217</div>
</body></html>""",
}
WELCOME = """<!doctype html><html><head><title>Welcome</title></head>
<body style="margin:0;font:16px sans-serif">
<a id="continue" href="/page2"
  style="position:absolute;left:100px;top:100px;width:200px;height:40px;display:block">Continue</a>
<a id="away" href="http://blocked.example/"
  style="position:absolute;left:100px;top:200px;width:200px;height:40px;display:block">Elsewhere</a>
<p id="hello" style="position:absolute;top:300px;left:100px">Welcome, {name}</p>
</body></html>"""
# Control centres in an 800x600 viewport, as fractions.
NAME_FIELD = [0.3125, 0.1917]
PASSWORD_FIELD = [0.3125, 0.2917]
SUBMIT_AFTER_SCROLL = [0.5, 0.625]  # after scrolling down 10 wheel clicks (1000 px)
CONTINUE_LINK = [0.25, 0.2]
AWAY_LINK = [0.25, 0.3667]
DETAILS_LINK = [0.25, 0.2]
VIEWPORT = (800, 600)


class Site:
    """The test site: its URL, the paths it served and the cookies each request carried.

    ``/`` sets a lasting cookie (``visitor=<n>``), as a site remembering a login would.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.paths: list[str] = []
        self.cookies: list[str] = []


@contextmanager
def serve_site() -> Iterator[Site]:
    """Serve :data:`PAGES` (and ``/welcome?name=``) on 127.0.0.1 from a thread."""
    site = Site("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.paths.append(self.path)
            site.cookies.append(self.headers.get("Cookie") or "")
            parts = urlsplit(self.path)
            if parts.path == "/welcome":
                name = parse_qs(parts.query).get("name", [""])[0]
                body = WELCOME.format(name=name)
            elif parts.path in PAGES:
                body = PAGES[parts.path]
            else:
                self.send_error(404)
                return
            data = body.encode()
            self.send_response(200)
            if parts.path == "/" and "visitor=" not in (self.headers.get("Cookie") or ""):
                visitor = f"visitor={len(site.paths)}"
                self.send_header("Set-Cookie", f"{visitor}; Max-Age=86400; Path=/")
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    site.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- a model that signs up on the test site, starting over when told its plan is void ----------


class SignUp:
    """Fills in the sign-up form (name, password, scroll, submit, done), step by step.

    When the latest tool result says the plan no longer applies ("plan again": the
    environment was restarted, or the screen changed under an approval), it starts over
    from the name field, as a model looking at the new screenshot would. Thread-safe enough
    for one run at a time.
    """

    def __init__(self, name: str = "Ada", password: str = "hunter2") -> None:  # noqa: S107
        self.name = name
        self.password = password
        self.restarted_at = 1
        self.replans: list[int] = []

    def __call__(self, request: ChatRequest) -> str:
        step = current_step(request)
        tools = [m["content"] for m in request.messages if m["role"] == "tool"]
        if tools and "plan again" in str(tools[-1]) and step not in self.replans:
            self.replans.append(step)
            self.restarted_at = step
        click = "left_click"
        plan: list[tuple[str, str, dict[str, Any]]] = [
            ("Fill in the name.", "computer", {"actions": [
                {"action": click, "coordinate": NAME_FIELD},
                {"action": "type", "text": self.name}]}),
            ("Now the password.", "computer", {"actions": [
                {"action": click, "coordinate": PASSWORD_FIELD},
                {"action": "type", "text": self.password}]}),
            ("The submit button is below.", "computer", {"actions": [
                {"action": "scroll", "coordinate": [0.5, 0.5], "scroll_parameters":
                 {"scroll_direction": "down", "scroll_amount": 10}}]}),
            ("Submit.", "computer", {"actions": [
                {"action": click, "coordinate": SUBMIT_AFTER_SCROLL}]}),
            ("Signed up.", "terminate", {"status": "success", "answer": "signed up"}),
        ]  # fmt: skip
        phase = min(step - self.restarted_at, len(plan) - 1)
        return self.call(*plan[phase])

    @staticmethod
    def call(thought: str, name: str, args: dict[str, Any]) -> str:
        """A reply with a thought and one tool call, as the model writes it."""
        return f"{thought}\n</think>\n{render_tool_call_xml(name, args)}"


# -- Chromium processes, told apart from other tests' by a tag in their environment -------------

TAG_VARIABLE = "NEMOTRON_OMNI_TEST_TAG"


def chromium_processes(tag: str) -> list[int]:
    """Pids of Chromium processes started with ``NEMOTRON_OMNI_TEST_TAG=<tag>`` set.

    Browsers inherit the environment of whoever launched them, so a tag set in a test (or in
    a server's environment) marks exactly the browsers that test caused, also when other
    tests on the machine run browsers at the same time.
    """
    marker = f"{TAG_VARIABLE}={tag}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")[0]
            if b"chrom" not in command:
                continue
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker in environ:
            found.append(int(proc.name))
    return found


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` until true, or fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            msg = f"not within {timeout} s: {what}"
            raise AssertionError(msg)
        time.sleep(0.05)
