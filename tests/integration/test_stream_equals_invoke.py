"""Invoke and the aggregated stream agree on every reply the model could write, on every server.

A grammar writes model outputs (a thought, closed or not, answer text, tool calls with typed,
mistyped, quoted, unicode and huge values, JSON objects whole and broken, unknown tools (named
with quotes and unicode too), missing parameters, duplicates, text after the calls) and a cut
anywhere (``max_tokens`` up to the reply's length); the fake server plays each on the
``vllm``, ``sglang`` and ``raw`` flavors, with engine steps bundled in random numbers per
delta. ``invoke`` and ``stream`` aggregated with ``+`` must give the same answer, thought,
finish reason, valid calls and invalid calls (with the same arguments and reason), and a call
whose values do not fit the tool's schema is never valid in either.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.reply.render import split_invalid_args
from langchain_nemotron_omni.testing import FakeNemotronServer, Reply
from langchain_nemotron_omni.testing._parsing import tokenize
from langchain_nemotron_omni.tools.validate import CUT_OFF
from tests.streams import CONFIGURE_TOOL, WEATHER_TOOL, WRITE_FILE_TOOL, collect

TOOLS = [WEATHER_TOOL, WRITE_FILE_TOOL, CONFIGURE_TOOL]
FLAVORS = ["vllm", "sglang", "raw"]

# Pieces of text: words, unicode, quotes, backslashes, brackets and lone angle brackets;
# never a whole tag, so the text itself holds no markup.
_PIECES = st.sampled_from(
    [
        "the", " Paris", "naïve", "日本", "🙂", 'a"b', "it's", "x", "  ", "\n", ", ", "<",
        ">", "&", "\\", "{", "}", "[", "]", "é", "42", "null", "true", "3", " ",
    ]
)  # fmt: skip
TEXT = st.lists(_PIECES, max_size=10).map("".join)
VISIBLE = st.lists(_PIECES, min_size=1, max_size=10).map("".join).filter(lambda t: t.strip())
MISTYPED = st.sampled_from(["three", '3"', "abc", "3.5", "[1]", "", "null"])
# Object values as written, with the object they stand for (a Python literal is read as
# vLLM's parser reads it).
OBJECTS = st.sampled_from(
    [
        ('{"a": 1}', {"a": 1}),
        ("{}", {}),
        ("{'k': 1}", {"k": 1}),
        (
            '{"k": "日本", "q": "a\\"b", "n": [1, {"x": null}]}',
            {"k": "日本", "q": 'a"b', "n": [1, {"x": None}]},
        ),
    ]
)
NOT_OBJECTS = st.sampled_from(['{"a": 1', "[1]", "abc", '3"', '{"a": 1}}', "null"])
UNKNOWN_NAMES = st.sampled_from(["rm_rf", 'x"y', "日本", "get_weather2"])


@dataclass
class Call:
    """A call as the model writes it, and whether it fits the bound tools."""

    name: str
    params: list[tuple[str, str]]
    args: dict[str, Any] | None = field(default=None)  # the arguments if valid

    def xml(self) -> str:
        body = "".join(f"<parameter={k}>\n{v}\n</parameter>\n" for k, v in self.params)
        return f"<tool_call>\n<function={self.name}>\n{body}</function>\n</tool_call>\n"


@st.composite
def weather_calls(draw: st.DrawFn) -> Call:
    params: list[tuple[str, str]] = []
    args: dict[str, Any] | None = {}
    if draw(st.booleans()) or draw(st.booleans()):
        city = draw(TEXT)
        params.append(("city", city))
        args = {"city": city}
    else:
        args = None  # "city" is required
    kind = draw(st.sampled_from(["none", "typed", "mistyped"]))
    if kind == "typed":
        days = draw(st.integers(-5, 400))
        params.append(("days", str(days)))
        if args is not None:
            args["days"] = days
    elif kind == "mistyped":
        params.append(("days", draw(MISTYPED)))
        args = None
    draw(st.randoms()).shuffle(params)
    return Call("get_weather", params, args)


@st.composite
def write_calls(draw: st.DrawFn) -> Call:
    path = draw(VISIBLE)
    if draw(st.integers(0, 9)) == 0:
        content = 'A long line of a large file, with a tab\tand a quote".\n' * 300
    else:
        content = draw(TEXT)
    return Call(
        "write_file", [("path", path), ("content", content)], {"path": path, "content": content}
    )


@st.composite
def configure_calls(draw: st.DrawFn) -> Call:
    if draw(st.booleans()):
        text, value = draw(OBJECTS)
        return Call("configure", [("options", text)], {"options": value})
    return Call("configure", [("options", draw(NOT_OBJECTS))])


CALLS = st.one_of(
    weather_calls(),
    write_calls(),
    configure_calls(),
    st.builds(lambda name, v: Call(name, [("target", v)]), UNKNOWN_NAMES, TEXT),
)


@dataclass
class Output:
    """One model output and what a correct client must make of it."""

    text: str
    thinking: bool
    calls: list[Call]
    max_tokens: int | None
    interval: int


@st.composite
def outputs(draw: st.DrawFn, flavor: str) -> Output:
    thinking = draw(st.booleans()) or draw(st.booleans())
    calls = draw(st.lists(CALLS, max_size=3))
    if calls and draw(st.integers(0, 4)) == 0:
        calls.append(draw(st.sampled_from(calls)))  # the same call twice: both are kept
    block = "".join(call.xml() for call in calls)
    thought, answer, trailing = draw(TEXT), draw(TEXT), draw(TEXT)
    layout = draw(st.sampled_from(["closed", "unclosed", "inside"]))
    if not thinking:
        text = f"{answer}{block}{trailing}"
    elif layout == "unclosed":
        # The model left "</think>" out before its calls (or was cut inside the thought).
        text = f"{thought}\n{block}"
    elif layout == "inside" and flavor != "sglang" and calls:
        # Calls written inside the thought. (SGLang ends the thought at <tool_call> only
        # while streaming, so there the two modes see different replies.)
        text = f"{thought}\n{block}{draw(TEXT)}\n</think>\n{answer}"
    else:
        text = f"{thought}\n</think>\n{answer}\n{block}{trailing}"
    # A cut anywhere in the reply, or none.
    max_tokens = draw(st.one_of(st.none(), st.integers(1, max(1, len(tokenize(text))))))
    return Output(text, thinking, calls, max_tokens, draw(st.sampled_from([1, 1, 2, 3, 7])))


def _summary(message: BaseMessage, *, streamed: bool, parsing_server: bool) -> tuple[Any, ...]:
    assert isinstance(message, AIMessage)
    invalid: list[tuple[str | None, str | None, str | None]] = []
    for call in message.invalid_tool_calls:
        args: str | None
        error: str | None
        if streamed:
            split = split_invalid_args(str(call["args"]))
            assert split is not None, f"an invalid streamed call lost its marker: {call}"
            args, error = split
        else:
            args, error = call["args"], call["error"]
        if parsing_server and error is not None and error.endswith(CUT_OFF):
            # A call the reply was cut inside keeps the partial arguments the server sent,
            # and a parsing server sends different ones in its two modes (vLLM's message
            # closes the JSON around the partial values; its stream sent only the
            # parameters that had closed).
            args = None
        invalid.append((call["name"], args, error))
    return (
        message.content,
        message.additional_kwargs.get("reasoning_content"),
        message.response_metadata.get("finish_reason"),
        [(call["name"], call["args"]) for call in message.tool_calls],
        invalid,
    )


Served = tuple[str, FakeNemotronServer, dict[str, Reply]]
"""A flavor, its server, and the reply it gives next."""


@pytest.fixture(scope="module", params=FLAVORS)
def served(
    request: pytest.FixtureRequest,
) -> Iterator[Served]:
    flavor = request.param
    current: dict[str, Reply] = {}
    with FakeNemotronServer(lambda _: current["reply"], flavor=flavor) as server:
        yield flavor, server, current


def _play(
    served: Served, data: st.DataObject, *, tools: bool
) -> tuple[Output, tuple[Any, ...], tuple[Any, ...]]:
    """Draw a reply, play it to invoke and to stream: the output and both summaries."""
    flavor, server, current = served
    output = data.draw(outputs(flavor))
    current["reply"] = Reply(output.text, stream_interval=output.interval)
    model = ChatNemotronOmni(
        base_url=server.base_url,
        model="nemotron",
        max_retries=0,
        thinking=output.thinking,
        max_tokens=output.max_tokens,
        tool_parser="client" if flavor == "raw" else "auto",
    )
    llm: Runnable[str, BaseMessage] = model.bind_tools(TOOLS) if tools else model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a thought cut by max_tokens warns in both modes
        invoked = llm.invoke("Go.")
        streamed = collect(list(llm.stream("Go.")))
    parsing_server = flavor != "raw"
    return (
        output,
        _summary(invoked, streamed=False, parsing_server=parsing_server),
        _summary(streamed, streamed=True, parsing_server=parsing_server),
    )


_EXAMPLES = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@settings(_EXAMPLES, max_examples=100)
@given(data=st.data())
def test_invoke_and_the_aggregated_stream_agree(served: Served, data: st.DataObject) -> None:
    output, whole, streamed = _play(served, data, tools=True)
    assert streamed == whole
    valid = whole[3]
    fits = [(call.name, call.args) for call in output.calls if call.args is not None]
    assert all(call in fits for call in valid), "a call that does not fit the schema is valid"
    if output.max_tokens is None:
        assert valid == fits
        assert len(whole[4]) == len(output.calls) - len(fits)


@settings(_EXAMPLES, max_examples=40)
@given(data=st.data())
def test_without_tools_invoke_and_the_stream_agree(served: Served, data: st.DataObject) -> None:
    """No tools bound: most streamed tokens take shaping's pass-through lane; same answer."""
    _, whole, streamed = _play(served, data, tools=False)
    assert streamed == whole
