"""What each provider accepts as media: formats, part shapes, limits.

Sources: vLLM 0.20 (``MM_PARSER_MAP``, ``MediaConnector``), the NVIDIA API catalog reference
for ``nvidia/nemotron-3-nano-omni-30b-a3b-reasoning`` (PNG/JPEG/WebP images, MP4/MOV/WebM
video, WAV/MP3 audio, NVCF assets above 200 KB), OpenRouter's multimodal docs (audio only as
base64 ``input_audio``), fal's 2-minute video cap and the model card (video <= 2 min, audio
<= 1 h). See ``docs/wire-format.md``, section 3 (Media).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AudioPart = Literal["audio_url", "input_audio"]

MODEL_CARD_VIDEO_SECONDS = 120.0
MODEL_CARD_AUDIO_SECONDS = 3600.0

_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif"})
_VIDEOS = frozenset({"video/mp4"})
_AUDIO = frozenset({"audio/wav", "audio/mpeg", "audio/flac"})


@dataclass(frozen=True)
class MediaRules:
    """One provider's media rules.

    Attributes:
        image_types: Image MIME types sent as they are; others are converted to PNG.
        video_types: Video MIME types sent as they are; others are converted to MP4.
        audio_types: Audio MIME types sent as they are; others are converted to WAV.
        audio_part: ``audio_url`` (vLLM, SGLang, NIM, the hosted API) or ``input_audio``.
        audio_urls: Whether remote (``http(s)``) audio URLs are accepted.
        uuid: Whether parts get vLLM's ``uuid`` media-cache key by default.
        local_files: Whether ``file://`` URLs can work (a self-hosted server that sees the
            client's disk).
        soft_item_bytes: Size of one item as sent above which the provider recommends another
            route (warned, or an error with ``strict_limits``).
        soft_item_fix: The recommended route, for the message.
        max_video_seconds: A hard cap on video length, if the provider enforces one.
    """

    image_types: frozenset[str] = _IMAGES
    video_types: frozenset[str] = _VIDEOS
    audio_types: frozenset[str] = _AUDIO
    audio_part: AudioPart = "audio_url"
    audio_urls: bool = True
    uuid: bool = False
    local_files: bool = False
    soft_item_bytes: int | None = None
    soft_item_fix: str = ""
    max_video_seconds: float | None = None


_SELF_HOSTED = MediaRules(local_files=True)

RULES: dict[str, MediaRules] = {
    "vllm": MediaRules(uuid=True, local_files=True),
    "sglang": _SELF_HOSTED,
    "nim": _SELF_HOSTED,
    "nvidia": MediaRules(
        image_types=frozenset({"image/png", "image/jpeg", "image/webp"}),
        video_types=frozenset({"video/mp4", "video/quicktime", "video/webm"}),
        audio_types=frozenset({"audio/wav", "audio/mpeg"}),
        soft_item_bytes=200_000,
        soft_item_fix=(
            "NVIDIA's API catalog asks for media over 200 KB to be uploaded as an NVCF asset; "
            "send a smaller file (downscale or trim it), or self-host the model"
        ),
    ),
    "openrouter": MediaRules(
        image_types=frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"}),
        audio_part="input_audio",
        audio_urls=False,
    ),
    "haimaker": MediaRules(),
    "fal": MediaRules(max_video_seconds=120.0),
}


def rules_for(provider_name: str) -> MediaRules:
    """The media rules of a provider; a self-hosted vLLM-like server for unknown names."""
    return RULES.get(provider_name, _SELF_HOSTED)
