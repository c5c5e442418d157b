"""The fake server's streams: its tokenizer, a tool call streamed delta by delta, and
properties showing that any chunking assembles to the same reply as the default tokens."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langchain_nemotron_omni.testing._parsing import FlavorName, StreamParser, tokenize
from tests.unit.fake_parsing_cases import (
    CALL,
    VLLM_STREAM_ID,
    WEATHER_TOOLS,
    assemble,
    full,
    ns_calls,
)

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
