"""The streaming side of the ``qwen3_coder`` tool parser: a state machine fed text.

It works on text rather than on engine steps, so any split of the stream assembles to the
same result; with the default tokenization (special tokens alone, newlines alone) its deltas
are the server's. Where vLLM 0.20's classic parser and SGLang 0.5.23's detector differ, the
difference is one named rule in :data:`STREAM_RULES`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.testing._qwen3_coder import (
    CALL_END,
    CALL_START,
    FUNCTION_END,
    FUNCTION_START,
    MAX_MARKER,
    PARAMETER_END,
    PARAMETER_START,
    SPECIAL_TOKENS,
    marker_regex,
    new_call_id,
    safe_end,
)
from langchain_nemotron_omni.testing._qwen3_values import convert_value, tool_properties

if TYPE_CHECKING:
    from langchain_nemotron_omni.testing._qwen3_coder import Dialect, Event


@dataclass(frozen=True, slots=True)
class StreamRules:
    """How one server's streaming ``qwen3_coder`` parser behaves where the two differ."""

    dialect: Dialect
    """How parameter values are typed (see ``_qwen3_values.convert_value``)."""
    bare_function_is_call: bool
    """A ``<function=`` outside ``<tool_call>`` starts a call (SGLang); else it is content."""
    swallows_whitespace_after_call: bool
    """Whitespace-only steps right after ``</tool_call>`` (even a stray one, which itself is
    content) are dropped (vLLM)."""
    brace_on_next_step: bool
    """``"{"`` goes out on the step after the header, whatever that step holds (vLLM); else
    with the first complete parameter or ``</function>`` (SGLang)."""
    stops_at_unclosed_block: bool
    """A ``</tool_call>`` before its function closes stops all tool parsing for the rest of the
    stream; the value (or name) open at that point runs up to and includes it (vLLM)."""
    closes_call_at_function_end: bool
    """The call index advances at ``</function>``, and every further ``</function>`` before
    ``</tool_call>`` closes the call again (SGLang); else the index advances at
    ``</tool_call>`` (vLLM)."""
    full_tool_items: bool
    """Every tool delta item carries ``id``, ``index``, ``type`` and ``function.name``
    (``null`` on argument items) (SGLang); else argument items hold ``index`` and
    ``function.arguments`` only (vLLM)."""


STREAM_RULES: dict[Dialect, StreamRules] = {
    "vllm": StreamRules(
        dialect="vllm",
        bare_function_is_call=False,
        swallows_whitespace_after_call=True,
        brace_on_next_step=True,
        stops_at_unclosed_block=True,
        closes_call_at_function_end=False,
        full_tool_items=False,
    ),
    "sglang": StreamRules(
        dialect="sglang",
        bare_function_is_call=True,
        swallows_whitespace_after_call=False,
        brace_on_next_step=False,
        stops_at_unclosed_block=False,
        closes_call_at_function_end=True,
        full_tool_items=True,
    ),
}

_TEXT = "text"  # outside calls: content
_WS = "ws"  # whitespace right after </tool_call> (swallowed)
_PRE = "pre"  # inside <tool_call>, before <function=
_NAME = "name"  # after <function=, before ">"
_BODY = "body"  # inside a function, between parameters
_PNAME = "pname"  # after <parameter=, before ">"
_VALUE = "value"  # a parameter value
_AFTER = "after"  # after </function>, before </tool_call>
_DEAD = "dead"  # stuck for good (stops_at_unclosed_block): drop the rest
_NON_WS = re.compile(r"\S")


def _markers(rules: StreamRules) -> dict[str, tuple[str, ...]]:
    """The markers each state looks for under ``rules``."""
    text: tuple[str, ...] = (CALL_START,)
    if rules.swallows_whitespace_after_call:
        text += (CALL_END,)
    if rules.bare_function_is_call:
        text += (FUNCTION_START,)
    after = (CALL_END, FUNCTION_END) if rules.closes_call_at_function_end else (CALL_END,)
    return {
        _TEXT: text,
        _PRE: (FUNCTION_START, CALL_END),
        _NAME: (">",),
        _BODY: (PARAMETER_START, FUNCTION_END, CALL_END),
        _PNAME: (">",),
        _VALUE: (PARAMETER_END, PARAMETER_START, FUNCTION_END, CALL_END),
        _AFTER: after,
    }


_MARKERS = {dialect: _markers(rules) for dialect, rules in STREAM_RULES.items()}
_REGEXES = {
    dialect: {state: marker_regex(m) for state, m in markers.items()}
    for dialect, markers in _MARKERS.items()
}


class ToolStreamParser:
    """The tool phase of a stream (the text after reasoning), fed text of any length.

    Both servers: content before ``<tool_call>``; a header ``{id, type, index, function:
    {name, arguments: ""}}`` once ``<function=NAME>`` is complete; ``"{"``; one fragment per
    complete parameter (values typed by the schema, never split); ``"}"`` at ``</function>``;
    text after the last call streamed as content. Their differences: :class:`StreamRules`.
    """

    def __init__(self, dialect: Dialect, tools: list[dict[str, Any]] | None) -> None:
        """Start the tool phase for one stream.

        Args:
            dialect: ``"vllm"`` or ``"sglang"`` (selects the :data:`STREAM_RULES` row).
            tools: The request's ``tools``, for typing values.
        """
        self._rules = STREAM_RULES[dialect]
        self._markers = _MARKERS[dialect]
        self._regexes = _REGEXES[dialect]
        self._tools = tools
        self._buf = ""
        self._pos = 0
        self._state = _TEXT
        self._index = 0
        self._wrapped = True
        self._name_parts: list[str] = []
        self._props: dict[str, Any] = {}
        self._param = ""
        self._value_parts: list[str] = []
        self._value_begun = False
        self._brace_pending = False
        self._params_sent = 0
        self._closed_block = False
        self._pending_ws: list[str] = []
        self.saw_call = False
        """Whether any call header was emitted (vLLM's ``prev_tool_call_arr`` non-empty)."""

    # -- public ------------------------------------------------------------------------------

    def feed(self, text: str) -> list[Event]:
        """Consume more text; return the events it completes."""
        out: list[Event] = []
        if not text:
            return out
        if self._pos:
            self._buf = self._buf[self._pos :]
            self._pos = 0
        self._buf += text
        self._run(out)
        return out

    def finish(self) -> list[Event]:
        """End of stream: flush held-back content; unfinished calls stay as they are."""
        out: list[Event] = []
        rest = self._buf[self._pos :]
        self._buf, self._pos = "", 0
        if self._state == _TEXT and rest:
            out.append(("content", rest))
        elif self._state == _WS and rest:
            # A held-back "<..." that never became a special token is text after all.
            pending = "".join(self._pending_ws)
            out.append(("content", pending[pending.rfind("\n") + 1 :] + rest))
        self._pending_ws.clear()  # otherwise whitespace after </tool_call> is swallowed
        return out

    # -- machinery ---------------------------------------------------------------------------

    def _run(self, out: list[Event]) -> None:
        buf = self._buf
        while self._pos < len(buf):
            state = self._state
            if state == _DEAD:
                self._pos = len(buf)
                break
            if state == _WS:
                if not self._skip_whitespace(out):
                    break
                continue
            if state == _BODY and self._brace_pending and self._rules.brace_on_next_step:
                self._brace_pending = False
                out.append(("tool", self._args_item("{")))
                if self._closed_block:
                    self._state = _DEAD
                    continue
            match = self._regexes[state].search(buf, self._pos)
            if match is None:
                end = safe_end(buf, self._pos, self._markers[state])
                if end > self._pos:
                    self._on_text(buf[self._pos : end], out)
                self._pos = end
                break
            if match.start() > self._pos:
                self._on_text(buf[self._pos : match.start()], out)
            self._pos = match.start()
            self._on_marker(match.group(), out)

    def _on_text(self, text: str, out: list[Event]) -> None:
        state = self._state
        if state == _TEXT:
            out.append(("content", text))
        elif state in {_NAME, _PNAME}:
            self._name_parts.append(text)
        elif state == _VALUE:
            if not self._value_begun:
                self._value_begun = True
                text = text.removeprefix("\n")  # one leading newline is not part of the value
            self._value_parts.append(text)
        # _PRE, _BODY, _AFTER: text between markup is dropped

    def _consume(self, marker: str) -> None:
        self._pos += len(marker)

    def _on_marker(self, marker: str, out: list[Event]) -> None:
        _HANDLERS[self._state](self, marker, out)

    def _marker_in_text(self, marker: str, out: list[Event]) -> None:
        self._consume(marker)
        if marker == CALL_END:
            # A stray </tool_call> is content, but the whitespace after it is swallowed.
            out.append(("content", marker))
            self._state = _WS
            return
        self._wrapped = marker == CALL_START
        self._state = _PRE if self._wrapped else _NAME
        self._name_parts = []

    def _marker_in_pre(self, marker: str, _out: list[Event]) -> None:
        self._consume(marker)
        if marker == FUNCTION_START:
            self._state = _NAME
            self._name_parts = []
        elif self._rules.stops_at_unclosed_block:
            self._state = _DEAD  # the block closed before any function
        else:
            self._state = _TEXT

    def _marker_in_name(self, marker: str, out: list[Event]) -> None:
        self._consume(marker)
        self._start_function(out)

    def _marker_in_body(self, marker: str, out: list[Event]) -> None:
        self._consume(marker)
        if marker == PARAMETER_START:
            self._state = _PNAME
            self._name_parts = []
        elif marker == FUNCTION_END:
            self._close_function(out)
        elif self._rules.stops_at_unclosed_block:
            self._state = _DEAD  # </tool_call> before </function>
        else:
            self._index += 1
            self._state = _TEXT

    def _marker_in_pname(self, marker: str, out: list[Event]) -> None:
        self._consume(marker)
        self._param = "".join(self._name_parts)
        self._value_parts = []
        self._value_begun = False
        self._state = _VALUE
        if self._rules.stops_at_unclosed_block and CALL_END in self._param + ">":
            # The ">" found was that of </tool_call>: the value is empty and the call stuck.
            self._emit_param(out)
            self._state = _DEAD

    def _marker_in_value(self, marker: str, out: list[Event]) -> None:
        if marker == PARAMETER_END:
            self._consume(marker)
        elif marker == CALL_END and self._rules.stops_at_unclosed_block:
            # No closer: the value runs to the end of the block, </tool_call> included.
            self._consume(marker)
            self._value_begun = True
            self._value_parts.append(marker)
            self._emit_param(out)
            self._state = _DEAD
            return
        # <parameter=, </function> (and SGLang's </tool_call>) are left for _BODY.
        self._emit_param(out)
        self._state = _BODY

    def _marker_in_after(self, marker: str, out: list[Event]) -> None:
        self._consume(marker)
        if marker == FUNCTION_END:
            # Still inside the call (closes_call_at_function_end): it closes again.
            out.append(("tool", self._args_item("}", index=self._index - 1)))
            return
        if not self._rules.closes_call_at_function_end:
            self._index += 1
        self._state = _WS if self._rules.swallows_whitespace_after_call else _TEXT

    def _start_function(self, out: list[Event]) -> None:
        name = "".join(self._name_parts)
        self._props = tool_properties(self._tools, name)
        self._params_sent = 0
        self._brace_pending = True
        # vLLM finds the first ">" in the block, which may be that of </tool_call>.
        self._closed_block = self._rules.stops_at_unclosed_block and CALL_END in name + ">"
        self.saw_call = True
        self._state = _BODY
        out.append(("tool", self._header_item(name)))

    def _close_function(self, out: list[Event]) -> None:
        if self._brace_pending:
            self._brace_pending = False
            out.append(("tool", self._args_item("{")))
        out.append(("tool", self._args_item("}")))
        if not self._rules.closes_call_at_function_end:
            self._state = _AFTER
        else:
            self._index += 1
            self._state = _AFTER if self._wrapped else _TEXT

    def _emit_param(self, out: list[Event]) -> None:
        value = "".join(self._value_parts)
        value = value.removesuffix("\n")
        self._value_parts = []
        try:
            converted = convert_value(value, self._param, self._props, dialect=self._rules.dialect)
            serialized = json.dumps(converted, ensure_ascii=False)
        except Exception:  # noqa: BLE001 - the server would error out; keep the raw string
            serialized = json.dumps(value, ensure_ascii=False)
        # The name is not escaped: the server formats the fragment with an f-string.
        fragment = f'"{self._param}": {serialized}'
        if self._params_sent:
            fragment = ", " + fragment
        self._params_sent += 1
        if self._brace_pending:
            self._brace_pending = False
            out.append(("tool", self._args_item("{")))
        out.append(("tool", self._args_item(fragment)))

    def _skip_whitespace(self, out: list[Event]) -> bool:
        """Drop whitespace while the text still ends in ``</tool_call>``.

        With the default tokenization the whitespace-only tokens there are the newlines and
        a blank run before a newline, a special token or the end; a blank run before other
        text belongs to that text's token and is sent.
        """
        buf = self._buf
        match = _NON_WS.search(buf, self._pos)
        if match is None:
            self._pending_ws.append(buf[self._pos :])
            self._pos = len(buf)
            return False
        start = match.start()
        self._pending_ws.append(buf[self._pos : start])
        self._pos = start
        if any(buf.startswith(token, start) for token in SPECIAL_TOKENS):
            self._pending_ws.clear()
            self._state = _TEXT
            return True
        if len(buf) - start < MAX_MARKER and any(
            token.startswith(buf[start:]) for token in SPECIAL_TOKENS
        ):
            return False  # maybe a special token: wait for the rest
        pending = "".join(self._pending_ws)
        self._pending_ws.clear()
        kept = pending[pending.rfind("\n") + 1 :]
        if kept:
            out.append(("content", kept))
        self._state = _TEXT
        return True

    # -- delta items -------------------------------------------------------------------------

    def _header_item(self, name: str) -> dict[str, Any]:
        call_id = new_call_id()
        if self._rules.full_tool_items:
            return {
                "id": call_id,
                "index": self._index,
                "type": "function",
                "function": {"name": name, "arguments": ""},
            }
        return {
            "id": call_id,
            "type": "function",
            "index": self._index,
            "function": {"name": name, "arguments": ""},
        }

    def _args_item(self, arguments: str, *, index: int | None = None) -> dict[str, Any]:
        index = self._index if index is None else index
        if self._rules.full_tool_items:
            return {
                "id": None,
                "index": index,
                "type": "function",
                "function": {"name": None, "arguments": arguments},
            }
        return {"index": index, "function": {"arguments": arguments}}


_HANDLERS = {
    _TEXT: ToolStreamParser._marker_in_text,  # noqa: SLF001
    _PRE: ToolStreamParser._marker_in_pre,  # noqa: SLF001
    _NAME: ToolStreamParser._marker_in_name,  # noqa: SLF001
    _BODY: ToolStreamParser._marker_in_body,  # noqa: SLF001
    _PNAME: ToolStreamParser._marker_in_pname,  # noqa: SLF001
    _VALUE: ToolStreamParser._marker_in_value,  # noqa: SLF001
    _AFTER: ToolStreamParser._marker_in_after,  # noqa: SLF001
}
