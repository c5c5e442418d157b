"""Where media comes from: a local file, bytes, base64 text, or a URL.

Local media is held as a :class:`LocalMedia`: a file stays on disk until it is needed (a
200 MB video is never read whole just to be sniffed or hashed), base64 text is decoded
lazily, and the content hash that keys the cache is computed once per file version.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, unquote_to_bytes, urlparse

from langchain_nemotron_omni.media.errors import MediaSourceError
from langchain_nemotron_omni.media.sniff import SNIFF_BYTES, Sniffed, sniff

if TYPE_CHECKING:
    from collections.abc import Iterator
    from io import BufferedReader

HASH_CHUNK = 1024 * 1024
_B64_HEAD_CHARS = (SNIFF_BYTES + 2) // 3 * 4

Source = str | os.PathLike[str] | bytes
"""What the block helpers take: a path, raw bytes, an ``http(s)``/``data:``/``file:`` URL."""


def is_remote_url(value: str) -> bool:
    """Whether ``value`` is an ``http(s)://`` URL (sent as is, never fetched)."""
    return value[:8].lower().startswith(("http://", "https://"))


def file_url(path: Path) -> str:
    """The ``file://`` URL of an absolute path."""
    return path.as_uri()


def path_from_file_url(url: str, *, what: str) -> Path:
    """The local path of a ``file://`` URL.

    Raises:
        MediaSourceError: The URL names another host.
    """
    parsed = urlparse(url)
    if parsed.netloc not in {"", "localhost"}:
        msg = (
            f"{what} is a file:// URL on another host ({parsed.netloc}); only local files "
            "can be sent. Copy the file here, or serve it over http(s)."
        )
        raise MediaSourceError(msg)
    return Path(unquote(parsed.path))


@dataclass(frozen=True)
class DataURI:
    """A parsed ``data:`` URI; ``b64`` is the base64 text (re-encoded if it was not)."""

    mime_type: str | None
    b64: str


def parse_data_uri(uri: str, *, what: str) -> DataURI:
    """Split a ``data:[<mime>][;params][;base64],<data>`` URI.

    Percent-encoded (non-base64) data is re-encoded as base64, the only form vLLM reads.

    Raises:
        MediaSourceError: The URI has no comma.
    """
    header, sep, payload = uri[5:].partition(",")
    if not sep:
        msg = f"{what} is a malformed data URI (no ','). Use data:<mime>;base64,<data>."
        raise MediaSourceError(msg)
    params = header.split(";")
    mime = params[0].strip().lower() or None
    if "base64" in (p.strip().lower() for p in params[1:]):
        return DataURI(mime, payload)
    return DataURI(mime, base64.b64encode(unquote_to_bytes(payload)).decode("ascii"))


class _HashMemo:
    """SHA-256 of files by (path, size, mtime): a file is hashed once per version."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._items: OrderedDict[tuple[str, int, int], str] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, path: Path) -> str:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            digest = self._items.get(key)
            if digest is not None:
                self._items.move_to_end(key)
                return digest
        digest = hash_file(path)
        with self._lock:
            self._items[key] = digest
            while len(self._items) > self._max:
                self._items.popitem(last=False)
        return digest


FILE_HASHES = _HashMemo()


def hash_file(path: Path) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _decode_b64(text: str, *, what: str) -> tuple[bytes, bool]:
    """Decode base64 strictly; returns the bytes and whether the text was clean."""
    try:
        return base64.b64decode(text, validate=True), True
    except (binascii.Error, ValueError):
        pass
    try:
        # MIME-style line breaks are common; anything else is an error.
        return base64.b64decode("".join(text.split()), validate=True), False
    except (binascii.Error, ValueError) as exc:
        msg = f"{what} is not valid base64 ({exc}). Pass raw bytes or a file path instead."
        raise MediaSourceError(msg) from exc


@dataclass
class LocalMedia:
    """Media whose bytes this process can read: a file, bytes, or base64 text.

    Exactly one of ``path``, ``data`` and ``b64`` is set at creation; ``data`` is filled in
    when base64 text is decoded.

    Attributes:
        what: How to name it in messages, e.g. ``"'cat.webp' (image #2 in message 3)"``.
        path: A file on disk.
        data: Bytes in memory.
        b64: Base64 text as given (reused as is when the media is sent unchanged).
    """

    what: str
    path: Path | None = None
    data: bytes | None = None
    b64: str | None = None
    _sniffed: Sniffed | None = field(default=None, repr=False)
    _key: str | None = field(default=None, repr=False)
    _digest: str | None = field(default=None, repr=False)

    @property
    def sniffed(self) -> Sniffed:
        """The media type read from the first bytes."""
        if self._sniffed is None:
            self._sniffed = sniff(self.head(), what=self.what)
        return self._sniffed

    def head(self) -> bytes:
        """The first :data:`~langchain_nemotron_omni.media.sniff.SNIFF_BYTES` bytes."""
        if self.path is not None:
            with self._open_path() as handle:
                return handle.read(SNIFF_BYTES)
        if self.data is not None:
            return self.data[:SNIFF_BYTES]
        text = "".join((self.b64 or "")[: _B64_HEAD_CHARS + 64].split())
        text = text[: len(text) // 4 * 4][:_B64_HEAD_CHARS]
        try:
            return base64.b64decode(text)
        except (binascii.Error, ValueError):
            return self.read()[:SNIFF_BYTES]  # raises the full decoding error

    @property
    def size(self) -> int:
        """Size in bytes (base64 text is decoded for this)."""
        if self.path is not None:
            return self.path.stat().st_size
        return len(self.read())

    def read(self) -> bytes:
        """All the bytes (a file is read whole: use :attr:`path` directly for big files)."""
        if self.data is not None:
            return self.data
        if self.path is not None:
            with self._open_path() as handle:
                return handle.read()
        data, clean = _decode_b64(self.b64 or "", what=self.what)
        self.data = data
        if not clean:
            self.b64 = None  # the text had line breaks: re-encode when sending
        return data

    def _open_path(self) -> BufferedReader:
        assert self.path is not None  # noqa: S101  # callers check
        try:
            return self.path.open("rb")
        except FileNotFoundError as exc:
            msg = f"{self.what}: no such file {self.path}. Check the path."
            raise MediaSourceError(msg) from exc
        except IsADirectoryError as exc:
            msg = f"{self.what}: {self.path} is a folder, not a file."
            raise MediaSourceError(msg) from exc
        except PermissionError as exc:
            msg = f"{self.what}: cannot read {self.path} (permission denied)."
            raise MediaSourceError(msg) from exc

    @property
    def cache_key(self) -> str:
        """A key for the media cache: cheap to compute on every call.

        Files: their content hash (memoised by path, size and mtime). Bytes: their hash.
        Base64 text: the hash of the text, so a cache hit skips decoding.
        """
        if self._key is None:
            if self.path is not None:
                self._key = self.digest
            elif self.b64 is not None and self.data is None:
                self._key = "b64:" + hashlib.sha256(self.b64.encode("ascii", "replace")).hexdigest()
            else:
                self._key = self.digest
        return self._key

    @property
    def digest(self) -> str:
        """SHA-256 of the bytes (vLLM's ``uuid`` for media sent unchanged)."""
        if self._digest is None:
            if self.path is not None:
                self._open_path().close()  # a clear error for a missing file
                self._digest = FILE_HASHES.get(self.path)
            else:
                self._digest = hashlib.sha256(self.read()).hexdigest()
        return self._digest

    def chunks(self) -> Iterator[bytes]:
        """The bytes in chunks, without reading a file whole."""
        if self.path is None:
            yield self.read()
            return
        with self._open_path() as handle:
            yield from iter(lambda: handle.read(HASH_CHUNK), b"")
