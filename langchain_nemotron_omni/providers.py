"""Where Nemotron 3 Nano Omni is served, and how each place differs.

Every difference between servers that the chat model needs to know lives in this one table:
base URL, API-key variable, default model id, which history field the server reads reasoning
from, how thinking is switched and budgeted, and which media it takes. Facts and their
sources are in ``docs/wire-format.md``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from langchain_nemotron_omni.errors import (
    KeyDestinationError,
    MissingAPIKeyError,
    UnknownProviderError,
)

ProviderName = Literal["vllm", "sglang", "nim", "nvidia", "openrouter", "haimaker", "fal"]

ThinkingControl = Literal["chat_template_kwargs", "openrouter_reasoning"]
"""How a request switches thinking on or off.

``chat_template_kwargs``: ``chat_template_kwargs.enable_thinking`` (vLLM, SGLang, NIM, the
hosted API). ``openrouter_reasoning``: OpenRouter's unified ``reasoning.enabled``.
"""

BudgetControl = Literal["thinking_token_budget", "reasoning_budget", "openrouter_max_tokens"]
"""The server-side reasoning budget a provider understands.

``thinking_token_budget``: vLLM >= 0.19 request field. ``reasoning_budget``: the NVIDIA API
catalog's top-level field. ``openrouter_max_tokens``: OpenRouter's ``reasoning.max_tokens``.
A provider with none gets the client-side two-phase fallback.
"""

Modality = Literal["image", "video", "audio"]

Continuation = Literal["assistant_turn", "after_generation_prompt"]
"""How a server continues a final assistant message (``continue_final_message``).

``assistant_turn`` (vLLM, via ``transformers``): the template renders the message and the
text is cut right after its content, so the content carries the whole thought,
``<think>\n...\n</think>\n`` (an empty content would leave ``<|im_end|>`` in place).
``after_generation_prompt`` (SGLang): the message is dropped and its content appended after
the generation prompt, which already opens ``<think>\n``: the content starts inside the
thought."""

ReasoningSplit = Literal["server", "client", "detect"]
"""``server``: the provider always returns the thought in a field of its own (hosted APIs).
``client``: never (fal returns the raw text). ``detect``: a self-hosted server may or may
not run a reasoning parser; its replies tell."""

OMNI_MODEL_HF = "nvidia/Nemotron-3-Nano-Omni-30B-A3B-Reasoning-BF16"
OMNI_MODEL_CATALOG = "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning"


@dataclass(frozen=True)
class ProviderSpec:
    """What the chat model needs to know about one place that serves the model."""

    name: ProviderName
    base_url: str
    key_env: str | None
    """Environment variable holding the API key (``None``: no key needed)."""
    key_required: bool
    default_model: str
    reasoning_fields_out: tuple[str, ...]
    """Fields of an assistant history message the server reads reasoning from."""
    thinking_control: ThinkingControl
    budget_control: BudgetControl | None
    media: frozenset[Modality]
    openai_compatible: bool = True
    flatten_non_user_content: bool = False
    """The hosted API rejects list content on system and assistant messages."""
    continuation: Continuation = "assistant_turn"
    """How the client-side budget sends the cut-off thought back to be continued."""
    reasoning_split: ReasoningSplit = "detect"
    """Who separates the thought from the answer when ``reasoning_parser="auto"``."""


_ALL_MEDIA: frozenset[Modality] = frozenset({"image", "video", "audio"})

PROVIDERS: dict[ProviderName, ProviderSpec] = {
    "vllm": ProviderSpec(
        name="vllm",
        base_url="http://localhost:8000/v1",
        key_env="VLLM_API_KEY",
        key_required=False,
        default_model=OMNI_MODEL_HF,
        # History: 0.16-0.21 read only `reasoning`, <= 0.11 only `reasoning_content`, and
        # every version ignores the other key, so both are sent.
        reasoning_fields_out=("reasoning", "reasoning_content"),
        thinking_control="chat_template_kwargs",
        budget_control="thinking_token_budget",
        media=_ALL_MEDIA,
    ),
    "sglang": ProviderSpec(
        name="sglang",
        base_url="http://localhost:30000/v1",
        key_env="SGLANG_API_KEY",
        key_required=False,
        default_model=OMNI_MODEL_HF,
        reasoning_fields_out=("reasoning_content",),
        thinking_control="chat_template_kwargs",
        budget_control=None,
        media=_ALL_MEDIA,
        continuation="after_generation_prompt",
    ),
    "nim": ProviderSpec(
        name="nim",
        base_url="http://localhost:8000/v1",
        key_env="NIM_API_KEY",
        key_required=False,
        default_model=OMNI_MODEL_CATALOG,
        # Which name the NIM reads is not documented: send both.
        reasoning_fields_out=("reasoning", "reasoning_content"),
        thinking_control="chat_template_kwargs",
        budget_control="reasoning_budget",
        media=_ALL_MEDIA,
    ),
    "nvidia": ProviderSpec(
        name="nvidia",
        base_url="https://integrate.api.nvidia.com/v1",
        key_env="NVIDIA_API_KEY",
        key_required=True,
        default_model=OMNI_MODEL_CATALOG,
        reasoning_fields_out=("reasoning_content", "reasoning"),
        thinking_control="chat_template_kwargs",
        budget_control="reasoning_budget",
        media=_ALL_MEDIA,
        flatten_non_user_content=True,
        reasoning_split="server",
    ),
    "openrouter": ProviderSpec(
        name="openrouter",
        base_url="https://openrouter.ai/api/v1",
        key_env="OPENROUTER_API_KEY",
        key_required=True,
        default_model=OMNI_MODEL_CATALOG,
        reasoning_fields_out=("reasoning",),
        thinking_control="openrouter_reasoning",
        budget_control="openrouter_max_tokens",
        media=_ALL_MEDIA,
        reasoning_split="server",
    ),
    "haimaker": ProviderSpec(
        name="haimaker",
        base_url="https://api.haimaker.ai/v1",
        key_env="HAIMAKER_API_KEY",
        key_required=True,
        # haimaker lists the Omni checkpoint under this id.
        default_model="nvidia/nemotron-3-nano-30b-a3b",
        reasoning_fields_out=("reasoning_content",),
        thinking_control="chat_template_kwargs",
        budget_control=None,
        media=_ALL_MEDIA,
        reasoning_split="server",
    ),
    "fal": ProviderSpec(
        name="fal",
        base_url="https://queue.fal.run",
        key_env="FAL_KEY",
        key_required=True,
        default_model="nvidia/nemotron-3-nano-omni",
        reasoning_fields_out=(),
        thinking_control="chat_template_kwargs",
        budget_control=None,
        media=frozenset({"video"}),
        openai_compatible=False,
        reasoning_split="client",
    ),
}

# Checked in this order when no provider is given: the first variable that is set wins.
_ENV_PROVIDER_ORDER: tuple[tuple[str, ProviderName], ...] = (
    ("NVIDIA_API_KEY", "nvidia"),
    ("OPENROUTER_API_KEY", "openrouter"),
    ("HAIMAKER_API_KEY", "haimaker"),
    ("FAL_KEY", "fal"),
)

PROVIDER_ENV = "NEMOTRON_OMNI_PROVIDER"
BASE_URL_ENV = "NEMOTRON_OMNI_BASE_URL"


def get_provider(name: str) -> ProviderSpec:
    """Look a provider up by name, with an error that lists the valid names."""
    try:
        return PROVIDERS[name]  # type: ignore[index]
    except KeyError:
        valid = ", ".join(PROVIDERS)
        msg = f"Unknown provider {name!r}. Use one of: {valid}."
        raise UnknownProviderError(msg) from None


def resolve_provider(provider: str | None, *, base_url: str | None) -> ProviderSpec:
    """Pick the provider from an explicit name, a base URL, or the environment.

    Order: the ``provider`` argument; ``NEMOTRON_OMNI_PROVIDER``; an explicit base URL
    (argument or ``NEMOTRON_OMNI_BASE_URL``) means a self-hosted OpenAI-compatible server,
    taken as vLLM; then the first hosted-API key variable that is set (``NVIDIA_API_KEY``,
    ``OPENROUTER_API_KEY``, ``HAIMAKER_API_KEY``, ``FAL_KEY``); else a local vLLM.
    """
    if provider:
        return get_provider(provider)
    if env_provider := os.environ.get(PROVIDER_ENV):
        return get_provider(env_provider)
    if base_url or os.environ.get(BASE_URL_ENV):
        return PROVIDERS["vllm"]
    for variable, name in _ENV_PROVIDER_ORDER:
        if os.environ.get(variable):
            return PROVIDERS[name]
    return PROVIDERS["vllm"]


def _same_endpoint(url: str, own: str) -> bool:
    """Whether ``url`` is the provider's own base URL (scheme, host, port and path)."""
    a, b = urlsplit(url.strip()), urlsplit(own)
    return (
        a.scheme.lower() == b.scheme.lower()
        and (a.hostname or "").lower() == (b.hostname or "").lower()
        and (a.port or None) == (b.port or None)
        and a.path.rstrip("/") == b.path.rstrip("/")
    )


def connection_values(values: dict[str, Any]) -> dict[str, Any]:
    """Fill a chat model's constructor arguments: provider, base URL, model id, API key.

    A hosted provider's key is read from its variable only when it would go to that
    provider's own base URL: a key the environment holds for NVIDIA is never sent to
    another address because a ``base_url`` (or ``NEMOTRON_OMNI_BASE_URL``) points there.
    A key passed as ``api_key=`` goes wherever its owner sends it.

    Raises:
        MissingAPIKeyError: A hosted provider without a key.
        KeyDestinationError: Its key would leave for another address.
    """
    base_url = values.get("base_url") or values.get("openai_api_base")
    spec = resolve_provider(values.get("provider"), base_url=base_url)
    values["provider"] = spec.name
    base_url = base_url or os.environ.get(BASE_URL_ENV) or spec.base_url
    values["base_url"] = base_url
    if not (values.get("model") or values.get("model_name")):
        values["model"] = spec.default_model
    if values.get("api_key") is not None or values.get("openai_api_key") is not None:
        return values
    key = os.environ.get(spec.key_env) if spec.key_env else None
    if key is None and spec.key_required:
        msg = (
            f"provider={spec.name!r} needs an API key: set {spec.key_env} in the "
            "environment or pass api_key=..."
        )
        raise MissingAPIKeyError(msg)
    if key is not None and spec.key_required and not _same_endpoint(str(base_url), spec.base_url):
        msg = (
            f"{spec.key_env} is only sent to {spec.name}'s own endpoint ({spec.base_url}), "
            f"not to {base_url}. To use a key there, pass it explicitly: "
            f"ChatNemotronOmni(provider={spec.name!r}, base_url={str(base_url)!r}, api_key=...)."
        )
        raise KeyDestinationError(msg)
    # Local servers usually run without --api-key; the SDK still wants a value. Never fall
    # back to OPENAI_API_KEY: it must not leak to another server.
    values["api_key"] = key or "EMPTY"
    return values
