"""The fake server's split of the thought from the answer (``docs/fake-server.md``, "The
thought"), the field names each flavor gives it, and the raw flavor that parses nothing."""

from __future__ import annotations

import pytest

from langchain_nemotron_omni.testing._parsing import (
    FLAVORS,
    FlavorName,
    ParsedMessage,
    StreamParser,
    message_fields,
    tokenize,
)
from tests.unit.fake_parsing_cases import CALL, PARIS_ARGS, full, ns_calls, stream

# -- reasoning (section 2) -------------------------------------------------------------------


@pytest.mark.parametrize("flavor", ["vllm", "sglang"])
def test_reasoning_then_content(flavor: FlavorName) -> None:
    text = "R.\n</think>\nHello"
    parsed = full(text, flavor=flavor, tools=None)
    assert (parsed.reasoning, parsed.content, parsed.finish_reason) == ("R.\n", "\nHello", "stop")
    streamed = stream(text, flavor=flavor, tools=None)
    assert (streamed.reasoning, streamed.content, streamed.finish_reason) == (
        "R.\n",
        "\nHello",
        "stop",
    )


def test_vllm_leading_think_is_stripped() -> None:
    parsed = full("<think>R</think>C", tools=None)
    assert (parsed.reasoning, parsed.content) == ("R", "C")
    streamed = stream("<think>R</think>C", tools=None)
    assert (streamed.reasoning, streamed.content) == ("R", "C")


def test_vllm_lone_think_tokens_produce_no_delta() -> None:
    parser = StreamParser(flavor="vllm", prompt_reasoning_open=True, tools=None)
    assert parser.feed("<think>") == []
    assert parser.feed("Hm") == [{"reasoning": "Hm"}]
    assert parser.feed("</think>") == []
    assert parser.feed("Hi") == [{"content": "Hi"}]
    assert parser.finish(truncated=False) == ([], "stop")


def test_vllm_token_with_end_think_is_split() -> None:
    parser = StreamParser(flavor="vllm", prompt_reasoning_open=True, tools=None)
    assert parser.feed("a</think>b") == [{"reasoning": "a"}, {"content": "b"}]


@pytest.mark.parametrize("flavor", ["vllm", "vllm-0.15", "vllm-0.11"])
def test_vllm_truncated_in_reasoning(flavor: FlavorName) -> None:
    text = "Still thinking about"
    parsed = full(text, flavor=flavor, truncated=True)
    assert (parsed.reasoning, parsed.content, parsed.finish_reason) == (text, None, "length")
    streamed = stream(text, flavor=flavor, truncated=True)
    assert (streamed.reasoning, streamed.content, streamed.finish_reason) == (text, None, "length")


def test_sglang_truncated_in_reasoning_has_empty_content() -> None:
    parsed = full("Still thinking", flavor="sglang", truncated=True)
    assert (parsed.reasoning, parsed.content, parsed.finish_reason) == (
        "Still thinking",
        "",
        "length",
    )


def test_vllm_swap_when_request_disables_thinking() -> None:
    parsed = full("Plain answer.", request_enable_thinking=False, prompt_reasoning_open=False)
    assert (parsed.reasoning, parsed.content) == (None, "Plain answer.")
    # Server default off, request silent: the classic parser does not see it (section 2.3).
    parsed = full("Plain answer.", request_enable_thinking=None, prompt_reasoning_open=False)
    assert (parsed.reasoning, parsed.content) == ("Plain answer.", None)
    # ... while streaming checks the prompt and gets it right.
    streamed = stream("Plain answer.", prompt_reasoning_open=False)
    assert (streamed.reasoning, streamed.content) == (None, "Plain answer.")


def test_vllm_swap_only_when_content_is_none() -> None:
    parsed = full("answer\n</think>\n", request_enable_thinking=False, prompt_reasoning_open=False)
    assert (parsed.reasoning, parsed.content) == ("answer\n", "\n")
    parsed = full("<think>R</think>real", request_enable_thinking=False, tools=None)
    assert (parsed.reasoning, parsed.content) == ("R", "real")


def test_vllm_thinking_off_stream_keeps_end_think_as_content() -> None:
    streamed = stream("answer\n</think>\nmore", prompt_reasoning_open=False, tools=None)
    assert (streamed.reasoning, streamed.content) == (None, "answer\n</think>\nmore")


def test_vllm_swap_feeds_the_tool_parser() -> None:
    parsed = full(CALL, request_enable_thinking=False, prompt_reasoning_open=False)
    assert parsed.reasoning is None
    assert parsed.content is None
    assert ns_calls(parsed) == [("get_weather", PARIS_ARGS)]


def test_sglang_thinking_off_is_all_content() -> None:
    parsed = full(
        "Plain.", flavor="sglang", request_enable_thinking=False, prompt_reasoning_open=False
    )
    assert (parsed.reasoning, parsed.content) == (None, "Plain.")
    streamed = stream("Plain.", flavor="sglang", prompt_reasoning_open=False)
    assert (streamed.reasoning, streamed.content) == (None, "Plain.")


# -- field names per flavor (sections 0 and 6) --------------------------------------------------


def _sample() -> ParsedMessage:
    return full("Think.\n</think>\n" + CALL)


def test_message_fields_vllm() -> None:
    message = message_fields(_sample(), "vllm")
    assert list(message) == [
        "role",
        "content",
        "refusal",
        "annotations",
        "audio",
        "function_call",
        "tool_calls",
        "reasoning",
    ]
    assert message["reasoning"] == "Think.\n"
    assert message["content"] is None
    assert message["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": PARIS_ARGS}
    plain = message_fields(full("Hi", request_enable_thinking=False, tools=None), "vllm")
    assert plain["tool_calls"] == []
    assert plain["reasoning"] is None
    assert plain["content"] == "Hi"


def test_message_fields_older_vllm_and_sglang() -> None:
    parsed = _sample()
    m15 = message_fields(parsed, "vllm-0.15")
    assert m15["reasoning"] == m15["reasoning_content"] == "Think.\n"
    m11 = message_fields(parsed, "vllm-0.11")
    assert "reasoning" not in m11
    assert m11["reasoning_content"] == "Think.\n"
    sg = message_fields(full("Think.\n</think>\n" + CALL, flavor="sglang"), "sglang")
    assert set(sg) == {"role", "content", "reasoning_content", "tool_calls"}
    assert sg["reasoning_content"] == "Think.\n"
    assert sg["tool_calls"][0]["index"] == 0
    plain = message_fields(full("Hi", flavor="sglang", prompt_reasoning_open=False), "sglang")
    assert plain["tool_calls"] is None


def test_stream_field_names_per_flavor() -> None:
    text = "R\n</think>\nHi"
    by_flavor = {f: stream(text, flavor=f, tools=None).deltas for f in FLAVORS}
    assert by_flavor["vllm"] == [
        {"reasoning": "R"},
        {"reasoning": "\n"},
        {"content": "\n"},
        {"content": "Hi"},
    ]
    assert by_flavor["vllm-0.11"][0] == {"reasoning_content": "R"}
    assert by_flavor["vllm-0.15"][0] == {"reasoning": "R", "reasoning_content": "R"}
    assert by_flavor["vllm-0.15"][2] == {"content": "\n", "reasoning_content": None}
    assert by_flavor["sglang"][0] == {
        "role": None,
        "content": None,
        "reasoning_content": "R",
        "tool_calls": None,
    }
    tool_delta = next(
        d for d in stream("</think>" + CALL, flavor="vllm-0.15").deltas if "tool_calls" in d
    )
    assert tool_delta["reasoning_content"] is None


# -- raw ---------------------------------------------------------------------------------------


def test_raw_flavor() -> None:
    text = "R\n</think>\n" + CALL
    parsed = full(text, flavor="raw")
    assert (parsed.reasoning, parsed.content, parsed.tool_calls) == (None, text, [])
    assert parsed.finish_reason == "stop"
    assert full(text, flavor="raw", truncated=True).finish_reason == "length"
    message = message_fields(parsed, "raw")
    assert "reasoning" not in message
    assert "reasoning_content" not in message
    assert message["content"] == text
    streamed = stream(text, flavor="raw", truncated=True)
    assert streamed.content == text
    assert streamed.finish_reason == "length"
    assert all(list(d) == ["content"] for d in streamed.deltas)
    assert len(streamed.deltas) == len(tokenize(text))
