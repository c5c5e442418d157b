"""One behaviour check run against every provider, each on a server speaking its dialect.

Self-hosted servers differ in reasoning field names (FakeNemotronServer flavors); the hosted
APIs put a front-end with their own fields in front of vLLM (``hosted=``): NVIDIA's takes
``reasoning_budget`` and answers ``reasoning_content``, OpenRouter's switches thinking with
``reasoning.enabled``.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import httpx
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from PIL import Image

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer
from langchain_nemotron_omni.testing.fal_server import FakeFalServer, FalReply
from tests.streams import WEATHER_TOOL, collect

# provider -> (server flavor, hosted front-end) speaking what that provider speaks
DIALECTS: dict[str, tuple[str, str | None]] = {
    "vllm": ("vllm", None),
    "sglang": ("sglang", None),
    "nim": ("vllm-0.15", None),
    "nvidia": ("vllm", "nvidia"),
    "openrouter": ("vllm", "openrouter"),
    "haimaker": ("vllm-0.11", None),
}


def scripted(request: ChatRequest) -> str:
    thought = "Let me look at this.\n</think>\n" if request.thinking else ""
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
    flavor, hosted = DIALECTS[provider]
    with FakeNemotronServer(scripted, flavor=flavor, hosted=hosted) as server:  # type: ignore[arg-type]
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


def test_nvidia_front_end_refuses_list_content_off_user_turns() -> None:
    body = {
        "model": "nemotron",
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
            {"role": "user", "content": "Hi"},
        ],
    }
    with FakeNemotronServer(scripted, hosted="nvidia") as server:
        response = httpx.post(f"{server.base_url}/chat/completions", json=body)
        llm = ChatNemotronOmni(
            provider="nvidia", base_url=server.base_url, api_key="k", model="nemotron"
        )
        reply = llm.invoke([SystemMessage(content=[{"type": "text", "text": "Be brief."}]), "Hi"])
    assert response.status_code == 400
    assert "object list format is not supported" in response.text
    assert reply.content == "Hello!"  # the client flattens it


@pytest.mark.parametrize(
    ("provider", "hosted"), [("nvidia", "nvidia"), ("openrouter", "openrouter")]
)
def test_hosted_budget_reaches_the_backend(provider: str, hosted: str) -> None:
    long_thought = " ".join(f"step{i}" for i in range(50)) + "\n</think>\nDone."
    with FakeNemotronServer([long_thought], hosted=hosted) as server:  # type: ignore[arg-type]
        reply = ChatNemotronOmni(
            provider=provider,
            base_url=server.base_url,
            api_key="k",
            model="nemotron",
            reasoning_budget=5,
        ).invoke("Q")
    assert reply.content == "Done."
    assert reply.additional_kwargs["reasoning_content"] == "step0 step1 step2 step3 step4"
