"""One set of rules for every tool call, whoever parsed it.

The client's parser (:mod:`langchain_nemotron_omni.tools.parser`) checks calls as it reads the
model's XML; a server's ``qwen3_coder`` parser checks nothing (an unknown tool, a value that
does not fit, a missing required parameter all come back as calls) and types values by rules
of its own. :func:`check_server_call` puts a server-parsed call through the same rules, with
the same error wording, so a reply gets the same verdict on a server that parses and on one
that does not.

Where the server typed a value differently (vLLM 0.20 turns ``42`` for an ``Optional[str]``
into the integer 42, and ``null`` for a ``string`` into ``None``), the value is typed again
from its text as the client parser would have, so valid calls carry the same arguments too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from langchain_nemotron_omni.tools.coerce import check_value, coerce_text, parse_json

if TYPE_CHECKING:
    from collections.abc import Mapping

    from langchain_nemotron_omni.tools.schema import ToolSpec

NOT_AN_OBJECT: Final = "the arguments are not a JSON object"
CUT_OFF: Final = "the tool call was cut off: the reply ended before it was complete"


def unknown_tool(specs: Mapping[str, ToolSpec]) -> str:
    """The error for a call to a tool that is not bound."""
    known = ", ".join(repr(n) for n in specs) or "none"
    return f"unknown tool; the available tools are {known}"


def unknown_parameter(spec: ToolSpec, name: str) -> str:
    """The error for a parameter the tool's schema does not allow."""
    known = ", ".join(repr(p) for p in spec.properties or ())
    return f"unknown parameter {name!r} (known parameters: {known})"


def missing_required(spec: ToolSpec, given: set[str] | Mapping[str, Any]) -> list[str]:
    """The errors for required parameters the call did not give."""
    return [f"missing required parameter {r!r}" for r in spec.required if r not in given]


def labelled(name: str | None, errors: list[str]) -> str | None:
    """The errors of one call as one message naming the call, or ``None`` for none."""
    return f"{name or 'tool call'}: " + "; ".join(errors) if errors else None


@dataclass(frozen=True, slots=True)
class CheckedCall:
    """A server-parsed call after the checks: valid with ``args``, or invalid with ``error``."""

    args: dict[str, Any] | None
    """The arguments (typed again where the server's typing did not fit the schema)."""
    args_text: str
    """``args`` as JSON for a valid call; the server's own argument text for an invalid one."""
    error: str | None


def check_server_call(
    specs: Mapping[str, ToolSpec] | None,
    name: str | None,
    arguments: str,
    *,
    cut_off: bool = False,
) -> CheckedCall:
    """Check a call a server parsed against the bound tools.

    Args:
        specs: The bound tools by name (``None``: no schema, any call with object arguments
            is valid).
        name: The function name the server reported.
        arguments: The arguments text the server sent (all its fragments joined).
        cut_off: The reply was cut by ``max_tokens`` inside this call; servers still report
            such a call whole (vLLM 0.20 even as ``tool_calls``), with the values they had.
    """
    if cut_off:
        return CheckedCall(None, arguments, labelled(name, [CUT_OFF]))
    if not name:
        return CheckedCall(None, arguments, labelled(name, ["the call has no function name"]))
    spec = specs.get(name) if specs is not None else None
    if specs is not None and spec is None:
        return CheckedCall(None, arguments, labelled(name, [unknown_tool(specs)]))
    # Strict JSON: NaN and Infinity are not JSON, and "" is not an object either.
    args = parse_json(arguments) if arguments.strip() else {}
    if not isinstance(args, dict):
        return CheckedCall(None, arguments, labelled(name, [NOT_AN_OBJECT]))
    errors: list[str] = []
    retyped = False
    if spec is not None:
        for key, value in args.items():
            fitted, problem = _fit(spec, key, value)
            if problem is not None:
                errors.append(problem)
            elif fitted is not value:
                args[key], retyped = fitted, True
        errors.extend(missing_required(spec, args))
    if errors:
        return CheckedCall(None, arguments, labelled(name, errors))
    # The server's own text when nothing changed: no second pass over a large argument.
    text = json.dumps(args, ensure_ascii=False) if retyped or not arguments.strip() else arguments
    return CheckedCall(args, text, None)


def _fit(spec: ToolSpec, key: str, value: Any) -> tuple[Any, str | None]:
    """The value as the schema wants it, or an error; typed again from text if needed."""
    schema, allowed = spec.schema_for(key)
    if not allowed:
        return value, unknown_parameter(spec, key)
    if schema is None or check_value(value, schema, spec.root) is None:
        return value, None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    ok, result = coerce_text(text, schema, spec.root)
    return (result, None) if ok else (value, f"parameter {key!r} {result}")
