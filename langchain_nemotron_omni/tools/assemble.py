"""Whole texts and event streams of the tool-call parser turned into LangChain tool calls.

:func:`parse_tool_text` parses a whole text; :func:`assemble_events` joins the events a
:class:`~langchain_nemotron_omni.tools.parser.StreamingToolParser` gave for any chunking of
it into the same result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_core.messages.tool import invalid_tool_call, tool_call

from langchain_nemotron_omni.tools.events import (
    ArgsDelta,
    CallStarted,
    TextDelta,
    ToolEvent,
)
from langchain_nemotron_omni.tools.parser import StreamingToolParser
from langchain_nemotron_omni.tools.validate import NOT_AN_OBJECT, labelled

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from langchain_core.messages import InvalidToolCall, ToolCall


@dataclass(frozen=True, slots=True)
class ParsedText:
    """Text with its tool calls taken out."""

    content: str
    """The text outside the calls; whitespace that only framed calls is dropped."""
    tool_calls: list[ToolCall] = field(default_factory=list)
    invalid_tool_calls: list[InvalidToolCall] = field(default_factory=list)


@dataclass(slots=True)
class _Assembly:
    id: str
    name: str | None
    fragments: list[str] = field(default_factory=list)
    done: bool = False
    error: str | None = None
    raw: str | None = None


def assemble_events(events: Iterable[ToolEvent]) -> ParsedText:
    """Join the events of a :class:`StreamingToolParser` into a :class:`ParsedText`.

    A valid call's arguments are the joined JSON fragments. An invalid call keeps its
    ``raw`` text as arguments when the markup was broken, else the joined fragments (valid
    JSON in which values that did not fit their schema appear as strings).
    """
    text: list[str] = []
    calls: dict[int, _Assembly] = {}
    for event in events:
        if isinstance(event, TextDelta):
            text.append(event.text)
        elif isinstance(event, CallStarted):
            calls[event.index] = _Assembly(event.id, event.name)
        elif isinstance(event, ArgsDelta):
            calls[event.index].fragments.append(event.fragment)
        else:
            call = calls[event.index]
            call.done, call.error, call.raw = True, event.error, event.raw
    valid: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for call in calls.values():
        joined = "".join(call.fragments)
        error = call.error if call.done else "the tool call did not finish"
        if error is None and call.name is not None:
            try:
                args = json.loads(joined)
            except ValueError:
                args = None
            if isinstance(args, dict):
                valid.append(tool_call(name=call.name, args=args, id=call.id))
                continue
            error = labelled(call.name, [NOT_AN_OBJECT])
        args_text = call.raw if call.raw is not None else joined
        invalid.append(invalid_tool_call(name=call.name, args=args_text, id=call.id, error=error))
    return ParsedText("".join(text), valid, invalid)


def parse_tool_text(text: str, tools: Sequence[Mapping[str, Any]] | None = None) -> ParsedText:
    """Take the XML tool calls out of a complete text.

    Args:
        text: The model's answer text (reasoning already split off, if any).
        tools: The bound tools, OpenAI format or bare function dicts. ``None`` means no
            schema: any name is accepted and values stay strings (JSON objects and arrays
            are decoded). An empty list means no tool may be called.

    Returns:
        The content outside the calls, the valid calls and the invalid ones, in order.
    """
    parser = StreamingToolParser(tools)
    return assemble_events([*parser.feed(text), *parser.finish()])
