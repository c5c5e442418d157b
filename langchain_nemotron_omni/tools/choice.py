"""Forced ``tool_choice``, enforced by the client.

vLLM's qwen3_coder parser ignores ``"required"`` and named tool choices, so the model may just
answer in text. The chat model checks each reply: if the forced call is missing it asks once
more with an explicit order, and gives up with a clear error after that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessageChunk, SystemMessage

from langchain_nemotron_omni.errors import ToolChoiceError

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage
    from langchain_core.outputs import ChatGenerationChunk


AUTO_TOOL_CHOICE_ERROR = '"auto" tool choice requires --enable-auto-tool-choice'


def forced_tool(tool_choice: object) -> str | None:
    """The tool a ``tool_choice`` forces: its name, ``"*"`` for any tool, else ``None``."""
    if tool_choice is True or (isinstance(tool_choice, str) and tool_choice in {"required", "any"}):
        return "*"
    if isinstance(tool_choice, Mapping):
        function = tool_choice.get("function")
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            return str(function["name"])
    return None


def force_instruction(forced: str) -> str:
    """The sentence that asks the model for the forced call."""
    if forced == "*":
        return "You must answer this turn by calling one of the tools above."
    return f"You must answer this turn by calling the tool `{forced}`."


def forced_by(kwargs: Mapping[str, Any]) -> str | None:
    """The tool a call forces (``"*"`` for any), when tools are bound."""
    return forced_tool(kwargs.get("tool_choice")) if kwargs.get("tools") else None


def insist(messages: list[BaseMessage], forced: str) -> list[BaseMessage]:
    """The conversation again, ending with an explicit order to make the forced call."""
    order = f"{force_instruction(forced)} Reply with the tool call only, not with text."
    return [*messages, SystemMessage(order)]


def chunk_calls(chunk: ChatGenerationChunk, forced: str) -> bool:
    """Whether a streamed chunk starts the forced call."""
    message = chunk.message
    if not isinstance(message, AIMessageChunk):
        return False
    return any(c.get("name") and forced in {"*", c.get("name")} for c in message.tool_call_chunks)


def tool_choice_error(forced: str, text: str, called: list[str | None]) -> ToolChoiceError:
    """The error for a model that would not make the forced call."""
    what = "any tool" if forced == "*" else f"the tool {forced!r}"
    names = [name for name in called if name]
    got = f"it called {names}" if names else f"it replied: {text[:500] or '(no text)'}"
    return ToolChoiceError(
        f"tool_choice forced {what}, but the model did not call it, even when asked twice; "
        f"{got}. Check that the tools suit the request, or use tool_choice='auto'."
    )
