"""Turning what the server sent into the message a LangChain user expects.

One path for invoke and stream: reasoning split from content where the server did not split
it, the answer recovered when thinking was off but the text landed in the reasoning field,
the template's newlines trimmed, and a warning when the thought ate the whole budget.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_nemotron_omni._markup import THINK_CLOSE
from langchain_nemotron_omni.errors import ReasoningExhaustedWarning
from langchain_nemotron_omni.reasoning.split import (
    NewlineTrimmer,
    ThinkSplitter,
    trim_newlines,
)
from langchain_nemotron_omni.structured_output import (
    ParseTarget,
    StructuredOutputError,
    parse_json_answer,
)
from langchain_nemotron_omni.tools.chunks import (
    CONTENT_INDEX_BASE,
    REASONING_INDEX_BASE,
    ToolChunker,
    merge_parsed_calls,
    parse_if_needed,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from langchain_core.messages.tool import ToolCallChunk

REASONING_KEY = "reasoning_content"
MODEL_PROVIDER = "nemotron"


@dataclass(frozen=True)
class ShapeSettings:
    """What the shaper needs to know about the request that produced the response."""

    thinking: bool
    client_split: bool
    """The server has no reasoning parser: ``<think>`` markup arrives inside ``content``."""
    max_tokens: int | None
    reasoning_budget: int | None
    tools: tuple[Mapping[str, Any], ...] | None = None
    """Bound tools whose calls may arrive as XML text; ``None`` turns client parsing off."""
    parse_as: ParseTarget = None
    """Parse the answer as JSON (``"json"``) or into this Pydantic class, into ``parsed``."""
    continues: bool = False
    """First phase of a client-side budget: stopping at ``length`` is expected, a second
    request will continue, so the finish reason is held back and nothing is warned."""


def exhausted_message(settings: ShapeSettings) -> str:
    """The warning text for a thought that used the whole ``max_tokens``."""
    limit = (
        "the server's default max_tokens"
        if settings.max_tokens is None
        else (f"max_tokens={settings.max_tokens}")
    )
    budget = (
        "no reasoning_budget is set"
        if settings.reasoning_budget is None
        else f"reasoning_budget={settings.reasoning_budget}"
    )
    return (
        f"Nemotron spent all of {limit} on reasoning and wrote no answer ({budget}). "
        "Raise max_tokens, cap the thought with reasoning_budget=N (N well below "
        "max_tokens), or call with thinking=False."
    )


def shape_message(message: AIMessage, settings: ShapeSettings, finish_reason: str | None) -> None:
    """Fix up a whole (non-streamed) message in place."""
    reasoning = message.additional_kwargs.get(REASONING_KEY)
    content = message.content if isinstance(message.content, str) else None
    if content is not None:
        if settings.client_split or (reasoning is None and THINK_CLOSE in content):
            splitter = ThinkSplitter(start_in_reasoning=settings.thinking or reasoning is None)
            parts = [*splitter.feed(content), *splitter.flush()]
            split_reasoning = "".join(text for channel, text in parts if channel == "reasoning")
            content = "".join(text for channel, text in parts if channel == "content")
            if split_reasoning:
                reasoning = (reasoning or "") + split_reasoning
        if not settings.thinking and reasoning and not content.strip():
            # Thinking was off, so whatever the server labelled reasoning is the answer.
            content, reasoning = reasoning, None
        if settings.tools is not None:
            reasoning, content = _take_calls(message, settings.tools, reasoning, content)
        message.content = trim_newlines(content) or ""
    reasoning = trim_newlines(reasoning)
    if reasoning:
        message.additional_kwargs[REASONING_KEY] = reasoning
    else:
        message.additional_kwargs.pop(REASONING_KEY, None)
    message.response_metadata["model_provider"] = MODEL_PROVIDER
    if settings.parse_as is not None and (parsed := _try_parse(message.text, settings)):
        message.additional_kwargs["parsed"] = parsed
    if (
        not settings.continues
        and finish_reason == "length"
        and reasoning
        and not (isinstance(message.content, str) and message.content.strip())
        and not message.tool_calls
    ):
        message.response_metadata["reasoning_exhausted"] = True
        warnings.warn(exhausted_message(settings), ReasoningExhaustedWarning, stacklevel=4)


def _empty_chunk() -> ChatGenerationChunk:
    return ChatGenerationChunk(message=AIMessageChunk(content="", response_metadata={}))


def _tool_tail(
    tail: ChatGenerationChunk | None,
    reasoning: str,
    content: str,
    chunks: list[ToolCallChunk],
) -> ChatGenerationChunk:
    """A last chunk carrying what the tool parsers held back at the end of the stream."""
    previous = tail.message if tail is not None else None
    kwargs = dict(previous.additional_kwargs) if previous is not None else {}
    if reasoning:
        kwargs[REASONING_KEY] = str(kwargs.get(REASONING_KEY, "")) + reasoning
    text = (str(previous.content) if previous is not None else "") + content
    earlier = list(previous.tool_call_chunks) if isinstance(previous, AIMessageChunk) else []
    message = AIMessageChunk(
        content=text,
        additional_kwargs=kwargs,
        response_metadata={"model_provider": MODEL_PROVIDER},
        tool_call_chunks=[*earlier, *chunks],
    )
    return ChatGenerationChunk(message=message)


def _take_calls(
    message: AIMessage,
    tools: tuple[Mapping[str, Any], ...],
    reasoning: str | None,
    content: str,
) -> tuple[str | None, str]:
    """Move XML calls from the thought and the answer into the message's tool calls."""
    from_reasoning = parse_if_needed(reasoning or "", tools)
    from_content = parse_if_needed(content, tools)
    if from_reasoning is not None:
        reasoning = from_reasoning.content
    if from_content is not None:
        content = from_content.content
    merge_parsed_calls(message, *(p for p in (from_reasoning, from_content) if p is not None))
    return reasoning, content


def _try_parse(text: str, settings: ShapeSettings) -> Any:
    """The parsed answer, or ``None``: a bad answer is reported by the structured parser."""
    if not text.strip():
        return None
    try:
        return parse_json_answer(text, settings.parse_as)
    except StructuredOutputError:
        return None


class StreamShaper:
    """:func:`shape_message` for a stream, one chunk at a time, holding no more than needed."""

    def __init__(self, settings: ShapeSettings, *, continues: bool = False) -> None:
        """Start a stream shaped by ``settings``."""
        self.settings = settings
        self.continues = continues
        self._splitter = (
            ThinkSplitter(start_in_reasoning=settings.thinking) if settings.client_split else None
        )
        tools = settings.tools
        self._tool_chunkers = (
            None
            if tools is None
            else (
                ToolChunker(tools, REASONING_INDEX_BASE),
                ToolChunker(tools, CONTENT_INDEX_BASE),
            )
        )
        self._reasoning_trim = NewlineTrimmer()
        self._content_trim = NewlineTrimmer()
        self.finish_reason: str | None = None
        self.saw_content = False
        self.saw_reasoning = False
        self.saw_tool_calls = False
        self.reasoning_text: list[str] = []
        self.content_text: list[str] = []
        self.completion_tokens = 0

    def process(self, chunk: ChatGenerationChunk) -> ChatGenerationChunk:
        """Reshape one chunk (a chunk may come out with empty content)."""
        message = chunk.message
        if not isinstance(message, AIMessageChunk):
            return chunk
        kwargs = message.additional_kwargs
        reasoning_in = ""
        if REASONING_KEY in kwargs:
            kwargs = dict(kwargs)
            reasoning_in = kwargs.pop(REASONING_KEY) or ""
        content_in = message.content if isinstance(message.content, str) else ""
        reasoning, content = self._route(str(reasoning_in), content_in)
        generation_info = chunk.generation_info
        if generation_info and (reason := generation_info.get("finish_reason")):
            self.finish_reason = reason
            if self.continues and reason == "length":
                # Held back: merged stream metadata would concatenate "length" + "stop".
                generation_info = {k: v for k, v in generation_info.items() if k != "finish_reason"}
        if message.tool_call_chunks:
            self.saw_tool_calls = True
        if message.usage_metadata:
            self.completion_tokens += message.usage_metadata.get("output_tokens", 0)
        chunk.__dict__["generation_info"] = generation_info
        return self._emit(chunk, kwargs, reasoning, content)

    def _flush_tools(self, tail: ChatGenerationChunk | None) -> ChatGenerationChunk | None:
        assert self._tool_chunkers is not None  # noqa: S101 - only called when parsing
        reasoning_tools, content_tools = self._tool_chunkers
        reasoning, reasoning_chunks = reasoning_tools.finish()
        content, content_chunks = content_tools.finish()
        reasoning = self._reasoning_trim.feed(reasoning)
        content = self._content_trim.feed(content)
        chunks = [*reasoning_chunks, *content_chunks]
        if not (reasoning or content or chunks):
            return tail
        if chunks:
            self.saw_tool_calls = True
        return _tool_tail(tail, reasoning, content, chunks)

    def _route(self, reasoning: str, content: str) -> tuple[str, str]:
        if self._splitter is None:
            # SGLang can leak the end-of-thought token into content as a delta of its own.
            return reasoning, "" if content == THINK_CLOSE else content
        reasoning_parts: list[str] = [reasoning]
        content_parts: list[str] = []
        for channel, text in self._splitter.feed(content):
            (reasoning_parts if channel == "reasoning" else content_parts).append(text)
        return "".join(reasoning_parts), "".join(content_parts)

    def _tools_step(
        self, message: AIMessageChunk, reasoning: str, content: str
    ) -> tuple[AIMessageChunk | None, str, str]:
        """Route text through the tool parsers; a new message if calls came out."""
        if self._tool_chunkers is None:
            return None, reasoning, content
        reasoning_tools, content_tools = self._tool_chunkers
        found: list[ToolCallChunk] = []
        if reasoning:
            reasoning, calls = reasoning_tools.feed(reasoning)
            found += calls
        if content:
            content, calls = content_tools.feed(content)
            found += calls
        if not found:
            return None, reasoning, content
        self.saw_tool_calls = True
        replaced = AIMessageChunk(
            content="",
            additional_kwargs=message.additional_kwargs,
            response_metadata=message.response_metadata,
            tool_call_chunks=[*message.tool_call_chunks, *found],
            usage_metadata=message.usage_metadata,
            id=message.id,
            chunk_position=message.chunk_position,
        )
        return replaced, reasoning, content

    def _emit(
        self, chunk: ChatGenerationChunk, kwargs: dict[str, Any], reasoning: str, content: str
    ) -> ChatGenerationChunk:
        message = cast("AIMessageChunk", chunk.message)
        if reasoning and not self.settings.thinking:
            content, reasoning = reasoning + content, ""
        if self._tool_chunkers is not None:
            replaced, reasoning, content = self._tools_step(message, reasoning, content)
            if replaced is not None:
                message = replaced
                chunk = ChatGenerationChunk(message=message, generation_info=chunk.generation_info)
        # Most chunks carry only one of the two: skip the other trimmer.
        if reasoning:
            reasoning = self._reasoning_trim.feed(reasoning)
        if content:
            content = self._content_trim.feed(content)
        kwargs = self._record(message, kwargs, reasoning, content)
        # Edited in place, straight in the models' field storage: a new message or a
        # validated assignment per chunk would cost a pydantic validation on every token.
        fields = message.__dict__
        fields["content"] = content
        fields["additional_kwargs"] = kwargs
        if message.response_metadata.get("model_provider") != MODEL_PROVIDER:
            message.response_metadata["model_provider"] = MODEL_PROVIDER
        chunk.__dict__["text"] = content
        return chunk

    def _record(
        self, message: AIMessageChunk, kwargs: dict[str, Any], reasoning: str, content: str
    ) -> dict[str, Any]:
        """Note what was emitted; the message's kwargs with the reasoning put in."""
        if reasoning:
            if kwargs is message.additional_kwargs:
                kwargs = dict(kwargs)
            kwargs[REASONING_KEY] = reasoning
            self.saw_reasoning = True
            self.reasoning_text.append(reasoning)
        if content:
            self.content_text.append(content)
            if not self.saw_content and content.strip():
                self.saw_content = True
        return kwargs

    def finish(self) -> ChatGenerationChunk | None:
        """Flush held-back text and calls; warn if the thought ate the whole budget."""
        tail: ChatGenerationChunk | None = None
        reasoning = content = ""
        if self._splitter is not None:
            parts = self._splitter.flush()
            reasoning = "".join(t for c, t in parts if c == "reasoning")
            content = "".join(t for c, t in parts if c == "content")
        if reasoning or content:
            tail = self._emit(_empty_chunk(), {}, reasoning, content)
        if self._tool_chunkers is not None:
            tail = self._flush_tools(tail)
        if self.settings.parse_as is not None and not self.continues:
            parsed = _try_parse("".join(self.content_text), self.settings)
            if parsed is not None:
                if tail is None:
                    tail = self._emit(_empty_chunk(), {}, "", "")
                tail.message.additional_kwargs["parsed"] = parsed
        if (
            not self.continues
            and self.finish_reason == "length"
            and self.saw_reasoning
            and not self.saw_content
            and not self.saw_tool_calls
        ):
            warnings.warn(exhausted_message(self.settings), ReasoningExhaustedWarning, stacklevel=4)
        return tail
