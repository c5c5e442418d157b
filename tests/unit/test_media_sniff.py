"""Media types come from the bytes: every supported format, and a typed error otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langchain_nemotron_omni.errors import NemotronOmniError
from langchain_nemotron_omni.media import MediaError, UnknownMediaTypeError, sniff
from langchain_nemotron_omni.media.sniff import sniff_or_none
from tests import media_samples as ms

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("fmt", "mime", "kind"),
    [
        ("PNG", "image/png", "image"),
        ("JPEG", "image/jpeg", "image"),
        ("GIF", "image/gif", "image"),
        ("WEBP", "image/webp", "image"),
        ("BMP", "image/bmp", "image"),
        ("TIFF", "image/tiff", "image"),
    ],
)
def test_images_made_by_pillow(fmt: str, mime: str, kind: str) -> None:
    found = sniff(ms.image_bytes(fmt))
    assert (found.mime_type, found.kind) == (mime, kind)


def test_big_endian_tiff() -> None:
    assert sniff(b"MM\x00*\x00\x00\x00\x08" + bytes(16)).mime_type == "image/tiff"


@pytest.mark.parametrize(
    ("name", "kwargs", "mime"),
    [
        ("a.mp4", {}, "video/mp4"),
        ("a.mov", {"container": "mov"}, "video/quicktime"),
        (
            "a.webm",
            {"container": "webm", "video_codec": "libvpx", "audio_codec": "libopus"},
            "video/webm",
        ),
        ("a.mkv", {"container": "matroska"}, "video/x-matroska"),
        ("a.avi", {"container": "avi", "audio": False}, "video/x-msvideo"),
    ],
)
def test_video_containers(tmp_path: Path, name: str, kwargs: dict[str, str], mime: str) -> None:
    path = ms.write_video(tmp_path / name, **kwargs)  # type: ignore[arg-type]
    found = sniff(path.read_bytes()[:4096])
    assert (found.mime_type, found.kind) == (mime, "video")


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("wav", "audio/wav"),
        ("mp3", "audio/mpeg"),
        ("flac", "audio/flac"),
        ("ogg", "audio/ogg"),
    ],
)
def test_audio_formats(tmp_path: Path, fmt: str, mime: str) -> None:
    path = ms.write_audio(tmp_path / f"tone.{fmt}", fmt=fmt)
    found = sniff(path.read_bytes())
    assert (found.mime_type, found.kind) == (mime, "audio")


def test_mp3_without_id3_tag_is_found_by_frame_sync() -> None:
    # MPEG-1 Layer III frame header, 128 kbit/s, 44.1 kHz.
    assert sniff(b"\xff\xfb\x90\x64" + bytes(64)).mime_type == "audio/mpeg"


def test_adts_aac_is_not_mistaken_for_mp3() -> None:
    assert sniff(b"\xff\xf1\x50\x80" + bytes(64)).mime_type == "audio/aac"


def test_m4a_brand_is_audio() -> None:
    head = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A isom" + bytes(16)
    found = sniff(head)
    assert (found.mime_type, found.kind) == ("audio/mp4", "audio")


def test_pdf_even_after_leading_junk(tmp_path: Path) -> None:
    pdf = ms.write_pdf(tmp_path / "a.pdf", ["x"]).read_bytes()
    assert sniff(pdf).kind == "pdf"
    assert sniff(b"\r\n" + pdf).mime_type == "application/pdf"


def test_the_file_name_is_never_used(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(ms.image_bytes("PNG"))
    assert sniff(path.read_bytes()).mime_type == "image/png"


def test_unknown_bytes_raise_a_typed_error_naming_the_input() -> None:
    with pytest.raises(UnknownMediaTypeError) as caught:
        sniff(b"hello world, plain text", what="'notes.txt' (image #1 in message 2)")
    message = str(caught.value)
    assert "'notes.txt' (image #1 in message 2)" in message
    assert "hello" not in message
    assert "68 65" not in message
    assert "type is read from the bytes" in message
    assert isinstance(caught.value, MediaError)
    assert isinstance(caught.value, NemotronOmniError)
    assert not isinstance(caught.value, ValueError)


def test_text_starting_like_a_bmp_is_unknown() -> None:
    with pytest.raises(UnknownMediaTypeError):
        sniff(b"BMW and Audi sales figures for the year")


def test_empty_input() -> None:
    with pytest.raises(UnknownMediaTypeError, match="it is empty"):
        sniff(b"")


@given(st.binary(min_size=1, max_size=64))
def test_the_error_never_depends_on_the_bytes(data: bytes) -> None:
    # Whatever a block names (/etc/passwd, a key file), the error reads the same: none of
    # the content can reach whoever sees the message.
    if sniff_or_none(data) is not None:
        return
    with pytest.raises(UnknownMediaTypeError) as caught:
        sniff(data, what="'f'")
    with pytest.raises(UnknownMediaTypeError) as plain:
        sniff(b"plain text", what="'f'")
    assert str(caught.value) == str(plain.value)
