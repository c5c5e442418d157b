"""The model side of a step: binding the protocol and the sampling, and reading the reply.

Sampling follows the model card and NVIDIA's harnesses for each thinking mode (thinking:
temperature 0.6, top_p 0.95; instruct: temperature 0.2, top_k 1). A run's settings override
each value; a value the chat model itself sets is kept when the settings leave it unset.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage

from langchain_nemotron_omni.agents.computer_use.pyautogui_protocol import plan_code_reply
from langchain_nemotron_omni.agents.computer_use.tool_protocol import plan_tool_calls, tools_for

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel, LanguageModelInput
    from langchain_core.messages import BaseMessage
    from langchain_core.runnables import Runnable

    from langchain_nemotron_omni.agents.computer_use.computer import EnvironmentKind
    from langchain_nemotron_omni.agents.computer_use.state import (
        ComputerUseSettings,
        PlannedAction,
        ProtocolName,
    )

SAMPLING: dict[bool, dict[str, float | int]] = {
    True: {"temperature": 0.6, "top_p": 0.95},
    False: {"temperature": 0.2, "top_k": 1},
}
"""The model card's sampling, by thinking mode."""


def thinking_of(model: BaseChatModel) -> bool:
    """Whether the model reasons before answering (``ChatNemotronOmni.thinking``; else yes)."""
    return bool(getattr(model, "thinking", True))


def sampling(model: BaseChatModel, settings: ComputerUseSettings) -> dict[str, Any]:
    """The sampling parameters to send: settings, else the model's own, else the card's."""
    chosen: dict[str, Any] = {}
    defaults = SAMPLING[thinking_of(model)]
    for name in ("temperature", "top_p", "top_k"):
        given = getattr(settings, name)
        if given is not None:
            chosen[name] = given
        elif getattr(model, name, None) is None and name in defaults:
            chosen[name] = defaults[name]
    return chosen


def prepare(
    model: BaseChatModel,
    kind: EnvironmentKind,
    protocol: ProtocolName,
    settings: ComputerUseSettings,
) -> Runnable[LanguageModelInput, BaseMessage]:
    """Bind the protocol's tools, the sampling, and (optionally) keeping previous thinking."""
    runnable: Runnable[LanguageModelInput, BaseMessage] = (
        model.bind_tools(tools_for(kind)) if protocol == "tools" else model
    )
    bound: dict[str, Any] = sampling(model, settings)
    spec = getattr(model, "spec", None)  # ChatNemotronOmni's provider entry
    if settings.keep_thinking and getattr(spec, "thinking_control", None) == "chat_template_kwargs":
        bound["extra_body"] = {"chat_template_kwargs": {"truncate_history_thinking": False}}
    return runnable.bind(**bound) if bound else runnable


def plan_reply(
    reply: BaseMessage, protocol: ProtocolName, kind: EnvironmentKind
) -> tuple[AIMessage, list[PlannedAction]]:
    """The reply as an ``AIMessage`` and its planned actions; never raises on its content."""
    if not isinstance(reply, AIMessage):
        reply = AIMessage(content=reply.content)
    try:
        plan = plan_tool_calls(reply, kind) if protocol == "tools" else plan_code_reply(reply)
    except Exception as exc:  # noqa: BLE001  # a reply must never crash the run
        error = f"the reply could not be read ({type(exc).__name__})"
        plan = [
            {"call_id": None, "tool": "reply", "action": None, "error": error, "summary": "reply"}
        ]
    return reply, plan
