"""What the parser knows of a bound tool: its parameters' JSON Schemas, resolved and described.

The qwen3_coder format carries every value as text between ``<parameter=NAME>`` tags, so the
client decides what the text means from the bound tool's schema (typing itself is in
:mod:`langchain_nemotron_omni.tools.coerce`). This module indexes the tools, follows
``$ref``/``allOf`` wrappers, and puts a schema's expectation into words for error messages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

MAX_DEPTH: Final = 64
_MAX_REF_HOPS: Final = 32
_PREVIEW_CHARS: Final = 60


_KNOWN_TYPES: Final = frozenset(
    {"string", "integer", "number", "boolean", "null", "object", "array"}
)
# Non-standard spellings seen in hand-written tool schemas (vLLM's tests use "float").
_TYPE_ALIASES: Final = {
    "int": "integer",
    "float": "number",
    "double": "number",
    "bool": "boolean",
    "str": "string",
    "text": "string",
    "dict": "object",
    "list": "array",
}
ARTICLES: Final = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true or false)",
    "null": "null",
    "object": "a JSON object",
    "array": "a JSON array",
}


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """What the parser needs to know about one bound tool."""

    name: str
    root: Mapping[str, Any]
    """The function's ``parameters`` schema; ``$ref`` pointers resolve against it."""
    properties: Mapping[str, Any] | None
    """Declared parameters, or ``None`` when the schema lists none."""
    required: tuple[str, ...]
    additional: Any
    """``additionalProperties`` of the parameters object (``True`` when absent)."""

    def schema_for(self, name: str) -> tuple[Any, bool]:
        """Return ``(schema, allowed)`` for a parameter; ``schema`` is ``None`` if untyped."""
        if self.properties is not None and name in self.properties:
            return self.properties[name], True
        if self.additional is False and self.properties is not None:
            return None, False
        if isinstance(self.additional, Mapping):
            return self.additional, True
        return None, True


def function_of(tool: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return the function dict of an OpenAI tool, or the tool itself if it is one."""
    fn = tool.get("function")
    return fn if isinstance(fn, Mapping) else tool


def build_specs(tools: Sequence[Mapping[str, Any]] | None) -> dict[str, ToolSpec] | None:
    """Index OpenAI-format tools (or bare function dicts) by name; ``None`` means no schema."""
    if tools is None:
        return None
    specs: dict[str, ToolSpec] = {}
    for tool in tools:
        if not isinstance(tool, Mapping):
            continue
        fn = function_of(tool)
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            continue
        params = fn.get("parameters")
        root: Mapping[str, Any] = params if isinstance(params, Mapping) else {}
        top = resolve(root, root)
        props = top.get("properties")
        required = top.get("required")
        specs[name] = ToolSpec(
            name=name,
            root=root,
            properties=props if isinstance(props, Mapping) else None,
            required=tuple(r for r in required if isinstance(r, str))
            if isinstance(required, list)
            else (),
            additional=top.get("additionalProperties", True),
        )
    return specs


# --------------------------------------------------------------------------- schema helpers


def _pointer(root: Mapping[str, Any], ref: str) -> Any:
    if not ref.startswith("#"):
        return None  # remote references are out of scope
    node: Any = root
    for raw in ref[1:].split("/")[1:]:
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def resolve(schema: Any, root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow ``$ref`` and single-branch ``allOf`` (Pydantic's wrappers); siblings win."""
    if not isinstance(schema, Mapping):
        return {}  # ``true`` or junk: unconstrained
    out: Mapping[str, Any] = schema
    for _ in range(_MAX_REF_HOPS):
        ref = out.get("$ref")
        if isinstance(ref, str):
            target = _pointer(root, ref)
            rest = {k: v for k, v in out.items() if k != "$ref"}
            out = {**target, **rest} if isinstance(target, Mapping) else rest
            continue
        all_of = out.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], Mapping):
            out = {**all_of[0], **{k: v for k, v in out.items() if k != "allOf"}}
            continue
        break
    return out


def types_of(s: Mapping[str, Any]) -> list[str] | None:
    """The JSON types a schema allows (aliases normalised), or ``None`` if it names none."""
    raw = s.get("type")
    names = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else None
    out: list[str] = []
    for name in names or ():
        if isinstance(name, str):
            norm = _TYPE_ALIASES.get(name.lower(), name.lower())
            if norm in _KNOWN_TYPES and norm not in out:
                out.append(norm)
    if out:
        return out
    # Schemas that omit "type" but clearly describe a container.
    if isinstance(s.get("properties"), Mapping):
        return ["object"]
    if isinstance(s.get("items"), Mapping):
        return ["array"]
    return None


def branches_of(s: Mapping[str, Any]) -> list[Any] | None:
    """The branches of an ``anyOf`` / ``oneOf``, or ``None``."""
    for key in ("anyOf", "oneOf"):
        value = s.get(key)
        if isinstance(value, list) and value:
            return value
    return None


def members_of(s: Mapping[str, Any]) -> list[Any] | None:
    """The allowed values of a ``const`` / ``enum``, or ``None``."""
    if "const" in s:
        return [s["const"]]
    enum = s.get("enum")
    return enum if isinstance(enum, list) else None


def allows_null(schema: Any, root: Mapping[str, Any], depth: int = 0) -> bool:
    """Whether ``null`` fits the schema."""
    s = resolve(schema, root)
    members = members_of(s)
    if members is not None:
        return any(m is None for m in members)
    branches = branches_of(s)
    if branches is not None:
        return depth < MAX_DEPTH and any(allows_null(b, root, depth + 1) for b in branches)
    return "null" in (types_of(s) or ())


def dump_json(value: Any) -> str:
    """JSON text of a value, non-ASCII kept as is."""
    return json.dumps(value, ensure_ascii=False, default=str)


def describe(schema: Any, root: Mapping[str, Any], depth: int = 0) -> str:
    """Say in words what a schema expects, for error messages."""
    s = resolve(schema, root)
    members = members_of(s)
    if members is not None:
        return dump_json(members[0]) if "const" in s else f"one of {dump_json(members)}"
    branches = branches_of(s)
    if branches is not None and depth < MAX_DEPTH:
        words: list[str] = []
        for branch in branches:
            word = describe(branch, root, depth + 1)
            if word not in words:
                words.append(word)
        return " or ".join(words)
    types = types_of(s)
    return " or ".join(ARTICLES[t] for t in types) if types else "a value"


def preview(text: str) -> str:
    """A short quoted preview of a text, for error messages."""
    short = text if len(text) <= _PREVIEW_CHARS else text[: _PREVIEW_CHARS - 3] + "..."
    return repr(short)


def json_preview(value: Any) -> str:
    """A short JSON preview of a value, for error messages."""
    text = dump_json(value)
    return text if len(text) <= _PREVIEW_CHARS else text[: _PREVIEW_CHARS - 3] + "..."


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``, ``1`` equals ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)
