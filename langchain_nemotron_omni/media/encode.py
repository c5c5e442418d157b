"""Base64 ``data:`` URLs built with as few copies as Python allows.

A data URL must end up as one ``str`` for the JSON body. Encoding a file chunk by chunk into
a buffer of the final size, then decoding that buffer once, peaks at about 2.7x the file
size (buffer + string) instead of the ~4x of ``read()`` + ``b64encode()`` + concatenation.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from langchain_nemotron_omni.media.errors import MediaSourceError

if TYPE_CHECKING:
    from io import BufferedReader
    from pathlib import Path

# A multiple of 3, so each chunk encodes to whole base64 quanta with no padding in between.
_CHUNK = 3 * 1024 * 1024


def encoded_length(size: int) -> int:
    """Length of the base64 text of ``size`` bytes."""
    return (size + 2) // 3 * 4


def data_url_prefix(mime_type: str) -> str:
    """``data:<mime>;base64,``."""
    return f"data:{mime_type};base64,"


def data_url_from_bytes(data: bytes | memoryview, mime_type: str) -> str:
    """A base64 data URL of in-memory bytes."""
    view = memoryview(data)
    prefix = data_url_prefix(mime_type).encode("ascii")
    out = bytearray(len(prefix) + encoded_length(len(view)))
    out[: len(prefix)] = prefix
    pos = len(prefix)
    for start in range(0, len(view), _CHUNK):
        encoded = base64.b64encode(view[start : start + _CHUNK])
        out[pos : pos + len(encoded)] = encoded
        pos += len(encoded)
    return out.decode("ascii")


def data_url_from_b64(b64: str, mime_type: str) -> str:
    """A data URL around base64 text that is already clean."""
    return data_url_prefix(mime_type) + b64


def data_url_from_file(path: Path, mime_type: str, *, what: str) -> str:
    """A base64 data URL of a file, read in chunks.

    Raises:
        MediaSourceError: The file changed size while it was read.
    """
    size = path.stat().st_size
    prefix = data_url_prefix(mime_type).encode("ascii")
    out = bytearray(len(prefix) + encoded_length(size))
    out[: len(prefix)] = prefix
    pos = len(prefix)
    chunk = bytearray(_CHUNK)
    with path.open("rb") as handle:
        while True:
            filled = _fill(handle, chunk)
            if not filled:
                break
            encoded = base64.b64encode(memoryview(chunk)[:filled])
            end = pos + len(encoded)
            if end > len(out):
                break
            out[pos:end] = encoded
            pos = end
    if pos != len(out):
        msg = f"{what}: {path} changed while it was being read. Send it again once it is stable."
        raise MediaSourceError(msg)
    del chunk
    return out.decode("ascii")


def _fill(handle: BufferedReader, buffer: bytearray) -> int:
    """Read until ``buffer`` is full or the file ends; returns the bytes read."""
    view = memoryview(buffer)
    filled = 0
    while filled < len(buffer):
        count = handle.readinto(view[filled:])
        if not count:
            break
        filled += count
    return filled
