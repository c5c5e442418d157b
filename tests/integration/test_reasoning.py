"""Reasoning end to end over HTTP, on every server flavor: read, shaped, streamed, echoed."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)

from langchain_nemotron_omni import ChatNemotronOmni, ReasoningExhaustedWarning
from langchain_nemotron_omni.testing import FLAVORS, FakeNemotronServer
from tests.streams import collect

THOUGHT_AND_ANSWER = "The user greets me.\nI should greet back.\n</think>\nHello there!\n"
PROVIDER_FOR_FLAVOR = {
    "vllm": "vllm",
    "vllm-0.15": "vllm",
    "vllm-0.11": "vllm",
    "sglang": "sglang",
    "raw": "vllm",
}


def make_llm(server: FakeNemotronServer, **kwargs: Any) -> ChatNemotronOmni:
    flavor = server.flavor
    params: dict[str, Any] = {
        "provider": PROVIDER_FOR_FLAVOR[flavor],
        "base_url": server.base_url,
        "model": "nemotron",
        "max_retries": 0,
    }
    if flavor == "raw":
        params["reasoning_parser"] = "client"
    return ChatNemotronOmni(**{**params, **kwargs})


@pytest.fixture(params=FLAVORS)
def server(request: pytest.FixtureRequest) -> Any:
    with FakeNemotronServer(flavor=request.param) as fake:
        yield fake


def test_invoke_separates_reasoning_from_answer(server: FakeNemotronServer) -> None:
    server.add(THOUGHT_AND_ANSWER)
    reply = make_llm(server).invoke("Hi")
    assert reply.content == "Hello there!"
    assert (
        reply.additional_kwargs["reasoning_content"] == "The user greets me.\nI should greet back."
    )
    assert reply.content_blocks[0] == {
        "type": "reasoning",
        "reasoning": "The user greets me.\nI should greet back.",
    }
    assert reply.content_blocks[1] == {"type": "text", "text": "Hello there!"}
    assert reply.response_metadata["model_provider"] == "nemotron"
    assert reply.response_metadata["finish_reason"] == "stop"


def test_stream_gives_the_same_message_as_invoke(server: FakeNemotronServer) -> None:
    server.add(THOUGHT_AND_ANSWER, THOUGHT_AND_ANSWER)
    llm = make_llm(server)
    whole = llm.invoke("Hi")
    chunks = list(llm.stream("Hi"))
    assert len(chunks) > 3
    full = collect(chunks)
    assert full.content == whole.content
    assert (
        full.additional_kwargs["reasoning_content"] == whole.additional_kwargs["reasoning_content"]
    )
    assert full.response_metadata["finish_reason"] == "stop"
    assert full.usage_metadata is not None
    assert full.usage_metadata["output_tokens"] > 0


async def test_async_invoke_and_stream(server: FakeNemotronServer) -> None:
    server.add(THOUGHT_AND_ANSWER, THOUGHT_AND_ANSWER)
    llm = make_llm(server)
    whole = await llm.ainvoke("Hi")
    chunks = [chunk async for chunk in llm.astream("Hi")]
    full = collect(chunks)
    assert whole.content == full.content == "Hello there!"
    assert (
        full.additional_kwargs["reasoning_content"] == whole.additional_kwargs["reasoning_content"]
    )


def test_thinking_is_sent_explicitly_every_request(server: FakeNemotronServer) -> None:
    server.add("Plain answer.", "Thought.\n</think>\nAnswer.", "Plain again.")
    llm = make_llm(server, thinking=False)
    assert llm.invoke("Hi").content == "Plain answer."
    assert llm.invoke("Hi", thinking=True).content == "Answer."
    assert llm.invoke("Hi").content == "Plain again."
    sent = [request.body["chat_template_kwargs"]["enable_thinking"] for request in server.requests]
    assert sent == [False, True, False]
    assert server.requests[0].prompt.endswith("<|im_start|>assistant\n<think></think>")
    assert server.requests[1].prompt.endswith("<|im_start|>assistant\n<think>\n")


def test_thinking_off_answer_has_no_reasoning(server: FakeNemotronServer) -> None:
    server.add("Just the answer.", "Just the answer.")
    llm = make_llm(server, thinking=False)
    reply = llm.invoke("Hi")
    full = collect(list(llm.stream("Hi")))
    for message in (reply, full):
        assert message.content == "Just the answer."
        assert "reasoning_content" not in message.additional_kwargs


def test_server_default_thinking_off_is_overridden() -> None:
    """vLLM's parser ignores server defaults, so the client must always send the flag."""
    with FakeNemotronServer(
        ["Thought.\n</think>\nAnswer."],
        default_chat_template_kwargs={"enable_thinking": False},
    ) as server:
        reply = make_llm(server).invoke("Hi")
    assert reply.content == "Answer."
    assert reply.additional_kwargs["reasoning_content"] == "Thought."


@pytest.mark.parametrize("flavor", ["vllm", "vllm-0.15", "vllm-0.11"])
def test_thinking_off_answer_landing_in_reasoning_is_the_answer(flavor: str) -> None:
    """The model leaks `</think>` with thinking off: vLLM labels the answer as reasoning."""
    leaked = "The answer is 4.\n</think>\n"
    with FakeNemotronServer([leaked, leaked], flavor=flavor) as server:  # type: ignore[arg-type]
        llm = make_llm(server, thinking=False)
        reply = llm.invoke("2+2?")
        full = collect(list(llm.stream("2+2?")))
    assert reply.content == "The answer is 4."
    assert "reasoning_content" not in reply.additional_kwargs
    assert full.content == "The answer is 4."


def test_reasoning_that_eats_max_tokens_warns(server: FakeNemotronServer) -> None:
    long_thought = "I need to think about this for a long time. " * 20 + "\n</think>\nDone."
    server.add(long_thought, long_thought)
    llm = make_llm(server, max_tokens=12)
    with pytest.warns(ReasoningExhaustedWarning, match=r"max_tokens=12") as caught:
        reply = llm.invoke("Think hard")
    assert "reasoning_budget" in str(caught[0].message)
    assert reply.content == ""
    assert reply.additional_kwargs["reasoning_content"].startswith("I need to think")
    assert reply.response_metadata["finish_reason"] == "length"
    assert reply.response_metadata["reasoning_exhausted"] is True
    with pytest.warns(ReasoningExhaustedWarning, match=r"max_tokens=12"):
        full = collect(list(llm.stream("Think hard")))
    assert full.content == ""
    assert full.response_metadata["finish_reason"] == "length"


def test_a_complete_answer_does_not_warn(server: FakeNemotronServer) -> None:
    server.add(THOUGHT_AND_ANSWER)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReasoningExhaustedWarning)
        make_llm(server).invoke("Hi")


def _tool_loop(reasoning: str) -> list[BaseMessage]:
    return [
        HumanMessage("Earlier question"),
        AIMessage("Earlier answer", additional_kwargs={"reasoning_content": "OLD THOUGHT"}),
        HumanMessage("Weather in Paris?"),
        AIMessage(
            "",
            additional_kwargs={"reasoning_content": reasoning},
            tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}],
        ),
        ToolMessage("Sunny, 21C", tool_call_id="call_1"),
    ]


def test_tool_loop_reasoning_is_read_by_the_server(server: FakeNemotronServer) -> None:
    server.add("Now I can answer.\n</think>\nIt is sunny in Paris.")
    reply = make_llm(server).invoke(_tool_loop("CURRENT THOUGHT about the weather"))
    assert reply.content == "It is sunny in Paris."
    request = server.requests[-1]
    assistant = [m for m in request.body["messages"] if m["role"] == "assistant"]
    # The earlier turn's thought is not sent; the template would drop it anyway.
    assert not any("OLD THOUGHT" in str(m) for m in assistant)
    # The server actually rendered the current thought into the prompt.
    assert "<think>\nCURRENT THOUGHT about the weather\n</think>" in request.prompt
    assert "OLD THOUGHT" not in request.prompt


def test_v1_reasoning_blocks_are_echoed(server: FakeNemotronServer) -> None:
    server.add("ok\n</think>\nDone.")
    history = _tool_loop("unused")
    history[3] = AIMessage(
        content=[{"type": "reasoning", "reasoning": "V1 THOUGHT"}],
        tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}],
    )
    make_llm(server).invoke(history)
    assert "<think>\nV1 THOUGHT\n</think>" in server.requests[-1].prompt


def test_reasoning_field_names_per_provider() -> None:
    with FakeNemotronServer(["a\n</think>\nb"] * 3) as server:
        for provider, fields in (
            ("vllm", {"reasoning", "reasoning_content"}),
            ("sglang", {"reasoning_content"}),
            ("openrouter", {"reasoning"}),
        ):
            llm = ChatNemotronOmni(
                provider=provider, base_url=server.base_url, api_key="k", model="nemotron"
            )
            llm.invoke(_tool_loop("T"))
            assistant = [
                m for m in server.requests[-1].body["messages"] if m["role"] == "assistant"
            ]
            echoed = {key for key in ("reasoning", "reasoning_content") if key in assistant[-1]}
            assert echoed == fields, provider


def test_v1_stream_indices_do_not_collide() -> None:
    script = (
        "Need the weather.\n</think>\n<tool_call>\n<function=get_weather>\n"
        "<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>\n"
    )
    with FakeNemotronServer([script]) as server:
        llm = make_llm(server, output_version="v1").bind_tools(
            [
                {
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "description": "Weather for a city",
                        "parameters": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                            "required": ["city"],
                        },
                    },
                }
            ]
        )
        full = collect(list(llm.stream("Weather in Paris?")))
    assert full.tool_calls == [
        {
            "name": "get_weather",
            "args": {"city": "Paris"},
            "id": full.tool_calls[0]["id"],
            "type": "tool_call",
        }
    ]
    blocks = full.content
    assert isinstance(blocks, list)
    types = [block["type"] for block in blocks if isinstance(block, dict)]
    assert types == ["reasoning", "tool_call"], blocks
    reasoning = blocks[0]
    assert isinstance(reasoning, dict)
    assert reasoning["reasoning"] == "Need the weather."
    assert "name" not in reasoning  # not merged with the tool call


def test_every_turns_reasoning_goes_back_when_the_template_keeps_it() -> None:
    with FakeNemotronServer(["ok\n</think>\nDone."]) as server:
        llm = make_llm(
            server, extra_body={"chat_template_kwargs": {"truncate_history_thinking": False}}
        )
        llm.invoke(_tool_loop("CURRENT THOUGHT"))
    prompt = server.requests[0].prompt
    assert "<think>\nOLD THOUGHT\n</think>" in prompt
    assert "<think>\nCURRENT THOUGHT\n</think>" in prompt
