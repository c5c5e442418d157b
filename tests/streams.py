"""Helpers shared by the tests: stream aggregation, a sample tool."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

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
