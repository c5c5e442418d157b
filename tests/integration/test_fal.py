"""provider="fal": fal's queue protocol, step by step, over real HTTP on loopback."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.chat_models import FAL_QUEUE_EVENT
from langchain_nemotron_omni.errors import ReasoningExhaustedWarning
from langchain_nemotron_omni.fal import (
    FalAuthenticationError,
    FalError,
    FalInputError,
    FalTimeoutError,
)
from langchain_nemotron_omni.testing.fal_server import FakeFalServer, FalReply
from tests.streams import WEATHER_TOOL

KEY = "fal-key-0123456789"


class Progress(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        if name == FAL_QUEUE_EVENT:
            self.events.append(data)


def _llm(server: FakeFalServer, **kwargs: Any) -> ChatNemotronOmni:
    return ChatNemotronOmni(provider="fal", base_url=server.base_url, api_key=KEY, **kwargs)


def test_queue_walk_with_progress_and_reasoning() -> None:
    reply = FalReply("The user wants a haiku.\n</think>\nSoft rain on the roof.", queue_polls=2)
    with FakeFalServer([reply], api_key=KEY) as server:
        progress = Progress()
        message = _llm(server).invoke(
            [SystemMessage("Be poetic."), HumanMessage("A haiku, please.")],
            config={"callbacks": [progress]},
        )
        submission = server.submissions[0]
    assert message.content == "Soft rain on the roof."
    assert message.additional_kwargs["reasoning_content"] == "The user wants a haiku."
    assert submission.model == "nvidia/nemotron-3-nano-omni"
    assert submission.subpath == ""
    assert submission.payload == {
        "prompt": "A haiku, please.",
        "reasoning_mode": "think",
        "system_prompt": "Be poetic.",
    }
    assert submission.statuses == [
        "IN_QUEUE",
        "IN_QUEUE",
        "IN_PROGRESS",
        "IN_PROGRESS",
        "COMPLETED",
    ]
    assert [e["status"] for e in progress.events] == submission.statuses
    assert [e["queue_position"] for e in progress.events[:2]] == [1, 0]
    logs = [line for e in progress.events for line in e["logs"]]
    assert logs == ["Loading model", "Generating"]


def test_thinking_off_and_sampling_fields() -> None:
    with FakeFalServer([FalReply("Direct answer.", queue_polls=0, logs=())], api_key=KEY) as server:
        message = _llm(server, thinking=False, max_tokens=256, temperature=0.2, top_p=0.9).invoke(
            "Q"
        )
        payload = server.submissions[0].payload
    assert message.content == "Direct answer."
    assert "reasoning_content" not in message.additional_kwargs
    assert payload["reasoning_mode"] == "no_think"
    assert (payload["max_tokens"], payload["temperature"], payload["top_p"]) == (256, 0.2, 0.9)


def test_history_becomes_a_transcript() -> None:
    with FakeFalServer([FalReply("Paris.", queue_polls=0, logs=())], api_key=KEY) as server:
        _llm(server, thinking=False).invoke(
            [HumanMessage("Capital of Italy?"), AIMessage("Rome."), HumanMessage("And France?")]
        )
        prompt = server.submissions[0].payload["prompt"]
    assert prompt == (
        "Conversation so far:\nUser: Capital of Italy?\n\nAssistant: Rome.\n\nUser: And France?"
    )


def test_one_video_goes_to_the_video_endpoint() -> None:
    with FakeFalServer([FalReply("A cat.", queue_polls=0, logs=())], api_key=KEY) as server:
        _llm(server, thinking=False).invoke(
            [
                HumanMessage(
                    content=[
                        {"type": "text", "text": "What happens?"},
                        {"type": "video_url", "video_url": {"url": "https://example.com/c.mp4"}},
                    ]
                )
            ]
        )
        submission = server.submissions[0]
    assert submission.subpath == "video"
    assert submission.payload["video_url"] == "https://example.com/c.mp4"
    assert submission.payload["prompt"] == "What happens?"


@pytest.mark.parametrize(
    ("parts", "match"),
    [
        (
            [
                {"type": "video_url", "video_url": {"url": "https://e.com/a.mp4"}},
                {"type": "video_url", "video_url": {"url": "https://e.com/b.mp4"}},
            ],
            "one video per request",
        ),
        (
            [{"type": "image_url", "image_url": {"url": "https://e.com/a.png"}}],
            "text and one video",
        ),
    ],
)
def test_what_fal_cannot_take_is_refused_before_sending(
    parts: list[dict[str, Any]], match: str
) -> None:
    with FakeFalServer([], api_key=KEY) as server:
        message = HumanMessage(content=[{"type": "text", "text": "?"}, *parts])
        with pytest.raises(FalInputError, match=match):
            _llm(server).invoke([message])
        assert server.submissions == []


def test_failed_request_carries_fals_message() -> None:
    reply = FalReply(error="CUDA out of memory", queue_polls=0, logs=())
    with (
        FakeFalServer([reply], api_key=KEY) as server,
        pytest.raises(FalError, match="CUDA out of memory"),
    ):
        _llm(server).invoke("Q")


def test_timeout_cancels_the_request_and_does_not_hang() -> None:
    reply = FalReply(never_finishes=True, queue_polls=0)
    with FakeFalServer([reply], api_key=KEY) as server:
        start = time.monotonic()
        with pytest.raises(FalTimeoutError, match="cancelled"):
            _llm(server, timeout=1.0).invoke("Q")
        assert time.monotonic() - start < 4
        assert server.submissions[0].cancelled is True


def test_wrong_key_is_an_authentication_error_without_the_key() -> None:
    with FakeFalServer([FalReply("x")], api_key=KEY) as server:
        llm = ChatNemotronOmni(provider="fal", base_url=server.base_url, api_key="wrong-key")
        with pytest.raises(FalAuthenticationError, match="FAL_KEY") as caught:
            llm.invoke("Q")
    assert "wrong-key" not in str(caught.value)
    assert "wrong-key" not in repr(llm)


async def test_async_and_stream() -> None:
    replies = [FalReply("T.\n</think>\nA.", queue_polls=1, logs=("go",))] * 2
    with FakeFalServer(replies, api_key=KEY) as server:
        llm = _llm(server)
        message = await llm.ainvoke("Q")
        chunks = [chunk async for chunk in llm.astream("Q")]
    assert message.content == "A."
    assert len(chunks) >= 1
    assert "".join(str(c.content) for c in chunks) == "A."
    assert chunks[0].additional_kwargs["reasoning_content"] == "T."


def test_tools_go_into_the_prompt_and_calls_come_back_parsed() -> None:
    call = (
        "The user wants weather.\n</think>\n<tool_call>\n<function=get_weather>\n"
        "<parameter=city>\nParis\n</parameter>\n<parameter=days>\n2\n</parameter>\n"
        "</function>\n</tool_call>\n"
    )
    with FakeFalServer([FalReply(call, queue_polls=0, logs=())], api_key=KEY) as server:
        reply = _llm(server).bind_tools([WEATHER_TOOL]).invoke("Weather in Paris?")
        payload = server.submissions[0].payload
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [
        ("get_weather", {"city": "Paris", "days": 2})
    ]
    assert reply.content == ""
    assert payload["system_prompt"].startswith("# Tools")
    assert "<name>get_weather</name>" in payload["system_prompt"]


def test_tool_history_is_written_into_the_transcript() -> None:
    history = [
        HumanMessage("Weather in Paris?"),
        AIMessage("", tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "c1"}]),
        ToolMessage("Sunny, 21C", tool_call_id="c1"),
    ]
    with FakeFalServer([FalReply("It is sunny.", queue_polls=0, logs=())], api_key=KEY) as server:
        reply = _llm(server, thinking=False).bind_tools([WEATHER_TOOL]).invoke(history)
        prompt = server.submissions[0].payload["prompt"]
    assert reply.content == "It is sunny."
    assert "<function=get_weather>\n<parameter=city>\nParis\n</parameter>" in prompt
    assert "<tool_response>\nSunny, 21C\n</tool_response>" in prompt


def test_result_fields_as_fals_schema_names_them() -> None:
    replies = [
        FalReply("Long thought that never", queue_polls=0, logs=(), finish_reason="length"),
        FalReply("Short.\n</think>\nDone.", queue_polls=0, logs=()),
    ]
    with FakeFalServer(replies, api_key=KEY) as server:
        llm = _llm(server, max_tokens=4)
        with pytest.warns(ReasoningExhaustedWarning, match="max_tokens=4"):
            cut = llm.invoke("Q")
        done = llm.invoke("Q")
    assert cut.response_metadata["finish_reason"] == "length"
    assert cut.content == ""
    assert cut.additional_kwargs["reasoning_content"] == "Long thought that never"
    assert done.response_metadata["finish_reason"] == "stop"
    assert done.usage_metadata is not None
    assert done.usage_metadata["output_tokens"] == 3  # the fake counts words
    assert done.usage_metadata["input_tokens"] == 1


def test_status_polls_are_retried_over_one_pooled_connection() -> None:
    replies = [FalReply("A.", queue_polls=1, logs=("go",), status_failures=2)] * 2
    with FakeFalServer(replies, api_key=KEY) as server:
        llm = _llm(server, thinking=False, max_retries=2)
        assert llm.invoke("Q").content == "A."
        assert llm.invoke("Q").content == "A."
        assert [s.failed_polls for s in server.submissions] == [2, 2]
        assert server.submissions[0].statuses == ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]
    # Every request of both calls came over one kept-alive connection.
    assert len(server.connections) == 1


async def test_async_calls_share_a_connection_too() -> None:
    replies = [FalReply("A.", queue_polls=0, logs=())] * 3
    with FakeFalServer(replies, api_key=KEY) as server:
        llm = _llm(server, thinking=False)
        for _ in range(3):
            assert (await llm.ainvoke("Q")).content == "A."
    assert len(server.connections) == 1


def test_polls_that_keep_failing_give_up_with_fals_message() -> None:
    reply = FalReply("A.", queue_polls=0, status_failures=10)
    with (
        FakeFalServer([reply], api_key=KEY) as server,
        pytest.raises(FalError, match="503") as caught,
    ):
        _llm(server, max_retries=1).invoke("Q")
    assert caught.value.status_code == 503
