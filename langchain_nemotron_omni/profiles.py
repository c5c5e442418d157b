"""Model profiles (LangChain ``ModelProfile``) for every id this model is served under.

``langchain.agents.create_agent`` reads ``structured_output`` to pick provider-native JSON
schema output, and summarization middleware reads ``max_input_tokens``, so these numbers
matter. They are generated the way LangChain's partner packages generate theirs: the
augmentation file ``data/profile_augmentations.toml`` (each figure with its source) goes
through LangChain's profile tool into ``data/_profiles.py`` (``scripts/profiles``).
``docs/profiles.md`` lists the figures, their sources, and where NVIDIA's own package differs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from langchain_nemotron_omni.data._profiles import _PROFILES

if TYPE_CHECKING:
    from langchain_core.language_models.model_profile import ModelProfile, ModelProfileRegistry

PROFILES = cast("ModelProfileRegistry", _PROFILES)
"""Every known id (lower case), and ``provider:id`` where a provider gives an id its own meaning."""

_OMNI_FALLBACK = "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning-bf16"


def get_profile(model: str, *, provider: str | None = None) -> ModelProfile | None:
    """The profile for a model id, matched case-insensitively; ``None`` if unknown.

    A provider that gives an id its own meaning is looked up first (haimaker lists the Omni
    checkpoint under the text model's id). Another id naming Nemotron Omni (a served name of
    one's own, a new quantization) gets the self-hosted Omni profile.
    """
    key = model.lower()
    profile = PROFILES.get(f"{provider}:{key}") if provider else None
    if profile is None:
        profile = PROFILES.get(key)
    if profile is None and "omni" in key and "nemotron" in key:
        profile = PROFILES[_OMNI_FALLBACK]
    return None if profile is None else cast("ModelProfile", dict(profile))
