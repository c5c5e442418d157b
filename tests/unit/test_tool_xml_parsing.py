"""qwen3_coder XML tool calls parsed from whole text: the call structure, where values end,
the text left around calls, parsing without a schema, and the cases vLLM's parser gets wrong."""

from __future__ import annotations

import re

import pytest

from langchain_nemotron_omni.tool_xml import ParsedText, parse_tool_text
from tests.unit.tool_xml_cases import CALL, TOOLS, call_xml, make_tool, only_invalid, valid_calls

# ------------------------------------------------------------------------ structure


def test_plain_text_without_calls_is_returned_unchanged() -> None:
    for text in ("", "Hello", "  \n", "\n\nHello\n", "a < b > c </parameter> <tool", "<b>x</b>"):
        assert parse_tool_text(text, TOOLS) == ParsedText(text, [], [])


def test_single_call_is_typed_and_removed_from_content() -> None:
    parsed = parse_tool_text("Let me check.\n" + CALL, TOOLS)
    assert parsed.content == "Let me check.\n"
    assert valid_calls(parsed) == [("get_weather", {"city": "Paris", "days": 3})]


def test_call_ids_are_call_plus_24_hex_and_unique() -> None:
    parsed = parse_tool_text(CALL + CALL, TOOLS)
    ids = [c["id"] for c in parsed.tool_calls]
    assert all(re.fullmatch(r"call_[0-9a-f]{24}", i or "") for i in ids)
    assert len(set(ids)) == 2


def test_several_calls_with_text_before_between_and_after() -> None:
    text = f"First.\n{CALL}\nThen:\n{call_xml('search', query='lyon')}\n{CALL}\nDone."
    parsed = parse_tool_text(text, TOOLS)
    assert parsed.content == "First.\nThen:\nDone."
    assert valid_calls(parsed) == [
        ("get_weather", {"city": "Paris", "days": 3}),
        ("search", {"query": "lyon"}),
        ("get_weather", {"city": "Paris", "days": 3}),
    ]


def test_call_with_no_parameters_has_empty_args() -> None:
    parsed = parse_tool_text("<tool_call>\n<function=search>\n</function>\n</tool_call>", TOOLS)
    assert valid_calls(parsed) == [("search", {})]


def test_inline_values() -> None:
    text = (
        "<tool_call><function=get_weather><parameter=city>Lyon</parameter>"
        "<parameter=days>2</parameter></function></tool_call>"
    )
    assert valid_calls(parse_tool_text(text, TOOLS)) == [
        ("get_weather", {"city": "Lyon", "days": 2})
    ]


def test_multiline_value_loses_exactly_one_newline_each_side() -> None:
    parsed = parse_tool_text(call_xml("search", query="\nline 1\n  line 2\n\n"), TOOLS)
    assert valid_calls(parsed) == [("search", {"query": "\nline 1\n  line 2\n\n"})]
    parsed = parse_tool_text(
        "<function=search><parameter=query>  x  </parameter></function>", TOOLS
    )
    assert valid_calls(parsed) == [("search", {"query": "  x  "})]


def test_value_holding_code_xml_and_angle_brackets_is_kept_verbatim() -> None:
    code = 'if a < b and c > d:\n    html = "<div class=x>hi</div>"\n    s = "<function=f>"'
    assert valid_calls(parse_tool_text(call_xml("write_file", content=code), TOOLS)) == [
        ("write_file", {"content": code})
    ]


def test_parameter_close_followed_by_text_stays_in_the_value() -> None:
    code = "a = '''\n</parameter>\nnot a tag\n'''"
    assert valid_calls(parse_tool_text(call_xml("write_file", content=code), TOOLS)) == [
        ("write_file", {"content": code})
    ]


def test_undeclared_parameter_tag_inside_a_string_value_is_text() -> None:
    # vLLM splits this into a spurious "new_string" key (table 1.6); the schema says it is text.
    code = (
        'T = """\n</parameter>\n<parameter=new_string>\n#!/usr/bin/env python3\n</parameter>\n"""'
    )
    text = call_xml("write_file", path="t.py", content=code)
    assert valid_calls(parse_tool_text(text, TOOLS)) == [
        ("write_file", {"path": "t.py", "content": code})
    ]


def test_vllm_structural_tags_in_content_vector_survives() -> None:
    content = (
        'char_deltas = [\n    "<tool_call>\\n",\n    "<parameter=query>\\n",\n'
        '    "\\n</parameter>\\n",\n    "</function>\\n",\n]'
    )
    text = call_xml("write_file", path="test.py", content=content)
    assert valid_calls(parse_tool_text(text, TOOLS)) == [
        ("write_file", {"path": "test.py", "content": content})
    ]


def test_string_value_containing_literal_function_close_is_kept() -> None:
    # vLLM cuts the value at the first "</function>" (table 1.6).
    code = 's = "</function>"\nprint(s)'
    assert valid_calls(parse_tool_text(call_xml("write_file", content=code), TOOLS)) == [
        ("write_file", {"content": code})
    ]


def test_own_parameter_name_after_parameter_close_is_a_repeat_unless_proven_text() -> None:
    repeat = call_xml("write_file", content="a\n</parameter>\n<parameter=content>\nb")
    assert only_invalid(parse_tool_text(repeat, TOOLS))[2] == (
        "write_file: parameter 'content' is given more than once"
    )
    # A later "</parameter>" that is text shows the earlier tags were quoted text too.
    code = "</parameter>\n<parameter=content>\nx\n</parameter>\nmore"
    assert valid_calls(parse_tool_text(call_xml("write_file", content=code), TOOLS)) == [
        ("write_file", {"content": code})
    ]


def test_undeclared_parameter_after_a_closed_value_is_not_folded_into_it() -> None:
    # A hallucinated extra parameter: kept apart (reported if the schema forbids extras).
    text = call_xml("get_weather", city="Paris", country="France")
    assert valid_calls(parse_tool_text(text, TOOLS)) == [
        ("get_weather", {"city": "Paris", "country": "France"})
    ]


def test_parameter_tag_inside_a_value_without_close_needs_a_declared_name() -> None:
    text = "<function=search>\n<parameter=query>\nuse <parameter=x> here\n</parameter>\n</function>"
    assert valid_calls(parse_tool_text(text, TOOLS)) == [
        ("search", {"query": "use <parameter=x> here"})
    ]


def test_missing_parameter_close_ends_at_next_declared_parameter_or_function_close() -> None:
    text = (
        "<tool_call>\n<function=get_weather>\n<parameter=city>\nOslo\n"
        "<parameter=days>\n2\n</function>\n</tool_call>"
    )
    assert valid_calls(parse_tool_text(text, TOOLS)) == [
        ("get_weather", {"city": "Oslo", "days": 2})
    ]


def test_function_without_tool_call_wrapper_is_a_call() -> None:
    text = "Sure.\n<function=search>\n<parameter=query>\ncats\n</parameter>\n</function>\nBye."
    parsed = parse_tool_text(text, TOOLS)
    assert parsed.content == "Sure.\nBye."
    assert valid_calls(parsed) == [("search", {"query": "cats"})]


def test_two_functions_in_one_wrapper_are_two_calls() -> None:
    text = (
        "<tool_call>\n<function=search>\n<parameter=query>\na\n</parameter>\n</function>\n"
        "<function=search>\n<parameter=query>\nb\n</parameter>\n</function>\n</tool_call>"
    )
    assert valid_calls(parse_tool_text(text, TOOLS)) == [
        ("search", {"query": "a"}),
        ("search", {"query": "b"}),
    ]


def test_function_close_left_out_inside_a_closed_wrapper_is_accepted() -> None:
    text = "<tool_call>\n<function=search>\n<parameter=query>\na\n</parameter>\n</tool_call>\nok"
    parsed = parse_tool_text(text, TOOLS)
    assert parsed.content == "ok"
    assert valid_calls(parsed) == [("search", {"query": "a"})]


def test_missing_tool_call_close_after_a_complete_function_is_valid() -> None:
    parsed = parse_tool_text("<tool_call>\n<function=search>\n</function>\n", TOOLS)
    assert valid_calls(parsed) == [("search", {})]


def test_stray_tool_call_close_after_unwrapped_call_is_dropped() -> None:
    parsed = parse_tool_text("<function=search>\n</function>\n</tool_call>\nok", TOOLS)
    assert parsed.content == "ok"
    assert valid_calls(parsed) == [("search", {})]


def test_tool_call_close_in_plain_text_is_text() -> None:
    assert parse_tool_text("a </tool_call> b", TOOLS).content == "a </tool_call> b"


# ------------------------------------------------------------------------ content whitespace


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("A\n\n{c}\n\nB", "A\n\nB"),  # no doubled blank lines
        ("A\n{c}\nB", "A\nB"),
        ("A{c}\nB", "A\nB"),  # the call's line break still separates
        ("A {c} B", "A B"),
        ("A{c}B", "AB"),
        ("\n{c}\n", ""),  # vLLM streams the "\n" before the call as content
        ("  {c}\n\n{c}\n", ""),
        ("\n\nA\n{c}", "\n\nA\n"),  # text before a call is released as it comes
        ("{c}\n{c}\nB\n", "B\n"),
    ],
)
def test_whitespace_framing_calls_is_trimmed(text: str, content: str) -> None:
    parsed = parse_tool_text(text.replace("{c}", CALL), TOOLS)
    assert parsed.content == content
    assert len(parsed.tool_calls) == text.count("{c}")


def test_text_after_the_last_call_is_kept() -> None:
    # vLLM's non-streaming parser drops it (table 1.6).
    assert parse_tool_text(CALL + "\nTrailing words.", TOOLS).content == "Trailing words."


def test_call_written_after_reasoning_text_is_still_found() -> None:
    # Splitting off the thought happens upstream; any call in the text handed over is parsed.
    parsed = parse_tool_text("I should look it up." + CALL, TOOLS)
    assert parsed.content == "I should look it up."
    assert len(parsed.tool_calls) == 1


# ------------------------------------------------------------------------ no schema


def test_without_tools_values_stay_strings_except_json_containers() -> None:
    text = call_xml("anything", n="42", flag="true", obj='{"a": [1, 2]}', lst="[1]", bad="{x}")
    assert valid_calls(parse_tool_text(text, None)) == [
        ("anything", {"n": "42", "flag": "true", "obj": {"a": [1, 2]}, "lst": [1], "bad": "{x}"})
    ]


def test_without_tools_any_parameter_tag_can_end_a_value() -> None:
    text = "<function=f>\n<parameter=a>\nx\n<parameter=b>\ny\n</function>"
    assert valid_calls(parse_tool_text(text, None)) == [("f", {"a": "x", "b": "y"})]


def test_tool_dict_may_be_a_bare_function() -> None:
    bare = {"name": "f", "parameters": {"type": "object", "properties": {"n": {"type": "integer"}}}}
    assert valid_calls(parse_tool_text(call_xml("f", n="5"), [bare])) == [("f", {"n": 5})]


# ------------------------------------------------------------------------ vLLM table 1.6


@pytest.mark.parametrize(
    ("case", "text", "content", "valid", "invalid_names"),
    [
        ("trailing_text_kept", CALL + "\nTrailing words.", "Trailing words.", 1, []),
        (
            "unwrapped_function_parsed",
            "<function=search>\n<parameter=query>\nq\n</parameter>\n</function>",
            "",
            1,
            [],
        ),
        (
            "truncated_in_value_is_invalid",
            "<tool_call>\n<function=get_weather>\n<parameter=city>\nPar",
            "",
            0,
            ["get_weather"],
        ),
        (
            "missing_parameter_close_ok",
            (
                "<tool_call>\n<function=get_weather>\n<parameter=city>\nOslo\n"
                "<parameter=days>\n2\n</parameter>\n</function>\n</tool_call>"
            ),
            "",
            1,
            [],
        ),
        ("unknown_function_is_invalid", call_xml("launch"), "", 0, ["launch"]),
    ],
)
def test_vllm_tricky_cases(
    case: str, text: str, content: str, valid: int, invalid_names: list[str]
) -> None:
    parsed = parse_tool_text(text, TOOLS)
    assert parsed.content == content, case
    assert len(parsed.tool_calls) == valid, case
    assert [c["name"] for c in parsed.invalid_tool_calls] == invalid_names, case


def test_vllm_typed_values_case() -> None:
    tool = make_tool(
        "t",
        {
            "i": {"type": "integer"},
            "b": {"type": "boolean"},
            "f": {"type": "number"},
            "o": {"type": "object"},
            "a": {"type": "array"},
            "n": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        },
    )
    text = call_xml("t", i="7", b="True", f="2.0", o='{"a":[1,2]}', a='["x"]', n="null", u="42")
    assert valid_calls(parse_tool_text(text, [tool])) == [
        ("t", {"i": 7, "b": True, "f": 2.0, "o": {"a": [1, 2]}, "a": ["x"], "n": None, "u": "42"})
    ]
