"""The fake server's qwen3_coder tool-call parsers (``docs/fake-server.md``, "Tool calls"):
vLLM's and SGLang's, case by case, and how each types parameter values."""

from __future__ import annotations

import re
from typing import Any

import pytest

from langchain_nemotron_omni.testing._qwen3_coder import convert_value
from tests.unit.fake_parsing_cases import (
    CALL,
    PARIS_ARGS,
    VLLM_STREAM_ID,
    assemble,
    full,
    ns_calls,
    stream,
)

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

VLLM_NS_ID = re.compile(r"chatcmpl-tool-[0-9a-f]{16}")


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
