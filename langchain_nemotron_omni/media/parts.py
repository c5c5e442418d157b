"""Reading media out of message content: LangChain data blocks and OpenAI-style parts alike.

:func:`parse_part` recognises a media block or part, whatever its shape, as a
:class:`MediaItem`; :func:`local_media` resolves the bytes of one that is not a remote URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from langchain_nemotron_omni.media.errors import MediaSourceError
from langchain_nemotron_omni.media.source import LocalMedia, parse_data_uri, path_from_file_url

if TYPE_CHECKING:
    from langchain_nemotron_omni.media.access import FileAccess

BlockKind = Literal["image", "video", "audio", "file"]
_RAW_PARTS: dict[str, BlockKind] = {
    "image_url": "image",
    "video_url": "video",
    "audio_url": "audio",
    "input_audio": "audio",
}
# input_audio formats, and vLLM's data:audio/<format> reading of them.
_AUDIO_FORMAT_MIME = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "mpeg": "audio/mpeg",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "aac": "audio/aac",
}


@dataclass
class MediaItem:
    """A media block or part, whatever its shape."""

    kind: BlockKind
    what: str
    url: str | None = None
    b64: str | None = None
    mime_type: str | None = None
    file_id: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    part_keys: dict[str, Any] = field(default_factory=dict)
    """Keys kept from a raw part (``uuid``...)."""
    inner_keys: dict[str, Any] = field(default_factory=dict)
    """Keys kept from a raw part's inner object (``detail``...)."""
    raw: bool = False
    """Given as an OpenAI-style part (the server's own format) rather than a block."""
    malformed: str | None = None
    """The part type, when the part lacks the fields its type needs."""


def _filename(part: Mapping[str, Any]) -> str | None:
    for holder in (part, part.get("extras") or {}, part.get("metadata") or {}):
        name = holder.get("filename") if isinstance(holder, Mapping) else None
        if isinstance(name, str) and name:
            return name
    return None


def _parse_block(part: Mapping[str, Any]) -> MediaItem | None:
    """A v1 or v0 data block (``image``/``video``/``audio``/``file``), or ``None``."""
    kind: BlockKind = part["type"]
    extras = part.get("extras") if isinstance(part.get("extras"), dict) else {}
    item = MediaItem(kind, "", extras=dict(extras or {}), mime_type=part.get("mime_type"))
    source_type = part.get("source_type")
    if source_type is not None:  # v0 blocks
        if source_type == "url":
            item.url = part.get("url")
        elif source_type == "base64":
            item.b64 = part.get("data")
        elif source_type == "id":
            item.file_id = part.get("id")
        else:
            return None  # e.g. plain-text file blocks: LangChain's to handle
    elif any(key in part for key in ("url", "base64", "file_id")):
        item.url, item.b64, item.file_id = part.get("url"), part.get("base64"), part.get("file_id")
    else:
        return None
    if not all(isinstance(v, str | None) for v in (item.url, item.b64, item.file_id)):
        item.malformed = f"{kind} block"
    return item


def _parse_raw(part_type: str, part: Mapping[str, Any]) -> MediaItem | None:
    """An OpenAI-style ``image_url``/``video_url``/``audio_url``/``input_audio`` part."""
    kind = _RAW_PARTS[part_type]
    keep = {k: v for k, v in part.items() if k not in {"type", part_type}}
    value = part.get(part_type)
    if part_type == "input_audio":
        if not isinstance(value, Mapping) or not isinstance(value.get("data"), str):
            return MediaItem(kind, "", malformed="input_audio")
        fmt = str(value.get("format", "")).lower()
        mime = _AUDIO_FORMAT_MIME.get(fmt)
        return MediaItem(kind, "", b64=value["data"], mime_type=mime, part_keys=keep, raw=True)
    url = value.get("url") if isinstance(value, Mapping) else value
    inner = {k: v for k, v in value.items() if k != "url"} if isinstance(value, Mapping) else {}
    if url is None and "uuid" in part:
        return None  # a media item vLLM already holds, referenced by uuid alone
    if not isinstance(url, str):
        return MediaItem(kind, "", malformed=part_type)
    return MediaItem(kind, "", url=url, part_keys=keep, inner_keys=inner, raw=True)


def parse_part(part: object) -> MediaItem | None:
    """The media item in a content part, or ``None`` for text and anything else."""
    if not isinstance(part, Mapping):
        return None
    part_type = part.get("type")
    if part_type is None:  # vLLM infers {"image_url": ...} without a type
        part_type = next((key for key in part if key in _RAW_PARTS), None)
    if part_type in {"image", "video", "audio", "file"}:
        item = _parse_block(part)
    elif part_type in _RAW_PARTS:
        item = _parse_raw(part_type, part)
    else:
        return None
    if item is not None:
        name = _filename(part)
        if name is None and isinstance(item.url, str) and item.url[:7].lower() == "file://":
            name = item.url.rstrip("/").rsplit("/", 1)[-1]
        if name:
            item.extras.setdefault("filename", name)
    return item


def local_media(item: MediaItem, access: FileAccess) -> LocalMedia:
    """The local media an item points at (``data:``/``file://`` URL or base64).

    A ``file://`` URL is only followed where ``access`` allows (message content may come
    from a remote caller).

    Raises:
        MediaSourceError: Another URL scheme, or no source at all.
        LocalFileRefusedError: A ``file://`` URL ``access`` does not allow.
    """
    what = item.what
    if item.url is not None:
        url = item.url
        if url[:5].lower() == "data:":
            uri = parse_data_uri(url, what=what)
            return LocalMedia(what, b64=uri.b64)
        if url[:7].lower() == "file://":
            return LocalMedia(
                what, path=access.check(path_from_file_url(url, what=what), what=what)
            )
        msg = (
            f"{what} has URL {url[:80]!r}, which is neither http(s), data: nor file://. "
            "Use langchain_nemotron_omni.media.image()/video()/audio()/pdf() with a path, "
            "or a file:// URL."
        )
        raise MediaSourceError(msg)
    if isinstance(item.b64, str) and item.b64:
        b64 = item.b64
        if b64[:5].lower() == "data:":  # a data URI where plain base64 belongs
            b64 = parse_data_uri(b64, what=what).b64
        return LocalMedia(what, b64=b64)
    msg = f"{what} has no url, base64 or file_id to read the media from."
    raise MediaSourceError(msg)
