"""qwen3_coder XML tool calls that come back as invalid calls with a clear error: schema
mismatches, unknown tools and parameters, truncated and malformed markup."""

from __future__ import annotations

import pytest

from langchain_nemotron_omni.tool_xml import parse_tool_text
from tests.unit.tool_xml_cases import CALL, TOOLS, call_xml, make_tool, only_invalid, valid_calls

# ------------------------------------------------------------------------ invalid calls


def test_schema_mismatch_is_an_invalid_call_with_json_args() -> None:
    name, args, error = only_invalid(
        parse_tool_text(call_xml("get_weather", city="Paris", days="three"), TOOLS)
    )
    assert name == "get_weather"
    assert args == '{"city": "Paris", "days": "three"}'
    assert error == "get_weather: parameter 'days' expects an integer, got 'three'"


def test_unknown_tool_names_the_known_tools() -> None:
    name, args, error = only_invalid(parse_tool_text(call_xml("get_wether", city="Rome"), TOOLS))
    assert (name, args) == ("get_wether", '{"city": "Rome"}')
    assert error == (
        "get_wether: unknown tool; the available tools are 'get_weather', 'search', 'write_file'"
    )


def test_empty_tool_list_allows_no_call() -> None:
    assert only_invalid(parse_tool_text(call_xml("search"), []))[2] == (
        "search: unknown tool; the available tools are none"
    )


def test_missing_required_parameter() -> None:
    assert only_invalid(parse_tool_text(call_xml("get_weather", days="2"), TOOLS))[2] == (
        "get_weather: missing required parameter 'city'"
    )


def test_unknown_parameter_is_an_error_only_when_additional_properties_is_false() -> None:
    strict = make_tool("f", {"a": {"type": "string"}}, additionalProperties=False)
    assert only_invalid(parse_tool_text(call_xml("f", a="x", b="42"), [strict])) == (
        "f",
        '{"a": "x", "b": "42"}',
        "f: unknown parameter 'b' (known parameters: 'a')",
    )
    loose = make_tool("f", {"a": {"type": "string"}})
    assert valid_calls(parse_tool_text(call_xml("f", a="x", b="42"), [loose])) == [
        ("f", {"a": "x", "b": "42"})  # an undeclared value stays a string
    ]
    typed_extra = make_tool("f", {}, additionalProperties={"type": "integer"})
    assert valid_calls(parse_tool_text(call_xml("f", b="42"), [typed_extra])) == [("f", {"b": 42})]


def test_several_errors_are_all_reported() -> None:
    parsed = parse_tool_text(call_xml("get_weather", days="x"), TOOLS)
    assert only_invalid(parsed)[2] == (
        "get_weather: parameter 'days' expects an integer, got 'x'; "
        "missing required parameter 'city'"
    )


def test_truncated_inside_a_value_keeps_the_raw_text() -> None:
    # vLLM 0.20 reports {"city": "Par"} as a complete call (table 1.6).
    text = "Checking.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nPar"
    assert parse_tool_text(text, TOOLS).content == "Checking.\n"
    name, args, error = only_invalid(parse_tool_text(text, TOOLS))
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
    assert only_invalid(parse_tool_text(text, TOOLS)) == (name, args, error)


def test_function_header_without_closing_bracket_is_malformed() -> None:
    text = (
        "<tool_call>\n<function=search\n<parameter=query>\nx\n</parameter>\n</function>\n"
        "</tool_call>"
    )
    assert only_invalid(parse_tool_text(text, TOOLS)) == (
        "search",
        "<function=search\n<parameter=query>\nx\n</parameter>\n</function>",
        "search: malformed markup: '<function=search' is missing its '>'",
    )


def test_parameter_header_without_closing_bracket_is_malformed() -> None:
    text = "<function=search>\n<parameter=query\nx\n</parameter>\n</function>"
    name, _, error = only_invalid(parse_tool_text(text, TOOLS))
    assert (name, error) == (
        "search",
        "search: malformed markup: '<parameter=query' is missing its '>'",
    )


def test_duplicate_parameter_is_invalid() -> None:
    text = (
        "<function=search>\n<parameter=query>\na\n</parameter>\n"
        "<parameter=query>\nb\n</parameter>\n</function>"
    )
    assert only_invalid(parse_tool_text(text, TOOLS)) == (
        "search",
        text,
        "search: parameter 'query' is given more than once",
    )


def test_text_between_parameters_is_malformed() -> None:
    text = '<function=search>\n{"query": "x"}\n</function>'
    assert only_invalid(parse_tool_text(text, TOOLS)) == (
        "search",
        text,
        'search: unexpected text \'{"query": "x"}\' between parameters',
    )


def test_tool_call_block_not_in_function_format_is_an_invalid_call() -> None:
    text = 'A\n<tool_call>\n{"name": "search", "arguments": {}}\n</tool_call>\nB'
    parsed = parse_tool_text(text, TOOLS)
    assert parsed.content == "A\nB"
    assert only_invalid(parsed) == (
        None,
        '{"name": "search", "arguments": {}}\n',
        "tool call: malformed markup: '<tool_call>' is not followed by '<function=NAME>'",
    )
    assert only_invalid(parse_tool_text("<tool_call></tool_call>", TOOLS)) == (
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
    text = f"{call_xml('nope')}\nmiddle\n{CALL}"
    parsed = parse_tool_text(text, TOOLS)
    assert parsed.content == "middle\n"
    assert [c["name"] for c in parsed.invalid_tool_calls] == ["nope"]
    assert [c["name"] for c in parsed.tool_calls] == ["get_weather"]
