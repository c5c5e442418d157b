"""Streamed deltas against the non-streamed message, over real HTTP, on every flavor.

The stream details are vLLM 0.20's: the newline between ``</think>`` and a call is a content
delta of its own, right before the call's header; text after ``</tool_call>`` is streamed
while the non-streamed message drops it; no delta carries an empty string. A hypothesis test
then writes model replies from a grammar (thought, text, calls with typed, mistyped, unicode
and huge values, unknown tools, duplicates, trailing text) and checks, for every flavor, that
the put-together stream carries the same reasoning and calls as the message, and content that
differs only where ``docs/fake-server.md`` says it does.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langchain_nemotron_omni.testing import FLAVOR_TABLE, FLAVORS, FakeNemotronServer, Flavor
from tests.streams import WEATHER_TOOL, join_deltas

if TYPE_CHECKING:
    from collections.abc import Iterator

    from langchain_nemotron_omni.testing import ChatRequest, FlavorName

USER = [{"role": "user", "content": "Weather?"}]
CALL = (
    "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
    "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>"
)
VLLM_FAMILY: list[FlavorName] = ["vllm", "vllm-0.15", "vllm-0.11"]


@dataclass
class Stream:
    """A stream as a client puts it together, with every delta kept."""

    deltas: list[dict[str, Any]] = field(default_factory=list)
    reasoning: str | None = None
    content: str | None = None
    calls: list[tuple[str, str]] = field(default_factory=list)
    finish_reason: str | None = None


class Servers:
    """One running server per flavor, answering whatever text the test sets."""

    def __init__(self) -> None:
        self.text = ""
        self._lock = threading.Lock()
        self.by_flavor = {f: FakeNemotronServer(self._reply, flavor=f) for f in FLAVORS}
        self.client = httpx.Client(timeout=30)

    def _reply(self, _request: ChatRequest) -> str:
        with self._lock:
            return self.text

    def body(self, flavor: FlavorName, *, thinking: bool, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": "nemotron",
            "messages": USER,
            "chat_template_kwargs": {"enable_thinking": thinking},
            "stream": stream,
        }
        if FLAVOR_TABLE[flavor].tool_parser is not None:
            body["tools"] = [WEATHER_TOOL]
        return body

    def message(self, flavor: FlavorName, *, thinking: bool) -> dict[str, Any]:
        url = self.by_flavor[flavor].base_url + "/chat/completions"
        response = self.client.post(url, json=self.body(flavor, thinking=thinking, stream=False))
        assert response.status_code == 200, response.text
        choice: dict[str, Any] = response.json()["choices"][0]
        return choice

    def stream(self, flavor: FlavorName, *, thinking: bool) -> Stream:
        url = self.by_flavor[flavor].base_url + "/chat/completions"
        body = self.body(flavor, thinking=thinking, stream=True)
        with self.client.stream("POST", url, json=body) as response:
            assert response.status_code == 200
            text = response.read().decode()
        events = [line.removeprefix("data: ") for line in text.split("\n\n") if line]
        assert events[-1] == "[DONE]"
        return assemble(FLAVOR_TABLE[flavor], [json.loads(e) for e in events[:-1]])


def assemble(row: Flavor, chunks: list[dict[str, Any]]) -> Stream:
    """Put the chunks together; check the framing (role first, finish last) on the way."""
    out = Stream()
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[0]["choices"][0]["delta"]["content"] == ""
    for chunk in chunks[1:]:
        (choice,) = chunk["choices"]
        out.deltas.append(choice["delta"])
        if choice["finish_reason"] is not None:
            out.finish_reason = choice["finish_reason"]
    fields = row.reasoning_fields
    out.reasoning, out.content, out.calls = join_deltas(out.deltas, fields[0] if fields else None)
    return out


def message_calls(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (c["function"]["name"], c["function"]["arguments"]) for c in message["tool_calls"] or []
    ]


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    fleet = Servers()
    for server in fleet.by_flavor.values():
        server.start()
    try:
        yield fleet
    finally:
        fleet.client.close()
        for server in fleet.by_flavor.values():
            server.stop()


# -- the three stream details, one by one ---------------------------------------------------------


@pytest.mark.parametrize("flavor", VLLM_FAMILY)
def test_newline_before_a_call_is_its_own_content_delta(
    servers: Servers, flavor: FlavorName
) -> None:
    servers.text = "Need the weather.\n</think>\n" + CALL
    got = servers.stream(flavor, thinking=True)
    contents = [i for i, d in enumerate(got.deltas) if d.get("content") is not None]
    assert contents == [contents[0]]
    newline = got.deltas[contents[0]]
    assert newline["content"] == "\n"
    assert not newline.get("tool_calls")
    header = got.deltas[contents[0] + 1]["tool_calls"][0]
    assert header["function"] == {"name": "get_weather", "arguments": ""}
    # The message has no content at all: the newline is whitespace before the call.
    message = servers.message(flavor, thinking=True)["message"]
    assert message["content"] is None
    assert message_calls(message) == got.calls == [("get_weather", '{"city": "Paris", "days": 3}')]


@pytest.mark.parametrize("flavor", [*VLLM_FAMILY, "sglang"])
def test_text_after_the_call_is_streamed_but_not_in_the_message(
    servers: Servers, flavor: FlavorName
) -> None:
    servers.text = "R\n</think>\n" + CALL + "\nI will report back."
    message = servers.message(flavor, thinking=True)
    got = servers.stream(flavor, thinking=True)
    assert message["finish_reason"] == got.finish_reason == "tool_calls"
    assert "I will report back." not in (message["message"]["content"] or "")
    assert got.content is not None
    assert got.content.endswith("I will report back.")
    assert message_calls(message["message"]) == got.calls


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize(
    "text",
    [
        "R\n</think>\n" + CALL + "\n",
        "R\n</think>\n\n" + CALL + "\n\n" + CALL + "\n  \n",
        "</think>\n" + CALL,
        "<think>\n</think>\nHi",
        "Cut in the thought",
    ],
)
def test_no_delta_carries_an_empty_string(servers: Servers, flavor: FlavorName, text: str) -> None:
    servers.text = text
    got = servers.stream(flavor, thinking=True)
    for delta in got.deltas:
        assert "" not in delta.values(), delta


# -- every reply from the grammar -----------------------------------------------------------------

_TEXT = st.characters(blacklist_characters="<", blacklist_categories=["Cs"])
_WORDS = st.text(alphabet=_TEXT, max_size=24)
_VALUES = st.one_of(
    _WORDS,
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["true", "False", "null", "2.0", '{"a": [1, 2]}', '3"', 'x"y', "{'k': 1}"]),
    st.text(alphabet=_TEXT, min_size=3000, max_size=5000),
)
_CALLS = st.tuples(
    st.sampled_from(["get_weather", "rm_rf"]),
    st.lists(st.tuples(st.sampled_from(["city", "days", "extra"]), _VALUES), max_size=3),
)


@dataclass(frozen=True)
class Reply:
    """A model reply from the grammar, and how each server family reads it."""

    thinking: bool
    thought: str
    end: bool
    sep: str
    pre: str
    calls: list[tuple[str, list[tuple[str, str]]]]
    trail: str

    @property
    def calls_text(self) -> str:
        return "\n".join(
            f"<tool_call>\n<function={name}>\n"
            + "".join(f"<parameter={k}>\n{v}\n</parameter>\n" for k, v in params)
            + "</function>\n</tool_call>"
            for name, params in self.calls
        )

    @property
    def trail_text(self) -> str:
        return "\n" + self.trail if self.trail else ""

    @property
    def text(self) -> str:
        head = self.thought + ("</think>" if self.end else "")
        return head + self.sep + self.pre + self.calls_text + self.trail_text


@st.composite
def replies(draw: st.DrawFn) -> Reply:
    thinking = draw(st.booleans())
    return Reply(
        thinking=thinking,
        thought=draw(_WORDS) if thinking else "",
        end=draw(st.booleans()) if thinking else False,
        sep=draw(st.sampled_from(["", "\n", "\n\n"])),
        pre=draw(_WORDS),
        calls=draw(st.lists(_CALLS, max_size=3)),
        # Text after the calls starts with a visible character (leading blank lines are
        # dropped by vLLM's stream, which the content rule below accounts for).
        trail=draw(st.one_of(st.just(""), _WORDS.filter(lambda s: s[:1].strip() != ""))),
    )


def _expect_vllm(reply: Reply) -> tuple[Any, Any, Any, Any, bool]:
    """``(message reasoning, message content, streamed reasoning, streamed content, calls)``."""
    if not reply.thinking:
        reasoning, after = None, reply.text  # the swap: enable_thinking=false, no content
    elif reply.end:
        reasoning, after = reply.thought, reply.sep + reply.pre + reply.calls_text
        after += reply.trail_text
    else:
        return reply.text, None, reply.text or None, None, False
    s_reasoning = reasoning or None
    if not reply.calls:
        return (
            reasoning,
            after or (None if reply.thinking else ""),
            s_reasoning,
            after or None,
            False,
        )
    before = reply.sep + reply.pre
    # The message keeps text before the first call unless it is blank and drops text after
    # the last; the stream sends both (minus the blank lines right after </tool_call>).
    return (
        reasoning,
        before if before.strip() else None,
        s_reasoning,
        before + reply.trail or None,
        True,
    )


def _expect_sglang(reply: Reply) -> tuple[Any, Any, Any, Any, bool]:
    if not reply.thinking:
        reasoning, after = "", reply.text
    elif reply.end:
        reasoning = reply.thought
        after = reply.sep + reply.pre + reply.calls_text + reply.trail_text
    elif reply.calls:  # <tool_call> ends a thought that has no </think>
        reasoning = reply.thought + reply.sep + reply.pre
        after = reply.calls_text + reply.trail_text
    else:
        reasoning, after = reply.text, ""
    if not reply.calls:
        return reasoning or None, after, reasoning or None, after or None, False
    before = after[: after.index("<tool_call>")]
    # The stream also sends every newline between calls, and the text after them.
    streamed = before + "\n" * (len(reply.calls) - 1) + reply.trail_text
    return reasoning or None, before, reasoning or None, streamed or None, True


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(reply=replies(), flavor=st.sampled_from(FLAVORS))
def test_stream_carries_what_the_message_does(
    servers: Servers, reply: Reply, flavor: FlavorName
) -> None:
    row = FLAVOR_TABLE[flavor]
    servers.text = reply.text
    choice = servers.message(flavor, thinking=reply.thinking)
    message = choice["message"]
    got = servers.stream(flavor, thinking=reply.thinking)
    for delta in got.deltas:
        assert "" not in delta.values(), delta
    if row.reasoning_parser is None:
        assert message["content"] == reply.text
        assert got.content == (reply.text or None)
        assert got.reasoning is None
        assert message_calls(message) == got.calls == []
        return
    expect = _expect_vllm if row.reasoning_parser == "nemotron_v3" else _expect_sglang
    reasoning, content, s_reasoning, s_content, parsed = expect(reply)
    assert message[row.reasoning_fields[0]] == reasoning
    assert message["content"] == content
    assert got.reasoning == s_reasoning
    assert got.content == s_content
    # Arguments agree as JSON: a key given twice comes twice in the stream's fragments, and
    # once (the last value) in the message, which is what a JSON reader keeps from both.
    decoded = [(name, json.loads(args)) for name, args in got.calls]
    assert [(name, json.loads(args)) for name, args in message_calls(message)] == decoded
    assert [name for name, _ in got.calls] == ([n for n, _ in reply.calls] if parsed else [])
    finish = "tool_calls" if parsed else "stop"
    assert choice["finish_reason"] == got.finish_reason == finish


# -- request switches the parsers read ------------------------------------------------------------


@pytest.mark.parametrize("flavor", ["vllm", "sglang"])
def test_force_nonempty_content_reaches_the_reasoning_parser(flavor: FlavorName) -> None:
    body = {
        "model": "nemotron",
        "messages": USER,
        "max_tokens": 3,
        "chat_template_kwargs": {"force_nonempty_content": True},
    }
    text = "One two three four"
    with FakeNemotronServer([text, text], flavor=flavor) as server:
        url = server.base_url + "/chat/completions"
        message = httpx.post(url, json=body, timeout=10).json()["choices"][0]["message"]
        with httpx.stream("POST", url, json={**body, "stream": True}, timeout=10) as response:
            lines = [ln for ln in response.read().decode().split("\n\n") if ln]
        request = server.requests[0]
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    got = assemble(FLAVOR_TABLE[flavor], chunks)
    # Both parsers move a thought cut by max_tokens into the message's content.
    assert message["content"] == "One two three"
    assert message[FLAVOR_TABLE[flavor].reasoning_fields[0]] is None
    assert got.reasoning == "One two three"
    # vLLM's classic stream leaves it as reasoning; SGLang's repeats it as content at the end.
    assert got.content == (None if flavor == "vllm" else "One two three")
    # The template does not read the switch, so it is reported as ignored.
    assert "chat_template_kwargs.force_nonempty_content" in request.ignored_fields
