"""Shared pieces of the computer-use tests: a socket-free scripted chat model and a test site."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import Field

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
    """The test site: its URL and the paths it served."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.paths: list[str] = []


@contextmanager
def serve_site() -> Iterator[Site]:
    """Serve :data:`PAGES` (and ``/welcome?name=``) on 127.0.0.1 from a thread."""
    site = Site("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.paths.append(self.path)
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
