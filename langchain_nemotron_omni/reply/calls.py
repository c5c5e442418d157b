"""Tool calls of one reply, whoever parsed them, as one kind of event.

Calls reach the client three ways: parsed by the server (``tool_calls`` deltas, checked
here with :func:`~langchain_nemotron_omni.tools.validate.check_server_call`), or written as
XML in the thought or in the answer (parsed here). All three come out as
:class:`CallOpened` (as soon as the name is known) and :class:`CallClosed` (the arguments,
checked, when the call is complete), so invoke and stream, and every kind of server, report
a call the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.tools.events import ArgsDelta, CallFinished, CallStarted, TextDelta
from langchain_nemotron_omni.tools.parser import StreamingToolParser
from langchain_nemotron_omni.tools.schema import build_specs
from langchain_nemotron_omni.tools.validate import CUT_OFF, check_server_call, labelled

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from langchain_nemotron_omni.tools.events import ToolEvent
    from langchain_nemotron_omni.tools.schema import ToolSpec

# Client-parsed calls are numbered apart from the server's own (0, 1, ...), so streamed
# chunks of different calls never merge.
REASONING_INDEX_BASE = 1000
CONTENT_INDEX_BASE = 2000


@dataclass(frozen=True, slots=True)
class CallOpened:
    """A call began: its name is known (``None`` if the markup gave none)."""

    index: int
    id: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class CallClosed:
    """A call is complete and checked."""

    index: int
    args_text: str
    """The arguments as JSON for a valid call; for an invalid one, the text as written."""
    args: dict[str, Any] | None
    """The arguments of a valid call; ``None`` for an invalid one."""
    error: str | None


CallEvent = CallOpened | CallClosed


@dataclass(slots=True)
class _ServerCall:
    index: int
    id: str | None
    name: str | None
    fragments: list[str] = field(default_factory=list)


class ServerCalls:
    """Server-parsed calls, streamed or whole: held until complete, then checked.

    A call is complete when a call with another index starts or the reply ends. Its
    arguments are held until then: they may still have to be typed again or found invalid,
    and a stream that grows them bit by bit would cost LangChain's aggregation a re-parse of
    the whole string at every chunk.
    """

    def __init__(self, specs: Mapping[str, ToolSpec] | None) -> None:
        """Check calls against ``specs`` (``None``: any call with object arguments)."""
        self._specs = specs
        self._open: _ServerCall | None = None
        self._closed: set[int] = set()
        self.count = 0

    def feed(self, deltas: Sequence[Mapping[str, Any]]) -> list[CallEvent]:
        """Take the ``tool_calls`` entries of one chunk (or of a whole message)."""
        events: list[CallEvent] = []
        for delta in deltas:
            index = delta.get("index")
            index = self.count if not isinstance(index, int) else index
            function = delta.get("function") or {}
            call = self._open
            if call is None or call.index != index:
                if index in self._closed:
                    continue  # a stray piece of a call that is already reported
                if call is not None:
                    events.append(self._close(call, cut_off=False))
                call = _ServerCall(index, delta.get("id"), function.get("name"))
                self._open = call
                self.count += 1
                events.append(CallOpened(index, call.id, call.name))
            elif call.name is None and function.get("name"):
                call.name = function["name"]
            if (arguments := function.get("arguments")) is not None:
                call.fragments.append(str(arguments))
        return events

    @property
    def open(self) -> bool:
        """Whether a call is still open (the end of the reply closes it)."""
        return self._open is not None

    def finish(self, *, truncated: bool) -> list[CallEvent]:
        """Close the last call; cut off if the reply was cut while it was open."""
        call, self._open = self._open, None
        return [] if call is None else [self._close(call, cut_off=truncated)]

    def _close(self, call: _ServerCall, *, cut_off: bool) -> CallClosed:
        self._closed.add(call.index)
        checked = check_server_call(
            self._specs, call.name, "".join(call.fragments), cut_off=cut_off
        )
        return CallClosed(call.index, checked.args_text, checked.args, checked.error)


@dataclass(slots=True)
class _ClientCall:
    id: str
    name: str | None
    fragments: list[str] = field(default_factory=list)


class ClientCalls:
    """Calls written as XML in one channel (the thought or the answer), parsed here."""

    def __init__(self, tools: Sequence[Mapping[str, Any]], index_base: int) -> None:
        """Parse with ``tools``' schemas; number calls from ``index_base``."""
        self._parser = StreamingToolParser(tools)
        self._base = index_base
        self._calls: dict[int, _ClientCall] = {}

    def feed(self, text: str) -> list[str | CallEvent]:
        """Text (``str``) and call events, in order, for a piece of the channel's text."""
        return self._convert(self._parser.feed(text))

    def finish(self) -> list[str | CallEvent]:
        """The end of the channel: held-back text, and a call cut off by it."""
        return self._convert(self._parser.finish())

    def _convert(self, events: list[ToolEvent]) -> list[str | CallEvent]:
        out: list[str | CallEvent] = []
        for event in events:
            if isinstance(event, TextDelta):
                out.append(event.text)
            elif isinstance(event, ArgsDelta):
                self._calls[event.index].fragments.append(event.fragment)
            elif isinstance(event, CallStarted):
                self._calls[event.index] = _ClientCall(event.id, event.name)
                if event.name is not None:
                    out.append(CallOpened(self._base + event.index, event.id, event.name))
            else:
                out.extend(self._closed(event))
        return out

    def _closed(self, event: CallFinished) -> list[CallEvent]:
        call = self._calls.pop(event.index)
        index = self._base + event.index
        opened: list[CallEvent] = []
        if call.name is None:
            if event.cut:
                # Cut off before a name was written: no call to report (a server would not
                # report one either); the reply's finish reason says it was cut.
                return []
            opened.append(CallOpened(index, call.id, None))
        joined = "".join(call.fragments)
        if event.error is None:
            return [*opened, CallClosed(index, joined, json.loads(joined), None)]
        args_text = event.raw if event.raw is not None else joined
        # A server cannot say where in a call its reply ended; the same words for both.
        error = labelled(call.name, [CUT_OFF]) if event.cut else event.error
        return [*opened, CallClosed(index, args_text, None, error)]


def tool_specs(tools: Sequence[Mapping[str, Any]] | None) -> dict[str, ToolSpec] | None:
    """The bound tools indexed by name, for :class:`ServerCalls`."""
    return build_specs(tools)
