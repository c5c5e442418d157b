"""Helpers shared by the tests (and the client benchmarks): stream aggregation, sample tools."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from langchain_core.messages import AIMessageChunk, BaseMessage


def collect(chunks: Sequence[BaseMessage]) -> AIMessageChunk:
    """Aggregate a stream the way LangChain users do (``chunk + chunk``)."""
    assert chunks, "the stream yielded nothing"
    assert all(isinstance(chunk, AIMessageChunk) for chunk in chunks)
    full = cast("AIMessageChunk", chunks[0])
    for chunk in chunks[1:]:
        full = full + cast("AIMessageChunk", chunk)
    return full


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    },
}
"""An OpenAI-format tool the scripted models call."""

WRITE_FILE_TOOL = {
    "type": "function",
    "function": {
        "name": "write_file",
        "description": "Write a text file",
        "parameters": {
            "type": "object",
            "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
            "required": ["path", "content"],
        },
    },
}
"""A tool whose calls carry large string arguments (file contents)."""

CONFIGURE_TOOL = {
    "type": "function",
    "function": {
        "name": "configure",
        "parameters": {
            "type": "object",
            "properties": {"options": {"type": "object"}},
            "required": ["options"],
        },
    },
}
"""A tool whose one parameter is a JSON object."""


def join_deltas(
    deltas: Sequence[dict[str, Any]], reasoning_key: str | None
) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    """Put raw OpenAI stream deltas together: ``(reasoning, content, [(name, arguments)])``.

    Text fields concatenate (``None`` when no delta carried any); calls are joined by index.
    """
    reasoning: str | None = None
    content: str | None = None
    calls: dict[int, list[str]] = {}
    for delta in deltas:
        if reasoning_key and delta.get(reasoning_key) is not None:
            reasoning = (reasoning or "") + delta[reasoning_key]
        if delta.get("content") is not None:
            content = (content or "") + delta["content"]
        for item in delta.get("tool_calls") or ():
            call = calls.setdefault(item["index"], ["", ""])
            call[0] += item["function"].get("name") or ""
            call[1] += item["function"].get("arguments") or ""
    return reasoning, content, [(name, args) for name, args in (calls[i] for i in sorted(calls))]
