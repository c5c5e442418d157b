"""qwen3_coder XML tool-call values typed by the tool's JSON schema: scalars, containers,
enums, unions, pydantic schemas with references, and nested validation."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest
from pydantic import BaseModel

from langchain_nemotron_omni.tool_xml import ParsedText, parse_tool_text
from tests.unit.tool_xml_cases import call_xml, make_tool, only_invalid, valid_calls


def _args(value_schema: dict[str, Any], value: str) -> ParsedText:
    """Parse one call of ``f(p)`` where ``p`` has ``value_schema``."""
    return parse_tool_text(call_xml("f", p=value), [make_tool("f", {"p": value_schema})])


def _typed(value_schema: dict[str, Any], value: str) -> Any:
    return valid_calls(_args(value_schema, value))[0][1]["p"]


def _type_error(value_schema: dict[str, Any], value: str) -> str | None:
    return only_invalid(_args(value_schema, value))[2]


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
    return parse_tool_text(call_xml("forecast", **params), [FORECAST])


def test_pydantic_schema_refs_are_resolved_and_defaults_not_invented() -> None:
    assert "$defs" in FORECAST["function"]["parameters"]
    parsed = _forecast(city="Paris", unit="fahrenheit", window='{"start": 1}', note="null")
    assert valid_calls(parsed) == [
        (
            "forecast",
            {"city": "Paris", "unit": "fahrenheit", "window": {"start": 1}, "note": None},
        )
    ]


def test_pydantic_schema_errors_name_what_was_expected() -> None:
    assert only_invalid(_forecast(city="P", window='{"start": 1}', unit="kelvin"))[2] == (
        "forecast: parameter 'unit' expects one of [\"celsius\", \"fahrenheit\"], got 'kelvin'"
    )
    assert only_invalid(_forecast(city="P", window='{"start": "1"}'))[2] == (
        "forecast: parameter 'window' at 'start' expects an integer, got \"1\""
    )
    assert only_invalid(_forecast(city="P", window='{"end": 3}'))[2] == (
        "forecast: parameter 'window' is missing required key 'start'"
    )
    assert only_invalid(_forecast(city="P", window='{"start": 1}', tags='["a", 2]'))[2] == (
        "forecast: parameter 'tags' at '[1]' expects a string, got 2"
    )


class _Node(BaseModel):
    name: str
    children: list[_Node] = []


def test_recursive_pydantic_schema() -> None:
    tool = {"name": "tree", "parameters": _Node.model_json_schema()}
    ok = call_xml("tree", name="a", children='[{"name": "b", "children": [{"name": "c"}]}]')
    assert valid_calls(parse_tool_text(ok, [tool])) == [
        ("tree", {"name": "a", "children": [{"name": "b", "children": [{"name": "c"}]}]})
    ]
    bad = call_xml("tree", name="a", children='[{"name": "b", "children": [{"name": 1}]}]')
    assert only_invalid(parse_tool_text(bad, [tool]))[2] == (
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
    text = call_xml("a", x="1") + call_xml("b", x="2") + call_xml("c", x="3")
    assert valid_calls(parse_tool_text(text, tools)) == [
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
