"""Tools and calls written the way Nemotron's chat template writes them.

For endpoints that pass the prompt through without a tool parser (a raw server, fal): the
tools go into the system prompt and earlier calls into the transcript in the model's own
format, and :func:`~langchain_nemotron_omni.tools.parse_tool_text` reads them back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from langchain_nemotron_omni import _markup as tag
from langchain_nemotron_omni.tools.schema import function_of

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
    parts = [f"{tag.TOOL_CALL_OPEN}\n{tag.FUNCTION_OPEN}{name}>\n"]
    parts.extend(
        f"{tag.PARAMETER_OPEN}{key}>\n{_history_value(v)}\n{tag.PARAMETER_CLOSE}\n"
        for key, v in args.items()
    )
    parts.append(f"{tag.FUNCTION_CLOSE}\n{tag.TOOL_CALL_CLOSE}\n")
    return "".join(parts)
