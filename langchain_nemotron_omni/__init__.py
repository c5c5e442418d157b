"""LangChain integration for NVIDIA Nemotron 3 Nano Omni."""

from langchain_nemotron_omni._version import __version__
from langchain_nemotron_omni.chat_models import ChatNemotronOmni
from langchain_nemotron_omni.errors import (
    MissingAPIKeyError,
    NemotronOmniError,
    ProviderNotSupportedError,
    ReasoningExhaustedWarning,
    UnknownProviderError,
)
from langchain_nemotron_omni.providers import PROVIDERS, ProviderSpec

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
