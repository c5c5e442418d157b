"""Each provider's request shape over HTTP, and the API key kept out of logs."""

from __future__ import annotations

import logging

import openai
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.testing import FakeNemotronServer


@pytest.mark.parametrize(
    ("provider", "thinking_on", "thinking_off"),
    [
        (
            "vllm",
            {"chat_template_kwargs": {"enable_thinking": True}},
            {"chat_template_kwargs": {"enable_thinking": False}},
        ),
        (
            "sglang",
            {"chat_template_kwargs": {"enable_thinking": True}},
            {"chat_template_kwargs": {"enable_thinking": False}},
        ),
        (
            "nim",
            {"chat_template_kwargs": {"enable_thinking": True}},
            {"chat_template_kwargs": {"enable_thinking": False}},
        ),
        (
            "nvidia",
            {"chat_template_kwargs": {"enable_thinking": True}},
            {"chat_template_kwargs": {"enable_thinking": False}},
        ),
        (
            "haimaker",
            {"chat_template_kwargs": {"enable_thinking": True}},
            {"chat_template_kwargs": {"enable_thinking": False}},
        ),
        ("openrouter", {"reasoning": {"enabled": True}}, {"reasoning": {"enabled": False}}),
    ],
)
def test_thinking_switch_per_provider(
    provider: str, thinking_on: dict[str, object], thinking_off: dict[str, object]
) -> None:
    with FakeNemotronServer(["t\n</think>\nA", "A"]) as server:
        llm = ChatNemotronOmni(
            provider=provider, base_url=server.base_url, api_key="key", model="nemotron"
        )
        on = llm.invoke("Q")
        off = llm.invoke("Q", thinking=False)
    first, second = (request.body for request in server.requests)
    for key, value in thinking_on.items():
        assert first[key] == value
    for key, value in thinking_off.items():
        assert second[key] == value
    assert on.content == "A"
    assert off.content == "A"
    assert server.requests[0].headers["authorization"] != "Bearer key"  # recorded redacted


def test_nvidia_flattens_system_and_assistant_lists() -> None:
    """The hosted API accepts list content only on user turns."""
    with FakeNemotronServer(["ok"]) as server:
        llm = ChatNemotronOmni(
            provider="nvidia", base_url=server.base_url, api_key="k", model="nemotron"
        )
        llm.invoke(
            [
                SystemMessage(content=[{"type": "text", "text": "Be brief."}]),
                HumanMessage(content=[{"type": "text", "text": "Hi"}]),
                AIMessage(content=[{"type": "text", "text": "Hello."}]),
                HumanMessage("Again"),
            ],
            thinking=False,
        )
    roles = {m["role"]: m["content"] for m in server.requests[0].body["messages"][:3]}
    assert roles == {
        "system": "Be brief.",
        "user": [{"type": "text", "text": "Hi"}],
        "assistant": "Hello.",
    }


def test_api_key_stays_out_of_logs(caplog: pytest.LogCaptureFixture) -> None:
    secret = "nvapi-do-not-log-me"
    with FakeNemotronServer(["t\n</think>\nA", "t\n</think>\nA"], api_key=secret) as server:
        llm = ChatNemotronOmni(
            provider="nvidia", base_url=server.base_url, api_key=secret, model="nemotron"
        )
        with caplog.at_level(logging.DEBUG):
            assert llm.invoke("Q").content == "A"
            assert "".join(str(c.content) for c in llm.stream("Q")) == "A"
    assert caplog.records, "expected the HTTP stack to log at DEBUG"
    assert secret not in caplog.text
    assert all(secret not in str(request.headers) for request in server.requests)


def test_wrong_key_is_a_typed_error() -> None:
    with FakeNemotronServer(["A"], api_key="right") as server:
        llm = ChatNemotronOmni(
            base_url=server.base_url, api_key="wrong", model="nemotron", max_retries=0
        )
        with pytest.raises(openai.AuthenticationError) as caught:
            llm.invoke("Q")
    assert "wrong" not in str(caught.value)
