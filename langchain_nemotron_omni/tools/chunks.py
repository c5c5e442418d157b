"""Client-side tool calls: XML the server left in the text becomes LangChain tool calls.

Used when a call reached the client as text: the server has no tool parser, the call was
written inside the thought (vLLM 0.20 labels it reasoning), or vLLM streamed a ``<function=``
block without its ``<tool_call>`` wrapper as content.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from langchain_core.messages.tool import ToolCallChunk, tool_call_chunk

from langchain_nemotron_omni._markup import FUNCTION_OPEN, TOOL_CALL_OPEN
from langchain_nemotron_omni.tools.assemble import ParsedText, parse_tool_text
from langchain_nemotron_omni.tools.events import ArgsDelta, CallFinished, CallStarted, TextDelta
from langchain_nemotron_omni.tools.parser import StreamingToolParser

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from langchain_core.messages import AIMessage

    from langchain_nemotron_omni.tools.events import ToolEvent

# Streamed client-side calls are numbered apart from the server's own (0, 1, ...), so
# chunks of different calls never merge.
REASONING_INDEX_BASE = 1000
CONTENT_INDEX_BASE = 2000
_MARKERS = (TOOL_CALL_OPEN, FUNCTION_OPEN)


def might_hold_calls(text: str) -> bool:
    """Cheap check before parsing a whole text."""
    return any(marker in text for marker in _MARKERS)


def _signature(name: str | None, args: Any) -> str:
    return f"{name}:{json.dumps(args, sort_keys=True, default=str)}"


def merge_parsed_calls(message: AIMessage, *parsed: ParsedText) -> None:
    """Add client-parsed calls to a message, skipping any the server already reported."""
    seen = {_signature(call["name"], call["args"]) for call in message.tool_calls}
    for result in parsed:
        for call in result.tool_calls:
            if (signature := _signature(call["name"], call["args"])) not in seen:
                seen.add(signature)
                message.tool_calls.append(call)
        message.invalid_tool_calls.extend(result.invalid_tool_calls)


def parse_if_needed(text: str, tools: Sequence[Mapping[str, Any]]) -> ParsedText | None:
    """:func:`parse_tool_text` when the text may hold a call, else ``None``."""
    return parse_tool_text(text, tools) if might_hold_calls(text) else None


class ToolChunker:
    """Streams text through the XML parser, giving text and LangChain tool-call chunks.

    A call found invalid only at its end (a value that does not fit the schema, a cut-off
    call) has already streamed most of its arguments. LangChain decides a streamed call's
    validity by whether its arguments parse as JSON, so the last fragment is held back one
    event and, for an invalid call, replaced by one that breaks the JSON and names the
    error: the aggregated message then lists the call under ``invalid_tool_calls``.
    """

    def __init__(self, tools: Sequence[Mapping[str, Any]], index_base: int) -> None:
        """Parse with ``tools``' schemas; number calls from ``index_base``."""
        self._parser = StreamingToolParser(tools)
        self._base = index_base
        self._held: dict[int, str] = {}
        self.calls = 0

    def feed(self, text: str) -> tuple[str, list[ToolCallChunk]]:
        """Text to show and chunks to emit for a piece of streamed text."""
        return self._convert(self._parser.feed(text))

    def finish(self) -> tuple[str, list[ToolCallChunk]]:
        """Flush: held-back text, and any call cut off by the end of the stream."""
        return self._convert(self._parser.finish())

    def _convert(self, events: list[ToolEvent]) -> tuple[str, list[ToolCallChunk]]:
        text: list[str] = []
        chunks: list[ToolCallChunk] = []
        for event in events:
            if isinstance(event, TextDelta):
                text.append(event.text)
            elif isinstance(event, CallStarted):
                self.calls += 1
                chunks.append(
                    tool_call_chunk(
                        name=event.name or "", args="", id=event.id, index=self._base + event.index
                    )
                )
            elif isinstance(event, ArgsDelta):
                if (held := self._held.pop(event.index, None)) is not None:
                    chunks.append(self._args(event.index, held))
                self._held[event.index] = event.fragment
            elif isinstance(event, CallFinished):
                held = self._held.pop(event.index, "")
                if event.error is not None:
                    held = f"{held.removesuffix('}')}, <invalid: {event.error}>}}"
                if held:
                    chunks.append(self._args(event.index, held))
        return "".join(text), chunks

    def _args(self, index: int, fragment: str) -> ToolCallChunk:
        return tool_call_chunk(name=None, args=fragment, id=None, index=self._base + index)
