"""Client-side reasoning splitting: whole-text and streamed give the same answer."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from langchain_nemotron_omni.reasoning.fields import reasoning_of
from langchain_nemotron_omni.reasoning.split import ThinkSplitter
from langchain_nemotron_omni.reply.trim import EdgeTrimmer, trim

_ALPHABET = st.sampled_from(["a", "b", " ", "\n", "<", ">", "/", "think", "<think>", "</think>"])
_TEXT = st.lists(_ALPHABET, max_size=30).map("".join)


def _chunks(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points)]


def _run_splitter(pieces: list[str], *, start_in_reasoning: bool) -> tuple[str, str]:
    splitter = ThinkSplitter(start_in_reasoning=start_in_reasoning)
    parts = [p for piece in pieces for p in splitter.feed(piece)] + splitter.flush()
    reasoning = "".join(t for c, t in parts if c == "reasoning")
    content = "".join(t for c, t in parts if c == "content")
    return reasoning, content


def test_splitter_whole_text_cases() -> None:
    assert _run_splitter(["R.\n</think>\nHello"], start_in_reasoning=True) == ("R.\n", "\nHello")
    assert _run_splitter(["<think>\nR</think>A"], start_in_reasoning=True) == ("\nR", "A")
    assert _run_splitter(["<think>cut off"], start_in_reasoning=True) == ("cut off", "")


def test_splitter_prefilled_thought_routes_until_close() -> None:
    assert _run_splitter(
        ["Need", " the", " weather.\n", "</think>", "\nIt is sunny."], start_in_reasoning=True
    ) == ("Need the weather.\n", "\nIt is sunny.")


def test_splitter_holds_a_marker_split_across_chunks() -> None:
    splitter = ThinkSplitter(start_in_reasoning=True)
    assert splitter.feed("thought</th") == [("reasoning", "thought")]
    assert splitter.feed("ink>answer") == [("content", "answer")]


def test_splitter_thinking_off_is_all_content() -> None:
    assert _run_splitter(["just", " text"], start_in_reasoning=False) == ("", "just text")


def test_splitter_without_close_is_all_reasoning() -> None:
    assert _run_splitter(["trunc", "ated"], start_in_reasoning=True) == ("truncated", "")


@given(text=_TEXT, cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=8))
def test_splitter_is_independent_of_chunking(text: str, cuts: list[int]) -> None:
    whole = _run_splitter([text], start_in_reasoning=True)
    assert _run_splitter(_chunks(text, cuts), start_in_reasoning=True) == whole
    body = text.removeprefix("<think>")
    reasoning, sep, content = body.partition("</think>")
    assert whole == ((reasoning, content) if sep else (body, ""))


_EDGES = st.lists(st.sampled_from(["a", " b", " ", "\n", "\n\n", "\t", "c\n"]), max_size=30)


@given(
    text=_EDGES.map("".join),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=12),
)
def test_edge_trimmer_equals_trim_of_the_whole(text: str, cuts: list[int]) -> None:
    trimmer = EdgeTrimmer()
    pieces = [piece for piece in _chunks(text, cuts) if piece]  # the shaper feeds no ""
    out: list[str] = []
    for piece in pieces:
        passes = trimmer.passes(piece)
        out.append(trimmer.feed(piece))
        if passes:  # the promise the shaper's pass-through lane relies on
            assert out[-1] == piece
    assert "".join(out) == trim(text)
    if text.strip():
        assert trim(text) == text.strip("\n")
    else:
        assert trim(text) == ""


def test_reasoning_of_prefers_non_empty() -> None:
    assert reasoning_of({"reasoning": "", "reasoning_content": "x"}) == "x"
    assert reasoning_of({"reasoning": None}) is None
    assert reasoning_of({"reasoning_content": "y"}) == "y"
    assert reasoning_of({"reasoning": "z", "reasoning_content": "z"}) == "z"
