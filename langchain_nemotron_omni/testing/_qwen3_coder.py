"""The ``qwen3_coder`` tool-call parser, as vLLM 0.20 (classic) and SGLang 0.5.23 run it.

Three pieces, each in two dialects (``"vllm"`` and ``"sglang"``):

* value typing from the request's tool schema (:func:`convert_value`);
* the non-streaming extraction (:func:`extract_vllm`, :func:`extract_sglang`), built on the
  servers' own regexes so the odd corners (unclosed blocks, ``$`` before a final newline)
  come out the same;
* the streaming state machine (:class:`ToolStreamParser`), which works on text rather than
  on engine steps, so that any split of the stream assembles to the same result. Its deltas
  equal the server's for the default tokenization (special tokens alone, newlines alone).

See ``shared/reference/wire-format.md`` sections 1.2 to 1.6.
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from typing import Any, Literal

Dialect = Literal["vllm", "sglang"]
Event = tuple[Literal["reasoning", "content", "tool"], Any]
"""``("content", str)``, ``("reasoning", str)`` or ``("tool", <one tool_calls entry>)``."""

THINK_START = "<think>"
THINK_END = "</think>"
CALL_START = "<tool_call>"
CALL_END = "</tool_call>"
FUNCTION_START = "<function="
FUNCTION_END = "</function>"
PARAMETER_START = "<parameter="
PARAMETER_END = "</parameter>"
SPECIAL_TOKENS = (THINK_START, THINK_END, CALL_START, CALL_END)
"""Single tokens in the Nemotron vocabulary; everything else above is plain text."""

_MAX_MARKER = max(len(m) for m in (*SPECIAL_TOKENS, FUNCTION_END, PARAMETER_END))

# The regexes of vLLM's Qwen3CoderToolParser (SGLang's detector uses the same ones).
_TOOL_CALL_RE = re.compile(r"<tool_call>(.*?)</tool_call>|<tool_call>(.*?)$", re.DOTALL)
_FUNCTION_RE = re.compile(r"<function=(.*?)</function>|<function=(.*)$", re.DOTALL)
_PARAMETER_RE = re.compile(
    r"<parameter=(.*?)(?:</parameter>|(?=<parameter=)|(?=</function>)|$)", re.DOTALL
)

_STRING_TYPES = frozenset({"string", "str", "text", "varchar", "char", "enum"})
_INT_PREFIXES = ("int", "uint", "long", "short", "unsigned")
_FLOAT_PREFIXES = ("num", "float")
_BOOL_TYPES = frozenset({"boolean", "bool", "binary"})
_JSON_TYPES = frozenset({"object", "array", "arr"})
_JSON_PREFIXES = ("dict", "list")


def safe_end(buf: str, pos: int, markers: tuple[str, ...]) -> int:
    """Where the text of ``buf[pos:]`` that cannot start a marker ends.

    Every marker starts with ``<`` and contains no other ``<``, so only the last ``<`` near
    the end can begin a partial marker: this keeps the check O(1) per call.
    """
    start = buf.rfind("<", max(pos, len(buf) - _MAX_MARKER + 1))
    if start < 0:
        return len(buf)
    tail = buf[start:]
    if any(marker.startswith(tail) for marker in markers):
        return start
    return len(buf)


def marker_regex(markers: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation, so the earliest marker is found in a single scan."""
    return re.compile("|".join(re.escape(m) for m in markers))


# -- value typing ----------------------------------------------------------------------------


def tool_properties(tools: list[dict[str, Any]] | None, name: str) -> dict[str, Any]:
    """The ``properties`` of the request tool called ``name`` (``{}`` when unknown)."""
    for tool in tools or ():
        if not isinstance(tool, dict):
            continue
        function = tool.get("function")
        if tool.get("type") != "function" or not isinstance(function, dict):
            continue
        if function.get("name") != name:
            continue
        params = function.get("parameters")
        if not isinstance(params, dict):
            return {}
        # vLLM falls back to the parameters object itself when it has no "properties".
        props = params.get("properties") if "properties" in params else params
        return props if isinstance(props, dict) else {}
    return {}


def _vllm_type(schema: Any) -> str:
    if isinstance(schema, dict) and "type" in schema:
        # str() of a list gives "['integer', 'null']", which matches no branch below.
        return str(schema["type"]).strip().lower()
    if isinstance(schema, dict) and "anyOf" in schema:
        return "object"  # 0.20: so anyOf[string, null] "42" becomes the int 42
    return "string"


def _sglang_infer(schema: Any) -> str | None:  # noqa: PLR0911
    # SGLang's infer_type_from_json_schema: union-aware, first non-null type wins.
    if not isinstance(schema, dict):
        return None
    declared = schema.get("type")
    if isinstance(declared, str):
        return declared
    if isinstance(declared, list):
        non_null = [t for t in declared if t != "null"]
        return str(non_null[0]) if non_null else "null"
    for key in ("anyOf", "oneOf"):
        subs = schema.get(key)
        if isinstance(subs, list):
            types = [t for t in map(_sglang_infer, subs) if t and t != "null"]
            if types:
                return types[0]
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def _literal_eval(value: str, *, dialect: Dialect) -> Any:
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError):
        return value
    except Exception:
        if dialect == "vllm":
            raise  # vLLM catches only the three above; the caller falls back to raw text
        return value  # SGLang's safe_literal_eval swallows everything


def convert_value(  # noqa: C901, PLR0911 - one branch per type family, as upstream
    value: str, name: str, props: dict[str, Any], *, dialect: Dialect
) -> Any:
    """Type one parameter value the way the server's ``_convert_param_value`` does.

    May raise (e.g. ``OverflowError`` for ``inf`` as a vLLM number), as the server does.
    """
    if value.lower() == "null":
        return None
    if name not in props:
        return value
    if dialect == "vllm":
        kind = _vllm_type(props[name])
    else:
        inferred = _sglang_infer(props[name])
        kind = inferred.strip().lower() if inferred else "string"
    if kind in _STRING_TYPES:
        return value
    if kind.startswith(_INT_PREFIXES):
        try:
            return int(value)
        except (ValueError, TypeError):
            return value
    if kind.startswith(_FLOAT_PREFIXES):
        return _convert_float(value, dialect=dialect)
    if kind in _BOOL_TYPES:
        return value.lower() == "true"
    if kind in _JSON_TYPES or kind.startswith(_JSON_PREFIXES):
        try:
            return json.loads(value)
        except ValueError:
            pass
    return _literal_eval(value, dialect=dialect)


def _convert_float(value: str, *, dialect: Dialect) -> Any:
    try:
        number = float(value)
        if dialect == "sglang":
            if "." in value or "e" in value.lower() or not number.is_integer():
                return number
            return int(number)
        # vLLM: whole numbers become int; int(inf) raises OverflowError, which vLLM lets out.
        return number if number - int(number) != 0 else int(number)
    except (ValueError, TypeError):
        return value


def _strip_one_newline(value: str) -> str:
    return value.removeprefix("\n").removesuffix("\n")


# -- non-streaming ---------------------------------------------------------------------------


def _parse_function(
    text: str, tools: list[dict[str, Any]] | None, dialect: Dialect
) -> tuple[str, str] | None:
    end = text.find(">")
    if end == -1:
        return None  # vLLM 0.20 (PR #36774): no ">" means no call
    name = text[:end]
    props = tool_properties(tools, name)
    args: dict[str, Any] = {}
    for match in _PARAMETER_RE.findall(text[end + 1 :]):
        cut = match.index(">")  # ValueError -> the caller's "anything throws" path
        param = match[:cut]
        args[param] = convert_value(
            _strip_one_newline(match[cut + 1 :]), param, props, dialect=dialect
        )
    return name, json.dumps(args, ensure_ascii=False)


def _function_calls(
    text: str, tools: list[dict[str, Any]] | None, dialect: Dialect
) -> list[tuple[str, str]]:
    blocks = [a or b for a, b in _TOOL_CALL_RE.findall(text)]
    if not blocks:
        blocks = [text]  # back-off: bare <function=...> without the wrapper
    calls = []
    for block in blocks:
        for a, b in _FUNCTION_RE.findall(block):
            call = _parse_function(a or b, tools, dialect)
            if call is not None:
                calls.append(call)
    return calls


def extract_vllm(
    text: str, tools: list[dict[str, Any]] | None
) -> tuple[list[tuple[str, str]], str | None] | None:
    """Extract like vLLM 0.20: ``(calls, content)``, or ``None`` when no call was found.

    ``None`` also covers the "anything throws" path: the serving layer then keeps the
    original content, raw XML included.
    """
    if FUNCTION_START not in text:
        return None
    try:
        calls = _function_calls(text, tools, "vllm")
    except Exception:  # noqa: BLE001 - the server catches everything here too
        return None
    if not calls:
        return None
    start = text.find(CALL_START)
    if start < 0:
        start = text.find(FUNCTION_START)
    content = text[:start]
    # extract_tool_calls gives None for "", the serving layer for whitespace-only.
    return calls, (content if content.strip() else None)


def extract_sglang(
    text: str, tools: list[dict[str, Any]] | None
) -> tuple[list[tuple[str, str]], str] | None:
    """Extract like SGLang 0.5.23: ``(calls, content)``, or ``None`` without a wrapper.

    A bare ``<function=`` is left as content here (SGLang parses it only in streaming).
    """
    start = text.find(CALL_START)
    if start < 0:
        return None
    try:
        calls = _function_calls(text, tools, "sglang")
    except Exception:  # noqa: BLE001 - the detector logs and returns the text as is
        return [], text
    return calls, text[:start]


def new_call_id(*, non_streaming_vllm: bool = False) -> str:
    """``chatcmpl-tool-<16 hex>`` (vLLM non-streaming) or ``call_<24 hex>`` (the rest)."""
    if non_streaming_vllm:
        return f"chatcmpl-tool-{uuid.uuid4().hex[:16]}"
    return f"call_{uuid.uuid4().hex[:24]}"


# -- streaming -------------------------------------------------------------------------------

_TEXT = "text"  # outside calls: content
_WS = "ws"  # vLLM: whitespace right after </tool_call>
_PRE = "pre"  # inside <tool_call>, before <function=
_NAME = "name"  # after <function=, before ">"
_BODY = "body"  # inside a function, between parameters
_PNAME = "pname"  # after <parameter=, before ">"
_VALUE = "value"  # a parameter value
_AFTER = "after"  # after </function>, before </tool_call>
_DEAD = "dead"  # vLLM stuck for good (a block closed before its function): drop the rest

_MARKERS: dict[tuple[Dialect, str], tuple[str, ...]] = {
    ("vllm", _TEXT): (CALL_START, CALL_END),
    ("sglang", _TEXT): (CALL_START, FUNCTION_START),
    ("vllm", _PRE): (FUNCTION_START, CALL_END),
    ("sglang", _PRE): (FUNCTION_START, CALL_END),
    ("vllm", _NAME): (">",),
    ("sglang", _NAME): (">",),
    ("vllm", _BODY): (PARAMETER_START, FUNCTION_END, CALL_END),
    ("sglang", _BODY): (PARAMETER_START, FUNCTION_END, CALL_END),
    ("vllm", _PNAME): (">",),
    ("sglang", _PNAME): (">",),
    ("vllm", _VALUE): (PARAMETER_END, PARAMETER_START, FUNCTION_END, CALL_END),
    ("sglang", _VALUE): (PARAMETER_END, PARAMETER_START, FUNCTION_END, CALL_END),
    ("vllm", _AFTER): (CALL_END,),
    ("sglang", _AFTER): (CALL_END, FUNCTION_END),
}
_REGEXES = {key: marker_regex(markers) for key, markers in _MARKERS.items()}
_NON_WS = re.compile(r"\S")


class ToolStreamParser:
    """The tool phase of a stream (the text after reasoning), fed text of any length.

    vLLM 0.20 (classic ``extract_tool_calls_streaming``): content before ``<tool_call>``;
    whitespace right after ``</tool_call>`` swallowed; header ``{id, type, index, function:
    {name, arguments: ""}}`` once ``<function=NAME>`` is complete; ``"{"`` once anything
    follows; one fragment per complete parameter; ``"}"`` at ``</function>``; text after the
    last call streamed as content; a bare ``<function=`` is just content.

    SGLang 0.5.23: a bare ``<function=`` is a call too; every tool delta carries ``type``
    (argument deltas with ``id``/``name`` null); ``"{"`` goes out with the first complete
    parameter (a call cut inside its first value shows the name only).
    """

    def __init__(self, dialect: Dialect, tools: list[dict[str, Any]] | None) -> None:
        """Start the tool phase for one stream.

        Args:
            dialect: ``"vllm"`` or ``"sglang"``.
            tools: The request's ``tools``, for typing values.
        """
        self._dialect: Dialect = dialect
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
            if state == _BODY and self._brace_pending and self._dialect == "vllm":
                # vLLM sends "{" on the step after the header, whatever that step holds.
                self._brace_pending = False
                out.append(("tool", self._args_item("{")))
                if self._closed_block:
                    self._state = _DEAD
                    continue
            key = (self._dialect, state)
            match = _REGEXES[key].search(buf, self._pos)
            if match is None:
                end = safe_end(buf, self._pos, _MARKERS[key])
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
        elif self._dialect == "vllm":
            self._state = _DEAD  # the block closed before any function: vLLM never recovers
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
        elif self._dialect == "vllm":
            self._state = _DEAD  # </tool_call> before </function>: vLLM never advances
        else:
            self._index += 1
            self._state = _TEXT

    def _marker_in_pname(self, marker: str, out: list[Event]) -> None:
        self._consume(marker)
        self._param = "".join(self._name_parts)
        self._value_parts = []
        self._value_begun = False
        self._state = _VALUE
        if self._dialect == "vllm" and CALL_END in self._param + ">":
            # vLLM found the ">" of </tool_call>: the value is empty and the call is stuck.
            self._emit_param(out)
            self._state = _DEAD

    def _marker_in_value(self, marker: str, out: list[Event]) -> None:
        if marker == PARAMETER_END:
            self._consume(marker)
        elif marker == CALL_END and self._dialect == "vllm":
            # No closer: vLLM takes the value to the end of the block, </tool_call> included.
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
            # SGLang is still inside the call: a second </function> closes it again.
            out.append(("tool", self._args_item("}", index=self._index - 1)))
            return
        if self._dialect == "vllm":
            self._index += 1  # vLLM advances on </tool_call>; SGLang did at </function>
            self._state = _WS
        else:
            self._state = _TEXT

    def _start_function(self, out: list[Event]) -> None:
        name = "".join(self._name_parts)
        self._props = tool_properties(self._tools, name)
        self._params_sent = 0
        self._brace_pending = True
        # vLLM finds the first ">" in the block, which may be that of </tool_call>.
        self._closed_block = self._dialect == "vllm" and CALL_END in name + ">"
        self.saw_call = True
        self._state = _BODY
        out.append(("tool", self._header_item(name)))

    def _close_function(self, out: list[Event]) -> None:
        if self._brace_pending:
            self._brace_pending = False
            out.append(("tool", self._args_item("{")))
        out.append(("tool", self._args_item("}")))
        if self._dialect == "vllm":
            self._state = _AFTER
        else:
            self._index += 1
            self._state = _AFTER if self._wrapped else _TEXT

    def _emit_param(self, out: list[Event]) -> None:
        value = "".join(self._value_parts)
        value = value.removesuffix("\n")
        self._value_parts = []
        try:
            converted = convert_value(value, self._param, self._props, dialect=self._dialect)
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
        """Drop whitespace as vLLM does while the text still ends in ``</tool_call>``.

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
        if len(buf) - start < _MAX_MARKER and any(
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
        if self._dialect == "sglang":
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
        if self._dialect == "sglang":
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
