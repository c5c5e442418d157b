r"""Incremental parser for qwen3_coder tool-call XML written in the model's text.

One state machine serves both streaming and whole-text parsing (the latter feeds everything
at once), so the two cannot disagree. Work is linear in the input: bulk text is scanned with
``str.find`` and only the few characters of a possible tag are ever held back and looked at
again.

Where a parameter value ends is the hard part, since values may contain tag-like text. A
candidate end is accepted only with a short look-ahead (see ``_value_end``):

* ``</parameter>`` followed by optional whitespace and then ``</function>``,
  ``</tool_call>``, the end, or ``<parameter=NAME>`` with a name the tool declares;
* ``</function>`` (``</parameter>`` missing) followed by whitespace and then
  ``</tool_call>``, ``<tool_call>``, ``<function=`` or the end;
* ``<parameter=NAME>`` (``</parameter>`` missing) for a declared name other than the current.

``</parameter>`` followed by ``<parameter=NAME>`` with an undeclared name (or the current
one) is held open: at the end of the value it splits off a parameter (a hallucinated extra
one, or a repeat, both reported by the usual rules) unless a later ``</parameter>`` in the
same value turned out to be text, which shows the value quotes tool-call markup (a file
about this format, say) and the tags are text too. Anything else that looks like a tag
inside a value is part of the value.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from langchain_nemotron_omni._tool_schema import (
    ToolSpec,
    build_specs,
    coerce_text,
    untyped_value,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

TOOL_CALL_OPEN: Final = "<tool_call>"
TOOL_CALL_CLOSE: Final = "</tool_call>"
FUNCTION_OPEN: Final = "<function="
FUNCTION_CLOSE: Final = "</function>"
PARAMETER_OPEN: Final = "<parameter="
PARAMETER_CLOSE: Final = "</parameter>"

# Bounds on the look-ahead after a candidate end tag, so held-back text stays small; a
# look-ahead longer than this is not a boundary (model output never comes close).
_LOOKAHEAD_WS: Final = 256
_LOOKAHEAD_NAME: Final = 256
_SNIPPET: Final = 40

_NON_WS: Final = re.compile(r"\S")
_HEADER_STOP: Final = re.compile(r"[>\n<]")
_NAME_END: Final = re.compile(r"[><\s]")

# _lit results besides an end index.
_PARTIAL: Final = -1
_NO: Final = -2

# _value_end verdicts.
_NEED: Final = 0
_FAIL: Final = 1
_PARAM_CLOSE: Final = 2
_FUNC_CLOSE: Final = 3
_PARAM_OPEN: Final = 4

_SOFT: Final = 5  # "</parameter>" then an undeclared "<parameter=NAME>": decided at the end
_FAIL_CLOSE: Final = 6  # a "</parameter>" that is text: undeclared names before it were text

# How a "<parameter=NAME>" met inside a value counts as a boundary.
_UNKNOWN: Final = 0  # not enough text yet
_STRONG: Final = 1  # declared by the tool (or no schema): a boundary
_WEAK: Final = 2  # undeclared: a boundary unless a later "</parameter>" proves it text
_NOT: Final = 3

_AFTER_PARAMETER_CLOSE: Final = (PARAMETER_OPEN, FUNCTION_CLOSE, TOOL_CALL_CLOSE)
_AFTER_FUNCTION_CLOSE: Final = (TOOL_CALL_CLOSE, TOOL_CALL_OPEN, FUNCTION_OPEN)

# Parser modes.
_TEXT: Final = 0
_WRAPPER: Final = 1
_FUNC_NAME: Final = 2
_BODY: Final = 3
_PARAM_NAME: Final = 4
_VALUE: Final = 5
_BLOCK: Final = 6


@dataclass(frozen=True, slots=True)
class TextDelta:
    """Text outside tool calls."""

    text: str


@dataclass(frozen=True, slots=True)
class CallStarted:
    """A call began; ``name`` is ``None`` when the markup gave no usable name."""

    index: int
    id: str
    name: str | None


@dataclass(frozen=True, slots=True)
class ArgsDelta:
    """A fragment of the JSON text of a call's arguments object."""

    index: int
    fragment: str


@dataclass(frozen=True, slots=True)
class CallFinished:
    """A call ended.

    ``error`` is ``None`` for a valid call. ``raw`` is set when the markup itself was broken
    (cut off, malformed, duplicate parameter): it is the call's text as written, and stands
    in for the arguments, since the JSON fragments cannot describe such a call faithfully.
    """

    index: int
    error: str | None
    raw: str | None = None


ToolEvent = TextDelta | CallStarted | ArgsDelta | CallFinished


def new_call_id() -> str:
    """Return an OpenAI-style call id: ``call_`` and 24 hex digits."""
    return f"call_{uuid.uuid4().hex[:24]}"


def _lit(data: str, i: int, lit: str, *, eof: bool) -> int:
    """Match ``lit`` at ``data[i]``: its end, ``_PARTIAL`` (data ran out) or ``_NO``."""
    if len(data) - i >= len(lit):
        return i + len(lit) if data.startswith(lit, i) else _NO
    if eof:
        return _NO
    return _PARTIAL if lit.startswith(data[i:]) else _NO


def _skip_ws(data: str, i: int) -> int:
    """Index of the first non-space from ``i`` (``len(data)`` if none yet); ``_NO`` if too far."""
    m = _NON_WS.search(data, i, min(len(data), i + _LOOKAHEAD_WS + 1))
    if m is not None:
        return m.start()
    return _NO if len(data) - i > _LOOKAHEAD_WS else len(data)


def _scan_name(data: str, i: int, *, eof: bool) -> tuple[int, str]:
    """Read ``NAME>`` at ``i``: ``(end, name)``, or ``(_PARTIAL | _NO, "")``."""
    m = _NAME_END.search(data, i, min(len(data), i + _LOOKAHEAD_NAME + 1))
    if m is None:
        return (_NO, "") if eof or len(data) - i > _LOOKAHEAD_NAME else (_PARTIAL, "")
    j = m.start()
    if data[j] != ">" or j == i:
        return _NO, ""
    return j + 1, data[i:j]


def _partial_suffix(data: str, start: int, lit: str) -> int:
    """Length of the longest tail of ``data[start:]`` that is a proper prefix of ``lit``."""
    for size in range(min(len(lit) - 1, len(data) - start), 0, -1):
        if data.endswith(lit[:size]):
            return size
    return 0


@dataclass(slots=True)
class _Call:
    """The call being parsed."""

    index: int
    id: str
    spec: ToolSpec | None = None
    name: str | None = None
    started: bool = False
    raw: io.StringIO = field(default_factory=io.StringIO)
    errors: list[str] = field(default_factory=list)
    broken: bool = False  # markup error: report the raw text
    has_args: bool = False  # an arguments object was opened ("{" sent)
    stray_at: int = -1  # offset in ``raw`` of the first text found between parameters
    stray_error: int = 0  # its place among the errors
    cut: str | None = None  # where the text ended, for a cut-off call
    header: list[str] = field(default_factory=list)  # name being read
    seen: set[str] = field(default_factory=set)
    emitted: int = 0
    param: str | None = None
    skip_param: bool = False
    value: io.StringIO = field(default_factory=io.StringIO)
    # Undeclared "<parameter=NAME>" after "</parameter>" in the value: (close, start, name).
    soft: list[tuple[int, int, str]] = field(default_factory=list)
    last_rejected: int = -1  # offset in the value of the last "</parameter>" that was text

    def markup_error(self, message: str) -> None:
        self.errors.append(message)
        self.broken = True


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
        self._call: _Call | None = None
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
            m = _NON_WS.search(data, i)
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
        for lit in (TOOL_CALL_OPEN, FUNCTION_OPEN, TOOL_CALL_CLOSE):
            if lit == TOOL_CALL_CLOSE and not (self._gap and self._count):
                continue  # only a stray closer right after a call is markup
            end = _lit(data, k, lit, eof=eof)
            if end >= 0:
                self._pending_ws = []  # whitespace between calls is dropped
                if lit == TOOL_CALL_OPEN:
                    self._mode = _WRAPPER
                elif lit == FUNCTION_OPEN:
                    self._begin_call().raw.write(FUNCTION_OPEN)
                    self._mode = _FUNC_NAME
                return end
            partial = partial or end == _PARTIAL
        return self._need(data, k) if partial else None

    # ------------------------------------------------------------------ call structure

    def _begin_call(self) -> _Call:
        self._call = _Call(index=self._count, id=new_call_id())
        self._count += 1
        return self._call

    def _cur(self) -> _Call:
        assert self._call is not None  # noqa: S101 - only call modes reach here
        return self._call

    def _start(self, call: _Call, name: str | None, *, args: bool) -> None:
        call.name = name
        call.started = True
        call.has_args = args
        self._emit(CallStarted(call.index, call.id, name))
        if args:
            self._emit(ArgsDelta(call.index, "{"))

    def _h_wrapper(self, data: str, i: int, *, eof: bool) -> int:
        m = _NON_WS.search(data, i)
        if m is None:
            return len(data)  # whitespace inside the wrapper is markup
        t = m.start()
        end = _lit(data, t, FUNCTION_OPEN, eof=eof)
        if end >= 0:
            self._begin_call().raw.write(FUNCTION_OPEN)
            self._mode = _FUNC_NAME
            return end
        close = _lit(data, t, TOOL_CALL_CLOSE, eof=eof)
        if _PARTIAL in (end, close):
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
        keep = 0 if eof else _partial_suffix(data, i, TOOL_CALL_CLOSE)
        call.raw.write(data[i : len(data) - keep])
        return self._need(data, len(data) - keep) if keep else len(data)

    def _read_header(self, call: _Call, data: str, i: int) -> tuple[int, bool | None]:
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

    def _name_done(self, call: _Call, *, closed: bool) -> None:
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
                known = ", ".join(repr(n) for n in self._specs) or "none"
                call.errors.append(f"unknown tool; the available tools are {known}")
        self._start(call, name, args=True)

    def _end_call(self, extra_error: str | None = None) -> None:
        call = self._cur()
        if extra_error:
            call.markup_error(extra_error)
        if call.spec is not None:
            missing = [r for r in call.spec.required if r not in call.seen]
            call.errors.extend(f"missing required parameter {r!r}" for r in missing)
        if call.has_args:
            self._emit(ArgsDelta(call.index, "}"))
        self._finish_call(call)
        self._mode = _TEXT

    def _finish_call(self, call: _Call) -> None:
        if call.stray_at >= 0:
            snippet = call.raw.getvalue()[call.stray_at : call.stray_at + _SNIPPET]
            cut = snippet.find("<", 1)
            snippet = (snippet if cut < 0 else snippet[:cut]).rstrip()
            call.errors[call.stray_error] = f"unexpected text {snippet!r} between parameters"
        if call.cut is not None:
            call.errors.insert(0, f"the tool call was cut off: the text ended inside {call.cut}")
        label = call.name or "tool call"
        error = f"{label}: " + "; ".join(call.errors) if call.errors else None
        raw = call.raw.getvalue() if call.broken else None
        self._emit(CallFinished(call.index, error, raw))
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
        m = _NON_WS.search(data, i)
        t = len(data) if m is None else m.start()
        call.raw.write(data[i:t])
        if m is None:
            return t
        if data[t] == "<":
            partial = False
            for lit in (
                PARAMETER_OPEN,
                FUNCTION_CLOSE,
                TOOL_CALL_CLOSE,
                TOOL_CALL_OPEN,
                FUNCTION_OPEN,
            ):
                end = _lit(data, t, lit, eof=eof)
                if end >= 0:
                    return self._body_tag(call, lit, t, end)
                partial = partial or end == _PARTIAL
            if partial:
                return self._need(data, t)
        k = data.find("<", t + 1)
        end = len(data) if k < 0 else k
        if call.stray_at < 0:
            call.stray_at = call.raw.tell()
            call.stray_error = len(call.errors)
            call.markup_error("")  # worded in _finish_call, from the raw text
        call.raw.write(data[t:end])
        return end

    def _body_tag(self, call: _Call, lit: str, t: int, end: int) -> int:
        if lit == PARAMETER_OPEN:
            call.raw.write(lit)
            call.header = []
            self._mode = _PARAM_NAME
            return end
        if lit == FUNCTION_CLOSE:
            call.raw.write(lit)
            self._end_call()
            return end
        if lit == TOOL_CALL_CLOSE:  # "</function>" left out; the wrapper still closes it
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
        self._param_begin(call, closed=closed)
        self._mode = _VALUE
        return end + 1 if closed else end

    def _param_begin(self, call: _Call, *, closed: bool) -> None:
        written = "".join(call.header)
        name = written.strip()
        call.header = []
        call.param = name
        call.skip_param = False
        call.value = io.StringIO()
        call.soft = []
        call.last_rejected = -1
        if not closed:
            call.markup_error(f"malformed markup: '<parameter={written}' is missing its '>'")
        if not name or any(ch.isspace() for ch in name):
            call.markup_error(f"malformed markup: invalid parameter name {name!r}")
            call.skip_param = True
        elif name in call.seen:
            call.markup_error(f"parameter {name!r} is given more than once")
            call.skip_param = True
        else:
            call.seen.add(name)

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
            verdict, end = self._value_end(call, data, k, eof=eof)
            if verdict == _NEED:
                return self._need(data, k)
            if verdict in (_FAIL, _FAIL_CLOSE):
                if verdict == _FAIL_CLOSE:
                    call.last_rejected = call.value.tell()
                call.value.write("<")
                call.raw.write("<")
                i = k + 1
                continue
            if verdict == _SOFT:
                piece = data[k:end]
                close = call.value.tell()
                call.value.write(piece)
                call.raw.write(piece)
                name = piece[piece.rindex(PARAMETER_OPEN) + len(PARAMETER_OPEN) : -1]
                call.soft.append((close, call.value.tell(), name))
                i = end
                continue
            call.raw.write(data[k:end])
            self._param_end(call)
            if verdict == _FUNC_CLOSE:
                self._end_call()
            else:
                self._mode = _BODY
            return end

    def _name_kind(self, call: _Call, data: str, i: int, *, eof: bool) -> tuple[int, int]:
        """Classify ``NAME>`` at ``i`` as a parameter boundary: ``(kind, end of the tag)``."""
        stop, name = _scan_name(data, i, eof=eof)
        if stop == _PARTIAL:
            return _UNKNOWN, i
        if stop < 0:
            return _NOT, i
        if name == call.param:
            return _WEAK, stop  # a repeat, or its own markup quoted inside the value
        if call.spec is None or not call.spec.properties or name in call.spec.properties:
            return _STRONG, stop
        return _WEAK, stop

    def _follows(
        self, call: _Call, data: str, j: int, tags: tuple[str, ...], *, eof: bool
    ) -> tuple[int, int]:
        """Whether spaces, then one of ``tags`` or the end, follow ``j``: ``(kind, tag end)``."""
        t = _skip_ws(data, j)
        if t == _NO:
            return _NOT, j
        if t == len(data):
            return (_STRONG, t) if eof else (_UNKNOWN, j)
        partial = False
        for tag in tags:
            end = _lit(data, t, tag, eof=eof)
            if end >= 0:
                return (
                    self._name_kind(call, data, end, eof=eof)
                    if tag == PARAMETER_OPEN
                    else (
                        _STRONG,
                        end,
                    )
                )
            partial = partial or end == _PARTIAL
        return (_UNKNOWN, j) if partial else (_NOT, j)

    def _value_end(self, call: _Call, data: str, k: int, *, eof: bool) -> tuple[int, int]:
        """Decide whether the tag at ``data[k]`` ends the current value: ``(verdict, end)``."""
        end = _lit(data, k, PARAMETER_CLOSE, eof=eof)
        if end >= 0:
            kind, tag_end = self._follows(call, data, end, _AFTER_PARAMETER_CLOSE, eof=eof)
            verdicts = {_STRONG: (_PARAM_CLOSE, end), _WEAK: (_SOFT, tag_end)}
            return verdicts.get(kind, (_NEED, k) if kind == _UNKNOWN else (_FAIL_CLOSE, k))
        partial = end == _PARTIAL
        end = _lit(data, k, FUNCTION_CLOSE, eof=eof)
        if end >= 0:
            kind, _ = self._follows(call, data, end, _AFTER_FUNCTION_CLOSE, eof=eof)
            if kind == _UNKNOWN:
                return _NEED, k
            return (_FUNC_CLOSE, end) if kind == _STRONG else (_FAIL, k)
        partial = partial or end == _PARTIAL
        end = _lit(data, k, PARAMETER_OPEN, eof=eof)
        if end >= 0:
            kind, _ = self._name_kind(call, data, end, eof=eof)
            if kind == _UNKNOWN:
                return _NEED, k
            return (_PARAM_OPEN, k) if kind == _STRONG else (_FAIL, k)
        partial = partial or end == _PARTIAL
        return (_NEED, k) if partial else (_FAIL, k)

    def _param_end(self, call: _Call) -> None:
        text = call.value.getvalue()
        call.value = io.StringIO()
        # Undeclared parameter tags after "</parameter>" split the value, unless a later
        # "</parameter>" in it was text: then the earlier tags were text as well (a file
        # that quotes tool-call markup), and splitting would invent parameters.
        cuts = [cut for cut in call.soft if cut[0] > call.last_rejected]
        call.soft = []
        pieces: list[tuple[str, str]] = []
        if not call.skip_param:
            pieces.append((call.param or "", text[: cuts[0][0]] if cuts else text))
        for n, (_, start, name) in enumerate(cuts):
            stop = cuts[n + 1][0] if n + 1 < len(cuts) else len(text)
            if name in call.seen:
                call.markup_error(f"parameter {name!r} is given more than once")
                continue
            call.seen.add(name)
            pieces.append((name, text[start:stop]))
        for name, piece in pieces:
            self._emit_param(call, name, piece)

    def _emit_param(self, call: _Call, name: str, text: str) -> None:
        # The template writes "\n{value}\n"; exactly one newline on each side is markup.
        text = text.removeprefix("\n").removesuffix("\n")
        value: Any = text
        if call.spec is None:
            value = untyped_value(text)
        else:
            schema, allowed = call.spec.schema_for(name)
            if not allowed:
                known = ", ".join(repr(p) for p in call.spec.properties or ())
                call.errors.append(f"unknown parameter {name!r} (known parameters: {known})")
            elif schema is None:
                value = untyped_value(text)
            else:
                ok, result = coerce_text(text, schema, call.spec.root)
                if ok:
                    value = result
                else:
                    call.errors.append(f"parameter {name!r} {result}")
        if call.emitted:
            self._emit(ArgsDelta(call.index, ", "))
        fragment = (
            f"{json.dumps(name, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False)}"
        )
        self._emit(ArgsDelta(call.index, fragment))
        call.emitted += 1
