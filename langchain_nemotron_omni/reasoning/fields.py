"""Where a response or a message carries the model's reasoning."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from langchain_core.messages import BaseMessage


def reasoning_of(fields: Mapping[str, Any]) -> str | None:
    """The reasoning text in a response message or stream delta, from either field name.

    vLLM renamed ``reasoning_content`` to ``reasoning`` (0.16) and sent both, with the same
    text, in between; SGLang and several hosted APIs use ``reasoning_content``. So whichever
    is non-empty is the thought, whoever the provider is.
    """
    value = fields.get("reasoning") or fields.get("reasoning_content")
    return value if isinstance(value, str) and value else None


def message_reasoning(message: BaseMessage) -> str | None:
    """The reasoning an assistant message carries, from either representation.

    ``additional_kwargs["reasoning_content"]`` (v0 output) or ``reasoning`` content blocks
    (v1 output, or messages built by hand).
    """
    value = message.additional_kwargs.get("reasoning_content")
    if isinstance(value, str) and value:
        return value
    if isinstance(message.content, list):
        parts = [
            block["reasoning"]
            for block in message.content
            if isinstance(block, dict)
            and block.get("type") == "reasoning"
            and isinstance(block.get("reasoning"), str)
        ]
        if parts:
            return "".join(parts)
    return None
