r"""Client-side parsing and rendering of Nemotron's XML tool calls (the qwen3_coder format).

The model writes calls as text::

    <tool_call>
    <function=get_weather>
    <parameter=city>
    Paris
    </parameter>
    </function>
    </tool_call>

A server with a tool parser turns them into OpenAI ``tool_calls``; without one (no parser,
a call written in the thought, a hosted endpoint) the XML arrives in the text and is parsed
here. The parser is strict and schema-aware:

* values are typed by the bound tool's JSON schema; ``string`` keeps the exact text, other
  types must parse (``true``/``false`` for booleans, JSON for objects and arrays, with a
  Python-literal fallback), and a value that does not fit makes the call invalid with an
  error naming the tool, the parameter, what was expected and what was found;
* a call that is cut off, malformed, names an unknown tool, repeats or misses a parameter
  becomes an ``InvalidToolCall``; nothing raises and no call is dropped;
* the schema's parameter names decide whether a ``<parameter=NAME>`` met inside a value is a
  boundary, so values may hold code, XML, even ``</parameter>`` lines.

Without ``tools`` (``None``) there is no schema: every value is kept as a string, except one
that is a JSON object or array, which is decoded.

:func:`parse_tool_text` parses a whole text; :class:`StreamingToolParser` parses pieces as
they arrive and gives the same result for any chunking. :func:`render_tools_prompt` and
:func:`render_tool_call_xml` write tools and calls the way the chat template does, for
endpoints that pass the prompt through without a tool parser.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from langchain_core.messages.tool import invalid_tool_call, tool_call

from langchain_nemotron_omni._tool_schema import function_of
from langchain_nemotron_omni._tool_stream import (
    ArgsDelta,
    CallFinished,
    CallStarted,
    StreamingToolParser,
    TextDelta,
    ToolEvent,
    new_call_id,
)

if TYPE_CHECKING:
    from langchain_core.messages import InvalidToolCall, ToolCall

__all__ = [
    "ArgsDelta",
    "CallFinished",
    "CallStarted",
    "ParsedText",
    "StreamingToolParser",
    "TextDelta",
    "ToolEvent",
    "assemble_events",
    "new_call_id",
    "parse_tool_text",
    "render_tool_call_xml",
    "render_tools_prompt",
]


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
            error = f"{call.name}: the arguments are not a JSON object"
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


# ----------------------------------------------------------------------------- rendering

_TOOLS_HEADER: Final = "# Tools\n\nYou have access to the following functions:\n\n<tools>"

# The template's calling rules, reworded: calls go in <tool_call> blocks in this exact
# shape, required parameters are given, reasoning may come before a call but not after.
_CALL_INSTRUCTIONS: Final = (
    "\n\nTo call a function, end your reply with the call(s) written in exactly this format, "
    "and write nothing after them:\n\n"
    "<tool_call>\n<function=example_function_name>\n<parameter=example_parameter_1>\n"
    "value_1\n</parameter>\n<parameter=example_parameter_2>\n"
    "This is the value for the second parameter\nthat can span\nmultiple lines\n"
    "</parameter>\n</function>\n</tool_call>\n\n"
    "<IMPORTANT>\nReminder:\n"
    "- Every call is a <function=...></function> block wrapped in <tool_call></tool_call> "
    "tags, as shown above\n"
    "- Always give every required parameter\n"
    "- Explain your reasoning for a call in plain language BEFORE the call if you wish, "
    "never after it\n"
    "- If no function fits, answer from your own knowledge as usual and do not mention "
    "functions to the user\n"
    "</IMPORTANT>"
)


def _as_text(value: Any) -> str:
    # The template's "| string": Python's str() (True -> "True", lists as reprs).
    return value if isinstance(value, str) else str(value)


def _tojson(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _is_container(value: Any) -> bool:
    return isinstance(value, Mapping) or (
        isinstance(value, Sequence) and not isinstance(value, str | bytes)
    )


def _extra_keys(obj: Any, handled: frozenset[str]) -> str:
    if not isinstance(obj, Mapping):
        return ""
    parts = []
    for key, value in obj.items():
        if key not in handled:
            rendered = _tojson(value) if _is_container(value) else _as_text(value)
            parts.append(f"\n<{key}>{rendered}</{key}>")
    return "".join(parts)


_PARAM_KEYS: Final = frozenset({"name", "type", "description", "enum"})
_PARAMS_KEYS: Final = frozenset({"type", "properties", "required"})
_FUNCTION_KEYS: Final = frozenset({"type", "name", "description", "parameters"})


def _render_function(fn: Mapping[str, Any]) -> str:
    out = [f"\n<function>\n<name>{_as_text(fn.get('name'))}</name>"]
    if "description" in fn:
        out.append(f"\n<description>{_as_text(fn['description']).strip()}</description>")
    out.append("\n<parameters>")
    params = fn.get("parameters")
    props = params.get("properties") if isinstance(params, Mapping) else None
    for name, spec in props.items() if isinstance(props, Mapping) else ():
        out.append(f"\n<parameter>\n<name>{name}</name>")
        if isinstance(spec, Mapping):
            if "type" in spec:
                out.append(f"\n<type>{_as_text(spec['type'])}</type>")
            if "description" in spec:
                out.append(f"\n<description>{_as_text(spec['description']).strip()}</description>")
            if "enum" in spec:
                out.append(f"\n<enum>{_tojson(spec['enum'])}</enum>")
            out.append(_extra_keys(spec, _PARAM_KEYS))
        out.append("\n</parameter>")
    out.append(_extra_keys(params, _PARAMS_KEYS))
    if isinstance(params, Mapping) and "required" in params:
        out.append(f"\n<required>{_tojson(params['required'])}</required>")
    out.append("\n</parameters>")
    out.append(_extra_keys(fn, _FUNCTION_KEYS))
    out.append("\n</function>")
    return "".join(out)


def render_tools_prompt(tools: Sequence[Mapping[str, Any]]) -> str:
    """Describe tools the way Nemotron's chat template does, for the system prompt.

    For endpoints that take raw prompts or have no tool support: append the result to the
    system message (after a blank line). It lists each function with its parameters
    (``<tools><function><name>…``) and then the calling instructions.

    Args:
        tools: OpenAI-format tools or bare function dicts.

    Returns:
        The ``# Tools`` section, starting with ``# Tools`` and ending with the instructions.
    """
    body = "".join(_render_function(function_of(tool)) for tool in tools)
    return f"{_TOOLS_HEADER}{body}\n</tools>{_CALL_INSTRUCTIONS}"


def _history_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if _is_container(value) or value is None or isinstance(value, bool | int | float):
        # JSON for scalars too (the template writes True/None): the model emits true/null,
        # and parse_tool_text reads them back to the same values.
        return _tojson(value)
    return str(value)


def render_tool_call_xml(name: str, args: Mapping[str, Any]) -> str:
    r"""Write one tool call as the model writes it, for assistant turns in history.

    Mappings and lists are written as JSON, strings as they are, and other scalars as JSON
    (``true``, ``null``, ``3``), so :func:`parse_tool_text` reads back the same arguments.

    Returns:
        ``<tool_call>\n<function=NAME>\n<parameter=KEY>\nVALUE\n</parameter>\n…</tool_call>\n``
    """
    parts = [f"<tool_call>\n<function={name}>\n"]
    parts.extend(
        f"<parameter={key}>\n{_history_value(v)}\n</parameter>\n" for key, v in args.items()
    )
    parts.append("</function>\n</tool_call>\n")
    return "".join(parts)
