"""Rendering tools and tool calls as the model's chat template does (``render_tools_prompt``,
``render_tool_call_xml``), and rendered calls parsing back to the same arguments."""

from __future__ import annotations

from langchain_nemotron_omni.tool_xml import (
    parse_tool_text,
    render_tool_call_xml,
    render_tools_prompt,
)
from tests.unit.tool_xml_cases import make_tool, valid_calls

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
    tool = make_tool(
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
    assert valid_calls(parse_tool_text(render_tool_call_xml("f", args), [tool])) == [("f", args)]
