"""Model profiles (LangChain ``ModelProfile``) for every id this model is served under.

``langchain.agents.create_agent`` reads ``structured_output`` to pick provider-native JSON
schema output, and summarization middleware reads ``max_input_tokens``, so these numbers
matter. Sources: NVIDIA's model card and API catalog (256k context, 65,536 output tokens on
the hosted API), OpenRouter's listing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from langchain_core.language_models.model_profile import ModelProfile

_OMNI: ModelProfile = {
    "name": "Nemotron 3 Nano Omni",
    "release_date": "2026-04-28",
    "last_updated": "2026-04-28",
    "open_weights": True,
    "max_input_tokens": 262144,
    "max_output_tokens": 65536,
    "text_inputs": True,
    "image_inputs": True,
    "image_url_inputs": True,
    "audio_inputs": True,
    "video_inputs": True,
    "pdf_inputs": True,
    "image_tool_message": True,
    "pdf_tool_message": True,
    "text_outputs": True,
    "reasoning_output": True,
    "tool_calling": True,
    "tool_choice": True,
    "tool_call_streaming": True,
    "structured_output": True,
    "temperature": True,
}

_NANO_TEXT: ModelProfile = {
    **_OMNI,
    "name": "Nemotron 3 Nano",
    "release_date": "2025-12-15",
    "last_updated": "2025-12-15",
    "image_inputs": False,
    "image_url_inputs": False,
    "audio_inputs": False,
    "video_inputs": False,
    "pdf_inputs": False,
    "image_tool_message": False,
    "pdf_tool_message": False,
}

_OMNI_IDS = (
    "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning",
    "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning-bf16",
    "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning-fp8",
    "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning-nvfp4",
    "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning:free",
    "nvidia/nemotron-3-nano-omni",
    "nemotron",
)
_TEXT_IDS = (
    "nvidia/nemotron-3-nano-30b-a3b",
    "nvidia/nvidia-nemotron-3-nano-30b-a3b-bf16",
    "nvidia/nvidia-nemotron-3-nano-30b-a3b-fp8",
)

PROFILES: dict[str, ModelProfile] = {
    **dict.fromkeys(_OMNI_IDS, _OMNI),
    **dict.fromkeys(_TEXT_IDS, _NANO_TEXT),
}


def get_profile(model: str, *, provider: str | None = None) -> ModelProfile | None:
    """The profile for a model id, matched case-insensitively; ``None`` if unknown.

    haimaker lists the Omni checkpoint under the text model's id, so for that provider the
    id maps to the Omni profile.
    """
    key = model.lower()
    if provider == "haimaker" and key == "nvidia/nemotron-3-nano-30b-a3b":
        return cast("ModelProfile", dict(_OMNI))
    profile = PROFILES.get(key)
    if profile is None and "omni" in key and "nemotron" in key:
        profile = _OMNI
    return None if profile is None else cast("ModelProfile", dict(profile))
