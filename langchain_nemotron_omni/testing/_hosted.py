"""Hosted APIs in front of a vLLM backend: what they change on the way in and out.

NVIDIA's API catalog and OpenRouter serve the model through their own front-ends. Those
translate their request fields into the backend's and rename fields in the answer; this module
does the same for the fake server, so a client is tested against each front-end's dialect.
Facts: NVIDIA's API reference for the model (list content only on user turns; a top-level
``reasoning_budget``, also read from ``chat_template_kwargs``), OpenRouter's reasoning-tokens
guide (``reasoning: {enabled, max_tokens}`` in, ``reasoning`` out).
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_nemotron_omni.testing._validation import RequestError

Hosted = Literal["nvidia", "openrouter"]
HOSTED: tuple[Hosted, ...] = ("nvidia", "openrouter")


def to_backend(body: dict[str, Any], hosted: Hosted | None) -> dict[str, Any]:
    """The request the front-end forwards to its vLLM backend (or its refusal)."""
    if hosted is None:
        return body
    forwarded = dict(body)
    ctk = dict(forwarded.get("chat_template_kwargs") or {})
    if hosted == "nvidia":
        for index, message in enumerate(forwarded.get("messages") or []):
            if message.get("role") in {"system", "assistant"} and isinstance(
                message.get("content"), list
            ):
                raise RequestError(
                    400,
                    f"messages[{index}]: for system and assistant roles, the object list "
                    "format is not supported.",
                )
        budget = forwarded.pop("reasoning_budget", None)
        budget = ctk.pop("reasoning_budget", budget)
        if isinstance(budget, int) and budget >= 0:
            forwarded["thinking_token_budget"] = budget
    else:
        reasoning = forwarded.pop("reasoning", None)
        if isinstance(reasoning, dict):
            if isinstance(reasoning.get("enabled"), bool):
                ctk["enable_thinking"] = reasoning["enabled"]
            if isinstance(reasoning.get("max_tokens"), int):
                forwarded["thinking_token_budget"] = reasoning["max_tokens"]
    if ctk:
        forwarded["chat_template_kwargs"] = ctk
    else:
        forwarded.pop("chat_template_kwargs", None)
    return forwarded


def to_client(fields: dict[str, Any], hosted: Hosted | None) -> dict[str, Any]:
    """A message or delta as the front-end passes it on (NVIDIA names it ``reasoning_content``)."""
    if hosted == "nvidia" and "reasoning" in fields:
        fields = dict(fields)
        fields["reasoning_content"] = fields.pop("reasoning")
    return fields
