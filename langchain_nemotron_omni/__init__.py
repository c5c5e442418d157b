"""LangChain integration for NVIDIA Nemotron 3 Nano Omni.

The chat model is imported on first use, so ``langchain_nemotron_omni.testing`` (the fake
server, standard library only) loads without pulling in LangChain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_nemotron_omni._lazy import lazy_attributes
from langchain_nemotron_omni._version import __version__
from langchain_nemotron_omni.errors import (
    MissingAPIKeyError,
    NemotronOmniError,
    ProviderNotSupportedError,
    ReasoningExhaustedWarning,
    UnknownProviderError,
)
from langchain_nemotron_omni.extras import MissingExtraError
from langchain_nemotron_omni.providers import PROVIDERS, ProviderSpec

if TYPE_CHECKING:
    from langchain_nemotron_omni.chat_models import ChatNemotronOmni

_LAZY = {"ChatNemotronOmni": "langchain_nemotron_omni.chat_models"}

__all__ = [
    "PROVIDERS",
    "ChatNemotronOmni",
    "MissingAPIKeyError",
    "MissingExtraError",
    "NemotronOmniError",
    "ProviderNotSupportedError",
    "ProviderSpec",
    "ReasoningExhaustedWarning",
    "UnknownProviderError",
    "__version__",
]


__getattr__ = lazy_attributes(__name__, _LAZY, globals())
