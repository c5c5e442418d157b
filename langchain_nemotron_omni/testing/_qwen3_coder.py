"""The ``qwen3_coder`` tool-call parser, as vLLM 0.20 (classic) and SGLang 0.5.23 run it.

Three pieces, each in two dialects (``"vllm"`` and ``"sglang"``):

* value typing from the request's tool schema (:func:`convert_value`, in
  :mod:`~langchain_nemotron_omni.testing._qwen3_values`);
* the non-streaming extraction here (:func:`extract_vllm`, :func:`extract_sglang`), built on
  the servers' own regexes so the odd corners (unclosed blocks, ``$`` before a final newline)
  come out the same;
* the streaming state machine (:class:`~langchain_nemotron_omni.testing._qwen3_stream.
  ToolStreamParser`).

The markup constants and the marker scanning helpers shared by the reasoning and tool phases
are defined here once. ``docs/fake-server.md`` lists the behaviours.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, Literal

from langchain_nemotron_omni.testing._qwen3_values import (
    Dialect,
    convert_value,
    tool_properties,
)

__all__ = [
    "CALL_END",
    "CALL_START",
    "FUNCTION_END",
    "FUNCTION_START",
    "PARAMETER_END",
    "PARAMETER_START",
    "SPECIAL_TOKENS",
    "THINK_END",
    "THINK_START",
    "Dialect",
    "Event",
    "convert_value",
    "extract_sglang",
    "extract_vllm",
    "marker_regex",
    "new_call_id",
    "safe_end",
    "tool_properties",
]

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

MAX_MARKER = max(len(m) for m in (*SPECIAL_TOKENS, FUNCTION_END, PARAMETER_END))

# The regexes of vLLM's Qwen3CoderToolParser (SGLang's detector uses the same ones).
_TOOL_CALL_RE = re.compile(r"<tool_call>(.*?)</tool_call>|<tool_call>(.*?)$", re.DOTALL)
_FUNCTION_RE = re.compile(r"<function=(.*?)</function>|<function=(.*)$", re.DOTALL)
_PARAMETER_RE = re.compile(
    r"<parameter=(.*?)(?:</parameter>|(?=<parameter=)|(?=</function>)|$)", re.DOTALL
)


def safe_end(buf: str, pos: int, markers: tuple[str, ...]) -> int:
    """Where the text of ``buf[pos:]`` that cannot start a marker ends.

    Every marker starts with ``<`` and contains no other ``<``, so only the last ``<`` near
    the end can begin a partial marker: this keeps the check O(1) per call.
    """
    start = buf.rfind("<", max(pos, len(buf) - MAX_MARKER + 1))
    if start < 0:
        return len(buf)
    tail = buf[start:]
    if any(marker.startswith(tail) for marker in markers):
        return start
    return len(buf)


def marker_regex(markers: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation, so the earliest marker is found in a single scan."""
    return re.compile("|".join(re.escape(m) for m in markers))


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
