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
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

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
    from langchain_core.messages.content import (
        AudioContentBlock,
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


def _build(
    block_type: str, kind: MediaKind, source: Source, mime_type: str | None, extras: dict[str, Any]
) -> dict[str, Any]:
    """The block for ``source``: URL, base64 or a ``file://`` reference."""
    block: dict[str, Any] = {"type": block_type}
    if isinstance(source, bytes):
        what = f"the {kind} bytes"
        media = LocalMedia(what, data=source)
        check_kind(media.sniffed, kind, what=what)
        block |= {"base64": base64.b64encode(source).decode("ascii")}
        block["mime_type"] = media.sniffed.mime_type
    elif isinstance(source, str) and is_remote_url(source):
        if kind == "pdf":
            msg = (
                f"PDF URLs are not fetched ({source}): the PDF has to be rendered here. "
                "Download it and pass the path or bytes to pdf()."
            )
            raise MediaSourceError(msg)
        block["url"] = source
        if mime_type:
            block["mime_type"] = mime_type
    elif isinstance(source, str) and source[:5].lower() == "data:":
        what = f"the {kind} data URI"
        uri = parse_data_uri(source, what=what)
        media = LocalMedia(what, b64=uri.b64)
        check_kind(media.sniffed, kind, what=what)
        block |= {"base64": uri.b64, "mime_type": media.sniffed.mime_type}
    elif isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if text[:7].lower() == "file://":
            path = path_from_file_url(text, what=text)
        else:
            path = Path(text).expanduser()
        path = path.resolve()
        what = f"'{path.name}'"
        media = LocalMedia(what, path=path)
        check_kind(media.sniffed, kind, what=what)
        block |= {"url": file_url(path), "mime_type": media.sniffed.mime_type}
        extras = {"filename": path.name, **extras}
    else:
        msg = (
            f"{_HELPER[kind]} takes a path, bytes, or an http(s)/data/file URL, "
            f"not {type(source).__name__}."
        )
        raise MediaSourceError(msg)
    if extras:
        block["extras"] = extras
    return block


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
