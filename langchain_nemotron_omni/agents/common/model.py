"""How both agents are given their chat model."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias, TypeVar

from langchain_core.language_models import BaseChatModel

from langchain_nemotron_omni.agents.common.settings import AgentSettings

S = TypeVar("S", bound=AgentSettings)

ModelSource: TypeAlias = BaseChatModel | Callable[[S], BaseChatModel]
"""A chat model, or a function building one from a run's settings.

A function is called once per run with the run's resolved settings (its ``endpoint`` and
``model`` among them), so a served graph can pick the endpoint a run asked for; it should
return the same instance for the same settings (cache it) so HTTP connections are pooled.
"""


def model_for(source: BaseChatModel | Callable[[S], BaseChatModel], settings: S) -> BaseChatModel:
    """The chat model a run uses.

    Raises:
        TypeError: The factory returned something that is not a chat model.
    """
    if isinstance(source, BaseChatModel):
        return source
    model = source(settings)
    if not isinstance(model, BaseChatModel):
        msg = f"the model factory returned {type(model).__name__}, not a chat model"
        raise TypeError(msg)
    return model
