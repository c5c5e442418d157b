"""The media type of some bytes, from their magic numbers (never from a file name)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from langchain_nemotron_omni.media.errors import UnknownMediaTypeError

if TYPE_CHECKING:
    from collections.abc import Callable

MediaKind = Literal["image", "video", "audio", "pdf"]

SNIFF_BYTES = 4096
"""How many leading bytes :func:`sniff` looks at (a PDF header may follow some junk)."""


@dataclass(frozen=True)
class Sniffed:
    """What :func:`sniff` found.

    Attributes:
        mime_type: The IANA media type, e.g. ``"image/png"``.
        kind: ``image``, ``video``, ``audio`` or ``pdf``. Containers that can hold sound
            (MP4, WebM, Ogg) are ``video`` or ``audio`` by their usual use; audio is
            extracted from any of them when an ``audio`` block holds one.
        name: A short human name for messages, e.g. ``"PNG"``.
    """

    mime_type: str
    kind: MediaKind
    name: str


PNG = Sniffed("image/png", "image", "PNG")
JPEG = Sniffed("image/jpeg", "image", "JPEG")
GIF = Sniffed("image/gif", "image", "GIF")
WEBP = Sniffed("image/webp", "image", "WebP")
BMP = Sniffed("image/bmp", "image", "BMP")
TIFF = Sniffed("image/tiff", "image", "TIFF")
AVIF = Sniffed("image/avif", "image", "AVIF")
HEIC = Sniffed("image/heic", "image", "HEIC")
MP4 = Sniffed("video/mp4", "video", "MP4")
MOV = Sniffed("video/quicktime", "video", "QuickTime MOV")
M4A = Sniffed("audio/mp4", "audio", "M4A")
WEBM = Sniffed("video/webm", "video", "WebM")
MKV = Sniffed("video/x-matroska", "video", "Matroska")
AVI = Sniffed("video/x-msvideo", "video", "AVI")
WAV = Sniffed("audio/wav", "audio", "WAV")
MP3 = Sniffed("audio/mpeg", "audio", "MP3")
AAC = Sniffed("audio/aac", "audio", "AAC")
FLAC = Sniffed("audio/flac", "audio", "FLAC")
OGG = Sniffed("audio/ogg", "audio", "Ogg")
PDF = Sniffed("application/pdf", "pdf", "PDF")

_ISO_BMFF_BRANDS: dict[bytes, Sniffed] = {
    b"qt  ": MOV,
    b"M4A ": M4A,
    b"M4B ": M4A,
    b"avif": AVIF,
    b"avis": AVIF,
    b"heic": HEIC,
    b"heix": HEIC,
    b"mif1": HEIC,
    b"msf1": HEIC,
}


def _sniff_iso_bmff(head: bytes) -> Sniffed:
    # Box: size(4) "ftyp" major_brand(4) ...; any other major brand (isom, mp41, mp42,
    # avc1, M4V, 3gp4, dash...) is an MP4 video.
    return _ISO_BMFF_BRANDS.get(head[8:12], MP4)


def _sniff_ebml(head: bytes) -> Sniffed:
    # The EBML header's DocType names the flavour; it sits within the first few dozen bytes.
    return WEBM if b"webm" in head[:64] else MKV


def _is_mpeg_audio_frame(head: bytes) -> bool:
    # 11 sync bits, a valid version (not 01), a layer that is not 00 (00 is AAC's ADTS).
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:  # noqa: PLR2004
        return False
    return (head[1] >> 3) & 0b11 != 0b01 and (head[1] >> 1) & 0b11 != 0


def _is_adts(head: bytes) -> bool:
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0  # noqa: PLR2004


# The DIB header sizes BMP files use (core, OS/2 v2, v1 to v5): "BM" alone is too common.
_BMP_DIB_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


def _is_bmp(head: bytes) -> bool:
    return head.startswith(b"BM") and int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES


def _sniff_riff(head: bytes) -> Sniffed | None:
    return {b"WAVE": WAV, b"WEBP": WEBP, b"AVI ": AVI}.get(head[8:12])


_SIGNATURES: tuple[tuple[Callable[[bytes], bool], Callable[[bytes], Sniffed | None]], ...] = (
    (lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"), lambda _: PNG),
    (lambda h: h.startswith(b"\xff\xd8\xff"), lambda _: JPEG),
    (lambda h: h[:6] in {b"GIF87a", b"GIF89a"}, lambda _: GIF),
    (lambda h: h.startswith(b"RIFF"), _sniff_riff),
    (_is_bmp, lambda _: BMP),
    (lambda h: h[:4] in {b"II*\x00", b"MM\x00*"}, lambda _: TIFF),
    (lambda h: h[4:8] == b"ftyp", _sniff_iso_bmff),
    (lambda h: h.startswith(b"\x1a\x45\xdf\xa3"), _sniff_ebml),
    (lambda h: h.startswith(b"fLaC"), lambda _: FLAC),
    (lambda h: h.startswith(b"OggS"), lambda _: OGG),
    (lambda h: h.startswith(b"ID3") or _is_mpeg_audio_frame(h), lambda _: MP3),
    (_is_adts, lambda _: AAC),
    (lambda h: b"%PDF-" in h[:1024], lambda _: PDF),
)


def sniff_or_none(head: bytes) -> Sniffed | None:
    """The media type of ``head`` (the first bytes of the media), or ``None``."""
    for matches, kind in _SIGNATURES:
        if matches(head):
            return kind(head)
    return None


def sniff(head: bytes, *, what: str = "the media") -> Sniffed:
    """The media type of ``head`` (the first :data:`SNIFF_BYTES` bytes of the media).

    Args:
        head: The leading bytes; more than :data:`SNIFF_BYTES` are fine but not needed.
        what: How to name the input in an error, e.g. ``"'clip.bin' (video #1 in message 2)"``.

    Raises:
        UnknownMediaTypeError: The bytes match no known image, video, audio or PDF format.
    """
    found = sniff_or_none(head)
    if found is None:
        # Never quote the bytes: a block may name any file the process can read, and the
        # message can reach whoever sent the block.
        found_what = "it is empty" if not head else "its first bytes match no known format"
        msg = (
            f"Cannot tell what kind of media {what} is: {found_what}. "
            "Send an image (PNG, JPEG, GIF, WebP, BMP, TIFF), a video (MP4, MOV, WebM, MKV), "
            "audio (WAV, MP3, FLAC, Ogg) or a PDF; the type is read from the bytes, not the "
            "file name."
        )
        raise UnknownMediaTypeError(msg)
    return found
