"""How the ``qwen3_coder`` parser types a parameter value from the request's tool schema.

vLLM 0.20 and SGLang 0.5.23 share the rules with small differences (``dialect``): how the
type is read from the schema (SGLang understands unions), whether ``2.0`` stays a float, and
which errors the Python-literal fallback swallows.
"""

from __future__ import annotations

import ast
import json
from typing import Any, Literal

Dialect = Literal["vllm", "sglang"]

_STRING_TYPES = frozenset({"string", "str", "text", "varchar", "char", "enum"})
_INT_PREFIXES = ("int", "uint", "long", "short", "unsigned")
_FLOAT_PREFIXES = ("num", "float")
_BOOL_TYPES = frozenset({"boolean", "bool", "binary"})
_JSON_TYPES = frozenset({"object", "array", "arr"})
_JSON_PREFIXES = ("dict", "list")


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
