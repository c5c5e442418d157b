"""Streamed invalid calls stay invalid when LangChain aggregates them; server calls get checked."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessageChunk
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.utils.json import parse_partial_json

from langchain_nemotron_omni.reply.render import invalid_args, split_invalid_args
from langchain_nemotron_omni.tools.schema import build_specs
from langchain_nemotron_omni.tools.validate import CUT_OFF, check_server_call
from tests.streams import WEATHER_TOOL

OPTIONAL = {
    "type": "function",
    "function": {
        "name": "note",
        "parameters": {
            "type": "object",
            "properties": {
                "text": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                "title": {"type": "string"},
            },
        },
    },
}
SPECS = build_specs([WEATHER_TOOL, OPTIONAL])


@given(st.text(), st.text(min_size=1))
def test_an_invalid_streamed_call_stays_invalid_whatever_its_text(args: str, error: str) -> None:
    streamed = invalid_args(args, error)
    assert not isinstance(parse_partial_json(streamed), dict)
    # Aggregated from any two pieces, as LangChain users do with "+".
    cut = len(streamed) // 2
    first = AIMessageChunk(
        content="", tool_call_chunks=[tool_call_chunk(name="f", args=streamed[:cut], index=0)]
    )
    second = AIMessageChunk(
        content="", tool_call_chunks=[tool_call_chunk(name=None, args=streamed[cut:], index=0)]
    )
    whole = first + second
    assert whole.tool_calls == []
    assert [call["args"] for call in whole.invalid_tool_calls] == [streamed]
    assert split_invalid_args(streamed) == (args, error)


def test_the_marker_reads_as_the_reason() -> None:
    streamed = invalid_args('{"days": "3\\""}', "get_weather: parameter 'days' ...")
    assert streamed == '{"days": "3\\""}  ] <invalid: get_weather: parameter \'days\' ...>'
    assert split_invalid_args('{"a": 1}') is None


def _check(name: str, arguments: dict[str, Any] | str) -> tuple[Any, str | None]:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    checked = check_server_call(SPECS, name, text)
    return checked.args, checked.error


def test_a_server_call_gets_the_client_parsers_rules() -> None:
    assert _check("get_weather", {"city": "Paris", "days": 3}) == (
        {"city": "Paris", "days": 3},
        None,
    )
    assert _check("rm_rf", {"target": "/"})[1] == (
        "rm_rf: unknown tool; the available tools are 'get_weather', 'note'"
    )
    assert _check("get_weather", {"city": "Paris", "days": "abc"})[1] == (
        "get_weather: parameter 'days' expects an integer, got 'abc'"
    )
    assert _check("get_weather", {"days": 2})[1] == (
        "get_weather: missing required parameter 'city'"
    )
    assert _check("get_weather", '{"city": "Paris"')[1] == (
        "get_weather: the arguments are not a JSON object"
    )
    assert _check("get_weather", '{"city": "Paris", "days": NaN}')[1] == (
        "get_weather: the arguments are not a JSON object"
    )


def test_values_the_server_typed_differently_are_typed_again_from_their_text() -> None:
    # vLLM 0.20 makes an int of "42" for Optional[str], and None of "null" for a string.
    assert _check("note", {"text": 42, "title": None}) == ({"text": "42", "title": "null"}, None)
    assert _check("get_weather", {"city": "Oslo", "days": "7"}) == (
        {"city": "Oslo", "days": 7},
        None,
    )


def test_a_call_the_reply_was_cut_inside_is_invalid_whatever_it_holds() -> None:
    checked = check_server_call(SPECS, "get_weather", '{"city": "Par"}', cut_off=True)
    assert checked.args is None
    assert checked.error == f"get_weather: {CUT_OFF}"
