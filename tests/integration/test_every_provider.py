"""One behaviour check run against every provider, each on a server speaking its dialect.

Self-hosted servers and hosted APIs differ in reasoning field names and in how thinking is
switched; each provider here is served by a FakeNemotronServer flavor with its field names,
and the scripted model reads the thinking switch the way that provider sends it.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import pytest
from langchain_core.messages import HumanMessage
from PIL import Image

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer
from langchain_nemotron_omni.testing.fal_server import FakeFalServer, FalReply
from tests.streams import collect

# provider -> the server flavor whose response fields match what that provider returns
DIALECTS = {
    "vllm": "vllm",
    "sglang": "sglang",
    "nim": "vllm-0.15",
    "nvidia": "vllm-0.11",
    "openrouter": "vllm",
    "haimaker": "vllm-0.11",
}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    },
}


def _thinking(request: ChatRequest) -> bool:
    reasoning = request.body.get("reasoning")
    if isinstance(reasoning, dict) and "enabled" in reasoning:
        return bool(reasoning["enabled"])  # OpenRouter's switch
    return request.thinking


def scripted(request: ChatRequest) -> str:
    thought = "Let me look at this.\n</think>\n" if _thinking(request) else ""
    if request.tools:
        return (
            f"{thought}<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n"
            "</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>\n"
        )
    if "image_url" in str(request.body["messages"]):
        return f"{thought}A blue square."
    return f"{thought}Hello!"


@pytest.fixture(params=list(DIALECTS))
def llm(request: pytest.FixtureRequest) -> Iterator[ChatNemotronOmni]:
    provider = request.param
    with FakeNemotronServer(scripted, flavor=DIALECTS[provider]) as server:  # type: ignore[arg-type]
        yield ChatNemotronOmni(
            provider=provider, base_url=server.base_url, api_key="key", model="nemotron"
        )


def _png_data_url() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 0, 255)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_invoke_and_stream_with_reasoning(llm: ChatNemotronOmni) -> None:
    reply = llm.invoke("Hi")
    full = collect(list(llm.stream("Hi")))
    for message in (reply, full):
        assert message.content == "Hello!"
        assert message.additional_kwargs["reasoning_content"] == "Let me look at this."


def test_thinking_off(llm: ChatNemotronOmni) -> None:
    reply = llm.invoke("Hi", thinking=False)
    assert reply.content == "Hello!"
    assert "reasoning_content" not in reply.additional_kwargs


def test_a_tool_call(llm: ChatNemotronOmni) -> None:
    reply = llm.bind_tools([WEATHER_TOOL]).invoke("Weather in Paris for 3 days?")
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [
        ("get_weather", {"city": "Paris", "days": 3})
    ]


def test_an_image(llm: ChatNemotronOmni) -> None:
    message = HumanMessage(
        content=[
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": _png_data_url()}},
        ]
    )
    assert llm.invoke([message], thinking=False).content == "A blue square."


def test_fal_invoke_stream_and_thinking() -> None:
    replies = [
        FalReply("Let me look at this.\n</think>\nHello!", queue_polls=0, logs=()),
        FalReply("Let me look at this.\n</think>\nHello!", queue_polls=0, logs=()),
        FalReply("Hello!", queue_polls=0, logs=()),
    ]
    with FakeFalServer(replies, api_key="key") as server:
        llm = ChatNemotronOmni(provider="fal", base_url=server.base_url, api_key="key")
        reply = llm.invoke("Hi")
        full = collect(list(llm.stream("Hi")))
        off = llm.invoke("Hi", thinking=False)
        modes = [s.payload["reasoning_mode"] for s in server.submissions]
    for message in (reply, full):
        assert message.content == "Hello!"
        assert message.additional_kwargs["reasoning_content"] == "Let me look at this."
    assert off.content == "Hello!"
    assert modes == ["think", "think", "no_think"]
