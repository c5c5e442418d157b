"""image(), video(), audio() and pdf() build LangChain v1 blocks from every kind of source."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from langchain_core.messages.content import is_data_content_block

from langchain_nemotron_omni.media import (
    MediaSourceError,
    UnknownMediaTypeError,
    UnsupportedMediaError,
    audio,
    image,
    pdf,
    video,
)
from tests import media_samples as ms
from tests.media_samples import user


def test_path_becomes_a_file_reference_with_sniffed_type(tmp_path: Path) -> None:
    path = tmp_path / "shot.jpg"  # misleading name: the bytes are WebP
    path.write_bytes(ms.image_bytes("WEBP"))
    block = image(path)
    assert block == {
        "type": "image",
        "url": path.resolve().as_uri(),
        "mime_type": "image/webp",
        "extras": {"filename": "shot.jpg"},
    }
    assert is_data_content_block(dict(block))


def test_str_path_and_file_url_give_the_same_block(tmp_path: Path) -> None:
    path = ms.write_video(tmp_path / "clip.mp4")
    assert video(str(path)) == video(path) == video(path.as_uri())


def test_path_is_not_read_whole(tmp_path: Path) -> None:
    # A big file with a valid header: only the header is read to build the block.
    path = tmp_path / "big.mp4"
    header = ms.write_video(tmp_path / "small.mp4").read_bytes()[:64]
    with path.open("wb") as handle:
        handle.write(header)
        handle.truncate(300 * 1024 * 1024)  # sparse: no disk used
    block = video(path)
    assert block["mime_type"] == "video/mp4"
    assert "base64" not in block


def test_bytes_become_base64() -> None:
    data = ms.image_bytes("PNG")
    block = image(data)
    assert block == {
        "type": "image",
        "base64": base64.b64encode(data).decode(),
        "mime_type": "image/png",
    }


def test_http_url_is_kept_and_not_fetched() -> None:
    assert image("https://example.com/cat.png") == {
        "type": "image",
        "url": "https://example.com/cat.png",
    }
    assert video("http://example.com/v", mime_type="video/mp4") == {
        "type": "video",
        "url": "http://example.com/v",
        "mime_type": "video/mp4",
    }


def test_data_uri_becomes_base64_with_the_sniffed_type(tmp_path: Path) -> None:
    wav = ms.write_audio(tmp_path / "t.wav").read_bytes()
    encoded = base64.b64encode(wav).decode()
    # The declared type is wrong; the bytes win.
    block = audio(f"data:audio/mpeg;base64,{encoded}")
    assert block == {"type": "audio", "base64": encoded, "mime_type": "audio/wav"}


def test_audio_block_may_hold_a_video_container(tmp_path: Path) -> None:
    path = ms.write_video(tmp_path / "talk.mp4")
    assert audio(path)["mime_type"] == "video/mp4"


def test_pdf_block_with_options(tmp_path: Path) -> None:
    path = ms.write_pdf(tmp_path / "report.pdf", ["a", "b", "c"])
    block = pdf(path, pages=range(1, 3), dpi=72, max_pixels=500_000)
    assert block == {
        "type": "file",
        "url": path.resolve().as_uri(),
        "mime_type": "application/pdf",
        "extras": {"filename": "report.pdf", "pages": [1, 2], "dpi": 72, "max_pixels": 500_000},
    }
    from_bytes = pdf(path.read_bytes(), pages="2-", filename="r.pdf")
    assert from_bytes["extras"] == {"filename": "r.pdf", "pages": "2-"}
    assert from_bytes["mime_type"] == "application/pdf"


def test_blocks_fit_in_a_message(tmp_path: Path) -> None:
    path = ms.write_pdf(tmp_path / "r.pdf", ["a"])
    message = user({"type": "text", "text": "read"}, pdf(path))
    assert message.content_blocks[1]["type"] == "file"


def test_missing_file() -> None:
    with pytest.raises(MediaSourceError, match=r"'nope\.png': no such file .*Check the path"):
        image("/definitely/not/here/nope.png")


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(MediaSourceError, match="is a folder, not a file"):
        image(tmp_path)


def test_wrong_helper_names_the_right_one(tmp_path: Path) -> None:
    clip = ms.write_video(tmp_path / "clip.mp4")
    with pytest.raises(UnsupportedMediaError) as caught:
        image(clip)
    assert str(caught.value) == (
        "'clip.mp4' is MP4 (video/mp4), not an image. Send it with video() (a video block) instead."
    )
    doc = ms.write_pdf(tmp_path / "doc.pdf", ["x"])
    with pytest.raises(UnsupportedMediaError, match=r"Send it with pdf\(\) \(a file block\)"):
        image(doc)
    with pytest.raises(UnsupportedMediaError, match=r"not a video\. Send it with audio\(\)"):
        video(ms.write_audio(tmp_path / "t.wav"))
    with pytest.raises(UnsupportedMediaError, match=r"not a PDF\. Send it with image\(\)"):
        pdf(ms.image_bytes("PNG"))


def test_unknown_bytes() -> None:
    with pytest.raises(UnknownMediaTypeError, match="Cannot tell what kind of media the image"):
        image(b"just some text")


def test_pdf_urls_are_not_fetched() -> None:
    with pytest.raises(MediaSourceError, match=r"PDF URLs are not fetched .*Download it"):
        pdf("https://example.com/report.pdf")


def test_wrong_source_type() -> None:
    with pytest.raises(MediaSourceError, match=r"image\(\) takes a path, bytes.*not int"):
        image(42)  # type: ignore[arg-type]


def test_remote_file_url_host() -> None:
    with pytest.raises(MediaSourceError, match="file:// URL on another host"):
        image("file://fileserver/share/a.png")


def test_malformed_data_uri() -> None:
    with pytest.raises(MediaSourceError, match=r"malformed data URI \(no ','\)"):
        image("data:image/png;base64")


def test_expanduser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "p.png").write_bytes(ms.image_bytes("PNG"))
    assert image("~/p.png")["url"] == Path(tmp_path / "p.png").resolve().as_uri()
