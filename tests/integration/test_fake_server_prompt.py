"""The prompt FakeNemotronServer renders from a request as the model's chat template does:
thinking on or off, history reasoning per flavor, tools, tool calls and responses."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer
from tests.integration.fake_server_http import USER, WEATHER_TOOL, error_of, post

if TYPE_CHECKING:
    from langchain_nemotron_omni.testing.pytest_plugin import FakeNemotronFactory


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
