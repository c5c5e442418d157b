"""A LangChain conversation written as fal's single-prompt request.

fal serves the model as two endpoints taking one ``prompt``, an optional ``system_prompt``, a
``reasoning_mode`` (``think`` / ``no_think``) and, for ``/video``, one ``video_url``. System
messages become the system prompt (with the tools block appended when tools are bound),
earlier turns a transcript above the last user message, tool calls and results in the
model's own format; what fal cannot take is refused before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_nemotron_omni.errors import NemotronOmniError

VIDEO_SUBPATH = "/video"


class FalInputError(NemotronOmniError):
    """The conversation holds something fal's single-prompt endpoints cannot take."""


@dataclass(frozen=True)
class FalRequest:
    """What to send: the endpoint path under the model id, and the input object."""

    subpath: str
    payload: dict[str, Any]


def _text_of(message: BaseMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    parts: list[str] = []
    for part in message.content:
        if isinstance(part, str):
            parts.append(part)
        elif part.get("type") == "text":
            parts.append(str(part.get("text", "")))
    return "".join(parts)


def _videos_of(message: BaseMessage, position: int) -> list[str]:
    """Video URLs in a message; any other media is refused (fal takes text and one video)."""
    if isinstance(message.content, str):
        return []
    videos: list[str] = []
    for part in message.content:
        if isinstance(part, str) or part.get("type") in {"text", "reasoning"}:
            continue
        kind = part.get("type")
        if kind == "video_url":
            video = part.get("video_url")
            url = video.get("url") if isinstance(video, Mapping) else video
            videos.append(str(url))
        elif kind == "video" and part.get("url"):
            videos.append(str(part["url"]))
        elif kind == "video" and part.get("base64"):
            mime = part.get("mime_type", "video/mp4")
            videos.append(f"data:{mime};base64,{part['base64']}")
        else:
            msg = (
                f"Message {position + 1} holds a {kind!r} part, but fal's Nemotron endpoints "
                "take text and one video only. Send images and audio through another provider "
                "(vllm, nim, nvidia, openrouter)."
            )
            raise FalInputError(msg)
    return videos


def _transcript_line(message: BaseMessage) -> str:
    if isinstance(message, HumanMessage):
        return f"User: {_text_of(message)}"
    if isinstance(message, ToolMessage):
        return f"<tool_response>\n{_text_of(message)}\n</tool_response>"
    if isinstance(message, AIMessage):
        return f"Assistant: {_text_of(message)}"
    return f"{message.type}: {_text_of(message)}"


def build_request(  # noqa: PLR0913 - each argument is one of fal's input fields
    messages: Sequence[BaseMessage],
    *,
    thinking: bool,
    max_tokens: int | None,
    temperature: float | None,
    top_p: float | None,
    tools_prompt: str | None = None,
    render_tool_calls: Callable[[AIMessage], str] | None = None,
) -> FalRequest:
    """Express a LangChain conversation as one fal request.

    System messages become ``system_prompt`` (with the tools block appended when tools are
    bound); earlier turns become a transcript above the last user message; one video goes
    to the ``/video`` endpoint as ``video_url``.

    Raises:
        FalInputError: More than one video, media fal cannot take, or no user message.
    """
    system = [_text_of(m) for m in messages if isinstance(m, SystemMessage)]
    turns = [m for m in messages if not isinstance(m, SystemMessage)]
    videos = [url for i, m in enumerate(messages) for url in _videos_of(m, i)]
    if len(videos) > 1:
        msg = (
            f"fal's video endpoint takes one video per request; this conversation has "
            f"{len(videos)}. Ask about one video at a time."
        )
        raise FalInputError(msg)
    if not turns:
        msg = "fal needs a user message to send as the prompt; the conversation has none."
        raise FalInputError(msg)
    lines = []
    for message in turns[:-1]:
        line = _transcript_line(message)
        if isinstance(message, AIMessage) and message.tool_calls and render_tool_calls:
            line = f"{line}\n{render_tool_calls(message)}".rstrip()
        lines.append(line)
    last = turns[-1]
    prompt = _text_of(last) if isinstance(last, HumanMessage) else _transcript_line(last)
    if lines:
        history = "\n\n".join(lines)
        prompt = f"Conversation so far:\n{history}\n\nUser: {prompt}"
    payload: dict[str, Any] = {
        "prompt": prompt,
        "reasoning_mode": "think" if thinking else "no_think",
    }
    system_prompt = "\n\n".join(part for part in (*system, tools_prompt or "") if part)
    if system_prompt:
        payload["system_prompt"] = system_prompt
    sampling = {"max_tokens": max_tokens, "temperature": temperature, "top_p": top_p}
    payload.update({key: value for key, value in sampling.items() if value is not None})
    if videos:
        payload["video_url"] = videos[0]
        return FalRequest(subpath=VIDEO_SUBPATH, payload=payload)
    return FalRequest(subpath="", payload=payload)
