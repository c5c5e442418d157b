"""The fake server's reasoning parsers, behaviour by behaviour, on every flavor.

Each test names the behaviour it checks; ``docs/fake-server.md`` lists them per flavor. A whole
reply goes through ``parse_full`` (the non-streamed message) and, cut into the default engine
steps, through ``StreamParser`` (the streamed deltas, put back together).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langchain_nemotron_omni.testing import FLAVOR_TABLE, FLAVORS, FlavorName
from langchain_nemotron_omni.testing._parsing import StreamParser, parse_full, tokenize
from tests.streams import join_deltas

TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            },
        },
    }
]
CALL = (
    "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
    "</function>\n</tool_call>"
)
ARGS = '{"city": "Paris"}'
VLLM_FAMILY: list[FlavorName] = ["vllm", "vllm-0.15", "vllm-0.11"]


@dataclass
class Both:
    """One reply parsed whole and streamed."""

    reasoning: str | None
    content: str | None
    calls: list[tuple[str, str]]
    finish: str
    s_reasoning: str | None = None
    s_content: str | None = None
    s_calls: list[tuple[str, str]] = field(default_factory=list)
    s_finish: str = ""
    deltas: list[dict[str, Any]] = field(default_factory=list)


def run(  # noqa: PLR0913 - the parsers' own switches
    text: str,
    flavor: FlavorName,
    *,
    thinking: bool = True,
    tools: list[dict[str, Any]] | None = TOOLS,
    truncated: bool = False,
    force: bool = False,
) -> Both:
    """Parse ``text`` both ways as ``flavor`` does.

    ``thinking=False`` is a request that says ``enable_thinking: false`` (so the prompt ends
    in ``<think></think>``).
    """
    parsed = parse_full(
        text,
        flavor=flavor,
        request_enable_thinking=None if thinking else False,
        prompt_reasoning_open=thinking,
        tools=tools,
        truncated=truncated,
        force_nonempty_content=force,
    )
    out = Both(
        parsed.reasoning,
        parsed.content,
        [(c["function"]["name"], c["function"]["arguments"]) for c in parsed.tool_calls],
        parsed.finish_reason,
    )
    parser = StreamParser(
        flavor=flavor, prompt_reasoning_open=thinking, tools=tools, force_nonempty_content=force
    )
    for token in tokenize(text):
        out.deltas.extend(parser.feed(token))
    trailing, out.s_finish = parser.finish(truncated=truncated)
    out.deltas.extend(trailing)
    fields = FLAVOR_TABLE[flavor].reasoning_fields
    out.s_reasoning, out.s_content, out.s_calls = join_deltas(
        out.deltas, fields[0] if fields else None
    )
    return out


# -- a call written after the thought without </think> --------------------------------------------


@pytest.mark.parametrize("flavor", VLLM_FAMILY)
def test_vllm_call_after_an_unclosed_thought_stays_reasoning(flavor: FlavorName) -> None:
    """vLLM's nemotron_v3 ends the thought only at </think>: the call is reasoning text."""
    text = "I should look it up.\n" + CALL
    got = run(text, flavor)
    assert (got.reasoning, got.content, got.calls, got.finish) == (text, None, [], "stop")
    assert (got.s_reasoning, got.s_content, got.s_calls, got.s_finish) == (text, None, [], "stop")


def test_sglang_call_after_an_unclosed_thought_is_a_call_in_both_modes() -> None:
    """SGLang's nemotron_3 ends the thought at <tool_call> when no </think> comes."""
    text = "I should look it up.\n" + CALL + "\nDone."
    got = run(text, "sglang")
    assert (got.reasoning, got.content, got.calls, got.finish) == (
        "I should look it up.\n",
        "",
        [("get_weather", ARGS)],
        "tool_calls",
    )
    assert (got.s_reasoning, got.s_calls, got.s_finish) == (
        "I should look it up.\n",
        [("get_weather", ARGS)],
        "tool_calls",
    )
    assert got.s_content == "\nDone."  # streamed after the call, dropped from the message


def test_sglang_whole_reply_prefers_a_later_end_think_over_an_earlier_call() -> None:
    """With </think> anywhere, a whole reply splits there; the stream splits at <tool_call>."""
    text = "Plan " + CALL + "\nok\n</think>\nDone"
    got = run(text, "sglang")
    assert (got.reasoning, got.calls) == ("Plan " + CALL + "\nok\n", [])
    assert (got.s_reasoning, got.s_calls) == ("Plan ", [("get_weather", ARGS)])
    assert got.s_content is not None
    assert "</think>" in got.s_content


# -- a reply cut by max_tokens inside the thought -------------------------------------------------


@pytest.mark.parametrize("flavor", FLAVORS)
def test_reply_cut_inside_the_thought(flavor: FlavorName) -> None:
    """No </think>: all reasoning on every parsing flavor; finish_reason stays "length"."""
    text = "Let me think about the weather in"
    got = run(text, flavor, truncated=True)
    assert got.finish == got.s_finish == "length"
    assert got.calls == got.s_calls == []
    if flavor == "raw":
        assert (got.reasoning, got.content) == (None, text)
        assert (got.s_reasoning, got.s_content) == (None, text)
    else:
        assert got.reasoning == got.s_reasoning == text
        assert got.s_content is None
        # SGLang's message says "" where vLLM's says null.
        assert got.content == ("" if flavor == "sglang" else None)


@pytest.mark.parametrize("flavor", ["vllm", "sglang"])
def test_reply_cut_inside_a_call_after_an_unclosed_thought(flavor: FlavorName) -> None:
    """vLLM keeps it all as reasoning; SGLang parses the cut call but keeps "length"."""
    text = "Look it up.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nPar"
    got = run(text, flavor, truncated=True)
    if flavor == "vllm":
        assert (got.reasoning, got.calls, got.finish) == (text, [], "length")
        assert (got.s_reasoning, got.s_calls, got.s_finish) == (text, [], "length")
    else:
        assert (got.reasoning, got.calls, got.finish) == (
            "Look it up.\n",
            [("get_weather", '{"city": "Par"}')],
            "length",
        )
        # The stream shows the name only: the value never completed.
        assert (got.s_reasoning, got.s_calls, got.s_finish) == (
            "Look it up.\n",
            [("get_weather", "")],
            "length",
        )


# -- thinking switched off ------------------------------------------------------------------------


@pytest.mark.parametrize("flavor", FLAVORS)
def test_thinking_off_answer_is_content(flavor: FlavorName) -> None:
    """enable_thinking=false: the answer is content in both modes, on every flavor."""
    got = run("Plain answer.", flavor, thinking=False)
    assert (got.reasoning, got.content) == (None, "Plain answer.")
    assert (got.s_reasoning, got.s_content) == (None, "Plain answer.")


@pytest.mark.parametrize("flavor", FLAVORS)
def test_thinking_off_call_is_a_call(flavor: FlavorName) -> None:
    """enable_thinking=false with a call: parsed on every flavor with a tool parser."""
    got = run(CALL, flavor, thinking=False)
    expected = [] if flavor == "raw" else [("get_weather", ARGS)]
    assert got.calls == got.s_calls == expected


def test_vllm_thinking_off_whole_reply_splits_at_a_stray_think() -> None:
    """nemotron_v3 drops everything up to the first <think>, whatever the prompt said."""
    got = run("Answer <think>hm</think>done", "vllm", thinking=False, tools=None)
    assert (got.reasoning, got.content) == ("hm", "done")
    # The stream knows from the prompt that the thought is over: all of it is content.
    assert (got.s_reasoning, got.s_content) == (None, "Answer <think>hm</think>done")


def test_sglang_thinking_off_think_tag_starts_a_thought() -> None:
    """nemotron_3: with thinking off, a <think> the model writes opens a thought."""
    got = run("Answer <think>hm</think>done", "sglang", thinking=False, tools=None)
    # A whole reply strips only a leading <think>; the stream strips the first one anywhere.
    assert (got.reasoning, got.content) == ("Answer <think>hm", "done")
    assert (got.s_reasoning, got.s_content) == ("hm", "Answer done")


@pytest.mark.parametrize("flavor", ["vllm", "sglang"])
def test_only_the_first_think_is_markup_on_sglang(flavor: FlavorName) -> None:
    """SGLang strips one <think>; vLLM's stream drops every one, its whole reply the first."""
    got = run("<think>A<think>B</think>C", flavor, tools=None)
    assert (got.reasoning, got.content) == ("A<think>B", "C")
    assert got.s_content == "C"
    assert got.s_reasoning == ("AB" if flavor == "vllm" else "A<think>B")


# -- force_nonempty_content -----------------------------------------------------------------------


@pytest.mark.parametrize("flavor", VLLM_FAMILY)
def test_vllm_force_nonempty_content_swaps_only_the_whole_reply(flavor: FlavorName) -> None:
    """nemotron_v3 swaps a lone thought into content; its classic stream does not."""
    got = run("Just a thought", flavor, truncated=True, force=True)
    assert (got.reasoning, got.content) == (None, "Just a thought")
    assert (got.s_reasoning, got.s_content) == ("Just a thought", None)
    answered = run("R\n</think>\nAnswer", flavor, force=True)
    assert (answered.reasoning, answered.content) == ("R\n", "\nAnswer")


def test_sglang_force_nonempty_content_repeats_a_cut_thought_as_content() -> None:
    """nemotron_3: the whole reply swaps; the stream sends the thought again at the end."""
    got = run("Just a thought", "sglang", truncated=True, force=True)
    assert (got.reasoning, got.content) == (None, "Just a thought")
    assert (got.s_reasoning, got.s_content) == ("Just a thought", "Just a thought")
    assert got.deltas[-1]["content"] == "Just a thought"
    answered = run("R\n</think>\nAnswer", "sglang", force=True)
    assert (answered.s_reasoning, answered.s_content) == ("R\n", "\nAnswer")


# -- no empty deltas, whatever the text -----------------------------------------------------------

_PIECES = [
    "<think>",
    "</think>",
    "<tool_call>",
    "</tool_call>",
    "<function=get_weather>",
    "<parameter=city>",
    "</parameter>",
    "</function>",
    "\n",
    " ",
    "Paris",
    "<",
    CALL,
]


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=3)), max_size=30),
    flavor=st.sampled_from(FLAVORS),
    thinking=st.booleans(),
    truncated=st.booleans(),
    force=st.booleans(),
    tools=st.booleans(),
)
def test_no_delta_is_empty(  # noqa: PLR0913 - one per switch
    *,
    parts: list[str],
    flavor: FlavorName,
    thinking: bool,
    truncated: bool,
    force: bool,
    tools: bool,
) -> None:
    """Every streamed delta carries something: no "" content or reasoning, no all-null delta."""
    got = run(
        "".join(parts),
        flavor,
        thinking=thinking,
        tools=TOOLS if tools else None,
        truncated=truncated,
        force=force,
    )
    for delta in got.deltas:
        assert any(value is not None for value in delta.values()), delta
        for key in ("content", "reasoning", "reasoning_content"):
            assert delta.get(key) != "", delta
