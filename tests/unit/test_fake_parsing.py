"""The fake server's parsers, row by row (see ``docs/fake-server.md``)."""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langchain_nemotron_omni.testing._parsing import (
    FLAVORS,
    FlavorName,
    ParsedMessage,
    StreamParser,
    message_fields,
    parse_full,
    tokenize,
)
from langchain_nemotron_omni.testing._qwen3_coder import convert_value

WEATHER_TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                "required": ["city"],
            },
        },
    }
]

TYPED_TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "typed",
            "parameters": {
                "type": "object",
                "properties": {
                    "i": {"type": "integer"},
                    "b": {"type": "boolean"},
                    "f": {"type": "number"},
                    "o": {"type": "object"},
                    "a": {"type": "array"},
                    "s": {"type": "string"},
                    "opt": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "nullable_int": {"type": ["integer", "null"]},
                },
            },
        },
    }
]

CALL = (
    "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
    "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>\n"
)
PARIS_ARGS = '{"city": "Paris", "days": 3}'
VLLM_STREAM_ID = re.compile(r"call_[0-9a-f]{24}")
VLLM_NS_ID = re.compile(r"chatcmpl-tool-[0-9a-f]{16}")


# -- helpers ---------------------------------------------------------------------------------


@dataclass
class Assembled:
    """A stream put back together the way a client does."""

    reasoning: str | None = None
    content: str | None = None
    calls: dict[int, dict[str, Any]] = field(default_factory=dict)
    finish_reason: str = ""
    deltas: list[dict[str, Any]] = field(default_factory=list)

    def arguments(self) -> list[tuple[str, str]]:
        return [(c["name"], c["arguments"]) for _, c in sorted(self.calls.items())]

    def key(self) -> tuple[Any, ...]:
        return (self.reasoning, self.content, self.arguments(), self.finish_reason)


def _reasoning_key(flavor: FlavorName) -> str:
    return "reasoning_content" if flavor in {"vllm-0.11", "sglang"} else "reasoning"


def assemble(
    chunks: list[str],
    *,
    flavor: FlavorName = "vllm",
    prompt_reasoning_open: bool = True,
    tools: list[dict[str, Any]] | None = WEATHER_TOOLS,
    truncated: bool = False,
) -> Assembled:
    parser = StreamParser(flavor=flavor, prompt_reasoning_open=prompt_reasoning_open, tools=tools)
    out = Assembled()
    for chunk in chunks:
        out.deltas.extend(parser.feed(chunk))
    trailing, out.finish_reason = parser.finish(truncated=truncated)
    out.deltas.extend(trailing)
    rkey = _reasoning_key(flavor)
    for delta in out.deltas:
        if delta.get(rkey) is not None:
            out.reasoning = (out.reasoning or "") + delta[rkey]
        if delta.get("content") is not None:
            out.content = (out.content or "") + delta["content"]
        for item in delta.get("tool_calls") or ():
            call = out.calls.setdefault(item["index"], {"name": None, "arguments": ""})
            function = item["function"]
            if function.get("name"):
                assert call["name"] is None, "the name comes once, in the header"
                call["name"] = function["name"]
                call["id"] = item["id"]
            call["arguments"] += function.get("arguments") or ""
    return out


def stream(text: str, **kwargs: Any) -> Assembled:
    return assemble(tokenize(text), **kwargs)


def full(  # noqa: PLR0913 - mirrors parse_full's keywords
    text: str,
    *,
    flavor: FlavorName = "vllm",
    request_enable_thinking: bool | None = None,
    prompt_reasoning_open: bool = True,
    tools: list[dict[str, Any]] | None = WEATHER_TOOLS,
    truncated: bool = False,
) -> ParsedMessage:
    return parse_full(
        text,
        flavor=flavor,
        request_enable_thinking=request_enable_thinking,
        prompt_reasoning_open=prompt_reasoning_open,
        tools=tools,
        truncated=truncated,
    )


def ns_calls(parsed: ParsedMessage) -> list[tuple[str, str]]:
    return [(c["function"]["name"], c["function"]["arguments"]) for c in parsed.tool_calls]


# -- tokenize --------------------------------------------------------------------------------


def test_tokenize_keeps_special_tokens_whole() -> None:
    text = "Hm, ok.\n</think>\n<tool_call>\n<function=f>\n</function>\n</tool_call>\n"
    tokens = tokenize(text)
    assert "".join(tokens) == text
    for special in ("</think>", "<tool_call>", "</tool_call>"):
        assert special in tokens
    assert tokens[:4] == ["Hm", ",", " ok", "."]
    assert tokens.count("\n") == text.count("\n")


@given(st.text())
def test_tokenize_round_trip(text: str) -> None:
    assert "".join(tokenize(text)) == text
    assert all(tokenize(text))


@given(st.lists(st.sampled_from(["<think>", "</think>", "<tool_call>", "</tool_call>", "a b"])))
def test_tokenize_special_tokens_alone(parts: list[str]) -> None:
    text = "".join(parts)
    specials = [t for t in tokenize(text) if "<" in t]
    assert specials == [p for p in parts if p != "a b"]


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


# -- table 1.6, vLLM 0.20 -----------------------------------------------------------------------


def test_table_reasoning_then_call() -> None:
    text = "R\n</think>\n" + CALL
    parsed = full(text)
    assert (parsed.reasoning, parsed.content, parsed.finish_reason) == ("R\n", None, "tool_calls")
    assert ns_calls(parsed) == [("get_weather", PARIS_ARGS)]
    assert VLLM_NS_ID.fullmatch(parsed.tool_calls[0]["id"])
    assert parsed.tool_calls[0]["type"] == "function"
    streamed = stream(text)
    assert (streamed.reasoning, streamed.content) == ("R\n", "\n")
    assert streamed.arguments() == [("get_weather", PARIS_ARGS)]
    assert VLLM_STREAM_ID.fullmatch(streamed.calls[0]["id"])
    assert streamed.finish_reason == "tool_calls"
    # The content "\n" comes before the header.
    assert streamed.deltas[:4] == [
        {"reasoning": "R"},
        {"reasoning": "\n"},
        {"content": "\n"},
        {"tool_calls": streamed.deltas[3]["tool_calls"]},
    ]


def test_table_no_reasoning() -> None:
    text = "</think>\n" + CALL
    assert full(text).reasoning == ""
    assert stream(text).reasoning is None


def test_table_trailing_text() -> None:
    text = "R\n</think>\n" + CALL + "Trailing words."
    parsed = full(text)
    assert parsed.content is None
    assert ns_calls(parsed) == [("get_weather", PARIS_ARGS)]
    streamed = stream(text)
    assert streamed.content == "\nTrailing words."  # the "\n" after </tool_call> is swallowed
    assert streamed.arguments() == [("get_weather", PARIS_ARGS)]


@pytest.mark.parametrize(("tail", "content"), [("\n<tool", "<tool"), ("\n  </th", "  </th")])
def test_partial_marker_at_the_end_after_a_call_is_content(tail: str, content: str) -> None:
    streamed = stream("</think>" + CALL.rstrip("\n") + tail)
    assert streamed.content == content
    assert streamed.arguments() == [("get_weather", PARIS_ARGS)]
    assert assemble(list("</think>" + CALL.rstrip("\n") + tail)).content == content


def test_table_bare_function() -> None:
    bare = "<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>"
    text = "R\n</think>\n" + bare
    parsed = full(text)
    assert ns_calls(parsed) == [("get_weather", '{"city": "Paris"}')]
    assert parsed.content is None
    streamed = stream(text)
    assert streamed.content == "\n" + bare
    assert streamed.calls == {}
    assert streamed.finish_reason == "stop"


def test_table_call_inside_think() -> None:
    text = "Plan <tool_call>\n<function=get_weather>\n</function>\n</tool_call>\nok\n</think>\nDone"
    reasoning = text.partition("</think>")[0]
    parsed = full(text)
    assert (parsed.reasoning, parsed.content, parsed.tool_calls) == (reasoning, "\nDone", [])
    streamed = stream(text)
    assert (streamed.reasoning, streamed.content, streamed.calls) == (reasoning, "\nDone", {})


def test_table_truncated_inside_value() -> None:
    text = "R\n</think>\n<tool_call>\n<function=get_weather>\n<parameter=city>\nPar"
    parsed = full(text, truncated=True)
    assert ns_calls(parsed) == [("get_weather", '{"city": "Par"}')]
    assert parsed.finish_reason == "tool_calls"
    streamed = stream(text, truncated=True)
    assert streamed.arguments() == [("get_weather", "{")]
    assert streamed.finish_reason == "tool_calls"


def test_truncated_before_the_name_is_complete_keeps_length() -> None:
    text = "R\n</think>\n<tool_call>\n<function=get_we"
    assert full(text, truncated=True).finish_reason == "length"
    streamed = stream(text, truncated=True)
    assert streamed.finish_reason == "length"
    assert streamed.calls == {}


@pytest.mark.parametrize(
    "body",
    [
        "<parameter=city>\nOslo\n<parameter=days>\n2\n</parameter>\n",
        "<parameter=city>\nOslo\n</parameter>\n<parameter=days>\n2\n",
    ],
)
def test_table_missing_parameter_end(body: str) -> None:
    text = f"</think>\n<tool_call>\n<function=get_weather>\n{body}</function>\n</tool_call>"
    expected = [("get_weather", '{"city": "Oslo", "days": 2}')]
    assert ns_calls(full(text)) == expected
    assert stream(text).arguments() == expected


TYPED_CALL = (
    "</think>\n<tool_call>\n<function=typed>\n"
    "<parameter=i>\n7\n</parameter>\n<parameter=b>\nTrue\n</parameter>\n"
    '<parameter=f>\n2.0\n</parameter>\n<parameter=o>\n{"a": [1, 2]}\n</parameter>\n'
    '<parameter=a>\n["x"]\n</parameter>\n<parameter=s>\nnull\n</parameter>\n'
    "<parameter=undeclared>\n42\n</parameter>\n</function>\n</tool_call>\n"
)


def test_table_typed_values_vllm() -> None:
    expected = (
        '{"i": 7, "b": true, "f": 2, "o": {"a": [1, 2]}, "a": ["x"], "s": null, "undeclared": "42"}'
    )
    assert ns_calls(full(TYPED_CALL, tools=TYPED_TOOLS)) == [("typed", expected)]
    assert stream(TYPED_CALL, tools=TYPED_TOOLS).arguments() == [("typed", expected)]


def test_table_typed_values_sglang_keeps_float() -> None:
    expected = (
        '{"i": 7, "b": true, "f": 2.0, "o": {"a": [1, 2]}, "a": ["x"], "s": null, '
        '"undeclared": "42"}'
    )
    parsed = full(TYPED_CALL, flavor="sglang", tools=TYPED_TOOLS)
    assert ns_calls(parsed) == [("typed", expected)]
    assert stream(TYPED_CALL, flavor="sglang", tools=TYPED_TOOLS).arguments() == [
        ("typed", expected)
    ]


def test_table_any_of_and_python_repr() -> None:
    text = (
        "</think>\n<tool_call>\n<function=typed>\n<parameter=opt>\n42\n</parameter>\n"
        "<parameter=o>\n{'key': 'value'}\n</parameter>\n</function>\n</tool_call>"
    )
    vllm = '{"opt": 42, "o": {"key": "value"}}'
    sglang = '{"opt": "42", "o": {"key": "value"}}'
    assert ns_calls(full(text, tools=TYPED_TOOLS)) == [("typed", vllm)]
    assert stream(text, tools=TYPED_TOOLS).arguments() == [("typed", vllm)]
    assert ns_calls(full(text, flavor="sglang", tools=TYPED_TOOLS)) == [("typed", sglang)]
    assert stream(text, flavor="sglang", tools=TYPED_TOOLS).arguments() == [("typed", sglang)]


def test_table_literal_function_end_in_value() -> None:
    text = (
        "</think>\n<tool_call>\n<function=get_weather>\n<parameter=city>\n"
        "a</function>b\n</parameter>\n</function>\n</tool_call>"
    )
    assert ns_calls(full(text)) == [("get_weather", '{"city": "a"}')]
    assert stream(text).arguments() == [("get_weather", '{"city": "a"}')]
    # SGLang's stream closes the object twice (table 1.6).
    assert stream(text, flavor="sglang").arguments() == [("get_weather", '{"city": "a"}}')]


def test_table_value_with_its_own_parameter_lines() -> None:
    text = (
        "</think>\n<tool_call>\n<function=edit>\n<parameter=old_string>\nx\n</parameter>\n"
        "<parameter=new_string>\ny\n</parameter>\nz\n</parameter>\n</function>\n</tool_call>"
    )
    expected = [("edit", '{"old_string": "x", "new_string": "y"}')]
    assert ns_calls(full(text)) == expected
    assert stream(text).arguments() == expected


def test_table_unknown_function_name() -> None:
    text = "</think>\n<tool_call>\n<function=nope>\n<parameter=q>\n1\n</parameter>\n</function>"
    assert ns_calls(full(text)) == [("nope", '{"q": "1"}')]
    assert stream(text).arguments() == [("nope", '{"q": "1"}')]


def test_exception_leaves_raw_text_in_content() -> None:
    text = (
        "</think>\n<tool_call>\n<function=get_weather>\n<parameter=city\nParis</parameter>\n"
        "</function>\n</tool_call>"
    )
    parsed = full(text)
    assert parsed.tool_calls == []
    assert parsed.content == text.removeprefix("</think>")
    assert parsed.finish_reason == "stop"


def test_function_without_closing_bracket_is_dropped() -> None:
    text = "</think>\n<tool_call>\n<function=get_weather\n</tool_call>"
    parsed = full(text)
    assert parsed.tool_calls == []
    assert parsed.content == text.removeprefix("</think>")


def test_content_before_call_and_parallel_calls() -> None:
    text = (
        "</think>Sure! Let me check.<tool_call>\n<function=a>\n</function>\n</tool_call>\n" + CALL
    )
    parsed = full(text)
    assert parsed.content == "Sure! Let me check."
    assert ns_calls(parsed) == [("a", "{}"), ("get_weather", PARIS_ARGS)]
    streamed = stream(text)
    assert streamed.content == "Sure! Let me check."
    assert streamed.arguments() == [("a", "{}"), ("get_weather", PARIS_ARGS)]
    assert sorted(streamed.calls) == [0, 1]


def test_non_ascii_and_duplicate_keys() -> None:
    text = (
        "</think><tool_call><function=get_weather><parameter=city>Zürich</parameter>"
        "<parameter=days>1</parameter><parameter=city>Genève</parameter></function></tool_call>"
    )
    assert ns_calls(full(text)) == [("get_weather", '{"city": "Genève", "days": 1}')]


def test_no_tools_means_no_tool_parsing() -> None:
    text = "R\n</think>\n" + CALL
    parsed = full(text, tools=None)
    assert (parsed.content, parsed.tool_calls) == ("\n" + CALL, [])
    assert stream(text, tools=None).content == "\n" + CALL


# -- SGLang specifics (table 1.6 last column, section 2.5) -------------------------------------


def test_sglang_call_non_streaming() -> None:
    parsed = full("R\n</think>\n" + CALL, flavor="sglang")
    assert (parsed.reasoning, parsed.content, parsed.finish_reason) == ("R\n", "\n", "tool_calls")
    assert ns_calls(parsed) == [("get_weather", PARIS_ARGS)]
    assert VLLM_STREAM_ID.fullmatch(parsed.tool_calls[0]["id"])
    empty = full("</think>" + CALL, flavor="sglang")
    assert (empty.reasoning, empty.content) == (None, "")


def test_sglang_bare_function() -> None:
    bare = "<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>"
    parsed = full("</think>\n" + bare, flavor="sglang")
    assert (parsed.content, parsed.tool_calls) == ("\n" + bare, [])
    streamed = stream("</think>\n" + bare, flavor="sglang")
    assert streamed.arguments() == [("get_weather", '{"city": "Paris"}')]


def test_sglang_call_inside_think_in_stream() -> None:
    text = "Plan <tool_call>\n<function=get_weather>\n</function>\n</tool_call>\n</think>\nDone"
    parsed = full(text, flavor="sglang")
    assert parsed.tool_calls == []
    assert parsed.reasoning == text.partition("</think>")[0]
    streamed = stream(text, flavor="sglang")
    assert streamed.reasoning == "Plan "
    assert streamed.arguments() == [("get_weather", "{}")]
    assert streamed.content is not None
    assert "</think>" in streamed.content


def test_sglang_truncated_inside_value() -> None:
    text = "R\n</think>\n<tool_call>\n<function=get_weather>\n<parameter=city>\nPar"
    parsed = full(text, flavor="sglang", truncated=True)
    assert ns_calls(parsed) == [("get_weather", '{"city": "Par"}')]
    assert parsed.finish_reason == "length"
    streamed = stream(text, flavor="sglang", truncated=True)
    assert streamed.arguments() == [("get_weather", "")]
    assert streamed.finish_reason == "length"


def test_sglang_stream_delta_shape() -> None:
    streamed = stream("R\n</think>\n" + CALL, flavor="sglang")
    tool_deltas = [d for d in streamed.deltas if d["tool_calls"]]
    assert all(
        set(d) == {"role", "content", "reasoning_content", "tool_calls"} for d in streamed.deltas
    )
    header, *rest = (d["tool_calls"][0] for d in tool_deltas)
    assert VLLM_STREAM_ID.fullmatch(header["id"])
    assert header["function"] == {"name": "get_weather", "arguments": ""}
    assert [r["function"]["arguments"] for r in rest] == [
        "{",
        '"city": "Paris"',
        ', "days": 3',
        "}",
    ]
    for item in rest:
        assert item["id"] is None
        assert item["type"] == "function"
        assert item["function"]["name"] is None


# -- typing rules (section 1.3) ---------------------------------------------------------------


PROPS: dict[str, Any] = TYPED_TOOLS[0]["function"]["parameters"]["properties"]


@pytest.mark.parametrize(
    ("name", "raw", "vllm", "sglang"),
    [
        ("i", "7", 7, 7),
        ("i", "three", "three", "three"),
        ("f", "2.0", 2, 2.0),
        ("f", "2", 2, 2),
        ("f", "3.14", 3.14, 3.14),
        ("f", "1e3", 1000, 1000.0),
        ("b", "True", True, True),
        ("b", "yes", False, False),
        ("s", "null", None, None),
        ("s", "NULL", None, None),
        ("i", "null", None, None),
        ("s", "42", "42", "42"),
        ("undeclared", "42", "42", "42"),
        ("opt", "42", 42, "42"),
        ("opt", "hello", "hello", "hello"),
        ("nullable_int", "5", 5, 5),
        ("o", '{"k": [true, null]}', {"k": [True, None]}, {"k": [True, None]}),
        ("o", "{'key': 'value'}", {"key": "value"}, {"key": "value"}),
        ("o", "not json", "not json", "not json"),
        ("a", "[true, false, null]", [True, False, None], [True, False, None]),
    ],
)
def test_convert_value(name: str, raw: str, vllm: Any, sglang: Any) -> None:
    got_vllm = convert_value(raw, name, PROPS, dialect="vllm")
    got_sglang = convert_value(raw, name, PROPS, dialect="sglang")
    assert (got_vllm, type(got_vllm)) == (vllm, type(vllm))
    assert (got_sglang, type(got_sglang)) == (sglang, type(sglang))


def test_value_newlines_one_each_side() -> None:
    text = (
        "</think><tool_call><function=get_weather><parameter=city>\n\n  Paris \n\n</parameter>"
        "</function></tool_call>"
    )
    assert ns_calls(full(text)) == [("get_weather", '{"city": "\\n  Paris \\n"}')]
    assert stream(text).arguments() == [("get_weather", '{"city": "\\n  Paris \\n"}')]


# -- section 6: the streaming example delta by delta --------------------------------------------


def test_section6_stream_example() -> None:
    tokens = [
        "Need the",
        " weather.\n",
        "</think>",
        "\n",
        "<tool_call>",
        "\n",
        "<function=get_weather>",
        "\n",
        "<parameter=city>",
        "\nParis\n",
        "</parameter>",
        "\n",
        "<parameter=days>",
        "\n3\n",
        "</parameter>",
        "\n",
        "</function>",
        "\n",
        "</tool_call>",
        "\n",
    ]
    parser = StreamParser(flavor="vllm", prompt_reasoning_open=True, tools=WEATHER_TOOLS)
    deltas = [d for t in tokens for d in parser.feed(t)]
    trailing, finish = parser.finish(truncated=False)
    assert trailing == []
    assert finish == "tool_calls"
    header = deltas[3]["tool_calls"][0]
    assert VLLM_STREAM_ID.fullmatch(header["id"])
    assert deltas == [
        {"reasoning": "Need the"},
        {"reasoning": " weather.\n"},
        {"content": "\n"},
        {
            "tool_calls": [
                {
                    "id": header["id"],
                    "type": "function",
                    "index": 0,
                    "function": {"name": "get_weather", "arguments": ""},
                }
            ]
        },
        {"tool_calls": [{"index": 0, "function": {"arguments": "{"}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '"city": "Paris"'}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": ', "days": 3'}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": "}"}}]},
    ]
    assert list(header) == ["id", "type", "index", "function"]


def test_header_then_brace_on_next_step() -> None:
    parser = StreamParser(flavor="vllm", prompt_reasoning_open=False, tools=WEATHER_TOOLS)
    assert parser.feed("<tool_call>") == []
    (header,) = parser.feed("<function=get_weather>")
    assert header["tool_calls"][0]["function"]["name"] == "get_weather"
    assert parser.feed("\n") == [{"tool_calls": [{"index": 0, "function": {"arguments": "{"}}]}]
    assert parser.finish(truncated=True)[1] == "tool_calls"


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


# -- chunking invariance -----------------------------------------------------------------------

FRAGMENTS = [
    "<think>",
    "</think>",
    "<tool_call>",
    "</tool_call>",
    "<function=get_weather>",
    "<function=x",
    "<parameter=city>",
    "<parameter=days>",
    "</parameter>",
    "</function>",
    "\n",
    " ",
    "  ",
    "\t",
    "Paris",
    " words",
    "3",
    "2.0",
    "null",
    '{"a": 1}',
    "<",
    "</",
    "<tool",
    "</think",
    "</tool_call",
    ">",
    "=",
    "é",
    CALL,
    "<parameter=city>\nParis\n</parameter>\n",
    "<tool_call>\n<function=get_weather>\n<parameter=days>\n",
    "</function>\n</tool_call>\n",
]


def _split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    bounds = [0, *points, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=40),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=30),
    flavor=st.sampled_from(["vllm", "sglang", "vllm-0.15"]),
    reasoning_open=st.booleans(),
    truncated=st.booleans(),
)
def test_any_chunking_assembles_like_the_default_tokens(
    parts: list[str], cuts: list[int], flavor: FlavorName, reasoning_open: bool, truncated: bool
) -> None:
    text = "".join(parts)
    kwargs: dict[str, Any] = {
        "flavor": flavor,
        "prompt_reasoning_open": reasoning_open,
        "tools": WEATHER_TOOLS,
        "truncated": truncated,
    }
    reference = assemble(tokenize(text), **kwargs)
    assert assemble(_split(text, cuts), **kwargs).key() == reference.key()
    assert assemble(list(text), **kwargs).key() == reference.key()
    assert assemble([text], **kwargs).key() == reference.key()


@settings(max_examples=100)
@given(
    reasoning=st.text(alphabet=st.characters(blacklist_characters="<"), max_size=30),
    city=st.text(alphabet=st.characters(blacklist_characters="<"), min_size=1, max_size=20),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=20),
)
def test_stream_matches_non_streaming_for_well_formed_calls(
    reasoning: str, city: str, cuts: list[int]
) -> None:
    text = (
        f"{reasoning}\n</think>\n<tool_call>\n<function=get_weather>\n<parameter=city>\n"
        f"{city}\n</parameter>\n</function>\n</tool_call>\n"
    )
    for flavor in ("vllm", "sglang"):
        parsed = full(text, flavor=flavor)
        streamed = assemble(_split(text, cuts), flavor=flavor)
        assert streamed.arguments() == ns_calls(parsed)
        assert streamed.reasoning == parsed.reasoning
        assert json.loads(streamed.arguments()[0][1]) == {
            "city": json.loads(ns_calls(parsed)[0][1])["city"]
        }


def test_stream_is_linear_in_length() -> None:
    value = ("abc <x> \n" * 120_000)[:1_000_000]
    text = (
        "t\n</think>\n<tool_call>\n<function=get_weather>\n<parameter=city>\n"
        f"{value}\n</parameter>\n</function>\n</tool_call>\n"
    )
    start = time.perf_counter()
    out = assemble(list(text))
    elapsed = time.perf_counter() - start
    assert json.loads(out.arguments()[0][1]) == {"city": value}
    assert elapsed < 30
