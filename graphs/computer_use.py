"""Computer-use agent for a LangGraph server (``langgraph dev`` / LangGraph Platform).

Start a run with ``input={"task": "..."}`` and settings in the runtime context, e.g.
``context={"start_url": "https://example.com", "allowed_domains": ["example.com"],
"base_url": "http://localhost:8000/v1"}``. Risky actions stop at an interrupt; resume with
``command={"resume": {"approve": true}}`` or ``{"approve": false, "reason": "..."}``. Each run
starts its own headless Chromium (or Xvfb desktop with ``"environment": "desktop"``) and
stops it when the run ends. Screenshots go to the server's store; the state keeps references.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from langchain_nemotron_omni.agents.computer_use import (
    ComputerUseContext,
    PlaywrightBrowser,
    X11Desktop,
    create_computer_use_agent,
)
from langchain_nemotron_omni.chat_models import ChatNemotronOmni

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from langchain_nemotron_omni.agents.computer_use import Computer
    from langchain_nemotron_omni.providers import ProviderName


@dataclass(kw_only=True)
class Context(ComputerUseContext):
    """Per-run settings: the agent's (see ``ComputerUseContext``) plus the model endpoint.

    Unset endpoint fields fall back to the environment (``NEMOTRON_OMNI_BASE_URL``,
    ``NEMOTRON_OMNI_PROVIDER``, API keys), as ``ChatNemotronOmni`` does.

    Attributes:
        base_url: The OpenAI-compatible endpoint serving Nemotron 3 Nano Omni.
        model: The served model name.
        provider: ``vllm``, ``sglang``, ``nim``, ``nvidia``, ``openrouter`` or ``haimaker``.
        thinking: Let the model reason before acting.
    """

    base_url: str | None = None
    model: str | None = None
    provider: ProviderName | None = None
    thinking: bool = True


def make_model(context: ComputerUseContext) -> ChatNemotronOmni:
    """The run's chat model (one client per endpoint, shared across runs)."""
    if not isinstance(context, Context):
        context = Context()
    return _model(context.base_url, context.model, context.provider, context.thinking)


@lru_cache(maxsize=16)
def _model(
    base_url: str | None,
    model: str | None,
    provider: ProviderName | None,
    thinking: bool,  # noqa: FBT001
) -> ChatNemotronOmni:
    return ChatNemotronOmni(base_url=base_url, model=model, provider=provider, thinking=thinking)


def make_computer(context: ComputerUseContext) -> AbstractContextManager[Computer]:
    """A fresh environment for a run, started and stopped by the agent."""
    if context.environment == "desktop":
        return X11Desktop(size=(context.viewport_width or 1280, context.viewport_height or 800))
    return PlaywrightBrowser(
        viewport=(context.viewport_width or 1280, context.viewport_height or 720),
        allowed_domains=context.allowed_domains,
    )


graph = create_computer_use_agent(make_model, make_computer, context_schema=Context)
