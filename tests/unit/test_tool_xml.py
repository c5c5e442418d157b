"""Client-side XML tool-call parsing (qwen3_coder format): whole text, streaming, rendering."""

from __future__ import annotations

import itertools
import json
import re
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from langchain_nemotron_omni.tool_xml import (
    ArgsDelta,
    CallFinished,
    CallStarted,
    ParsedText,
    StreamingToolParser,
    TextDelta,
    ToolEvent,
    assemble_events,
    parse_tool_text,
    render_tool_call_xml,
    render_tools_prompt,
)


def _tool(name: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    parameters = {"type": "object", "properties": properties, **extra}
    return {"type": "function", "function": {"name": name, "parameters": parameters}}


WEATHER = _tool(
    "get_weather",
    {"city": {"type": "string"}, "days": {"type": "integer"}},
    required=["city"],
)
SEARCH = _tool("search", {"query": {"type": "string"}})
WRITE_FILE = _tool("write_file", {"path": {"type": "string"}, "content": {"type": "string"}})
TOOLS = [WEATHER, SEARCH, WRITE_FILE]

CALL = (
    "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
    "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>"
)


def _call(function: str, /, **params: str) -> str:
    body = "".join(f"<parameter={k}>\n{v}\n</parameter>\n" for k, v in params.items())
    return f"<tool_call>\n<function={function}>\n{body}</function>\n</tool_call>"


def _valid(parsed: ParsedText) -> list[tuple[str, dict[str, Any]]]:
    assert parsed.invalid_tool_calls == []
    return [(c["name"], c["args"]) for c in parsed.tool_calls]


def _only_invalid(parsed: ParsedText) -> tuple[str | None, str | None, str | None]:
    assert parsed.tool_calls == []
    assert len(parsed.invalid_tool_calls) == 1
    bad = parsed.invalid_tool_calls[0]
    return bad["name"], bad["args"], bad["error"]


def _args(value_schema: dict[str, Any], value: str) -> ParsedText:
    """Parse one call of ``f(p)`` where ``p`` has ``value_schema``."""
    return parse_tool_text(_call("f", p=value), [_tool("f", {"p": value_schema})])


def _typed(value_schema: dict[str, Any], value: str) -> Any:
    return _valid(_args(value_schema, value))[0][1]["p"]


def _type_error(value_schema: dict[str, Any], value: str) -> str | None:
    return _only_invalid(_args(value_schema, value))[2]


def _comparable(parsed: ParsedText) -> tuple[Any, ...]:
    """Everything but the ids."""
    return (
        parsed.content,
        [(c["name"], c["args"]) for c in parsed.tool_calls],
        [(c["name"], c["args"], c["error"]) for c in parsed.invalid_tool_calls],
    )


def _feed(text: str, tools: Any, pieces: list[str] | None = None) -> list[ToolEvent]:
    parser = StreamingToolParser(tools)
    events: list[ToolEvent] = []
    for piece in pieces if pieces is not None else list(text):
        events.extend(parser.feed(piece))
    events.extend(parser.finish())
    return events


def _chunks(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points)]


# ------------------------------------------------------------------------ structure


def test_plain_text_without_calls_is_returned_unchanged() -> None:
    for text in ("", "Hello", "  \n", "\n\nHello\n", "a < b > c </parameter> <tool", "<b>x</b>"):
        assert parse_tool_text(text, TOOLS) == ParsedText(text, [], [])


def test_single_call_is_typed_and_removed_from_content() -> None:
    parsed = parse_tool_text("Let me check.\n" + CALL, TOOLS)
    assert parsed.content == "Let me check.\n"
    assert _valid(parsed) == [("get_weather", {"city": "Paris", "days": 3})]


def test_call_ids_are_call_plus_24_hex_and_unique() -> None:
    parsed = parse_tool_text(CALL + CALL, TOOLS)
    ids = [c["id"] for c in parsed.tool_calls]
    assert all(re.fullmatch(r"call_[0-9a-f]{24}", i or "") for i in ids)
    assert len(set(ids)) == 2


def test_several_calls_with_text_before_between_and_after() -> None:
    text = f"First.\n{CALL}\nThen:\n{_call('search', query='lyon')}\n{CALL}\nDone."
    parsed = parse_tool_text(text, TOOLS)
    assert parsed.content == "First.\nThen:\nDone."
    assert _valid(parsed) == [
        ("get_weather", {"city": "Paris", "days": 3}),
        ("search", {"query": "lyon"}),
        ("get_weather", {"city": "Paris", "days": 3}),
    ]


def test_call_with_no_parameters_has_empty_args() -> None:
    parsed = parse_tool_text("<tool_call>\n<function=search>\n</function>\n</tool_call>", TOOLS)
    assert _valid(parsed) == [("search", {})]


def test_inline_values() -> None:
    text = (
        "<tool_call><function=get_weather><parameter=city>Lyon</parameter>"
        "<parameter=days>2</parameter></function></tool_call>"
    )
    assert _valid(parse_tool_text(text, TOOLS)) == [("get_weather", {"city": "Lyon", "days": 2})]


def test_multiline_value_loses_exactly_one_newline_each_side() -> None:
    parsed = parse_tool_text(_call("search", query="\nline 1\n  line 2\n\n"), TOOLS)
    assert _valid(parsed) == [("search", {"query": "\nline 1\n  line 2\n\n"})]
    parsed = parse_tool_text(
        "<function=search><parameter=query>  x  </parameter></function>", TOOLS
    )
    assert _valid(parsed) == [("search", {"query": "  x  "})]


def test_value_holding_code_xml_and_angle_brackets_is_kept_verbatim() -> None:
    code = 'if a < b and c > d:\n    html = "<div class=x>hi</div>"\n    s = "<function=f>"'
    assert _valid(parse_tool_text(_call("write_file", content=code), TOOLS)) == [
        ("write_file", {"content": code})
    ]


def test_parameter_close_followed_by_text_stays_in_the_value() -> None:
    code = "a = '''\n</parameter>\nnot a tag\n'''"
    assert _valid(parse_tool_text(_call("write_file", content=code), TOOLS)) == [
        ("write_file", {"content": code})
    ]


def test_undeclared_parameter_tag_inside_a_string_value_is_text() -> None:
    # vLLM splits this into a spurious "new_string" key (table 1.6); the schema says it is text.
    code = (
        'T = """\n</parameter>\n<parameter=new_string>\n#!/usr/bin/env python3\n</parameter>\n"""'
    )
    text = _call("write_file", path="t.py", content=code)
    assert _valid(parse_tool_text(text, TOOLS)) == [
        ("write_file", {"path": "t.py", "content": code})
    ]


def test_vllm_structural_tags_in_content_vector_survives() -> None:
    content = (
        'char_deltas = [\n    "<tool_call>\\n",\n    "<parameter=query>\\n",\n'
        '    "\\n</parameter>\\n",\n    "</function>\\n",\n]'
    )
    text = _call("write_file", path="test.py", content=content)
    assert _valid(parse_tool_text(text, TOOLS)) == [
        ("write_file", {"path": "test.py", "content": content})
    ]


def test_string_value_containing_literal_function_close_is_kept() -> None:
    # vLLM cuts the value at the first "</function>" (table 1.6).
    code = 's = "</function>"\nprint(s)'
    assert _valid(parse_tool_text(_call("write_file", content=code), TOOLS)) == [
        ("write_file", {"content": code})
    ]


def test_own_parameter_name_after_parameter_close_is_a_repeat_unless_proven_text() -> None:
    repeat = _call("write_file", content="a\n</parameter>\n<parameter=content>\nb")
    assert _only_invalid(parse_tool_text(repeat, TOOLS))[2] == (
        "write_file: parameter 'content' is given more than once"
    )
    # A later "</parameter>" that is text shows the earlier tags were quoted text too.
    code = "</parameter>\n<parameter=content>\nx\n</parameter>\nmore"
    assert _valid(parse_tool_text(_call("write_file", content=code), TOOLS)) == [
        ("write_file", {"content": code})
    ]


def test_undeclared_parameter_after_a_closed_value_is_not_folded_into_it() -> None:
    # A hallucinated extra parameter: kept apart (reported if the schema forbids extras).
    text = _call("get_weather", city="Paris", country="France")
    assert _valid(parse_tool_text(text, TOOLS)) == [
        ("get_weather", {"city": "Paris", "country": "France"})
    ]


def test_parameter_tag_inside_a_value_without_close_needs_a_declared_name() -> None:
    text = "<function=search>\n<parameter=query>\nuse <parameter=x> here\n</parameter>\n</function>"
    assert _valid(parse_tool_text(text, TOOLS)) == [("search", {"query": "use <parameter=x> here"})]


def test_missing_parameter_close_ends_at_next_declared_parameter_or_function_close() -> None:
    text = (
        "<tool_call>\n<function=get_weather>\n<parameter=city>\nOslo\n"
        "<parameter=days>\n2\n</function>\n</tool_call>"
    )
    assert _valid(parse_tool_text(text, TOOLS)) == [("get_weather", {"city": "Oslo", "days": 2})]


def test_function_without_tool_call_wrapper_is_a_call() -> None:
    text = "Sure.\n<function=search>\n<parameter=query>\ncats\n</parameter>\n</function>\nBye."
    parsed = parse_tool_text(text, TOOLS)
    assert parsed.content == "Sure.\nBye."
    assert _valid(parsed) == [("search", {"query": "cats"})]


def test_two_functions_in_one_wrapper_are_two_calls() -> None:
    text = (
        "<tool_call>\n<function=search>\n<parameter=query>\na\n</parameter>\n</function>\n"
        "<function=search>\n<parameter=query>\nb\n</parameter>\n</function>\n</tool_call>"
    )
    assert _valid(parse_tool_text(text, TOOLS)) == [
        ("search", {"query": "a"}),
        ("search", {"query": "b"}),
    ]


def test_function_close_left_out_inside_a_closed_wrapper_is_accepted() -> None:
    text = "<tool_call>\n<function=search>\n<parameter=query>\na\n</parameter>\n</tool_call>\nok"
    parsed = parse_tool_text(text, TOOLS)
    assert parsed.content == "ok"
    assert _valid(parsed) == [("search", {"query": "a"})]


def test_missing_tool_call_close_after_a_complete_function_is_valid() -> None:
    parsed = parse_tool_text("<tool_call>\n<function=search>\n</function>\n", TOOLS)
    assert _valid(parsed) == [("search", {})]


def test_stray_tool_call_close_after_unwrapped_call_is_dropped() -> None:
    parsed = parse_tool_text("<function=search>\n</function>\n</tool_call>\nok", TOOLS)
    assert parsed.content == "ok"
    assert _valid(parsed) == [("search", {})]


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


# ------------------------------------------------------------------------ typing


def test_string_is_never_coerced() -> None:
    for value in ("42", "true", "null", "3.5", '"quoted"', "{'a': 1}", "[1]", " x "):
        assert _typed({"type": "string"}, value) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3), ("-7", -7), (" 12 ", 12), ("3.0", 3), ("1e3", 1000), ("007", 7)],
)
def test_integer_values(value: str, expected: int) -> None:
    result = _typed({"type": "integer"}, value)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize("value", ["3.5", "three", "", "true", "0x10", "1_000", "inf"])
def test_integer_rejects(value: str) -> None:
    assert _type_error({"type": "integer"}, value) == (
        f"f: parameter 'p' expects an integer, got {value!r}"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2.5", 2.5), ("2", 2), ("2.0", 2.0), ("-1e-3", -0.001), ("1E3", 1000.0)],
)
def test_number_values(value: str, expected: float) -> None:
    result = _typed({"type": "number"}, value)
    assert result == expected
    assert type(result) is type(expected)  # 2.0 stays a float (vLLM makes it 2)


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "Infinity", "1e400", ".5", "two"])
def test_number_rejects(value: str) -> None:
    assert _type_error({"type": "number"}, value) == (
        f"f: parameter 'p' expects a number, got {value!r}"
    )


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("True", True), ("FALSE", False), (" false ", False)]
)
def test_boolean_values(value: str, expected: bool) -> None:
    assert _typed({"type": "boolean"}, value) is expected


@pytest.mark.parametrize("value", ["yes", "1", "0", "no", "", "truthy"])
def test_boolean_rejects_anything_else_instead_of_false(value: str) -> None:
    assert _type_error({"type": "boolean"}, value) == (
        f"f: parameter 'p' expects a boolean (true or false), got {value!r}"
    )


def test_null_type_takes_only_the_literal_null() -> None:
    assert _typed({"type": "null"}, "null") is None
    assert _type_error({"type": "null"}, "None") == "f: parameter 'p' expects null, got 'None'"


def test_object_and_array_values() -> None:
    assert _typed({"type": "object"}, '{"width": 10,\n "height": 20}') == {
        "width": 10,
        "height": 20,
    }
    assert _typed({"type": "array"}, '["a", "b", 1, true, null]') == ["a", "b", 1, True, None]


def test_python_literal_fallback_for_objects_and_arrays() -> None:
    assert _typed({"type": "object"}, "{'key': 'value', 'n': 1, 'ok': True}") == {
        "key": "value",
        "n": 1,
        "ok": True,
    }
    assert _typed({"type": "array"}, "('a', None)") == ["a", None]


def test_object_errors() -> None:
    assert _type_error({"type": "object"}, "{width: 10}") == (
        "f: parameter 'p' expects a JSON object, got '{width: 10}' (not valid JSON)"
    )
    assert _type_error({"type": "object"}, "[1, 2]") == (
        "f: parameter 'p' expects a JSON object, got [1, 2]"
    )
    assert _type_error({"type": "array"}, "{1: 2}") == (
        "f: parameter 'p' expects a JSON array, got '{1: 2}' (not valid JSON)"
    )


def test_enum_types_by_its_values() -> None:
    unit = {"type": "string", "enum": ["celsius", "fahrenheit"]}
    assert _typed(unit, "celsius") == "celsius"
    assert _type_error(unit, "kelvin") == (
        "f: parameter 'p' expects one of [\"celsius\", \"fahrenheit\"], got 'kelvin'"
    )
    assert _typed({"enum": [1, 2, 3]}, "2") == 2
    assert _typed({"enum": ["1", 1]}, "1") == "1"  # a string member matches first
    assert _typed({"enum": [True, None]}, "null") is None
    assert _typed({"const": "fixed"}, "fixed") == "fixed"
    assert (
        _type_error({"enum": [1, 2]}, "2.5") == "f: parameter 'p' expects one of [1, 2], got '2.5'"
    )


def test_any_of_integer_or_null() -> None:
    schema = {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    assert _typed(schema, "5") == 5
    assert _typed(schema, "null") is None
    assert _type_error(schema, "five") == (
        "f: parameter 'p' expects an integer or null, got 'five'"
    )


def test_any_of_string_or_null_keeps_digits_as_a_string() -> None:
    # vLLM 0.20 turns this "42" into the int 42 (table 1.6).
    schema = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert _typed(schema, "42") == "42"
    assert _typed(schema, "null") is None  # the null branch wins over the string branch


def test_union_branches_are_tried_in_order() -> None:
    assert _typed({"anyOf": [{"type": "string"}, {"type": "integer"}]}, "42") == "42"
    assert _typed({"anyOf": [{"type": "integer"}, {"type": "string"}]}, "42") == 42
    assert _typed({"oneOf": [{"type": "boolean"}, {"type": "array"}]}, "[1]") == [1]
    assert _typed({"anyOf": [{"type": "array"}, {"type": "null"}]}, '["x"]') == ["x"]
    assert _typed({"anyOf": [{"type": "object"}, {"type": "null"}]}, '{"k": 42}') == {"k": 42}


def test_type_list_is_a_union() -> None:
    assert _typed({"type": ["integer", "null"]}, "7") == 7
    assert _typed({"type": ["integer", "null"]}, "null") is None
    assert _type_error({"type": ["integer", "null"]}, "x") == (
        "f: parameter 'p' expects an integer or null, got 'x'"
    )


def test_non_standard_type_spellings_from_hand_written_schemas() -> None:
    assert _typed({"type": "float"}, "3.14") == 3.14
    assert _typed({"type": "int"}, "4") == 4
    assert _typed({"type": "bool"}, "true") is True


def test_parameter_without_a_type_is_text_or_json_container() -> None:
    assert _typed({"description": "anything"}, "42") == "42"
    assert _typed({}, '{"a": 1}') == {"a": 1}
    assert _typed({}, "{'a': 1}") == "{'a': 1}"  # only JSON is decoded without a schema


class _Unit(StrEnum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class _Window(BaseModel):
    start: int
    end: int | None = None


class _Forecast(BaseModel):
    city: str
    unit: _Unit = _Unit.CELSIUS
    window: _Window
    tags: list[str] = []
    note: str | None = None


FORECAST: dict[str, Any] = {
    "type": "function",
    "function": {"name": "forecast", "parameters": _Forecast.model_json_schema()},
}


def _forecast(**params: str) -> ParsedText:
    return parse_tool_text(_call("forecast", **params), [FORECAST])


def test_pydantic_schema_refs_are_resolved_and_defaults_not_invented() -> None:
    assert "$defs" in FORECAST["function"]["parameters"]
    parsed = _forecast(city="Paris", unit="fahrenheit", window='{"start": 1}', note="null")
    assert _valid(parsed) == [
        (
            "forecast",
            {"city": "Paris", "unit": "fahrenheit", "window": {"start": 1}, "note": None},
        )
    ]


def test_pydantic_schema_errors_name_what_was_expected() -> None:
    assert _only_invalid(_forecast(city="P", window='{"start": 1}', unit="kelvin"))[2] == (
        "forecast: parameter 'unit' expects one of [\"celsius\", \"fahrenheit\"], got 'kelvin'"
    )
    assert _only_invalid(_forecast(city="P", window='{"start": "1"}'))[2] == (
        "forecast: parameter 'window' at 'start' expects an integer, got \"1\""
    )
    assert _only_invalid(_forecast(city="P", window='{"end": 3}'))[2] == (
        "forecast: parameter 'window' is missing required key 'start'"
    )
    assert _only_invalid(_forecast(city="P", window='{"start": 1}', tags='["a", 2]'))[2] == (
        "forecast: parameter 'tags' at '[1]' expects a string, got 2"
    )


class _Node(BaseModel):
    name: str
    children: list[_Node] = []


def test_recursive_pydantic_schema() -> None:
    tool = {"name": "tree", "parameters": _Node.model_json_schema()}
    ok = _call("tree", name="a", children='[{"name": "b", "children": [{"name": "c"}]}]')
    assert _valid(parse_tool_text(ok, [tool])) == [
        ("tree", {"name": "a", "children": [{"name": "b", "children": [{"name": "c"}]}]})
    ]
    bad = _call("tree", name="a", children='[{"name": "b", "children": [{"name": 1}]}]')
    assert _only_invalid(parse_tool_text(bad, [tool]))[2] == (
        "tree: parameter 'children' at '[0].children[0].name' expects a string, got 1"
    )


def test_odd_schemas_never_raise() -> None:
    tools: list[Any] = [
        {"type": "function", "function": {"name": "a", "parameters": None}},
        {"name": "b", "parameters": {"properties": {"x": {"$ref": "#/$defs/Missing"}}}},
        {
            "name": "c",
            "parameters": {
                "$defs": {"L": {"$ref": "#/$defs/L"}},
                "properties": {"x": {"$ref": "#/$defs/L"}},
            },
        },
        {"description": "no name"},
        "not a dict",
    ]
    text = _call("a", x="1") + _call("b", x="2") + _call("c", x="3")
    assert _valid(parse_tool_text(text, tools)) == [
        ("a", {"x": "1"}),
        ("b", {"x": "2"}),
        ("c", {"x": "3"}),
    ]


def test_nested_validation() -> None:
    schema = {
        "type": "object",
        "properties": {
            "size": {"type": "object", "properties": {"w": {"type": "number"}}},
            "mode": {"enum": ["a", "b"]},
        },
        "required": ["size"],
        "additionalProperties": False,
    }
    assert _typed(schema, '{"size": {"w": 2.5}, "mode": "a"}') == {"size": {"w": 2.5}, "mode": "a"}
    assert _type_error(schema, '{"size": {"w": true}}') == (
        "f: parameter 'p' at 'size.w' expects a number, got true"
    )
    assert _type_error(schema, '{"size": {}, "mode": "c"}') == (
        'f: parameter \'p\' at \'mode\' expects one of ["a", "b"], got "c"'
    )
    assert _type_error(schema, '{"size": {}, "extra": 1}') == (
        "f: parameter 'p' has unknown key 'extra'"
    )


# ------------------------------------------------------------------------ invalid calls


def test_schema_mismatch_is_an_invalid_call_with_json_args() -> None:
    name, args, error = _only_invalid(
        parse_tool_text(_call("get_weather", city="Paris", days="three"), TOOLS)
    )
    assert name == "get_weather"
    assert args == '{"city": "Paris", "days": "three"}'
    assert error == "get_weather: parameter 'days' expects an integer, got 'three'"


def test_unknown_tool_names_the_known_tools() -> None:
    name, args, error = _only_invalid(parse_tool_text(_call("get_wether", city="Rome"), TOOLS))
    assert (name, args) == ("get_wether", '{"city": "Rome"}')
    assert error == (
        "get_wether: unknown tool; the available tools are 'get_weather', 'search', 'write_file'"
    )


def test_empty_tool_list_allows_no_call() -> None:
    assert _only_invalid(parse_tool_text(_call("search"), []))[2] == (
        "search: unknown tool; the available tools are none"
    )


def test_missing_required_parameter() -> None:
    assert _only_invalid(parse_tool_text(_call("get_weather", days="2"), TOOLS))[2] == (
        "get_weather: missing required parameter 'city'"
    )


def test_unknown_parameter_is_an_error_only_when_additional_properties_is_false() -> None:
    strict = _tool("f", {"a": {"type": "string"}}, additionalProperties=False)
    assert _only_invalid(parse_tool_text(_call("f", a="x", b="42"), [strict])) == (
        "f",
        '{"a": "x", "b": "42"}',
        "f: unknown parameter 'b' (known parameters: 'a')",
    )
    loose = _tool("f", {"a": {"type": "string"}})
    assert _valid(parse_tool_text(_call("f", a="x", b="42"), [loose])) == [
        ("f", {"a": "x", "b": "42"})  # an undeclared value stays a string
    ]
    typed_extra = _tool("f", {}, additionalProperties={"type": "integer"})
    assert _valid(parse_tool_text(_call("f", b="42"), [typed_extra])) == [("f", {"b": 42})]


def test_several_errors_are_all_reported() -> None:
    parsed = parse_tool_text(_call("get_weather", days="x"), TOOLS)
    assert _only_invalid(parsed)[2] == (
        "get_weather: parameter 'days' expects an integer, got 'x'; "
        "missing required parameter 'city'"
    )


def test_truncated_inside_a_value_keeps_the_raw_text() -> None:
    # vLLM 0.20 reports {"city": "Par"} as a complete call (table 1.6).
    text = "Checking.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nPar"
    assert parse_tool_text(text, TOOLS).content == "Checking.\n"
    name, args, error = _only_invalid(parse_tool_text(text, TOOLS))
    assert (name, args) == ("get_weather", "<function=get_weather>\n<parameter=city>\nPar")
    assert error == "get_weather: the tool call was cut off: the text ended inside parameter 'city'"


@pytest.mark.parametrize(
    ("text", "name", "args", "error"),
    [
        (
            "<tool_call>\n<function=get_wea",
            None,
            "<function=get_wea",
            "tool call: the tool call was cut off: the text ended inside the function name",
        ),
        (
            "<tool_call>\n",
            None,
            "",
            "tool call: the tool call was cut off: the text ended inside the '<tool_call>' block",
        ),
        (
            "<tool_call>\n<function=search>\n<parameter=query>\nx\n</parameter>\n",
            "search",
            "<function=search>\n<parameter=query>\nx\n</parameter>\n",
            (
                "search: the tool call was cut off: the text ended inside the call, before "
                "'</function>'"
            ),
        ),
        (
            "<function=search>\n<parameter=qu",
            "search",
            "<function=search>\n<parameter=qu",
            "search: the tool call was cut off: the text ended inside a parameter name",
        ),
    ],
)
def test_truncated_calls(text: str, name: str | None, args: str, error: str) -> None:
    assert _only_invalid(parse_tool_text(text, TOOLS)) == (name, args, error)


def test_function_header_without_closing_bracket_is_malformed() -> None:
    text = (
        "<tool_call>\n<function=search\n<parameter=query>\nx\n</parameter>\n</function>\n"
        "</tool_call>"
    )
    assert _only_invalid(parse_tool_text(text, TOOLS)) == (
        "search",
        "<function=search\n<parameter=query>\nx\n</parameter>\n</function>",
        "search: malformed markup: '<function=search' is missing its '>'",
    )


def test_parameter_header_without_closing_bracket_is_malformed() -> None:
    text = "<function=search>\n<parameter=query\nx\n</parameter>\n</function>"
    name, _, error = _only_invalid(parse_tool_text(text, TOOLS))
    assert (name, error) == (
        "search",
        "search: malformed markup: '<parameter=query' is missing its '>'",
    )


def test_duplicate_parameter_is_invalid() -> None:
    text = (
        "<function=search>\n<parameter=query>\na\n</parameter>\n"
        "<parameter=query>\nb\n</parameter>\n</function>"
    )
    assert _only_invalid(parse_tool_text(text, TOOLS)) == (
        "search",
        text,
        "search: parameter 'query' is given more than once",
    )


def test_text_between_parameters_is_malformed() -> None:
    text = '<function=search>\n{"query": "x"}\n</function>'
    assert _only_invalid(parse_tool_text(text, TOOLS)) == (
        "search",
        text,
        'search: unexpected text \'{"query": "x"}\' between parameters',
    )


def test_tool_call_block_not_in_function_format_is_an_invalid_call() -> None:
    text = 'A\n<tool_call>\n{"name": "search", "arguments": {}}\n</tool_call>\nB'
    parsed = parse_tool_text(text, TOOLS)
    assert parsed.content == "A\nB"
    assert _only_invalid(parsed) == (
        None,
        '{"name": "search", "arguments": {}}\n',
        "tool call: malformed markup: '<tool_call>' is not followed by '<function=NAME>'",
    )
    assert _only_invalid(parse_tool_text("<tool_call></tool_call>", TOOLS)) == (
        None,
        "",
        "tool call: malformed markup: empty '<tool_call>' block",
    )


def test_call_opening_before_the_previous_one_closed() -> None:
    text = (
        "<tool_call>\n<function=search>\n<tool_call>\n<function=search>\n</function>\n</tool_call>"
    )
    parsed = parse_tool_text(text, TOOLS)
    assert [c["args"] for c in parsed.tool_calls] == [{}]
    assert [(c["name"], c["error"]) for c in parsed.invalid_tool_calls] == [
        ("search", "search: malformed markup: the call is not closed with '</function>'")
    ]


def test_invalid_and_valid_calls_keep_their_order_and_text() -> None:
    text = f"{_call('nope')}\nmiddle\n{CALL}"
    parsed = parse_tool_text(text, TOOLS)
    assert parsed.content == "middle\n"
    assert [c["name"] for c in parsed.invalid_tool_calls] == ["nope"]
    assert [c["name"] for c in parsed.tool_calls] == ["get_weather"]


# ------------------------------------------------------------------------ no schema


def test_without_tools_values_stay_strings_except_json_containers() -> None:
    text = _call("anything", n="42", flag="true", obj='{"a": [1, 2]}', lst="[1]", bad="{x}")
    assert _valid(parse_tool_text(text, None)) == [
        ("anything", {"n": "42", "flag": "true", "obj": {"a": [1, 2]}, "lst": [1], "bad": "{x}"})
    ]


def test_without_tools_any_parameter_tag_can_end_a_value() -> None:
    text = "<function=f>\n<parameter=a>\nx\n<parameter=b>\ny\n</function>"
    assert _valid(parse_tool_text(text, None)) == [("f", {"a": "x", "b": "y"})]


def test_tool_dict_may_be_a_bare_function() -> None:
    bare = {"name": "f", "parameters": {"type": "object", "properties": {"n": {"type": "integer"}}}}
    assert _valid(parse_tool_text(_call("f", n="5"), [bare])) == [("f", {"n": 5})]


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
        ("unknown_function_is_invalid", _call("launch"), "", 0, ["launch"]),
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
    tool = _tool(
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
    text = _call("t", i="7", b="True", f="2.0", o='{"a":[1,2]}', a='["x"]', n="null", u="42")
    assert _valid(parse_tool_text(text, [tool])) == [
        ("t", {"i": 7, "b": True, "f": 2.0, "o": {"a": [1, 2]}, "a": ["x"], "n": None, "u": "42"})
    ]


# ------------------------------------------------------------------------ streaming


def test_stream_events_for_one_call_fed_character_by_character() -> None:
    events = _feed("Hi.\n" + CALL + "\nBye.", TOOLS)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    calls = [e for e in events if not isinstance(e, TextDelta)]
    assert text == "Hi.\nBye."
    assert isinstance(calls[0], CallStarted)
    call_id = calls[0].id
    assert calls == [
        CallStarted(0, call_id, "get_weather"),
        ArgsDelta(0, "{"),
        ArgsDelta(0, '"city": "Paris"'),
        ArgsDelta(0, ", "),
        ArgsDelta(0, '"days": 3'),
        ArgsDelta(0, "}"),
        CallFinished(0, None),
    ]


def test_stream_call_starts_as_soon_as_the_name_is_complete() -> None:
    parser = StreamingToolParser(TOOLS)
    assert parser.feed("<tool_call>\n<function=get_wea") == []
    events = parser.feed("ther>")
    assert [type(e) for e in events] == [CallStarted, ArgsDelta]
    assert isinstance(events[0], CallStarted)
    assert (events[0].index, events[0].name) == (0, "get_weather")
    assert events[1] == ArgsDelta(0, "{")


def test_stream_parameter_is_sent_once_complete_and_its_end_is_certain() -> None:
    parser = StreamingToolParser(TOOLS)
    parser.feed("<tool_call>\n<function=get_weather>\n<parameter=city>\nPar")
    assert parser.feed("is\n</parameter>\n") == []  # "</parameter>" might still be text
    assert parser.feed("<parameter=da") == []
    assert parser.feed("ys>") == [ArgsDelta(0, '"city": "Paris"')]
    assert parser.feed("\nthree\n</parameter>\n</function>") == [
        ArgsDelta(0, ", "),
        ArgsDelta(0, '"days": "three"'),  # raw string keeps the JSON valid
        ArgsDelta(0, "}"),
        CallFinished(0, "get_weather: parameter 'days' expects an integer, got 'three'"),
    ]
    assert parser.finish() == []


def test_stream_text_is_released_unless_it_may_start_a_tag() -> None:
    parser = StreamingToolParser(TOOLS)
    assert parser.feed("Hello wor") == [TextDelta("Hello wor")]
    assert parser.feed("ld <") == [TextDelta("ld ")]
    assert parser.feed("b> and <tool_ca") == [TextDelta("<b> and ")]
    assert parser.feed("t") == [TextDelta("<tool_cat")]
    assert parser.feed(" <func") == [TextDelta(" ")]
    assert parser.finish() == [TextDelta("<func")]


def test_stream_truncated_call_finishes_with_error_and_raw_text() -> None:
    parser = StreamingToolParser(TOOLS)
    events = parser.feed("<tool_call>\n<function=search>\n<parameter=query>\nhalf")
    assert [type(e) for e in events] == [CallStarted, ArgsDelta]
    assert parser.finish() == [
        CallFinished(
            0,
            "search: the tool call was cut off: the text ended inside parameter 'query'",
            "<function=search>\n<parameter=query>\nhalf",
        )
    ]


def test_stream_unknown_tool_reports_at_finish_of_call() -> None:
    events = _feed(_call("nope", a="1"), TOOLS)
    finished = [e for e in events if isinstance(e, CallFinished)]
    assert finished == [
        CallFinished(
            0, "nope: unknown tool; the available tools are 'get_weather', 'search', 'write_file'"
        )
    ]


def test_stream_feed_after_finish_raises_and_finish_is_idempotent() -> None:
    parser = StreamingToolParser(TOOLS)
    parser.feed("x")
    assert parser.finish() == []
    assert parser.finish() == []
    with pytest.raises(RuntimeError):
        parser.feed("y")


def test_stream_two_calls_in_one_chunk() -> None:
    text = _call("search", query="Paris") + "\n" + _call("search", query="London")
    events = _feed(text, TOOLS, [text])
    assert [e.index for e in events if isinstance(e, CallFinished)] == [0, 1]
    assert _valid(assemble_events(events)) == [
        ("search", {"query": "Paris"}),
        ("search", {"query": "London"}),
    ]


def test_stream_whitespace_framing_calls_waits_for_what_follows() -> None:
    parser = StreamingToolParser(TOOLS)
    assert parser.feed("\n") == []  # may turn out to precede a call
    assert parser.feed("Hi") == [TextDelta("\nHi")]
    parser.feed(_call("search"))
    assert parser.feed("\n\n") == []
    assert parser.feed("Bye") == [TextDelta("\n\nBye")]
    assert parser.finish() == []


def test_stream_holds_back_only_a_bounded_tail_so_work_stays_linear() -> None:
    line = 'if a < b: s = "</parameter>" + "<div>" + "</function>"\n'
    text = _call("write_file", path="x", content=line * 400)
    parser = StreamingToolParser(TOOLS)
    longest = 0
    for char in text:
        parser.feed(char)
        longest = max(longest, len(parser._hold))
    # At most a closing tag plus the next parameter's tag is ever held (and looked at again).
    assert longest <= len("</parameter>\n<parameter=content>")
    assert [type(e) for e in parser.finish()] == []


SAMPLES = [
    "Let me check.\n" + CALL + "\nDone.",
    _call("write_file", path="a.py", content='x = "</parameter>"\n</parameter>\ny\n<parameter=z>'),
    "<function=get_weather\n<parameter=city>\nOslo\n</function>\n",
    "A\n\n" + CALL + "\n\n" + _call("nope") + "  tail <tool",
    "<tool_call>\n{json}\n</tool_call>" + CALL[:40],
    "<tool_call>\n<function=get_weather>\n<parameter=city>\nOslo\n</parameter>\n\n\n   \n",
]


@pytest.mark.parametrize("text", SAMPLES)
@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 13])
def test_stream_matches_whole_text_for_fixed_chunk_sizes(text: str, size: int) -> None:
    pieces = [text[i : i + size] for i in range(0, len(text), size)]
    assert _comparable(assemble_events(_feed(text, TOOLS, pieces))) == _comparable(
        parse_tool_text(text, TOOLS)
    )


# ------------------------------------------------------------------------ rendering


def test_render_tools_prompt_follows_the_template_layout() -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "  Weather for a city.\n",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "city": {"type": "string", "description": "City name"},
                        "unit": {"type": "string", "enum": ["c", "f"]},
                        "days": {"type": ["integer", "null"], "minimum": 1},
                        "tags": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["city"],
                    "additionalProperties": False,
                },
            },
        },
        {"name": "ping", "parameters": {"type": "object", "properties": {}}},
    ]
    prompt = render_tools_prompt(tools)
    head, instructions = prompt.split("\n</tools>")
    assert head == (
        "# Tools\n\nYou have access to the following functions:\n\n<tools>"
        "\n<function>\n<name>get_weather</name>\n<description>Weather for a city.</description>"
        "\n<parameters>"
        "\n<parameter>\n<name>city</name>\n<type>string</type>"
        "\n<description>City name</description>"
        "\n</parameter>"
        '\n<parameter>\n<name>unit</name>\n<type>string</type>\n<enum>["c", "f"]</enum>'
        "\n</parameter>"
        "\n<parameter>\n<name>days</name>\n<type>['integer', 'null']</type>\n<minimum>1</minimum>"
        "\n</parameter>"
        '\n<parameter>\n<name>tags</name>\n<type>array</type>\n<items>{"type": "string"}</items>'
        "\n</parameter>"
        "\n<additionalProperties>False</additionalProperties>"
        '\n<required>["city"]</required>'
        "\n</parameters>\n</function>"
        "\n<function>\n<name>ping</name>\n<parameters>\n</parameters>\n</function>"
    )
    assert instructions.startswith("\n\n")
    assert (
        "<tool_call>\n<function=example_function_name>\n<parameter=example_parameter_1>\n"
        "value_1\n</parameter>\n<parameter=example_parameter_2>\n"
        "This is the value for the second parameter\nthat can span\nmultiple lines\n"
        "</parameter>\n</function>\n</tool_call>"
    ) in instructions
    assert "BEFORE the call" in instructions
    assert "never after it" in instructions
    assert instructions.endswith("</IMPORTANT>")


def test_render_tool_call_xml_layout() -> None:
    xml = render_tool_call_xml(
        "f",
        {"s": "two\nlines", "n": 3, "x": 2.5, "b": True, "z": None, "o": {"k": ["v"]}, "l": [1]},
    )
    assert xml == (
        "<tool_call>\n<function=f>\n"
        "<parameter=s>\ntwo\nlines\n</parameter>\n"
        "<parameter=n>\n3\n</parameter>\n"
        "<parameter=x>\n2.5\n</parameter>\n"
        "<parameter=b>\ntrue\n</parameter>\n"
        "<parameter=z>\nnull\n</parameter>\n"
        '<parameter=o>\n{"k": ["v"]}\n</parameter>\n'
        "<parameter=l>\n[1]\n</parameter>\n"
        "</function>\n</tool_call>\n"
    )
    assert render_tool_call_xml("g", {}) == "<tool_call>\n<function=g>\n</function>\n</tool_call>\n"


def test_rendered_call_parses_back_to_the_same_arguments() -> None:
    tool = _tool(
        "f",
        {
            "s": {"type": "string"},
            "n": {"type": "integer"},
            "b": {"type": "boolean"},
            "z": {"anyOf": [{"type": "number"}, {"type": "null"}]},
            "o": {"type": "object"},
        },
    )
    args = {"s": "\n  é <b> \n", "n": -4, "b": False, "z": None, "o": {"k": [1, None]}}
    assert _valid(parse_tool_text(render_tool_call_xml("f", args), [tool])) == [("f", args)]


# ------------------------------------------------------------------------ properties

_PARAM_NAMES = ["city", "days", "flag", "ratio", "unit", "items", "obj", "maybe", "note"]

_SCHEMAS: dict[str, tuple[dict[str, Any], st.SearchStrategy[Any]]] = {
    "string": (
        {"type": "string"},
        # Tag-like pieces that can never form a real boundary (see the parser's rules).
        st.lists(
            st.sampled_from(
                [
                    "a",
                    "é",
                    " ",
                    "\n",
                    "<",
                    ">",
                    "/",
                    "=",
                    "</",
                    "<parameter=zz>",
                    "</parameter>x",
                    "</function>;",
                    "<tool_call>",
                    "<function=g>",
                    "'",
                    '"',
                    "{",
                    "null",
                    "42",
                ]
            ),
            max_size=12,
        ).map("".join),
    ),
    "integer": ({"type": "integer"}, st.integers(-(10**12), 10**12)),
    "number": ({"type": "number"}, st.floats(allow_nan=False, allow_infinity=False)),
    "boolean": ({"type": "boolean"}, st.booleans()),
    "enum": ({"enum": ["red", "green blue", 3]}, st.sampled_from(["red", "green blue", 3])),
    "array": ({"type": "array", "items": {"type": "integer"}}, st.lists(st.integers(), max_size=3)),
    "object": (
        {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]},
        st.fixed_dictionaries({"x": st.text(max_size=5)}),
    ),
    "nullable": (
        {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        st.none() | st.integers(),
    ),
}


@st.composite
def _tool_and_args(draw: st.DrawFn, tool_name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    names = draw(st.lists(st.sampled_from(_PARAM_NAMES), unique=True, max_size=4))
    kinds = [draw(st.sampled_from(sorted(_SCHEMAS))) for _ in names]
    properties = {n: _SCHEMAS[k][0] for n, k in zip(names, kinds, strict=True)}
    args = {n: draw(_SCHEMAS[k][1]) for n, k in zip(names, kinds, strict=True)}
    return _tool(tool_name, properties), args


_PROSE = st.sampled_from(["", "Sure.\n", "ok ", "\n\n", "a < b", "x\n"])


@st.composite
def _document(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]], list[tuple[str, Any]]]:
    """Prose and rendered calls; returns (text, tools, expected calls)."""
    tools: list[dict[str, Any]] = []
    expected: list[tuple[str, Any]] = []
    parts = [draw(_PROSE)]
    names = draw(st.lists(st.sampled_from(["alpha", "beta_tool", "g-1"]), unique=True, max_size=3))
    for name in names:
        tool, args = draw(_tool_and_args(name))
        tools.append(tool)
        xml = render_tool_call_xml(name, args)
        if draw(st.booleans()):  # "</parameter>" left out: the next tag still ends the value
            xml = xml.replace("\n</parameter>\n<parameter=", "\n<parameter=")
            xml = xml.replace("\n</parameter>\n</function>", "\n</function>")
        elif draw(st.booleans()):  # the wrapper is optional
            xml = xml.removeprefix("<tool_call>\n").replace("</tool_call>\n", "")
        parts += [xml, draw(_PROSE)]
        expected.append((name, args))
    return "".join(parts), tools, expected


def _mangle(text: str, how: int, at: int, junk: str) -> str:
    if not text:
        return junk
    at %= len(text) + 1
    if how == 0:
        return text[:at]  # cut off
    if how == 1:
        return text[:at] + junk + text[at:]  # corrupted
    return text[:at] + text[at + len(junk) :]  # a slice removed


_JUNK = st.sampled_from(
    [
        "<",
        "</",
        "<tool_call>",
        "</tool_call>",
        "<function=",
        "<function=x>",
        "</function>",
        "<parameter=",
        "<parameter=city>",
        "</parameter>",
        "\n",
        ">",
        "zz",
        "<parameter=days>\n",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_document(), cuts=st.lists(st.integers(0, 10_000), max_size=12))
def test_property_rendered_calls_round_trip_under_any_chunking(
    doc: tuple[str, list[dict[str, Any]], list[tuple[str, Any]]], cuts: list[int]
) -> None:
    text, tools, expected = doc
    whole = parse_tool_text(text, tools)
    streamed = assemble_events(_feed(text, tools, _chunks(text, cuts)))
    assert _comparable(streamed) == _comparable(whole)
    assert [(c["name"], c["args"]) for c in whole.tool_calls] == expected
    assert whole.invalid_tool_calls == []
    assert "<function=" not in whole.content


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=_document(),
    damage=st.tuples(st.integers(0, 2), st.integers(0, 10_000), _JUNK),
    schema=st.booleans(),
    cuts=st.lists(st.integers(0, 10_000), max_size=12),
)
def test_property_mangled_xml_never_raises_and_chunking_never_matters(
    doc: tuple[str, list[dict[str, Any]], list[tuple[str, Any]]],
    damage: tuple[int, int, str],
    schema: bool,
    cuts: list[int],
) -> None:
    text = _mangle(doc[0], *damage)
    tools = doc[1] if schema else None
    whole = parse_tool_text(text, tools)
    streamed = assemble_events(_feed(text, tools, _chunks(text, cuts)))
    assert _comparable(streamed) == _comparable(whole)
    assert all(bad["error"] for bad in whole.invalid_tool_calls)
    for good in whole.tool_calls:
        assert json.loads(json.dumps(good["args"])) == good["args"]  # plain JSON data


_GARBAGE = st.lists(
    st.sampled_from(
        [
            "<tool_call>",
            "</tool_call>",
            "<function=get_weather>",
            "<function=",
            "</function>",
            "<parameter=city>",
            "<parameter=days>",
            "<parameter=",
            "</parameter>",
            "\n",
            " ",
            "Paris",
            "3",
            "<",
            "</",
            ">",
            "null",
            '{"a": 1}',
            "<tool_",
            "</para",
            "<func",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=_GARBAGE, cuts=st.lists(st.integers(0, 10_000), max_size=20), schema=st.booleans())
def test_property_tag_soup_is_chunking_independent(
    text: str, cuts: list[int], schema: bool
) -> None:
    tools = TOOLS if schema else None
    streamed = assemble_events(_feed(text, tools, _chunks(text, cuts)))
    assert _comparable(streamed) == _comparable(parse_tool_text(text, tools))
