"""Requests to ``FakeNemotronServer`` over loopback HTTP and checks on its answers, shared by
the ``test_fake_server_*`` modules (their ``server`` fixture is in ``conftest.py``)."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

    from langchain_nemotron_omni.testing import FakeNemotronServer

THOUGHT = "The user greets me.\n</think>\nHello there!"
USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather forecast.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name"},
                "days": {"type": "integer"},
            },
            "required": ["city"],
        },
    },
}
PNG_URL = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
NO_THINK = {"chat_template_kwargs": {"enable_thinking": False}}


def post(server: FakeNemotronServer, **body: Any) -> httpx.Response:
    body.setdefault("messages", USER)
    return httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=10)


def sse_lines(server: FakeNemotronServer, **body: Any) -> list[str]:
    """The raw ``data:`` payloads of a stream, ``[DONE]`` included."""
    body.setdefault("messages", USER)
    with httpx.stream(
        "POST", f"{server.base_url}/chat/completions", json={**body, "stream": True}, timeout=10
    ) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["transfer-encoding"] == "chunked"
        text = response.read().decode()
    assert text.endswith("\n\n")
    return [line.removeprefix("data: ") for line in text.split("\n\n") if line]


def chunks_of(lines: list[str]) -> list[dict[str, Any]]:
    assert lines[-1] == "[DONE]"
    return [json.loads(line) for line in lines[:-1]]


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == response.status_code
    return error
