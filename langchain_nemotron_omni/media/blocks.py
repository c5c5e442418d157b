"""Helpers that build LangChain v1 content blocks from paths, bytes and URLs.

```python
from langchain_core.messages import HumanMessage
from langchain_nemotron_omni.media import audio, image, pdf, video

HumanMessage(content=[
    {"type": "text", "text": "What happens here, and what is said?"},
    video("clip.webm"),
    image(screenshot_bytes),
    pdf("report.pdf", pages="1-3"),
])
```

A local file becomes a ``file://`` reference (plus its sniffed MIME type), read only when the
request is prepared: a message history holding a 200 MB video stays small, and so do
LangGraph checkpoints. Bytes become base64 blocks; ``http(s)`` URLs stay URLs (never fetched).
"""

from __future__ import annotations

import base64
import mimetypes
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlparse

from langchain_nemotron_omni.media.errors import MediaSourceError, UnsupportedMediaError
from langchain_nemotron_omni.media.pdf import normalize_pages
from langchain_nemotron_omni.media.source import (
    LocalMedia,
    Source,
    file_url,
    is_remote_url,
    parse_data_uri,
    path_from_file_url,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_core.messages.content import (
        AudioContentBlock,
        ContentBlock,
        FileContentBlock,
        ImageContentBlock,
        VideoContentBlock,
    )

    from langchain_nemotron_omni.media.options import PageSelection
    from langchain_nemotron_omni.media.sniff import MediaKind, Sniffed

_HELPER = {"image": "image()", "video": "video()", "audio": "audio()", "pdf": "pdf()"}


def check_kind(sniffed: Sniffed, wanted: MediaKind, *, what: str) -> None:
    """Check that media sniffed as ``sniffed`` can go in a block for ``wanted``.

    Audio blocks also take video containers (the sound track is extracted).

    Raises:
        UnsupportedMediaError: The media is of another kind; the message names the helper
            or block type to use instead.
    """
    if sniffed.kind == wanted or (wanted == "audio" and sniffed.kind == "video"):
        return
    msg = (
        f"{what} is {sniffed.name} ({sniffed.mime_type}), not {_article(wanted)}. "
        f"Send it with {_HELPER[sniffed.kind]} "
        f"(a {'file' if sniffed.kind == 'pdf' else sniffed.kind} block) instead."
    )
    raise UnsupportedMediaError(msg)


def _article(kind: MediaKind) -> str:
    return {"image": "an image", "video": "a video", "audio": "audio", "pdf": "a PDF"}[kind]


def _local(source: bytes | str | os.PathLike[str], noun: str) -> tuple[LocalMedia, Path | None]:
    """The local media ``source`` names (bytes, a ``data:`` URI, a path or ``file://`` URL).

    Returns the media and, for a file, its resolved path.
    """
    if isinstance(source, bytes):
        return LocalMedia(f"the {noun} bytes", data=source), None
    text = os.fspath(source)
    if text[:5].lower() == "data:":
        what = f"the {noun} data URI"
        return LocalMedia(what, b64=parse_data_uri(text, what=what).b64), None
    if text[:7].lower() == "file://":
        path = path_from_file_url(text, what=text)
    else:
        path = Path(text).expanduser()
    path = path.resolve()
    return LocalMedia(f"'{path.name}'", path=path), path


def _build(
    block_type: str, kind: MediaKind, source: Source, mime_type: str | None, extras: dict[str, Any]
) -> dict[str, Any]:
    """The block for ``source``: URL, base64 or a ``file://`` reference."""
    out: dict[str, Any] = {"type": block_type}
    if isinstance(source, str) and is_remote_url(source):
        if kind == "pdf":
            msg = (
                f"PDF URLs are not fetched ({source}): the PDF has to be rendered here. "
                "Download it and pass the path or bytes to pdf()."
            )
            raise MediaSourceError(msg)
        out["url"] = source
        if mime_type:
            out["mime_type"] = mime_type
    elif isinstance(source, (bytes, str, os.PathLike)):
        media, path = _local(source, kind)
        check_kind(media.sniffed, kind, what=media.what)
        if path is not None:
            out["url"] = file_url(path)
            extras = {"filename": path.name, **extras}
        elif media.b64 is not None:
            out["base64"] = media.b64
        else:
            out["base64"] = base64.b64encode(media.read()).decode("ascii")
        out["mime_type"] = media.sniffed.mime_type
    else:
        msg = (
            f"{_HELPER[kind]} takes a path, bytes, or an http(s)/data/file URL, "
            f"not {type(source).__name__}."
        )
        raise MediaSourceError(msg)
    if extras:
        out["extras"] = extras
    return out


def block(source: Source, *, mime_type: str | None = None) -> ContentBlock:
    """The content block for media of any kind, by what it is: image, video, audio or PDF.

    Local media (a path, bytes, a ``data:`` or ``file://`` URL) is sniffed from its bytes. An
    ``http(s)`` URL is never fetched, so its kind comes from ``mime_type``, else from the
    extension in its path.

    Raises:
        MediaSourceError: The file does not exist, or an ``http(s)`` URL's kind cannot be told.
        UnknownMediaTypeError: The bytes are of no known media type.
    """
    if isinstance(source, str) and is_remote_url(source):
        guessed = mime_type or mimetypes.guess_type(urlparse(source).path)[0] or ""
        kind = _URL_KINDS.get(guessed.split("/")[0]) or _URL_KINDS.get(guessed)
        if kind is None:
            msg = (
                f"Cannot tell from {source} whether it is an image, a video or audio (URLs are "
                "not fetched). Pass mime_type=, or use image(), video() or audio()."
            )
            raise MediaSourceError(msg)
    elif isinstance(source, (bytes, str, os.PathLike)):
        kind = _local(source, "media")[0].sniffed.kind
    else:
        kind = "image"  # image() names the accepted sources in its error
    makers: dict[MediaKind, Callable[..., ContentBlock]] = {
        "image": image,
        "video": video,
        "audio": audio,
        "pdf": pdf,
    }
    if kind == "pdf":
        return pdf(source)
    return makers[kind](source, mime_type=mime_type)


_URL_KINDS: dict[str, MediaKind] = {
    "image": "image",
    "video": "video",
    "audio": "audio",
    "application/pdf": "pdf",
}


def image(source: Source, *, mime_type: str | None = None) -> ImageContentBlock:
    """An ``image`` content block.

    Args:
        source: A path, bytes, or an ``http(s)://``, ``data:`` or ``file://`` URL.
        mime_type: Only used for ``http(s)`` URLs (local media is sniffed from its bytes).

    Raises:
        MediaSourceError: The file does not exist or cannot be read.
        UnknownMediaTypeError: The bytes are of no known media type.
        UnsupportedMediaError: The bytes are a video, audio or PDF.
    """
    return cast("ImageContentBlock", _build("image", "image", source, mime_type, {}))


def video(source: Source, *, mime_type: str | None = None) -> VideoContentBlock:
    """A ``video`` content block (MP4, MOV, WebM, MKV, AVI; converted to MP4 if needed).

    Args:
        source: A path, bytes, or an ``http(s)://``, ``data:`` or ``file://`` URL.
        mime_type: Only used for ``http(s)`` URLs (local media is sniffed from its bytes).

    Raises:
        MediaSourceError: The file does not exist or cannot be read.
        UnknownMediaTypeError: The bytes are of no known media type.
        UnsupportedMediaError: The bytes are an image, audio or PDF.
    """
    return cast("VideoContentBlock", _build("video", "video", source, mime_type, {}))


def audio(source: Source, *, mime_type: str | None = None) -> AudioContentBlock:
    """An ``audio`` content block (WAV, MP3, FLAC, Ogg, AAC; or a video's sound track).

    Args:
        source: A path, bytes, or an ``http(s)://``, ``data:`` or ``file://`` URL.
        mime_type: Only used for ``http(s)`` URLs (local media is sniffed from its bytes).

    Raises:
        MediaSourceError: The file does not exist or cannot be read.
        UnknownMediaTypeError: The bytes are of no known media type.
        UnsupportedMediaError: The bytes are an image or PDF.
    """
    return cast("AudioContentBlock", _build("audio", "audio", source, mime_type, {}))


def pdf(
    source: str | os.PathLike[str] | bytes,
    *,
    pages: PageSelection | None = None,
    dpi: float | None = None,
    max_pixels: int | None = None,
    filename: str | None = None,
) -> FileContentBlock:
    """A ``file`` content block for a PDF, sent as one image per page.

    Args:
        source: A path, bytes, or a ``data:``/``file://`` URL (PDF URLs are not fetched).
        pages: 1-based pages to send: ``3``, ``[1, 2, 5]``, ``range(1, 4)`` or
            ``"1-3,5,8-"``; ``None`` for the ``MediaOptions`` default (all pages).
        dpi: Rendering resolution; ``None`` for the ``MediaOptions`` default (150).
        max_pixels: Pixel budget per page; ``None`` for the ``MediaOptions`` default.
        filename: A name for messages (defaults to the file's name).

    Raises:
        MediaSourceError: The file does not exist, or ``source`` is an ``http(s)`` URL.
        UnsupportedMediaError: The bytes are not a PDF.
    """
    extras: dict[str, Any] = {}
    if filename:
        extras["filename"] = filename
    if pages is not None:
        extras["pages"] = normalize_pages(pages)
    if dpi is not None:
        extras["dpi"] = dpi
    if max_pixels is not None:
        extras["max_pixels"] = max_pixels
    return cast("FileContentBlock", _build("file", "pdf", source, None, extras))
