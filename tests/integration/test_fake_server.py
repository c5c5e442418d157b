"""FakeNemotronServer over real loopback HTTP, with httpx and the openai SDK."""

from __future__ import annotations

import base64
import http.client
import json
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import openai
import pytest

from langchain_nemotron_omni.testing import (
    FLAVORS,
    ChatRequest,
    FakeNemotronServer,
    HTTPFault,
    Reply,
    rate_limited,
)
from langchain_nemotron_omni.testing._parsing import tokenize

pytest_plugins = ["pytester"]

if TYPE_CHECKING:
    from collections.abc import Iterator

    from openai.types.chat import ChatCompletionMessageParam

    from langchain_nemotron_omni.testing.pytest_plugin import FakeNemotronFactory

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
WEATHER_CALL = (
    "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
    "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>"
)
PNG_URL = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()


@pytest.fixture
def server() -> Iterator[FakeNemotronServer]:
    with FakeNemotronServer() as fake:
        yield fake


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


# -- validation -----------------------------------------------------------------------------------


def test_empty_tools_array_is_refused(server: FakeNemotronServer) -> None:
    response = post(server, tools=[])
    assert response.status_code == 400
    error = error_of(response)
    assert "tools must not be an empty array" in error["message"]
    assert error["type"] == "Bad Request"
    assert error["param"] == "tools"


def test_stream_options_without_stream_is_refused(server: FakeNemotronServer) -> None:
    response = post(server, stream_options={"include_usage": True})
    assert response.status_code == 400
    error = error_of(response)
    assert "Stream options can only be defined when `stream=True`." in error["message"]
    assert error["param"] == "stream_options"


@pytest.mark.parametrize("key", ["tokenize", "chat_template"])
def test_reserved_chat_template_kwargs_are_refused(server: FakeNemotronServer, key: str) -> None:
    response = post(server, chat_template_kwargs={key: "x"})
    assert response.status_code == 400
    message = error_of(response)["message"]
    if key == "tokenize":
        assert message == "Found unexpected chat template kwargs from request: {'tokenize'}"
    else:
        assert "--trust-request-chat-template" in message


@pytest.mark.parametrize("part_type", ["file", "input_file", "document"])
def test_unknown_content_part_type_is_refused(server: FakeNemotronServer, part_type: str) -> None:
    part = {"type": part_type, part_type: {"file_data": "data:application/pdf;base64,JVBERi0="}}
    response = post(server, messages=[{"role": "user", "content": [part]}])
    assert response.status_code == 400
    error = error_of(response)
    assert error["type"] == "BadRequestError"
    assert error["message"].startswith(f"Unknown part type: {part_type}.")
    assert "image_url" in error["message"]


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("data:image/png;utf8,abc", 501, "Only base64 data URLs are supported for now."),
        ("data:image/png,abc", 400, "not enough values to unpack (expected 2, got 1)"),
        ("data:image/png;base64,@@@@", 400, "Invalid base64 data in data URL"),
        ("ftp://example.com/cat.png", 400, "The URL must be either a HTTP, data or file URL."),
        (
            "file:///etc/hostname",
            500,
            "Cannot load local files without --allowed-local-media-path.",
        ),
    ],
)
def test_media_urls_are_checked_like_vllm(
    server: FakeNemotronServer, url: str, status: int, message: str
) -> None:
    content = [
        {"type": "text", "text": "What is it?"},
        {"type": "image_url", "image_url": {"url": url}},
    ]
    response = post(server, messages=[{"role": "user", "content": content}])
    assert response.status_code == status
    assert message in error_of(response)["message"]


def test_local_media_allowed_under_the_configured_folder(
    fake_nemotron_factory: FakeNemotronFactory, tmp_path: Path
) -> None:
    image = tmp_path / "cat.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    server = fake_nemotron_factory(["ok"], allowed_local_media_path=tmp_path)
    inside = [{"type": "image_url", "image_url": {"url": image.as_uri()}}]
    assert post(server, messages=[{"role": "user", "content": inside}]).status_code == 200
    outside = [{"type": "image_url", "image_url": {"url": Path(__file__).resolve().as_uri()}}]
    response = post(server, messages=[{"role": "user", "content": outside}])
    assert response.status_code == 400
    assert "must be a subpath of `--allowed-local-media-path" in error_of(response)["message"]


def test_http_media_is_accepted_without_fetching(server: FakeNemotronServer) -> None:
    server.add("ok")
    content = [{"type": "image_url", "image_url": {"url": "https://example.invalid/cat.png"}}]
    assert post(server, messages=[{"role": "user", "content": content}]).status_code == 200


def test_auto_tool_choice_needs_a_tool_parser_on_raw(
    fake_nemotron_factory: FakeNemotronFactory,
) -> None:
    server = fake_nemotron_factory(["plain answer"], flavor="raw")
    for extra in ({}, {"tool_choice": "auto"}):
        response = post(server, tools=[WEATHER_TOOL], **extra)
        assert response.status_code == 400
        assert error_of(response)["message"] == (
            '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'
        )
    assert post(server, tools=[WEATHER_TOOL], tool_choice="none").status_code == 200


def test_context_length_is_checked(fake_nemotron_factory: FakeNemotronFactory) -> None:
    server = fake_nemotron_factory(["ok"], max_model_len=64)
    response = post(server, max_tokens=60)
    assert response.status_code == 400
    error = error_of(response)
    prompt = server.requests[-1].prompt_tokens
    assert prompt > 4
    assert error["message"] == (
        f"This model's maximum context length is 64 tokens. However, you requested 60 output "
        f"tokens and your prompt contains {prompt} input tokens, for a total of {prompt + 60} "
        "tokens. Please reduce the length of the input prompt or the number of requested "
        "output tokens."
    )
    assert error["param"] == "input_tokens"
    assert post(server, max_tokens=4).status_code == 200


def test_media_items_count_towards_the_prompt(server: FakeNemotronServer) -> None:
    server.add("ok")
    audio = base64.b64encode(b"RIFF....WAVE").decode()
    content = [
        {"type": "text", "text": "Describe both."},
        {"type": "image_url", "image_url": {"url": PNG_URL}},
        {"type": "input_audio", "input_audio": {"data": audio, "format": "wav"}},
    ]
    post(server, messages=[{"role": "user", "content": content}])
    request = server.requests[-1]
    assert "<|im_start|>user\n<image>\n<so_embedding>\nDescribe both.<|im_end|>" in request.prompt
    assert request.prompt_tokens == len(tokenize(request.prompt)) + 256 + 512


def test_unknown_model_is_404(server: FakeNemotronServer) -> None:
    response = post(server, model="gpt-4o")
    assert response.status_code == 404
    error = error_of(response)
    assert error == {
        "message": "The model `gpt-4o` does not exist.",
        "type": "NotFoundError",
        "param": "model",
        "code": 404,
    }


def test_several_served_names(fake_nemotron_factory: FakeNemotronFactory) -> None:
    server = fake_nemotron_factory(["a", "b"], model=["nemotron", "nemotron-alt"])
    assert post(server, model="nemotron-alt").json()["model"] == "nemotron-alt"
    assert post(server).json()["model"] == "nemotron"
    models = httpx.get(f"{server.base_url}/models").json()
    assert [card["id"] for card in models["data"]] == ["nemotron", "nemotron-alt"]


def test_unknown_fields_are_ignored_and_recorded(
    fake_nemotron_factory: FakeNemotronFactory,
) -> None:
    vllm = fake_nemotron_factory([THOUGHT])
    old = fake_nemotron_factory([THOUGHT], flavor="vllm-0.15")
    extra = {
        "thinking_token_budget": 3,
        "frobnicate": True,
        "chat_template_kwargs": {"reasoning_budget": 5, "enable_thinking": True},
    }
    assert post(vllm, **extra).status_code == 200
    assert post(old, **extra).status_code == 200
    assert vllm.requests[0].ignored_fields == (
        "frobnicate",
        "chat_template_kwargs.reasoning_budget",
    )
    assert old.requests[0].ignored_fields == (
        "thinking_token_budget",
        "frobnicate",
        "chat_template_kwargs.reasoning_budget",
    )


def test_continue_with_add_generation_prompt_is_refused(server: FakeNemotronServer) -> None:
    messages = [*USER, {"role": "assistant", "content": "Hel"}]
    explicit = post(
        server, messages=messages, continue_final_message=True, add_generation_prompt=True
    )
    assert explicit.status_code == 400
    assert (
        "Cannot set both `continue_final_message` and `add_generation_prompt`"
        in (error_of(explicit)["message"])
    )
    implicit = post(server, messages=messages, continue_final_message=True)
    assert implicit.status_code == 400
    assert "not compatible" in error_of(implicit)["message"]


def test_bad_json_and_missing_messages(server: FakeNemotronServer) -> None:
    url = f"{server.base_url}/chat/completions"
    bad = httpx.post(url, content=b"{not json", headers={"content-type": "application/json"})
    assert bad.status_code == 400
    assert error_of(bad)["message"].startswith("JSON decode error")
    missing = httpx.post(url, json={"model": "nemotron"})
    assert missing.status_code == 400
    assert "messages" in error_of(missing)["message"]


def test_sglang_checks_tool_call_pairing(fake_nemotron_factory: FakeNemotronFactory) -> None:
    server = fake_nemotron_factory(["ok"], flavor="sglang")
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": "{}"},
    }
    assistant = {"role": "assistant", "content": "", "tool_calls": [call]}
    wrong_id = [*USER, assistant, {"role": "tool", "tool_call_id": "call_9", "content": "sunny"}]
    response = post(server, messages=wrong_id, tools=[WEATHER_TOOL])
    assert response.status_code == 400
    assert response.json() == {
        "object": "error",
        "message": "tool_call_id 'call_9' does not match an unanswered tool call.",
        "type": "BadRequestError",
        "param": None,
        "code": 400,
    }
    unanswered = [*USER, assistant, {"role": "user", "content": "and?"}]
    response = post(server, messages=unanswered, tools=[WEATHER_TOOL])
    assert response.status_code == 400
    assert (
        response.json()["message"] == "Tool calls ['call_1'] have no tool message answering them."
    )
    fine = [*USER, assistant, {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]
    assert post(server, messages=fine, tools=[WEATHER_TOOL]).status_code == 200


def test_vllm_does_not_check_tool_call_ids(server: FakeNemotronServer) -> None:
    server.add("ok")
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": "{}"},
    }
    messages = [
        *USER,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_9", "content": "sunny"},
    ]
    assert post(server, messages=messages, tools=[WEATHER_TOOL]).status_code == 200


def test_openai_sdk_raises_bad_request(server: FakeNemotronServer) -> None:
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="nemotron", messages=USER, tools=[])
    assert caught.value.status_code == 400
    assert "tools must not be an empty array" in caught.value.message
    # Refused requests are recorded, without a rendered prompt.
    assert server.requests[-1].prompt == ""
    assert server.remaining == 0


# -- faults ---------------------------------------------------------------------------------------


def test_http_fault_default_and_custom_bodies(fake_nemotron_factory: FakeNemotronFactory) -> None:
    server = fake_nemotron_factory(
        [
            HTTPFault(503),
            HTTPFault(502, body="upstream down", headers={"X-Upstream": "gone"}),
            HTTPFault(400, body={"detail": "custom"}),
        ]
    )
    first = post(server)
    assert first.status_code == 503
    assert error_of(first)["type"] == "ServiceUnavailableError"
    second = post(server)
    assert second.status_code == 502
    assert second.text == "upstream down"
    assert second.headers["content-type"].startswith("text/plain")
    assert second.headers["x-upstream"] == "gone"
    third = post(server)
    assert third.status_code == 400
    assert third.json() == {"detail": "custom"}


def test_sglang_fault_body_is_flat(fake_nemotron_factory: FakeNemotronFactory) -> None:
    server = fake_nemotron_factory([HTTPFault(500)], flavor="sglang")
    body = post(server).json()
    assert body["object"] == "error"
    assert body["code"] == 500
    assert body["type"] == "InternalServerError"


def test_rate_limit_then_success_with_openai_retries(server: FakeNemotronServer) -> None:
    server.add(rate_limited(retry_after=0.2))
    raw = post(server)
    assert raw.status_code == 429
    assert raw.headers["retry-after"] == "0.2"
    server.add(rate_limited(retry_after=0.2), THOUGHT)
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=1)
    started = time.monotonic()
    reply = client.chat.completions.create(model="nemotron", messages=USER)
    assert time.monotonic() - started >= 0.2
    assert reply.choices[0].message.content == "\nHello there!"
    assert len(server.requests) == 3
    assert server.requests[-1].headers["x-stainless-retry-count"] == "1"


def test_stream_cut_mid_way_makes_clients_raise(server: FakeNemotronServer) -> None:
    server.add(Reply(THOUGHT, cut_after_chunks=2), Reply(THOUGHT, cut_after_chunks=2))
    received: list[bytes] = []
    with httpx.stream(
        "POST", f"{server.base_url}/chat/completions", json={"messages": USER, "stream": True}
    ) as response:
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            received.extend(response.iter_bytes())
    assert b'"role":"assistant"' in b"".join(received)
    assert b"[DONE]" not in b"".join(received)
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)
    stream = client.chat.completions.create(model="nemotron", messages=USER, stream=True)
    seen: list[Any] = []
    with pytest.raises(openai.APIConnectionError):
        seen.extend(stream)
    assert 1 <= len(seen) <= 2


def test_cut_non_streaming_reply_drops_the_connection(server: FakeNemotronServer) -> None:
    server.add(Reply(THOUGHT, cut_after_chunks=0))
    with pytest.raises(httpx.RemoteProtocolError):
        post(server)


def test_error_after_chunks_is_sent_in_band(server: FakeNemotronServer) -> None:
    server.add(Reply(THOUGHT, error_after_chunks=2, error_message="engine died"))
    lines = sse_lines(server)
    assert lines[-1] == "[DONE]"
    assert len(lines) == 4
    assert json.loads(lines[-2]) == {
        "error": {
            "message": "engine died",
            "type": "InternalServerError",
            "param": None,
            "code": 500,
        }
    }
    server.add(Reply(THOUGHT, error_after_chunks=1, error_message="engine died"))
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)
    with pytest.raises(openai.APIError, match="engine died"):
        list(client.chat.completions.create(model="nemotron", messages=USER, stream=True))
    server.add(Reply(THOUGHT, error_after_chunks=1, error_message="engine died"))
    response = post(server)
    assert response.status_code == 500
    assert error_of(response)["message"] == "engine died"


def test_delay_and_client_timeout(server: FakeNemotronServer) -> None:
    server.add(Reply(THOUGHT, delay=0.3), Reply(THOUGHT, delay=2.0))
    started = time.monotonic()
    assert post(server).status_code == 200
    assert time.monotonic() - started >= 0.3
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0, timeout=0.3)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="nemotron", messages=USER)


def test_slow_stream_spaces_out_chunks(server: FakeNemotronServer) -> None:
    server.add(Reply("a b\n</think>\nc", chunk_delay=0.05))
    with httpx.stream(
        "POST", f"{server.base_url}/chat/completions", json={"messages": USER, "stream": True}
    ) as response:
        arrivals = [time.monotonic() for line in response.iter_lines() if line]
    assert len(arrivals) >= 4
    assert arrivals[-1] - arrivals[0] >= 0.05 * (len(arrivals) - 2)


def test_script_exhaustion_is_a_clear_500(server: FakeNemotronServer) -> None:
    server.add(THOUGHT)
    assert post(server).status_code == 200
    response = post(server)
    assert response.status_code == 500
    error = error_of(response)
    assert error["message"] == "FakeNemotronServer script exhausted after 1 replies; add more items"
    assert error["type"] == "InternalServerError"


def test_responder_failure_is_a_500_and_recorded() -> None:
    def broken(request: ChatRequest) -> str:
        message = "boom"
        raise RuntimeError(message)

    with FakeNemotronServer(broken) as server:
        response = post(server)
    assert response.status_code == 500
    assert error_of(response)["message"] == "FakeNemotronServer failed: RuntimeError: boom"
    assert "RuntimeError: boom" in server.errors[0]


# -- auth, models, health -------------------------------------------------------------------------


def test_api_key_is_required_and_never_shown(fake_nemotron_factory: FakeNemotronFactory) -> None:
    server = fake_nemotron_factory([THOUGHT], api_key="s3cret-key")
    assert "s3cret" not in repr(server)
    assert repr(server) == f"FakeNemotronServer(flavor='vllm', base_url='{server.base_url}')"
    url = f"{server.base_url}/chat/completions"
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = httpx.post(url, json={"messages": USER}, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"error": "Unauthorized"}
    assert httpx.get(f"{server.base_url}/models").status_code == 401
    assert httpx.get(server.base_url.removesuffix("/v1") + "/health").status_code == 200
    client = openai.OpenAI(base_url=server.base_url, api_key="s3cret-key", max_retries=0)
    assert client.chat.completions.create(model="nemotron", messages=USER).choices
    (request,) = server.requests
    assert request.headers["authorization"] == "<redacted>"
    assert "s3cret" not in repr(request)


def test_models_endpoint(fake_nemotron_factory: FakeNemotronFactory) -> None:
    server = fake_nemotron_factory(model="nano-omni", max_model_len=4096)
    client = openai.OpenAI(base_url=server.base_url, api_key="x")
    (card,) = client.models.list().data
    assert card.id == "nano-omni"
    assert card.owned_by == "vllm"
    assert card.model_extra is not None
    assert card.model_extra["max_model_len"] == 4096
    health = httpx.get(server.base_url.removesuffix("/v1") + "/health")
    assert health.status_code == 200
    assert health.content == b""
    assert httpx.get(server.base_url.removesuffix("/v1") + "/nope").status_code == 404


def test_keep_alive_reuses_one_connection(server: FakeNemotronServer) -> None:
    server.add("one", "two")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    body = json.dumps({"messages": USER, "chat_template_kwargs": {"enable_thinking": False}})
    sockets = []
    for expected in ("one", "two"):
        conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
        sockets.append(conn.sock)
        response = conn.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["choices"][0]["message"]["content"] == expected
    assert sockets[0] is sockets[1]
    conn.close()


# -- the rendered prompt --------------------------------------------------------------------------


def _prompt(server: FakeNemotronServer, **body: Any) -> ChatRequest:
    server.add("ok")
    response = post(server, **body)
    assert response.status_code == 200, response.text
    return server.requests[-1]


def test_prompt_for_a_plain_chat(server: FakeNemotronServer) -> None:
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    request = _prompt(server, messages=messages)
    assert request.prompt == (
        "<|im_start|>system\nBe brief.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\n<think>\n"
    )
    assert request.thinking is True
    assert request.prompt_reasoning_open is True
    off = _prompt(server, chat_template_kwargs={"enable_thinking": False})
    assert off.prompt == (
        "<|im_start|>system\n<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\n<think></think>"
    )
    assert off.thinking is False
    assert off.prompt_reasoning_open is False


def test_server_default_kwargs_apply_under_the_request(
    fake_nemotron_factory: FakeNemotronFactory,
) -> None:
    server = fake_nemotron_factory(default_chat_template_kwargs={"enable_thinking": False})
    assert _prompt(server).prompt.endswith("<think></think>")
    assert _prompt(server).thinking is False
    request = _prompt(server, chat_template_kwargs={"enable_thinking": True})
    assert request.prompt.endswith("<think>\n")


READ = "I should look it up."


@pytest.mark.parametrize(
    ("flavor", "field", "read"),
    [
        ("vllm", "reasoning", True),
        ("vllm", "reasoning_content", False),
        ("raw", "reasoning_content", False),
        ("vllm-0.15", "reasoning", True),
        ("vllm-0.15", "reasoning_content", True),
        ("vllm-0.11", "reasoning_content", True),
        ("vllm-0.11", "reasoning", False),
        ("sglang", "reasoning_content", True),
        ("sglang", "reasoning", False),
    ],
)
def test_history_reasoning_field_read_per_flavor(
    fake_nemotron_factory: FakeNemotronFactory, flavor: str, field: str, *, read: bool
) -> None:
    server = fake_nemotron_factory(flavor=flavor)
    call = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    messages = [
        *USER,
        {"role": "assistant", "content": "", field: READ, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
    ]
    extra = {"tool_choice": "none"} if flavor == "raw" else {}
    request = _prompt(server, messages=messages, tools=[WEATHER_TOOL], **extra)
    assert (f"<think>\n{READ}\n</think>" in request.prompt) is read
    if not read:
        assert "<|im_start|>assistant\n<think></think>\n<tool_call>" in request.prompt


def test_truncate_history_thinking(server: FakeNemotronServer) -> None:
    messages = [
        {"role": "user", "content": "First?"},
        {"role": "assistant", "content": "One.", "reasoning": "OLD THOUGHT"},
        {"role": "user", "content": "Second?"},
    ]
    truncated = _prompt(server, messages=messages).prompt
    assert "OLD THOUGHT" not in truncated
    assert "<|im_start|>assistant\n<think></think>\nOne.<|im_end|>\n" in truncated
    kept = _prompt(
        server, messages=messages, chat_template_kwargs={"truncate_history_thinking": False}
    ).prompt
    assert "<|im_start|>assistant\n<think>\nOLD THOUGHT\n</think>\nOne.<|im_end|>\n" in kept


def test_tools_block_in_the_system_turn(server: FakeNemotronServer) -> None:
    messages = [{"role": "system", "content": "Sys."}, *USER]
    prompt = _prompt(server, messages=messages, tools=[WEATHER_TOOL]).prompt
    assert prompt.startswith(
        "<|im_start|>system\nSys.\n\n# Tools\n\nYou have access to the following functions:\n\n"
        "<tools>\n<function>\n<name>get_weather</name>\n"
        "<description>Get the weather forecast.</description>\n<parameters>\n"
        "<parameter>\n<name>city</name>\n<type>string</type>\n"
        "<description>City name</description>\n</parameter>\n"
        "<parameter>\n<name>days</name>\n<type>integer</type>\n</parameter>\n"
        '<required>["city"]</required>\n</parameters>\n</function>\n</tools>\n\n'
        "If you choose to call a function ONLY reply in the following format with NO suffix:"
    )
    assert "</IMPORTANT><|im_end|>\n<|im_start|>user\nHi<|im_end|>\n" in prompt


def test_tool_calls_and_grouped_tool_responses(server: FakeNemotronServer) -> None:
    calls = [
        {
            "id": f"c{i}",
            "type": "function",
            "function": {"name": "get_weather", "arguments": json.dumps({"city": c, "days": 3})},
        }
        for i, c in enumerate(["Paris", "Oslo"])
    ]
    messages = [
        *USER,
        {"role": "assistant", "content": None, "reasoning": "Two cities.", "tool_calls": calls},
        {"role": "tool", "tool_call_id": "c0", "content": "sunny"},
        {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "rain"}]},
    ]
    prompt = _prompt(server, messages=messages, tools=[WEATHER_TOOL]).prompt
    assert prompt.endswith(
        "<|im_start|>assistant\n<think>\nTwo cities.\n</think>\n"
        "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
        "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>\n"
        "<tool_call>\n<function=get_weather>\n<parameter=city>\nOslo\n</parameter>\n"
        "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>\n<|im_end|>\n"
        "<|im_start|>user\n<tool_response>\nsunny\n</tool_response>\n"
        "<tool_response>\nrain\n</tool_response>\n<|im_end|>\n"
        "<|im_start|>assistant\n<think>\n"
    )


def test_tool_call_arguments_must_decode(server: FakeNemotronServer) -> None:
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{oops"}}
    messages = [*USER, {"role": "assistant", "content": "", "tool_calls": [call]}]
    response = post(server, messages=messages, tools=[WEATHER_TOOL])
    assert response.status_code == 400
    assert "Expecting property name" in error_of(response)["message"]


def test_continue_final_message(server: FakeNemotronServer) -> None:
    messages = [*USER, {"role": "assistant", "content": "The answer is"}]
    request = _prompt(
        server, messages=messages, continue_final_message=True, add_generation_prompt=False
    )
    assert request.prompt.endswith("<|im_start|>assistant\n<think></think>The answer is")
    assert request.prompt_reasoning_open is False


def test_sglang_continue_final_message_appends_the_content(
    fake_nemotron_factory: FakeNemotronFactory,
) -> None:
    server = fake_nemotron_factory(flavor="sglang")
    messages = [*USER, {"role": "assistant", "content": "The answer is", "reasoning_content": "r"}]
    request = _prompt(
        server,
        messages=messages,
        continue_final_message=True,
        chat_template_kwargs={"enable_thinking": False},
    )
    assert request.prompt.endswith(
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think></think>The answer is"
    )


# -- generation options ---------------------------------------------------------------------------

PLAIN = "one two three four five six"
NO_THINK = {"chat_template_kwargs": {"enable_thinking": False}}


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_max_tokens_truncates(server: FakeNemotronServer, field: str) -> None:
    server.add(PLAIN, PLAIN)
    choice = post(server, **NO_THINK, **{field: 3}).json()["choices"][0]
    assert choice["finish_reason"] == "length"
    expected = "".join(tokenize(PLAIN)[:3])
    assert expected != PLAIN
    assert choice["message"]["content"] == expected
    chunks = chunks_of(
        sse_lines(server, **NO_THINK, stream_options={"include_usage": True}, **{field: 3})
    )
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"
    assert chunks[-1]["usage"]["completion_tokens"] == 3
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[:-1])
    assert text == expected


def test_truncated_reasoning_stays_reasoning(server: FakeNemotronServer) -> None:
    server.add(THOUGHT)
    message = post(server, max_tokens=2).json()["choices"][0]["message"]
    assert message["reasoning"] == "".join(tokenize(THOUGHT)[:2])
    assert message["content"] is None


def test_stop_strings(server: FakeNemotronServer) -> None:
    server.add("Hello world. STOP here. END", "Hello world. STOP here. END")
    choice = post(server, **NO_THINK, stop=["END", "STOP"]).json()["choices"][0]
    assert choice["message"]["content"] == "Hello world. "
    assert choice["finish_reason"] == "stop"
    assert choice["stop_reason"] == "STOP"
    chunks = chunks_of(sse_lines(server, **NO_THINK, stop="STOP"))
    assert chunks[-1]["choices"][0]["stop_reason"] == "STOP"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text == "Hello world. "


def test_thinking_token_budget_forces_the_end_of_thinking(server: FakeNemotronServer) -> None:
    thought = "alpha beta gamma delta epsilon zeta"
    server.add(f"{thought}\n</think>\nAnswer.", f"{thought}\n</think>\nAnswer.")
    message = post(server, thinking_token_budget=3).json()["choices"][0]["message"]
    kept = "".join(tokenize(thought)[:3])
    assert kept != thought
    assert message["reasoning"] == kept + "\n"
    assert message["content"] == "\nAnswer."
    generous = post(server, thinking_token_budget=1000).json()["choices"][0]["message"]
    assert generous["reasoning"] == thought + "\n"


def test_thinking_token_budget_per_flavor(fake_nemotron_factory: FakeNemotronFactory) -> None:
    text = "alpha beta gamma delta\n</think>\nAnswer."
    old = fake_nemotron_factory([text], flavor="vllm-0.15")
    message = post(old, thinking_token_budget=1).json()["choices"][0]["message"]
    assert message["reasoning"] == "alpha beta gamma delta\n"
    raw = fake_nemotron_factory([text], flavor="raw")
    response = post(raw, thinking_token_budget=1)
    assert response.status_code == 400
    assert (
        "thinking_token_budget is set but reasoning_config is not configured"
        in (error_of(response)["message"])
    )


# -- concurrency, scripts, fixtures ---------------------------------------------------------------


def test_twenty_parallel_requests(server: FakeNemotronServer) -> None:
    answers = [f"Answer number {i}." for i in range(20)]
    server.add(*answers)
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)

    def ask(i: int) -> str:
        stream = i % 2 == 1
        kwargs: dict[str, Any] = {"extra_body": NO_THINK}
        if stream:
            parts = client.chat.completions.create(
                model="nemotron",
                messages=USER,
                stream=True,
                **kwargs,
            )
            return "".join(c.choices[0].delta.content or "" for c in parts if c.choices)
        reply = client.chat.completions.create(model="nemotron", messages=USER, **kwargs)
        return reply.choices[0].message.content or ""

    barrier = threading.Barrier(20)

    def ask_together(i: int) -> str:
        barrier.wait(timeout=10)
        return ask(i)

    with ThreadPoolExecutor(max_workers=20) as pool:
        got = list(pool.map(ask_together, range(20)))
    assert sorted(got) == sorted(answers)
    assert len(server.requests) == 20
    assert server.remaining == 0
    assert server.errors == []


def test_callable_script_sees_the_request() -> None:
    seen: list[ChatRequest] = []

    def respond(request: ChatRequest) -> str:
        seen.append(request)
        return f"Echo: {request.last_user_text}"

    with FakeNemotronServer(respond, flavor="raw") as server:
        content = [
            {"type": "text", "text": "look"},
            {"type": "image_url", "image_url": {"url": PNG_URL}},
        ]
        body = post(server, messages=[{"role": "user", "content": content}]).json()
        with pytest.raises(TypeError):
            server.add("more")
    assert body["choices"][0]["message"]["content"] == "Echo: look"
    (request,) = seen
    assert request.path == "/v1/chat/completions"
    assert request.stream is False
    assert request.tools is None
    assert request.messages[0]["content"][1]["type"] == "image_url"


def test_script_items_are_type_checked() -> None:
    with pytest.raises(TypeError, match="script items must be str, Reply or HTTPFault"):
        FakeNemotronServer([42])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="unknown flavor"):
        FakeNemotronServer(flavor="tgi")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not both"):
        Reply("x", cut_after_chunks=1, error_after_chunks=1)
    with pytest.raises(ValueError, match="4xx or 5xx"):
        HTTPFault(200)


def test_lifecycle(server: FakeNemotronServer) -> None:
    assert FLAVORS == ("vllm", "vllm-0.15", "vllm-0.11", "sglang", "raw")
    fresh = FakeNemotronServer()
    assert repr(fresh) == "FakeNemotronServer(flavor='vllm', base_url='not started')"
    with pytest.raises(RuntimeError):
        _ = fresh.base_url
    fresh.start()
    port = fresh.port
    with pytest.raises(RuntimeError, match="already running"):
        fresh.start()
    fresh.stop()
    fresh.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)


def test_fake_nemotron_fixture(fake_nemotron: FakeNemotronServer) -> None:
    assert fake_nemotron.flavor == "vllm"
    assert fake_nemotron.remaining == 0
    fake_nemotron.add(THOUGHT)
    assert post(fake_nemotron).json()["choices"][0]["message"]["content"] == "\nHello there!"


@pytest.mark.parametrize(
    "fake_nemotron", ["sglang", {"flavor": "vllm-0.11", "model": "m"}], indirect=True
)
def test_fake_nemotron_fixture_indirect(fake_nemotron: FakeNemotronServer) -> None:
    assert fake_nemotron.flavor in {"sglang", "vllm-0.11"}
    fake_nemotron.add(THOUGHT)
    message = post(fake_nemotron, model=fake_nemotron.model).json()["choices"][0]["message"]
    assert message["reasoning_content"] == "The user greets me.\n"


def test_factory_stops_servers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        pytest_plugins = ["langchain_nemotron_omni.testing.pytest_plugin"]

        PORTS = []

        def test_start(fake_nemotron_factory):
            a = fake_nemotron_factory(["x"])
            b = fake_nemotron_factory(flavor="sglang")
            assert a.port != b.port
            PORTS.extend([a.port, b.port])
            assert httpx.get(a.base_url + "/models").status_code == 200

        def test_stopped():
            for port in PORTS:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                except httpx.ConnectError:
                    continue
                raise AssertionError(f"port {port} still serving")
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(passed=2)


# -- python -m langchain_nemotron_omni.testing ----------------------------------------------------


def _run_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(  # noqa: S603  # our own module, fixed arguments
        [sys.executable, "-m", "langchain_nemotron_omni.testing", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", line), (
        proc.stderr.read() if proc.stderr else ""
    )
    return proc, line


def test_module_cli_echo() -> None:
    proc, base_url = _run_cli("--flavor", "vllm")
    try:
        client = openai.OpenAI(base_url=base_url, api_key="x", max_retries=0)
        reply = client.chat.completions.create(
            model="nemotron", messages=[{"role": "user", "content": "ping 42"}]
        )
        assert reply.choices[0].message.content == '\nYou said: "ping 42"'
        assert reply.choices[0].message.model_extra == {
            "reasoning": "The user wants their message echoed back.\n"
        }
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_module_cli_script_file(tmp_path: Path) -> None:
    script = tmp_path / "replies.txt"
    script.write_text("First thought.\n</think>\nFirst.\n---\nSecond.\n</think>\nTwo\nlines.\n")
    proc, base_url = _run_cli("--script", str(script), "--flavor", "sglang", "--api-key", "k")
    try:
        client = openai.OpenAI(base_url=base_url, api_key="k", max_retries=0)
        got = [
            client.chat.completions.create(model="nemotron", messages=USER)
            .choices[0]
            .message.content
            for _ in range(2)
        ]
        assert got == ["\nFirst.", "\nTwo\nlines."]
        with pytest.raises(openai.InternalServerError, match="script exhausted after 2 replies"):
            client.chat.completions.create(model="nemotron", messages=USER)
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
