"""FakeNemotronServer's replies over real loopback HTTP, read with httpx and the openai SDK:
bodies and stream chunks per flavor, usage, and a tool call streamed as vLLM streams it."""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

import openai
import pytest

from langchain_nemotron_omni.testing import FakeNemotronServer
from langchain_nemotron_omni.testing._parsing import tokenize
from tests.integration.fake_server_http import (
    THOUGHT,
    USER,
    WEATHER_TOOL,
    chunks_of,
    post,
    sse_lines,
)

if TYPE_CHECKING:
    from langchain_nemotron_omni.testing.pytest_plugin import FakeNemotronFactory


WEATHER_CALL = (
    "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
    "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>"
)


# -- reply shapes ---------------------------------------------------------------------------------


def test_non_streaming_body_has_every_vllm_field(server: FakeNemotronServer) -> None:
    server.add(THOUGHT)
    response = post(server)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    body = response.json()
    assert list(body) == [
        "id",
        "object",
        "created",
        "model",
        "choices",
        "service_tier",
        "system_fingerprint",
        "usage",
        "prompt_logprobs",
        "prompt_token_ids",
        "kv_transfer_params",
    ]
    assert re.fullmatch(r"chatcmpl-[0-9a-f]{16}", body["id"])
    assert body["object"] == "chat.completion"
    assert body["model"] == "nemotron"
    assert abs(body["created"] - time.time()) < 60
    (choice,) = body["choices"]
    assert list(choice) == [
        "index",
        "message",
        "logprobs",
        "finish_reason",
        "stop_reason",
        "token_ids",
    ]
    assert choice["finish_reason"] == "stop"
    assert choice["stop_reason"] is None
    message = choice["message"]
    assert message["role"] == "assistant"
    assert message["reasoning"] == "The user greets me.\n"
    assert message["content"] == "\nHello there!"
    assert "reasoning_content" not in message
    assert message["tool_calls"] == []
    usage = body["usage"]
    assert list(usage) == [
        "prompt_tokens",
        "total_tokens",
        "completion_tokens",
        "prompt_tokens_details",
    ]
    assert usage["completion_tokens"] == len(tokenize(THOUGHT))
    assert usage["prompt_tokens"] == len(tokenize(server.requests[0].prompt))
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    # Compact separators, like pydantic's model_dump_json.
    assert response.content.startswith(b'{"id":"chatcmpl-')


@pytest.mark.parametrize(
    ("flavor", "present", "absent"),
    [
        ("vllm", {"reasoning"}, {"reasoning_content"}),
        ("vllm-0.15", {"reasoning", "reasoning_content"}, set()),
        ("vllm-0.11", {"reasoning_content"}, {"reasoning"}),
        ("sglang", {"reasoning_content"}, {"reasoning"}),
    ],
)
def test_reasoning_field_names_per_flavor(
    fake_nemotron_factory: FakeNemotronFactory, flavor: str, present: set[str], absent: set[str]
) -> None:
    server = fake_nemotron_factory([THOUGHT, THOUGHT], flavor=flavor)
    message = post(server).json()["choices"][0]["message"]
    for name in present:
        assert message[name] == "The user greets me.\n"
    assert not absent & set(message)
    chunks = chunks_of(sse_lines(server))
    for name in present:
        streamed = "".join(c["choices"][0]["delta"].get(name) or "" for c in chunks)
        assert streamed == "The user greets me.\n"
    assert not any(absent & set(c["choices"][0]["delta"]) for c in chunks)


def test_raw_flavor_returns_the_text_verbatim(fake_nemotron_factory: FakeNemotronFactory) -> None:
    server = fake_nemotron_factory([THOUGHT], flavor="raw")
    message = post(server).json()["choices"][0]["message"]
    assert message["content"] == THOUGHT


def test_sglang_bodies_and_chunks(fake_nemotron_factory: FakeNemotronFactory) -> None:
    server = fake_nemotron_factory([THOUGHT, THOUGHT], flavor="sglang")
    body = post(server).json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["id"])
    assert list(body) == ["id", "object", "created", "model", "choices", "usage"]
    assert list(body["choices"][0]) == [
        "index",
        "message",
        "logprobs",
        "finish_reason",
        "matched_stop",
    ]
    chunks = chunks_of(sse_lines(server, stream_options={"include_usage": True}))
    first = chunks[0]
    assert first["usage"] is None
    assert first["choices"] == [
        {
            "index": 0,
            "delta": {
                "role": "assistant",
                "content": "",
                "reasoning_content": None,
                "tool_calls": None,
            },
            "logprobs": None,
            "finish_reason": None,
            "matched_stop": None,
        }
    ]
    final = chunks[-2]["choices"][0]
    assert final["finish_reason"] == "stop"
    assert "matched_stop" in final
    assert "stop_reason" not in final
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == len(tokenize(THOUGHT))


def test_stream_envelope_and_order(server: FakeNemotronServer) -> None:
    server.add(THOUGHT)
    lines = sse_lines(server)
    assert all(line.startswith('{"id":"chatcmpl-') for line in lines[:-1])
    chunks = chunks_of(lines)
    ids = {chunk["id"] for chunk in chunks}
    assert len(ids) == 1
    assert re.fullmatch(r"chatcmpl-[0-9a-f]{16}", ids.pop())
    assert {chunk["object"] for chunk in chunks} == {"chat.completion.chunk"}
    assert {chunk["model"] for chunk in chunks} == {"nemotron"}
    assert len({chunk["created"] for chunk in chunks}) == 1
    assert chunks[0]["choices"] == [
        {
            "index": 0,
            "delta": {"role": "assistant", "content": ""},
            "logprobs": None,
            "finish_reason": None,
        }
    ]
    for chunk in chunks[1:-1]:
        (choice,) = chunk["choices"]
        assert list(choice) == ["index", "delta", "logprobs", "finish_reason", "token_ids"]
        assert choice["finish_reason"] is None
        assert choice["delta"]
    (final,) = chunks[-1]["choices"]
    assert list(final) == [
        "index",
        "delta",
        "logprobs",
        "finish_reason",
        "stop_reason",
        "token_ids",
    ]
    assert final["finish_reason"] == "stop"
    assert "usage" not in chunks[-1]
    text = "".join(
        c["choices"][0]["delta"].get(k) or "" for c in chunks for k in ("reasoning", "content")
    )
    assert text == THOUGHT.replace("</think>", "")


def test_stream_usage_chunk_only_when_asked(server: FakeNemotronServer) -> None:
    server.add(THOUGHT, THOUGHT)
    without = chunks_of(sse_lines(server))
    assert all(chunk["choices"] for chunk in without)
    with_usage = chunks_of(sse_lines(server, stream_options={"include_usage": True}))
    last = with_usage[-1]
    assert last["choices"] == []
    assert list(last) == ["id", "object", "created", "model", "choices", "usage"]
    completion = len(tokenize(THOUGHT))
    prompt = server.requests[-1].prompt_tokens
    assert last["usage"] == {
        "prompt_tokens": prompt,
        "total_tokens": prompt + completion,
        "completion_tokens": completion,
    }


def test_continuous_usage_stats_count_tokens_so_far(server: FakeNemotronServer) -> None:
    server.add(THOUGHT)
    chunks = chunks_of(
        sse_lines(server, stream_options={"include_usage": True, "continuous_usage_stats": True})
    )
    counts = [chunk["usage"]["completion_tokens"] for chunk in chunks]
    assert counts[0] == 0
    assert counts == sorted(counts)
    assert counts[-1] == len(tokenize(THOUGHT))


def test_openai_sdk_reads_reasoning_and_stream(server: FakeNemotronServer) -> None:
    server.add(THOUGHT, THOUGHT)
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)
    reply = client.chat.completions.create(model="nemotron", messages=USER)
    assert reply.choices[0].message.content == "\nHello there!"
    assert reply.choices[0].message.model_extra == {"reasoning": "The user greets me.\n"}
    assert reply.usage is not None
    assert reply.usage.completion_tokens == len(tokenize(THOUGHT))
    stream = client.chat.completions.create(
        model="nemotron",
        messages=USER,
        stream=True,
        stream_options={"include_usage": True},
    )
    content, reasoning, usage = "", "", None
    for chunk in stream:
        for choice in chunk.choices:
            content += choice.delta.content or ""
            reasoning += (choice.delta.model_extra or {}).get("reasoning") or ""
        usage = chunk.usage or usage
    assert content == "\nHello there!"
    assert reasoning == "The user greets me.\n"
    assert usage is not None


def test_non_ascii_is_sent_as_utf8(server: FakeNemotronServer) -> None:
    server.add("Café?\n</think>\nUn café, s'il vous plaît ☕")
    response = post(server)
    assert "Un café, s'il vous plaît ☕".encode() in response.content
    assert response.json()["choices"][0]["message"]["content"] == "\nUn café, s'il vous plaît ☕"


def test_include_reasoning_false_drops_reasoning(server: FakeNemotronServer) -> None:
    server.add(THOUGHT, THOUGHT)
    message = post(server, include_reasoning=False).json()["choices"][0]["message"]
    assert message["reasoning"] is None
    assert message["content"] == "\nHello there!"
    chunks = chunks_of(sse_lines(server, include_reasoning=False))
    assert not any(c["choices"][0]["delta"].get("reasoning") for c in chunks)


# -- the section-6 wire example -------------------------------------------------------------------

SECTION6_TEXT = f"Need the weather.\n</think>\n{WEATHER_CALL}"


def deltas_raw(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c["choices"][0]["delta"] for c in chunks if c["choices"]]


def _normalise(delta: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(delta))
    for call in out.get("tool_calls", []):
        if "id" in call:
            call["id"] = "ID"
    return out


def test_section6_stream_is_reproduced(server: FakeNemotronServer) -> None:
    server.add(SECTION6_TEXT)
    chunks = chunks_of(sse_lines(server, tools=[WEATHER_TOOL]))
    deltas = [_normalise(c["choices"][0]["delta"]) for c in chunks]
    # Reasoning is cut where the tokenizer cuts; merge it before comparing.
    merged: list[dict[str, Any]] = []
    for delta in deltas:
        if merged and set(delta) == {"reasoning"} and set(merged[-1]) == {"reasoning"}:
            merged[-1] = {"reasoning": merged[-1]["reasoning"] + delta["reasoning"]}
        else:
            merged.append(delta)
    header = {"id": "ID", "type": "function", "index": 0}
    assert merged == [
        {"role": "assistant", "content": ""},
        {"reasoning": "Need the weather.\n"},
        {"content": "\n"},
        {"tool_calls": [{**header, "function": {"name": "get_weather", "arguments": ""}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": "{"}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '"city": "Paris"'}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": ', "days": 3'}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": "}"}}]},
        {},
    ]
    final = chunks[-1]["choices"][0]
    assert final["finish_reason"] == "tool_calls"
    assert final["stop_reason"] is None
    first_call = next(d["tool_calls"][0] for d in deltas_raw(chunks) if "tool_calls" in d)
    assert re.fullmatch(r"call_[0-9a-f]{24}", first_call["id"])


def test_section6_non_streaming_is_reproduced(server: FakeNemotronServer) -> None:
    server.add(f"The user wants the weather in Paris.\n</think>\n{WEATHER_CALL}")
    choice = post(server, tools=[WEATHER_TOOL]).json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    message = choice["message"]
    assert message["content"] is None
    assert message["reasoning"] == "The user wants the weather in Paris.\n"
    (call,) = message["tool_calls"]
    assert re.fullmatch(r"chatcmpl-tool-[0-9a-f]{16}", call["id"])
    assert call["type"] == "function"
    assert call["function"] == {
        "name": "get_weather",
        "arguments": '{"city": "Paris", "days": 3}',
    }
    assert set(message) == {
        "role",
        "content",
        "refusal",
        "annotations",
        "audio",
        "function_call",
        "tool_calls",
        "reasoning",
    }
