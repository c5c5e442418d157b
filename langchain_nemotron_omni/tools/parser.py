r"""Incremental parser for qwen3_coder tool-call XML written in the model's text.

One state machine serves both streaming and whole-text parsing (the latter feeds everything
at once), so the two cannot disagree. Work is linear in the input: bulk text is scanned with
``str.find`` and only the few characters of a possible tag are ever held back and looked at
again. Where a value ends, and how it is typed, is decided by the call's own state
(:mod:`langchain_nemotron_omni.tools._call`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from langchain_nemotron_omni._markup import (
    FUNCTION_CLOSE,
    FUNCTION_OPEN,
    PARAMETER_OPEN,
    TOOL_CALL_CLOSE,
    TOOL_CALL_OPEN,
)
from langchain_nemotron_omni.tools._call import (
    FAIL,
    FAIL_CLOSE,
    FUNC_CLOSE,
    NEED,
    NON_WS,
    PARTIAL,
    SOFT,
    CallState,
    lit,
    partial_suffix,
)
from langchain_nemotron_omni.tools.events import (
    ArgsDelta,
    CallFinished,
    CallStarted,
    TextDelta,
    new_call_id,
)
from langchain_nemotron_omni.tools.schema import build_specs
from langchain_nemotron_omni.tools.validate import unknown_tool

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from langchain_nemotron_omni.tools.events import ToolEvent

_HEADER_STOP: Final = re.compile(r"[>\n<]")

# Parser modes.
_TEXT: Final = 0
_WRAPPER: Final = 1
_FUNC_NAME: Final = 2
_BODY: Final = 3
_PARAM_NAME: Final = 4
_VALUE: Final = 5
_BLOCK: Final = 6


class StreamingToolParser:
    """Turns model text, fed piece by piece, into text and tool-call events.

    Feed any chunking of the text, then call :meth:`finish`; the joined events are the same
    for every chunking and match :func:`~langchain_nemotron_omni.tool_xml.parse_tool_text`.

    Text outside calls is released as soon as it cannot start a ``<tool_call>`` or
    ``<function=`` tag, except whitespace that only separates calls from each other or from
    the start and end of the text: that is held until it is known whether text follows
    (invisible, so nothing readable waits).
    """

    def __init__(self, tools: Sequence[Mapping[str, Any]] | None = None) -> None:
        """Bind OpenAI-format tools (or bare function dicts); ``None`` parses without schema."""
        self._specs = build_specs(tools)
        self._mode = _TEXT
        self._hold = ""
        self._finished = False
        self._out: list[ToolEvent] = []
        self._text: list[str] = []
        self._has_content = False
        self._content_ends_ws = False
        self._pending_ws: list[str] = []
        self._gap = True  # at the start, or right after a call (only whitespace since)
        self._count = 0
        self._call: CallState | None = None
        # Indexed by mode; each handler consumes from data[i] and returns where it stopped.
        self._handlers = (
            self._h_text,
            self._h_wrapper,
            self._h_func_name,
            self._h_body,
            self._h_param_name,
            self._h_value,
            self._h_block,
        )

    # ------------------------------------------------------------------ public API

    def feed(self, text: str) -> list[ToolEvent]:
        """Parse the next piece of text and return the events it completes."""
        if self._finished:
            msg = "StreamingToolParser.feed() called after finish()"
            raise RuntimeError(msg)
        if text:
            data = self._hold + text if self._hold else text
            self._hold = ""
            self._run(data, eof=False)
        return self._take()

    def finish(self) -> list[ToolEvent]:
        """Signal the end of the text; flushes held text and closes a cut-off call."""
        if self._finished:
            return []
        self._finished = True
        data, self._hold = self._hold, ""
        self._run(data, eof=True)
        if self._mode != _TEXT:
            self._cut_off()
        if self._gap:  # trailing whitespace: kept only if the text holds no call at all
            self._flush_gap(keep=self._count == 0)
        return self._take()

    # ------------------------------------------------------------------ plumbing

    def _take(self) -> list[ToolEvent]:
        self._flush_text()
        out, self._out = self._out, []
        return out

    def _flush_text(self) -> None:
        if self._text:
            self._out.append(TextDelta("".join(self._text)))
            self._text = []

    def _emit(self, event: ToolEvent) -> None:
        self._flush_text()
        self._out.append(event)

    def _emit_text(self, text: str) -> None:
        if text:
            self._text.append(text)
            self._has_content = True
            self._content_ends_ws = text[-1].isspace()

    def _need(self, data: str, i: int) -> int:
        self._hold = data[i:]
        return len(data)

    def _run(self, data: str, *, eof: bool) -> None:
        handlers = self._handlers
        i, n = 0, len(data)
        while i < n:
            i = handlers[self._mode](data, i, eof=eof)

    # ------------------------------------------------------------------ text outside calls

    def _flush_gap(self, *, keep: bool) -> None:
        if keep:
            self._emit_text("".join(self._pending_ws))
        self._pending_ws = []
        self._gap = False

    def _h_text(self, data: str, i: int, *, eof: bool) -> int:
        if self._gap:
            m = NON_WS.search(data, i)
            if m is None:
                self._pending_ws.append(data[i:])
                return len(data)
            if m.start() > i:
                self._pending_ws.append(data[i : m.start()])
            i = m.start()
            if data[i] == "<":
                nxt = self._text_tag(data, i, eof=eof)
                if nxt is not None:
                    return nxt
            # Leading whitespace is kept; after a call it separates only if the text before
            # the call did not already end with whitespace (no doubled blank lines).
            self._flush_gap(
                keep=self._count == 0 or (self._has_content and not self._content_ends_ws)
            )
        k = data.find("<", i)
        if k < 0:
            self._emit_text(data[i:])
            return len(data)
        self._emit_text(data[i:k])
        nxt = self._text_tag(data, k, eof=eof)
        if nxt is not None:
            return nxt
        self._emit_text("<")
        return k + 1

    def _text_tag(self, data: str, k: int, *, eof: bool) -> int | None:
        """Handle a tag at ``data[k]``; ``None`` if it is plain text."""
        partial = False
        for tag in (TOOL_CALL_OPEN, FUNCTION_OPEN, TOOL_CALL_CLOSE):
            if tag == TOOL_CALL_CLOSE and not (self._gap and self._count):
                continue  # only a stray closer right after a call is markup
            end = lit(data, k, tag, eof=eof)
            if end >= 0:
                self._pending_ws = []  # whitespace between calls is dropped
                if tag == TOOL_CALL_OPEN:
                    self._mode = _WRAPPER
                elif tag == FUNCTION_OPEN:
                    self._begin_call().raw.write(FUNCTION_OPEN)
                    self._mode = _FUNC_NAME
                return end
            partial = partial or end == PARTIAL
        return self._need(data, k) if partial else None

    # ------------------------------------------------------------------ call structure

    def _begin_call(self) -> CallState:
        self._call = CallState(index=self._count, id=new_call_id())
        self._count += 1
        return self._call

    def _cur(self) -> CallState:
        assert self._call is not None  # noqa: S101 - only call modes reach here
        return self._call

    def _start(self, call: CallState, name: str | None, *, args: bool) -> None:
        call.name = name
        call.started = True
        call.has_args = args
        self._emit(CallStarted(call.index, call.id, name))
        if args:
            self._emit(ArgsDelta(call.index, "{"))

    def _h_wrapper(self, data: str, i: int, *, eof: bool) -> int:
        m = NON_WS.search(data, i)
        if m is None:
            return len(data)  # whitespace inside the wrapper is markup
        t = m.start()
        end = lit(data, t, FUNCTION_OPEN, eof=eof)
        if end >= 0:
            self._begin_call().raw.write(FUNCTION_OPEN)
            self._mode = _FUNC_NAME
            return end
        close = lit(data, t, TOOL_CALL_CLOSE, eof=eof)
        if PARTIAL in (end, close):
            return self._need(data, t)
        call = self._begin_call()
        self._start(call, None, args=False)
        if close >= 0:
            call.markup_error("malformed markup: empty '<tool_call>' block")
            self._end_call()
            return close
        call.markup_error("malformed markup: '<tool_call>' is not followed by '<function=NAME>'")
        self._mode = _BLOCK
        return t

    def _h_block(self, data: str, i: int, *, eof: bool) -> int:
        call = self._cur()
        k = data.find(TOOL_CALL_CLOSE, i)
        if k >= 0:
            call.raw.write(data[i:k])
            self._end_call()
            return k + len(TOOL_CALL_CLOSE)
        keep = 0 if eof else partial_suffix(data, i, TOOL_CALL_CLOSE)
        call.raw.write(data[i : len(data) - keep])
        return self._need(data, len(data) - keep) if keep else len(data)

    def _read_header(self, call: CallState, data: str, i: int) -> tuple[int, bool | None]:
        """Take the name after ``<function=`` / ``<parameter=``; ``None``: not ended yet."""
        m = _HEADER_STOP.search(data, i)
        end = len(data) if m is None else m.start()
        call.header.append(data[i:end])
        call.raw.write(data[i:end])
        if m is None:
            return end, None
        closed = data[end] == ">"
        if closed:
            call.raw.write(">")
        return end, closed

    def _h_func_name(self, data: str, i: int, *, eof: bool) -> int:  # noqa: ARG002
        call = self._cur()
        end, closed = self._read_header(call, data, i)
        if closed is None:
            return end
        self._name_done(call, closed=closed)
        self._mode = _BODY
        return end + 1 if closed else end

    def _name_done(self, call: CallState, *, closed: bool) -> None:
        written = "".join(call.header)
        name: str | None = written.strip()
        call.header = []
        if not closed:
            call.markup_error(f"malformed markup: '<function={written}' is missing its '>'")
        if not name:
            call.markup_error("malformed markup: '<function=' has no function name")
            name = None
        elif any(ch.isspace() for ch in name):
            call.markup_error(f"malformed markup: invalid function name {name!r}")
        elif self._specs is not None:
            call.spec = self._specs.get(name)
            if call.spec is None:
                call.errors.append(unknown_tool(self._specs))
        self._start(call, name, args=True)

    def _end_call(self, extra_error: str | None = None) -> None:
        call = self._cur()
        if extra_error:
            call.markup_error(extra_error)
        call.missing_required()
        if call.has_args:
            self._emit(ArgsDelta(call.index, "}"))
        self._finish_call(call)
        self._mode = _TEXT

    def _finish_call(self, call: CallState) -> None:
        error, raw = call.outcome()
        self._emit(CallFinished(call.index, error, raw, cut=call.cut is not None))
        self._call = None
        self._gap = True
        self._pending_ws = []

    def _cut_off(self) -> None:
        where = {
            _WRAPPER: "the '<tool_call>' block",
            _BLOCK: "the '<tool_call>' block",
            _FUNC_NAME: "the function name",
            _BODY: "the call, before '</function>'",
            _PARAM_NAME: "a parameter name",
        }
        call = self._call or self._begin_call()
        place = where.get(self._mode, f"parameter {call.param!r}")
        if not call.started:
            self._start(call, None, args=False)
        call.cut = place
        call.broken = True
        self._finish_call(call)
        self._mode = _TEXT

    # ------------------------------------------------------------------ inside a call

    def _h_body(self, data: str, i: int, *, eof: bool) -> int:
        call = self._cur()
        m = NON_WS.search(data, i)
        t = len(data) if m is None else m.start()
        call.raw.write(data[i:t])
        if m is None:
            return t
        if data[t] == "<":
            partial = False
            for tag in (
                PARAMETER_OPEN,
                FUNCTION_CLOSE,
                TOOL_CALL_CLOSE,
                TOOL_CALL_OPEN,
                FUNCTION_OPEN,
            ):
                end = lit(data, t, tag, eof=eof)
                if end >= 0:
                    return self._body_tag(call, tag, t, end)
                partial = partial or end == PARTIAL
            if partial:
                return self._need(data, t)
        k = data.find("<", t + 1)
        end = len(data) if k < 0 else k
        if call.stray_at < 0:
            call.stray_at = call.raw.tell()
            call.stray_error = len(call.errors)
            call.markup_error("")  # worded by CallState.outcome, from the raw text
        call.raw.write(data[t:end])
        return end

    def _body_tag(self, call: CallState, tag: str, t: int, end: int) -> int:
        if tag == PARAMETER_OPEN:
            call.raw.write(tag)
            call.header = []
            self._mode = _PARAM_NAME
            return end
        if tag == FUNCTION_CLOSE:
            call.raw.write(tag)
            self._end_call()
            return end
        if tag == TOOL_CALL_CLOSE:  # "</function>" left out; the wrapper still closes it
            self._end_call()
            return end
        # A new call opens before this one closed.
        self._end_call("malformed markup: the call is not closed with '</function>'")
        return t

    def _h_param_name(self, data: str, i: int, *, eof: bool) -> int:  # noqa: ARG002
        call = self._cur()
        end, closed = self._read_header(call, data, i)
        if closed is None:
            return end
        call.begin_param(closed=closed)
        self._mode = _VALUE
        return end + 1 if closed else end

    def _h_value(self, data: str, i: int, *, eof: bool) -> int:
        call = self._cur()
        while True:
            k = data.find("<", i)
            if k < 0:
                call.value.write(data[i:])
                call.raw.write(data[i:])
                return len(data)
            if k > i:
                call.value.write(data[i:k])
                call.raw.write(data[i:k])
            verdict, end = call.value_end(data, k, eof=eof)
            if verdict == NEED:
                return self._need(data, k)
            if verdict in (FAIL, FAIL_CLOSE):
                if verdict == FAIL_CLOSE:
                    call.last_rejected = call.value.tell()
                call.value.write("<")
                call.raw.write("<")
                i = k + 1
                continue
            if verdict == SOFT:
                piece = data[k:end]
                close = call.value.tell()
                call.value.write(piece)
                call.raw.write(piece)
                name = piece[piece.rindex(PARAMETER_OPEN) + len(PARAMETER_OPEN) : -1]
                call.soft.append((close, call.value.tell(), name))
                i = end
                continue
            call.raw.write(data[k:end])
            for fragment in call.end_param():
                self._emit(ArgsDelta(call.index, fragment))
            if verdict == FUNC_CLOSE:
                self._end_call()
            else:
                self._mode = _BODY
            return end
