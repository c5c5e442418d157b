"""qwen3_coder XML tool calls parsed as a stream (``StreamingToolParser``): the events and when
they come, and properties showing the result never depends on how the text is chunked."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
)
from tests.unit.tool_xml_cases import CALL, TOOLS, call_xml, make_tool, valid_calls


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
    events = _feed(call_xml("nope", a="1"), TOOLS)
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
    text = call_xml("search", query="Paris") + "\n" + call_xml("search", query="London")
    events = _feed(text, TOOLS, [text])
    assert [e.index for e in events if isinstance(e, CallFinished)] == [0, 1]
    assert valid_calls(assemble_events(events)) == [
        ("search", {"query": "Paris"}),
        ("search", {"query": "London"}),
    ]


def test_stream_whitespace_framing_calls_waits_for_what_follows() -> None:
    parser = StreamingToolParser(TOOLS)
    assert parser.feed("\n") == []  # may turn out to precede a call
    assert parser.feed("Hi") == [TextDelta("\nHi")]
    parser.feed(call_xml("search"))
    assert parser.feed("\n\n") == []
    assert parser.feed("Bye") == [TextDelta("\n\nBye")]
    assert parser.finish() == []


def test_stream_holds_back_only_a_bounded_tail_so_work_stays_linear() -> None:
    line = 'if a < b: s = "</parameter>" + "<div>" + "</function>"\n'
    text = call_xml("write_file", path="x", content=line * 400)
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
    call_xml(
        "write_file", path="a.py", content='x = "</parameter>"\n</parameter>\ny\n<parameter=z>'
    ),
    "<function=get_weather\n<parameter=city>\nOslo\n</function>\n",
    "A\n\n" + CALL + "\n\n" + call_xml("nope") + "  tail <tool",
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
    return make_tool(tool_name, properties), args


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
