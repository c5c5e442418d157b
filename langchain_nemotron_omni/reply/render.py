"""A shaped reply written out as LangChain wants it: one message, or a stream of chunks.

Streamed tool calls need care. LangChain aggregates a stream with ``+`` and then decides a
call's validity by parsing its arguments with its partial-JSON repair, which drops trailing
characters until the text parses: an "invalid" marker appended to the JSON would simply be
repaired away. So a streamed invalid call's arguments end with a closing bracket that does
not match (after closing a string left open), which that repair refuses outright, followed
by the reason in words: ``{"days": "abc"}  ] <invalid: get_weather: parameter 'days' ...>``.
:func:`split_invalid_args` takes such a text apart again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_nemotron_omni.reply.calls import CallClosed, CallOpened

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_core.messages import InvalidToolCall, ToolCall
    from langchain_core.messages.tool import ToolCallChunk

    from langchain_nemotron_omni.reply.calls import CallEvent
    from langchain_nemotron_omni.reply.shaper import Piece, ReplyShaper

REASONING_KEY: Final = "reasoning_content"
MODEL_PROVIDER: Final = "nemotron"
INVALID_MARK: Final = " <invalid: "


def _closer(text: str) -> str:
    """Three characters that make LangChain's partial-JSON repair give up on ``text``.

    The repair scans strings and brackets the same way this does, and returns nothing at
    the first closing bracket that matches no opener; ``json.loads`` fails there too. The
    closer always has three characters (padded), so the arguments can be taken back out.
    """
    in_string = escaped = False
    stack: list[str] = []
    for char in text:
        if in_string:
            if char == '"' and not escaped:
                in_string = False
            elif char == "\\":
                escaped = not escaped
            else:
                escaped = False
        elif char == '"':
            in_string, escaped = True, False
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]":
            if not stack or stack[-1] != char:
                return "  ]"  # already holds a bracket the repair refuses
            stack.pop()
    bracket = "}" if stack and stack[-1] == "]" else "]"
    if in_string:
        # Close the string first; an escape pending at the end takes the "x".
        return ('x"' if escaped else ' "') + bracket
    return "  " + bracket


def invalid_args(args_text: str, error: str) -> str:
    """The streamed arguments of an invalid call: stay invalid after LangChain aggregates."""
    return f"{args_text}{_closer(args_text)}{INVALID_MARK}{error}>"


def split_invalid_args(streamed: str) -> tuple[str, str] | None:
    """``(arguments, reason)`` of a streamed invalid call's arguments, else ``None``."""
    if not streamed.endswith(">"):
        return None
    at = streamed.find(INVALID_MARK)
    while at >= 0:
        args, closer = streamed[: at - 3], streamed[max(at - 3, 0) : at]
        if at >= 3 and _closer(args) == closer:  # noqa: PLR2004 - the closer's length
            return args, streamed[at + len(INVALID_MARK) : -1]
        at = streamed.find(INVALID_MARK, at + 1)
    return None


def call_chunks(calls: Sequence[CallEvent]) -> list[ToolCallChunk]:
    """Tool-call chunks for a piece's call events (one per call and piece)."""
    chunks: dict[int, ToolCallChunk] = {}
    for call in calls:
        if isinstance(call, CallOpened):
            chunks[call.index] = tool_call_chunk(
                name=call.name or "", args="", id=call.id, index=call.index
            )
            continue
        args = call.args_text if call.error is None else invalid_args(call.args_text, call.error)
        opened = chunks.get(call.index)
        if opened is not None:
            opened["args"] = args
        else:
            chunks[call.index] = tool_call_chunk(name=None, args=args, id=None, index=call.index)
    return list(chunks.values())


def _hold_finish(shaper: ReplyShaper, finish: str) -> bool:
    """Whether a streamed finish reason waits for the tail chunk (which then says it).

    ``length`` in the first phase of a budget is not final (a second request continues, and
    LangChain would concatenate the two reasons). ``tool_calls`` under a ``max_tokens`` may
    be a cut reply (vLLM 0.20 says ``tool_calls`` for a reply cut inside a call), and the
    token count that tells comes in a later chunk.
    """
    if finish == "length":
        return shaper.settings.continues
    if finish == "tool_calls" and shaper.settings.max_tokens is not None:
        shaper.finish_held = True
        return True
    return False


def tail_chunk(
    piece: Piece, *, exhausted: bool, finish_reason: str | None = None
) -> ChatGenerationChunk | None:
    """The last chunk of a stream: what the end of the reply released, if anything.

    ``finish_reason`` is the reason held back from the server's chunk, if one was.
    """
    shown = piece.reasoning or piece.content or piece.calls or piece.parsed is not None
    if not (shown or exhausted or finish_reason):
        return None  # the usual end: everything was shown already
    kwargs: dict[str, Any] = {}
    if piece.reasoning:
        kwargs[REASONING_KEY] = piece.reasoning
    if piece.parsed is not None:
        kwargs["parsed"] = piece.parsed
    metadata: dict[str, Any] = {"model_provider": MODEL_PROVIDER}
    if exhausted:
        metadata["reasoning_exhausted"] = True
    message = AIMessageChunk(
        content=piece.content,
        additional_kwargs=kwargs,
        response_metadata=metadata,
        tool_call_chunks=call_chunks(piece.calls),
    )
    info = {"finish_reason": finish_reason} if finish_reason else None
    return ChatGenerationChunk(message=message, generation_info=info)


def fill_message(message: AIMessage, pieces: list[Piece], *, exhausted: bool) -> None:
    """Write a whole reply's shaped pieces into its message, in place.

    Straight into the fields' storage, as for stream chunks: a pydantic assignment per field
    costs more than the rest of the shaping of a short reply.
    """
    fields = message.__dict__
    fields["content"] = "".join(piece.content for piece in pieces)
    reasoning = "".join(piece.reasoning for piece in pieces)
    kwargs = message.additional_kwargs
    kwargs.pop("tool_calls", None)
    if reasoning:
        kwargs[REASONING_KEY] = reasoning
    else:
        kwargs.pop(REASONING_KEY, None)
    # Calls in the order they were opened, as a stream aggregated with "+" lists them.
    calls: dict[int, list[CallOpened | CallClosed | None]] = {}
    for piece in pieces:
        if piece.parsed is not None:
            kwargs["parsed"] = piece.parsed
        for call in piece.calls:
            slot = calls.setdefault(call.index, [None, None])
            slot[0 if isinstance(call, CallOpened) else 1] = call
    valid: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for opened, closed in calls.values():
        if isinstance(closed, CallClosed):
            _add_call(opened if isinstance(opened, CallOpened) else None, closed, valid, invalid)
    fields["tool_calls"] = valid
    fields["invalid_tool_calls"] = invalid
    message.response_metadata["model_provider"] = MODEL_PROVIDER
    if exhausted:
        message.response_metadata["reasoning_exhausted"] = True


def _add_call(
    opened: CallOpened | None,
    call: CallClosed,
    valid: list[ToolCall],
    invalid: list[InvalidToolCall],
) -> None:
    name = opened.name if opened is not None else None
    call_id = opened.id if opened is not None else None
    if call.error is None and call.args is not None and name:
        valid.append(tool_call(name=name, args=call.args, id=call_id))
    else:
        error = call.error or f"{name or 'tool call'}: the call has no function name"
        invalid.append(invalid_tool_call(name=name, args=call.args_text, id=call_id, error=error))


def shape_chunk(shaper: ReplyShaper, chunk: ChatGenerationChunk) -> ChatGenerationChunk | None:
    """Shape one streamed chunk in place; ``None`` when nothing is left to show.

    The chunk is edited straight in the models' field storage: a new message or a validated
    assignment per chunk would cost a pydantic validation on every token.
    """
    message = chunk.message
    if not isinstance(message, AIMessageChunk):
        return chunk
    # The chunk's own dict, made for it by the parent: taken apart in place.
    kwargs = message.additional_kwargs
    content = message.content
    if (
        chunk.generation_info is None  # no finish reason
        and message.usage_metadata is None
        and "tool_calls" not in kwargs
        and isinstance(content, str)
        and shaper.takes_as_is(kwargs.get(REASONING_KEY) or "", content)
    ):
        message.response_metadata["model_provider"] = MODEL_PROVIDER
        return chunk if content or REASONING_KEY in kwargs else None
    reasoning_in: str = ""
    server_calls = None
    if kwargs:
        reasoning_in = kwargs.pop(REASONING_KEY, None) or ""
        server_calls = kwargs.pop("tool_calls", None)
    info = chunk.generation_info
    finish = info.get("finish_reason") if info else None
    usage = message.usage_metadata
    if finish or usage:
        shaper.note(finish, usage["output_tokens"] if usage else None)
    piece = shaper.feed(reasoning_in, content if isinstance(content, str) else "", server_calls)
    if finish and _hold_finish(shaper, finish):
        info = {key: value for key, value in (info or {}).items() if key != "finish_reason"}
        chunk.__dict__["generation_info"] = info = info or None
    if piece.reasoning:
        kwargs[REASONING_KEY] = piece.reasoning
    message.response_metadata["model_provider"] = MODEL_PROVIDER
    if piece.content != content:
        message.__dict__["content"] = piece.content
        chunk.__dict__["text"] = piece.content
    if piece.calls or message.tool_call_chunks:  # the server's own: replaced by the checked
        message.__dict__["tool_call_chunks"] = call_chunks(piece.calls)
    if piece.content or piece.reasoning or piece.calls or usage or info:
        return chunk
    return None


def shape_result(shaper: ReplyShaper, result: ChatResult) -> ChatResult:
    """Shape a whole reply in place: one chunk's worth of text, then the end."""
    generation = result.generations[0]
    message = generation.message
    if not isinstance(message, AIMessage):
        return result
    kwargs = message.additional_kwargs
    reasoning_in = kwargs.pop(REASONING_KEY, None) or ""
    server_calls = kwargs.pop("tool_calls", None)
    usage = message.usage_metadata
    info = generation.generation_info
    shaper.note((info or {}).get("finish_reason"), usage["output_tokens"] if usage else None)
    if info and shaper.truncated and not shaper.settings.continues:
        info["finish_reason"] = "length"  # as a stream of it says (see _hold_finish)
    content = message.content if isinstance(message.content, str) else ""
    pieces = [shaper.feed(reasoning_in, content, server_calls), shaper.finish()]
    fill_message(message, pieces, exhausted=shaper.exhausted and not shaper.settings.continues)
    return result
