"""Requests FakeNemotronServer refuses as vLLM or SGLang would, with their error bodies: bad
fields, media URLs, context length, unknown models, tool-call history."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import openai
import pytest

from langchain_nemotron_omni.testing import FakeNemotronServer
from langchain_nemotron_omni.testing._parsing import tokenize
from tests.integration.fake_server_http import PNG_URL, THOUGHT, USER, WEATHER_TOOL, error_of, post

if TYPE_CHECKING:
    from langchain_nemotron_omni.testing.pytest_plugin import FakeNemotronFactory


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
