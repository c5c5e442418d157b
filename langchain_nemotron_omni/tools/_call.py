"""The call being parsed: its state, where its values end, how its parameters are typed.

Where a parameter value ends is the hard part, since values may contain tag-like text. A
candidate end is accepted only with a short look-ahead (:meth:`CallState.value_end`):

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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from langchain_nemotron_omni._markup import (
    FUNCTION_CLOSE,
    FUNCTION_OPEN,
    PARAMETER_CLOSE,
    PARAMETER_OPEN,
    TOOL_CALL_CLOSE,
    TOOL_CALL_OPEN,
)
from langchain_nemotron_omni.tools.coerce import coerce_text, untyped_value
from langchain_nemotron_omni.tools.validate import labelled, missing_required, unknown_parameter

if TYPE_CHECKING:
    from langchain_nemotron_omni.tools.schema import ToolSpec

# Bounds on the look-ahead after a candidate end tag, so held-back text stays small; a
# look-ahead longer than this is not a boundary (model output never comes close).
_LOOKAHEAD_WS: Final = 256
_LOOKAHEAD_NAME: Final = 256
_SNIPPET: Final = 40

NON_WS: Final = re.compile(r"\S")
_NAME_END: Final = re.compile(r"[><\s]")

# lit() results besides an end index.
PARTIAL: Final = -1
NO: Final = -2

# value_end() verdicts.
NEED: Final = 0
FAIL: Final = 1
PARAM_CLOSE: Final = 2
FUNC_CLOSE: Final = 3
PARAM_OPEN: Final = 4
SOFT: Final = 5  # "</parameter>" then an undeclared "<parameter=NAME>": decided at the end
FAIL_CLOSE: Final = 6  # a "</parameter>" that is text: undeclared names before it were text

# How a "<parameter=NAME>" met inside a value counts as a boundary.
_UNKNOWN: Final = 0  # not enough text yet
_STRONG: Final = 1  # declared by the tool (or no schema): a boundary
_WEAK: Final = 2  # undeclared: a boundary unless a later "</parameter>" proves it text
_NOT: Final = 3

_AFTER_PARAMETER_CLOSE: Final = (PARAMETER_OPEN, FUNCTION_CLOSE, TOOL_CALL_CLOSE)
_AFTER_FUNCTION_CLOSE: Final = (TOOL_CALL_CLOSE, TOOL_CALL_OPEN, FUNCTION_OPEN)


def lit(data: str, i: int, tag: str, *, eof: bool) -> int:
    """Match ``tag`` at ``data[i]``: its end, ``PARTIAL`` (data ran out) or ``NO``."""
    if len(data) - i >= len(tag):
        return i + len(tag) if data.startswith(tag, i) else NO
    if eof:
        return NO
    return PARTIAL if tag.startswith(data[i:]) else NO


def _skip_ws(data: str, i: int) -> int:
    """Index of the first non-space from ``i`` (``len(data)`` if none yet); ``NO`` if too far."""
    m = NON_WS.search(data, i, min(len(data), i + _LOOKAHEAD_WS + 1))
    if m is not None:
        return m.start()
    return NO if len(data) - i > _LOOKAHEAD_WS else len(data)


def _scan_name(data: str, i: int, *, eof: bool) -> tuple[int, str]:
    """Read ``NAME>`` at ``i``: ``(end, name)``, or ``(PARTIAL | NO, "")``."""
    m = _NAME_END.search(data, i, min(len(data), i + _LOOKAHEAD_NAME + 1))
    if m is None:
        return (NO, "") if eof or len(data) - i > _LOOKAHEAD_NAME else (PARTIAL, "")
    j = m.start()
    if data[j] != ">" or j == i:
        return NO, ""
    return j + 1, data[i:j]


def partial_suffix(data: str, start: int, tag: str) -> int:
    """Length of the longest tail of ``data[start:]`` that is a proper prefix of ``tag``."""
    for size in range(min(len(tag) - 1, len(data) - start), 0, -1):
        if data.endswith(tag[:size]):
            return size
    return 0


@dataclass(slots=True)
class CallState:
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
        """Record an error in the markup itself (the raw text then stands for the call)."""
        self.errors.append(message)
        self.broken = True

    # ------------------------------------------------------------------ value boundaries

    def _name_kind(self, data: str, i: int, *, eof: bool) -> tuple[int, int]:
        """Classify ``NAME>`` at ``i`` as a parameter boundary: ``(kind, end of the tag)``."""
        stop, name = _scan_name(data, i, eof=eof)
        if stop == PARTIAL:
            return _UNKNOWN, i
        if stop < 0:
            return _NOT, i
        if name == self.param:
            return _WEAK, stop  # a repeat, or its own markup quoted inside the value
        if self.spec is None or not self.spec.properties or name in self.spec.properties:
            return _STRONG, stop
        return _WEAK, stop

    def _follows(self, data: str, j: int, tags: tuple[str, ...], *, eof: bool) -> tuple[int, int]:
        """Whether spaces, then one of ``tags`` or the end, follow ``j``: ``(kind, tag end)``."""
        t = _skip_ws(data, j)
        if t == NO:
            return _NOT, j
        if t == len(data):
            return (_STRONG, t) if eof else (_UNKNOWN, j)
        partial = False
        for tag in tags:
            end = lit(data, t, tag, eof=eof)
            if end >= 0:
                if tag == PARAMETER_OPEN:
                    return self._name_kind(data, end, eof=eof)
                return _STRONG, end
            partial = partial or end == PARTIAL
        return (_UNKNOWN, j) if partial else (_NOT, j)

    def value_end(self, data: str, k: int, *, eof: bool) -> tuple[int, int]:
        """Decide whether the tag at ``data[k]`` ends the current value: ``(verdict, end)``."""
        end = lit(data, k, PARAMETER_CLOSE, eof=eof)
        if end >= 0:
            kind, tag_end = self._follows(data, end, _AFTER_PARAMETER_CLOSE, eof=eof)
            verdicts = {_STRONG: (PARAM_CLOSE, end), _WEAK: (SOFT, tag_end)}
            return verdicts.get(kind, (NEED, k) if kind == _UNKNOWN else (FAIL_CLOSE, k))
        partial = end == PARTIAL
        end = lit(data, k, FUNCTION_CLOSE, eof=eof)
        if end >= 0:
            kind, _ = self._follows(data, end, _AFTER_FUNCTION_CLOSE, eof=eof)
            if kind == _UNKNOWN:
                return NEED, k
            return (FUNC_CLOSE, end) if kind == _STRONG else (FAIL, k)
        partial = partial or end == PARTIAL
        end = lit(data, k, PARAMETER_OPEN, eof=eof)
        if end >= 0:
            kind, _ = self._name_kind(data, end, eof=eof)
            if kind == _UNKNOWN:
                return NEED, k
            return (PARAM_OPEN, k) if kind == _STRONG else (FAIL, k)
        partial = partial or end == PARTIAL
        return (NEED, k) if partial else (FAIL, k)

    # ------------------------------------------------------------------ parameters

    def begin_param(self, *, closed: bool) -> None:
        """Start the value of the parameter whose name was just read."""
        written = "".join(self.header)
        name = written.strip()
        self.header = []
        self.param = name
        self.skip_param = False
        self.value = io.StringIO()
        self.soft = []
        self.last_rejected = -1
        if not closed:
            self.markup_error(f"malformed markup: '<parameter={written}' is missing its '>'")
        if not name or any(ch.isspace() for ch in name):
            self.markup_error(f"malformed markup: invalid parameter name {name!r}")
            self.skip_param = True
        elif name in self.seen:
            self.markup_error(f"parameter {name!r} is given more than once")
            self.skip_param = True
        else:
            self.seen.add(name)

    def end_param(self) -> list[str]:
        """The JSON fragments of the value that just ended (more than one if it split)."""
        text = self.value.getvalue()
        self.value = io.StringIO()
        # Undeclared parameter tags after "</parameter>" split the value, unless a later
        # "</parameter>" in it was text: then the earlier tags were text as well (a file
        # that quotes tool-call markup), and splitting would invent parameters.
        cuts = [cut for cut in self.soft if cut[0] > self.last_rejected]
        self.soft = []
        pieces: list[tuple[str, str]] = []
        if not self.skip_param:
            pieces.append((self.param or "", text[: cuts[0][0]] if cuts else text))
        for n, (_, start, name) in enumerate(cuts):
            stop = cuts[n + 1][0] if n + 1 < len(cuts) else len(text)
            if name in self.seen:
                self.markup_error(f"parameter {name!r} is given more than once")
                continue
            self.seen.add(name)
            pieces.append((name, text[start:stop]))
        return [fragment for name, piece in pieces for fragment in self._fragments(name, piece)]

    def _fragments(self, name: str, text: str) -> list[str]:
        """One parameter as JSON fragments (``", "`` first if needed), typed by its schema."""
        # The template writes "\n{value}\n"; exactly one newline on each side is markup.
        text = text.removeprefix("\n").removesuffix("\n")
        value: Any = text
        if self.spec is None:
            value = untyped_value(text)
        else:
            schema, allowed = self.spec.schema_for(name)
            if not allowed:
                self.errors.append(unknown_parameter(self.spec, name))
            elif schema is None:
                value = untyped_value(text)
            else:
                ok, result = coerce_text(text, schema, self.spec.root)
                if ok:
                    value = result
                else:
                    self.errors.append(f"parameter {name!r} {result}")
        key = json.dumps(name, ensure_ascii=False)
        fragment = f"{key}: {json.dumps(value, ensure_ascii=False)}"
        self.emitted += 1
        return [", ", fragment] if self.emitted > 1 else [fragment]

    # ------------------------------------------------------------------ the end

    def missing_required(self) -> None:
        """Report required parameters the call never gave."""
        if self.spec is not None:
            self.errors.extend(missing_required(self.spec, self.seen))

    def outcome(self) -> tuple[str | None, str | None]:
        """``(error, raw)`` for the finished call: the joined errors, the text if broken."""
        if self.stray_at >= 0:
            snippet = self.raw.getvalue()[self.stray_at : self.stray_at + _SNIPPET]
            cut = snippet.find("<", 1)
            snippet = (snippet if cut < 0 else snippet[:cut]).rstrip()
            self.errors[self.stray_error] = f"unexpected text {snippet!r} between parameters"
        if self.cut is not None:
            self.errors.insert(0, f"the tool call was cut off: the text ended inside {self.cut}")
        return labelled(self.name, self.errors), self.raw.getvalue() if self.broken else None
