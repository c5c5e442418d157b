"""Typing of tool-call parameter values, which the model writes as plain text, by JSON Schema.

The bound tool's schema decides: ``string`` keeps the text exactly, other types must parse and
match, and anything that does not fit is reported (never coerced). Validation of nested JSON
is deliberately light: types, ``enum`` / ``const``, unions, required keys,
``additionalProperties: false`` and ``items``.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from langchain_nemotron_omni.tools.schema import (
    ARTICLES,
    MAX_DEPTH,
    allows_null,
    branches_of,
    describe,
    dump_json,
    json_equal,
    json_preview,
    members_of,
    preview,
    resolve,
    types_of,
)

# An exponent this large cannot be an integer anyone meant, and int() of it would be huge.
_MAX_INT_EXPONENT: Final = 4000

_INT_RE: Final = re.compile(r"-?[0-9]+\Z")
_NUMBER_RE: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")


class _Missing:
    """Marker for "no parsed value" (``None`` is a valid JSON value)."""


_MISSING: Final = _Missing()

# --------------------------------------------------------------------------- text -> value


def _reject_constant(name: str) -> Any:
    msg = f"{name} is not JSON"
    raise ValueError(msg)


def _to_json(value: Any, depth: int = 0) -> Any:  # noqa: PLR0911 - one exit per JSON type
    """Turn a Python literal into JSON types, or ``_MISSING`` if it has no JSON form."""
    if depth > MAX_DEPTH:
        return _MISSING
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _MISSING
    if isinstance(value, list | tuple):
        items = [_to_json(v, depth + 1) for v in value]
        return _MISSING if any(v is _MISSING for v in items) else items
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            item = _to_json(v, depth + 1)
            if not isinstance(k, str) or item is _MISSING:
                return _MISSING
            out[k] = item
        return out
    return _MISSING


def parse_json(text: str) -> Any:
    """Strict JSON (no NaN/Infinity), or ``_MISSING``."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return _MISSING


def _parse_container(text: str) -> Any:
    """JSON first (so ``true``/``null`` work), then a Python literal such as ``{'k': 'v'}``."""
    if not text or text[0] not in "{[(":
        return _MISSING
    value = parse_json(text)
    if value is not _MISSING:
        return value
    try:
        literal = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _MISSING
    return _to_json(literal)


def untyped_value(text: str) -> Any:
    """Value of a parameter with no schema: the text, unless it is a JSON object or array."""
    stripped = text.strip()
    if stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]"):
        value = parse_json(stripped)
        if isinstance(value, dict | list):
            return value
    return text


def _match_member(text: str, members: list[Any]) -> tuple[bool, Any]:
    stripped = text.strip()
    for candidate in (text, stripped):
        if candidate in (m for m in members if isinstance(m, str)):
            return True, candidate
    parsed = parse_json(stripped)
    for member in members:
        if isinstance(member, str):
            continue
        if parsed is not _MISSING and json_equal(parsed, member):
            return True, member
        # Booleans are case-insensitive everywhere else too ("True" from Python reprs).
        if isinstance(member, bool) and stripped.lower() == dump_json(member):
            return True, member
    return False, None


def _coerce_integer(text: str) -> tuple[bool, Any]:
    if _INT_RE.match(text):
        try:
            return True, int(text)
        except ValueError:  # beyond Python's int-string conversion limit
            return False, None
    if _NUMBER_RE.match(text):
        try:
            number = Decimal(text)
        except InvalidOperation:
            return False, None
        if abs(number.adjusted()) <= _MAX_INT_EXPONENT and number == number.to_integral_value():
            return True, int(number)  # JSON Schema counts 3.0 as an integer
    return False, None


def _coerce_number(text: str) -> tuple[bool, Any]:
    if _INT_RE.match(text):
        return _coerce_integer(text)
    if _NUMBER_RE.match(text):
        value = float(text)
        if math.isfinite(value):
            return True, value
    return False, None


def _coerce_boolean(text: str) -> tuple[bool, Any]:
    lowered = text.lower()
    return (True, lowered == "true") if lowered in ("true", "false") else (False, None)


def _coerce_null(text: str) -> tuple[bool, Any]:
    return (True, None) if text == "null" else (False, None)


_SCALARS: Final = {
    "integer": _coerce_integer,
    "number": _coerce_number,
    "boolean": _coerce_boolean,
    "null": _coerce_null,
}


def _coerce_one(
    text: str, kind: str, s: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> tuple[bool, Any]:
    """Type ``text`` as one JSON type; on failure the second item is a message or ``None``."""
    if kind == "string":
        return True, text
    stripped = text.strip()
    scalar = _SCALARS.get(kind)
    if scalar is not None:
        return scalar(stripped)
    value = _parse_container(stripped)
    if value is _MISSING:
        return False, f"expects {ARTICLES[kind]}, got {preview(text)} (not valid JSON)"
    if not isinstance(value, dict if kind == "object" else list):
        return False, f"expects {ARTICLES[kind]}, got {json_preview(value)}"
    error = check_value(value, s, root, "", depth + 1)
    return (False, error) if error else (True, value)


def _expected(s: Mapping[str, Any], root: Mapping[str, Any], text: str) -> tuple[bool, Any]:
    return False, f"expects {describe(s, root)}, got {preview(text)}"


def _coerce_union(
    text: str, s: Mapping[str, Any], branches: list[Any], root: Mapping[str, Any], depth: int
) -> tuple[bool, Any]:
    # A literal ``null`` means "no value" even when a string branch comes first:
    # Optional[str] could not express None otherwise.
    if text.strip() == "null" and any(allows_null(b, root) for b in branches):
        return True, None
    for branch in branches:
        ok, value = coerce_text(text, branch, root, depth + 1)
        if ok:
            return True, value
    return _expected(s, root, text)


def _coerce_typed(
    text: str, s: Mapping[str, Any], types: list[str], root: Mapping[str, Any], depth: int
) -> tuple[bool, Any]:
    if "null" in types and text.strip() == "null":
        return True, None
    for kind in types:
        ok, value = _coerce_one(text, kind, s, root, depth)
        if ok:
            return True, value
        if len(types) == 1 and isinstance(value, str):
            return False, value  # a specific message, e.g. about a nested key
    return _expected(s, root, text)


def coerce_text(
    text: str, schema: Any, root: Mapping[str, Any], depth: int = 0
) -> tuple[bool, Any]:
    """Type a parameter's text by its schema.

    Returns:
        ``(True, value)``, or ``(False, message)`` where the message reads like
        ``"expects an integer, got 'three'"`` (the caller prefixes tool and parameter).
    """
    s = resolve(schema, root)
    if depth > MAX_DEPTH:
        return True, untyped_value(text)
    members = members_of(s)
    if members is not None:
        ok, value = _match_member(text, members)
        return (True, value) if ok else _expected(s, root, text)
    branches = branches_of(s)
    if branches is not None:
        return _coerce_union(text, s, branches, root, depth)
    types = types_of(s)
    if types is None:
        return True, untyped_value(text)
    return _coerce_typed(text, s, types, root, depth)


# --------------------------------------------------------------------------- nested checks


def _is_type(value: Any, kind: str) -> bool:
    checks: dict[str, bool] = {
        "string": isinstance(value, str),
        "integer": (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, float) and value.is_integer()),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "null": value is None,
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
    }
    return checks[kind]


def _at(path: str) -> str:
    return f"at {path!r} " if path else ""


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def check_value(
    value: Any, schema: Any, root: Mapping[str, Any], path: str = "", depth: int = 0
) -> str | None:
    """Check a JSON value against a schema (lightly); return an error message or ``None``."""
    if depth > MAX_DEPTH:
        return None
    s = resolve(schema, root)
    error = _check_combinators(value, s, root, path, depth)
    if error:
        return error
    types = types_of(s)
    if types and not any(_is_type(value, t) for t in types):
        return f"{_at(path)}expects {describe({'type': types}, root)}, got {json_preview(value)}"
    if isinstance(value, dict):
        return _check_object(value, s, root, path, depth)
    if isinstance(value, list):
        return _check_array(value, s, root, path, depth)
    return None


def _check_combinators(
    value: Any, s: Mapping[str, Any], root: Mapping[str, Any], path: str, depth: int
) -> str | None:
    """``enum``/``const``, ``anyOf``/``oneOf`` (any branch may match) and ``allOf``."""
    members = members_of(s)
    if members is not None and not any(json_equal(value, m) for m in members):
        return f"{_at(path)}expects {describe(s, root)}, got {json_preview(value)}"
    branches = branches_of(s)
    if branches is not None and all(check_value(value, b, root, path, depth + 1) for b in branches):
        return f"{_at(path)}expects {describe(s, root)}, got {json_preview(value)}"
    all_of = s.get("allOf")
    for part in all_of if isinstance(all_of, list) else ():
        error = check_value(value, part, root, path, depth + 1)
        if error:
            return error
    return None


def _check_object(
    value: dict[str, Any], s: Mapping[str, Any], root: Mapping[str, Any], path: str, depth: int
) -> str | None:
    required = s.get("required")
    for key in required if isinstance(required, list) else ():
        if isinstance(key, str) and key not in value:
            return f"{_at(path)}is missing required key {key!r}"
    props = s.get("properties")
    props = props if isinstance(props, Mapping) else {}
    extra = s.get("additionalProperties", True)
    for key, item in value.items():
        if key in props:
            error = check_value(item, props[key], root, _join(path, key), depth + 1)
        elif extra is False:
            error = f"{_at(path)}has unknown key {key!r}"
        elif isinstance(extra, Mapping):
            error = check_value(item, extra, root, _join(path, key), depth + 1)
        else:
            error = None
        if error:
            return error
    return None


def _check_array(
    value: list[Any], s: Mapping[str, Any], root: Mapping[str, Any], path: str, depth: int
) -> str | None:
    prefix = s.get("prefixItems")
    prefix = prefix if isinstance(prefix, list) else []
    items = s.get("items")
    for i, item in enumerate(value):
        sub = prefix[i] if i < len(prefix) else items
        if isinstance(sub, Mapping):
            error = check_value(item, sub, root, f"{path}[{i}]", depth + 1)
            if error:
                return error
    return None
