"""LangChain integration for NVIDIA Nemotron 3 Nano Omni.

The chat model is imported on first use, so ``langchain_nemotron_omni.testing`` (the fake
server, standard library only) loads without pulling in LangChain.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from langchain_nemotron_omni._version import __version__
from langchain_nemotron_omni.errors import (
    MissingAPIKeyError,
    NemotronOmniError,
    ProviderNotSupportedError,
    ReasoningExhaustedWarning,
    UnknownProviderError,
)
from langchain_nemotron_omni.providers import PROVIDERS, ProviderSpec

if TYPE_CHECKING:
    from langchain_nemotron_omni.chat_models import ChatNemotronOmni

_LAZY = {"ChatNemotronOmni": "langchain_nemotron_omni.chat_models"}

__all__ = [
    "PROVIDERS",
    "ChatNemotronOmni",
    "MissingAPIKeyError",
    "NemotronOmniError",
    "ProviderNotSupportedError",
    "ProviderSpec",
    "ReasoningExhaustedWarning",
    "UnknownProviderError",
    "__version__",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
