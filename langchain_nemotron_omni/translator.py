"""LangChain standard content blocks for Nemotron messages (provider ``"nemotron"``).

Registered with ``langchain_core`` on import, so ``message.content_blocks`` and
``output_version="v1"`` show the reasoning as a ``reasoning`` block before the answer.
Streamed tool-call chunks get string indices (``"lc_tool_call_0"``...; LangChain merges
string indices only with the ``lc_`` prefix): LangChain numbers the
other blocks itself, and a tool call's own integer index would collide with the reasoning
or text block numbered 0 and be merged into it when the stream is aggregated.
"""

from __future__ import annotations

from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages import content as types
from langchain_core.messages.block_translators import register_translator

from langchain_nemotron_omni.reply.render import MODEL_PROVIDER, REASONING_KEY


def _reasoning_and_text(message: AIMessage) -> list[types.ContentBlock]:
    blocks: list[types.ContentBlock] = []
    reasoning = message.additional_kwargs.get(REASONING_KEY)
    if isinstance(reasoning, str) and reasoning:
        blocks.append({"type": "reasoning", "reasoning": reasoning})
    if isinstance(message.content, str):
        if message.content:
            blocks.append({"type": "text", "text": message.content})
        return blocks
    for part in message.content:
        if isinstance(part, str):
            if part:
                blocks.append({"type": "text", "text": part})
        elif part.get("type") in types.KNOWN_BLOCK_TYPES:
            if part.get("type") == "reasoning" and any(b["type"] == "reasoning" for b in blocks):
                continue
            blocks.append(cast("types.ContentBlock", part))
        else:
            blocks.append({"type": "non_standard", "value": cast("dict[str, Any]", part)})
    return blocks


def _tool_blocks(message: AIMessage) -> list[types.ContentBlock]:
    blocks: list[types.ContentBlock] = [
        {"type": "tool_call", "id": call.get("id"), "name": call["name"], "args": call["args"]}
        for call in message.tool_calls
    ]
    blocks.extend(
        {
            "type": "invalid_tool_call",
            "id": call.get("id"),
            "name": call.get("name"),
            "args": call.get("args"),
            "error": call.get("error"),
        }
        for call in message.invalid_tool_calls
    )
    return blocks


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """Standard blocks of a whole message: reasoning, text, then tool calls."""
    return [*_reasoning_and_text(message), *_tool_blocks(message)]


def translate_content_chunk(message: AIMessageChunk) -> list[types.ContentBlock]:
    """Standard blocks of a streamed chunk (or of an aggregated stream)."""
    blocks = _reasoning_and_text(message)
    if message.tool_call_chunks and message.chunk_position != "last":
        for position, chunk in enumerate(message.tool_call_chunks):
            index = chunk.get("index")
            blocks.append(
                {
                    "type": "tool_call_chunk",
                    "id": chunk.get("id"),
                    "name": chunk.get("name"),
                    "args": chunk.get("args"),
                    "index": f"lc_tool_call_{position if index is None else index}",
                }
            )
        return blocks
    return [*blocks, *_tool_blocks(message)]


register_translator(MODEL_PROVIDER, translate_content, translate_content_chunk)
