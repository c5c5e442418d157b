"""prepare_messages: every input shape in, the exact part the provider accepts out."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from langchain_nemotron_omni.media import (
    InvalidMediaOptionsError,
    MediaOptions,
    MediaSourceError,
    audio,
    image,
    pdf,
    video,
)
from langchain_nemotron_omni.providers import PROVIDERS
from tests import media_samples as ms
from tests.media_samples import b64, data_bytes, run, sha

VLLM = PROVIDERS["vllm"]


# -- images ----------------------------------------------------------------------------------


def test_png_bytes_block_becomes_image_url_with_uuid() -> None:
    png = ms.image_bytes("PNG")
    (part,) = run(image(png), options=MediaOptions())
    assert part == {
        "type": "image_url",
        "image_url": {"url": f"data:image/png;base64,{b64(png)}"},
        "uuid": sha(png),
    }


def test_uuid_is_off_by_default_elsewhere() -> None:
    png = ms.image_bytes("PNG")
    (part,) = run(image(png), provider="sglang", options=MediaOptions())
    assert "uuid" not in part
    (part,) = run(image(png), provider="sglang", options=MediaOptions(uuid=True))
    assert part["uuid"] == sha(png)


def test_image_path_is_read_and_inlined(tmp_path: Path) -> None:
    jpeg = ms.image_bytes("JPEG")
    path = tmp_path / "photo.jpeg"
    path.write_bytes(jpeg)
    (part,) = run(image(path))
    assert part == {
        "type": "image_url",
        "image_url": {"url": f"data:image/jpeg;base64,{b64(jpeg)}"},
    }


@pytest.mark.parametrize("fmt", ["WEBP", "BMP", "TIFF"])
def test_formats_the_server_does_not_take_become_png(fmt: str) -> None:
    source = ms.image_bytes(fmt)
    (part,) = run(image(source), options=MediaOptions())
    sent = data_bytes(part["image_url"]["url"])
    assert part["image_url"]["url"].startswith("data:image/png;base64,")
    assert part["uuid"] == sha(sent)  # the uuid keys what is sent, not the source
    with Image.open(io.BytesIO(sent)) as converted, Image.open(io.BytesIO(source)) as original:
        assert converted.format == "PNG"
        assert converted.size == original.size
        # Lossless formats survive pixel for pixel.
        if fmt != "WEBP":
            assert converted.convert("RGB").tobytes() == original.convert("RGB").tobytes()


def test_webp_is_kept_where_the_provider_takes_it() -> None:
    webp = ms.image_bytes("WEBP")
    (part,) = run(image(webp), provider="nvidia")
    assert part["image_url"]["url"] == f"data:image/webp;base64,{b64(webp)}"


def test_gif_becomes_png_for_the_hosted_api_only() -> None:
    gif = ms.image_bytes("GIF")
    (vllm_part,) = run(image(gif))
    (nvidia_part,) = run(image(gif), provider="nvidia")
    assert vllm_part["image_url"]["url"].startswith("data:image/gif;")
    assert nvidia_part["image_url"]["url"].startswith("data:image/png;")


def test_cmyk_tiff_becomes_rgb_png() -> None:
    out = io.BytesIO()
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(out, format="TIFF")
    (part,) = run(image(out.getvalue()))
    with Image.open(io.BytesIO(data_bytes(part["image_url"]["url"]))) as converted:
        assert converted.mode == "RGB"
        assert converted.getpixel((0, 0)) == (255, 0, 0)


def test_http_url_passes_untouched_without_uuid() -> None:
    (part,) = run(image("https://example.com/a.png"), options=MediaOptions())
    assert part == {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}


# -- video and audio --------------------------------------------------------------------------


def test_mp4_path_is_inlined_byte_for_byte(tmp_path: Path) -> None:
    path = ms.write_video(tmp_path / "clip.mp4")
    (part,) = run(video(path), options=MediaOptions())
    raw = path.read_bytes()
    assert part == {
        "type": "video_url",
        "video_url": {"url": f"data:video/mp4;base64,{b64(raw)}"},
        "uuid": sha(raw),
    }


def test_webm_becomes_mp4(tmp_path: Path) -> None:
    import av  # noqa: PLC0415

    path = ms.write_video(
        tmp_path / "screen.webm", container="webm", video_codec="libvpx", audio_codec="libopus"
    )
    (part,) = run(video(path))
    sent = data_bytes(part["video_url"]["url"])
    assert part["video_url"]["url"].startswith("data:video/mp4;base64,")
    with av.open(io.BytesIO(sent), mode="r") as container:
        assert container.format.name.startswith("mov,mp4")
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
        assert abs(float(container.duration or 0) / 1e6 - 1.0) < 0.1


def test_mov_is_remuxed_not_reencoded(tmp_path: Path) -> None:
    import av  # noqa: PLC0415

    path = ms.write_video(tmp_path / "phone.mov", container="mov")
    (part,) = run(video(path))
    sent = data_bytes(part["video_url"]["url"])
    with av.open(str(path), mode="r") as src, av.open(io.BytesIO(sent), mode="r") as dst:
        original = [bytes(p) for p in src.demux(src.streams.video[0]) if p.size]
        copied = [bytes(p) for p in dst.demux(dst.streams.video[0]) if p.size]
    assert copied == original  # the same H.264 packets: no quality lost


@pytest.mark.parametrize(
    ("name", "kwargs", "codecs"),
    [
        ("a.mkv", {"container": "matroska"}, ("h264", "aac")),
        ("a.mkv", {"container": "matroska", "audio_codec": "libopus"}, ("h264", "aac")),
        ("a.avi", {"container": "avi", "audio": False}, ("h264", None)),
    ],
)
def test_other_containers_become_mp4(
    tmp_path: Path, name: str, kwargs: dict[str, Any], codecs: tuple[str, str | None]
) -> None:
    import av  # noqa: PLC0415

    path = ms.write_video(tmp_path / name, **kwargs)
    (part,) = run(video(path))
    assert part["video_url"]["url"].startswith("data:video/mp4;base64,")
    with av.open(io.BytesIO(data_bytes(part["video_url"]["url"])), mode="r") as container:
        audio_codec = (
            container.streams.audio[0].codec_context.name if container.streams.audio else None
        )
        assert (container.streams.video[0].codec_context.name, audio_codec) == codecs


def test_mov_is_kept_for_the_hosted_api(tmp_path: Path) -> None:
    path = ms.write_video(tmp_path / "phone.mov", container="mov")
    (part,) = run(video(path), provider="nvidia", options=MediaOptions(strict_limits=False))
    assert part["video_url"]["url"].startswith("data:video/quicktime;base64,")


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac"])
def test_accepted_audio_passes_as_audio_url(tmp_path: Path, fmt: str) -> None:
    path = ms.write_audio(tmp_path / f"t.{fmt}", fmt=fmt)
    (part,) = run(audio(path))
    mime = {"wav": "audio/wav", "mp3": "audio/mpeg", "flac": "audio/flac"}[fmt]
    assert part == {
        "type": "audio_url",
        "audio_url": {"url": f"data:{mime};base64,{b64(path.read_bytes())}"},
    }


def test_ogg_becomes_16khz_mono_wav(tmp_path: Path) -> None:
    import av  # noqa: PLC0415

    path = ms.write_audio(tmp_path / "voice.ogg", fmt="ogg", seconds=2.0)
    (part,) = run(audio(path))
    assert part["audio_url"]["url"].startswith("data:audio/wav;base64,")
    with av.open(io.BytesIO(data_bytes(part["audio_url"]["url"])), mode="r") as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.sample_rate, stream.channels) == (
            "pcm_s16le",
            16_000,
            1,
        )
        assert abs(float(container.duration or 0) / 1e6 - 2.0) < 0.05


def test_audio_block_with_a_video_takes_its_sound_track(tmp_path: Path) -> None:
    path = ms.write_video(tmp_path / "talk.mp4")
    (part,) = run(audio(path))
    assert part["audio_url"]["url"].startswith("data:audio/wav;base64,")


def test_openrouter_gets_input_audio(tmp_path: Path) -> None:
    mp3 = ms.write_audio(tmp_path / "t.mp3", fmt="mp3").read_bytes()
    (part,) = run(audio(mp3), provider="openrouter")
    assert part == {"type": "input_audio", "input_audio": {"data": b64(mp3), "format": "mp3"}}


def test_openrouter_refuses_audio_urls() -> None:
    with pytest.raises(MediaSourceError) as caught:
        run(audio("https://example.com/a.mp3"), provider="openrouter")
    assert str(caught.value) == (
        "audio #1 in message 1 is a URL (https://example.com/a.mp3), but provider 'openrouter' "
        "takes audio only as base64 data. Download it and pass the path or bytes "
        "(langchain_nemotron_omni.media.audio(path))."
    )


def test_remote_video_and_audio_urls() -> None:
    parts = run(video("https://example.com/v.mp4"), audio("https://example.com/a.wav"))
    assert parts == [
        {"type": "video_url", "video_url": {"url": "https://example.com/v.mp4"}},
        {"type": "audio_url", "audio_url": {"url": "https://example.com/a.wav"}},
    ]


# -- PDFs -------------------------------------------------------------------------------------


def test_pdf_becomes_page_label_and_image_pairs(tmp_path: Path) -> None:
    path = ms.write_pdf(tmp_path / "book.pdf", ["Preface", "Intro", "Body"], labels=True)
    parts = run(
        {"type": "text", "text": "Summarise"},
        pdf(path, pages="1,3", dpi=36),
        options=MediaOptions(),
    )
    assert [p["type"] for p in parts] == ["text", "text", "image_url", "text", "image_url"]
    assert parts[0] == {"type": "text", "text": "Summarise"}
    assert parts[1] == {"type": "text", "text": "Page i:"}
    assert parts[3] == {"type": "text", "text": "Page 1:"}  # the label of physical page 3
    page_png = data_bytes(parts[2]["image_url"]["url"])
    assert parts[2]["uuid"] == sha(page_png)
    with Image.open(io.BytesIO(page_png)) as page:
        assert page.size == (306, 396)  # letter at 36 dpi


def test_pdf_defaults_come_from_the_options(tmp_path: Path) -> None:
    path = ms.write_pdf(tmp_path / "a.pdf", ["x", "y", "z"])
    parts = run(pdf(path), options=MediaOptions(pdf_pages=[2], pdf_dpi=18))
    assert parts[0] == {"type": "text", "text": "Page 2:"}
    with Image.open(io.BytesIO(data_bytes(parts[1]["image_url"]["url"]))) as page:
        assert page.size == (153, 198)


def test_scanned_pdf_and_langchain_file_block(tmp_path: Path) -> None:
    data = ms.write_scanned_pdf(tmp_path / "scan.pdf").read_bytes()
    block = {"type": "file", "base64": b64(data), "mime_type": "application/pdf"}
    parts = run(block, options=MediaOptions(pdf_dpi=20))
    assert [p.get("text") for p in parts[::2]] == ["Page 1:", "Page 2:"]


def test_file_block_holding_an_image_is_sent_as_an_image() -> None:
    png = ms.image_bytes("PNG")
    (part,) = run({"type": "file", "base64": b64(png), "mime_type": "image/png"})
    assert part["image_url"]["url"] == f"data:image/png;base64,{b64(png)}"


def test_pdf_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaSourceError, match=r"file #1 in message 1 is a file URL"):
        run({"type": "file", "url": "https://example.com/a.pdf"})


def test_pdf_block_with_bad_extras(tmp_path: Path) -> None:
    block = pdf(ms.write_pdf(tmp_path / "a.pdf", ["x"]))
    block["extras"] = {"dpi": -3}
    with pytest.raises(InvalidMediaOptionsError, match=r"extras\['dpi'\] must be a positive"):
        run(block)
    block["extras"] = {"pages": [4]}
    with pytest.raises(InvalidMediaOptionsError, match=r"has 1 page\(s\); page\(s\) 4 do not"):
        run(block)


# -- transport="file" -------------------------------------------------------------------------


def test_file_transport_sends_file_urls_under_the_allowed_root(tmp_path: Path) -> None:
    path = ms.write_video(tmp_path / "clip.mp4")
    options = MediaOptions(transport="file", allowed_local_media_path=tmp_path)
    (part,) = run(video(path), options=options)
    assert part == {
        "type": "video_url",
        "video_url": {"url": path.resolve().as_uri()},
        "uuid": sha(path.read_bytes()),
    }


def test_file_transport_converts_into_the_conversion_dir(tmp_path: Path) -> None:
    path = ms.write_video(
        tmp_path / "s.webm", container="webm", video_codec="libvpx", audio_codec="libopus"
    )
    options = MediaOptions(transport="file", allowed_local_media_path=tmp_path)
    (part,) = run(video(path), options=options)
    converted = Path(part["video_url"]["url"].removeprefix("file://"))
    assert converted.parent == tmp_path.resolve() / ".nemotron-omni-converted"
    assert converted.name == f"{sha(path.read_bytes())}.mp4"
    assert converted.read_bytes()[4:8] == b"ftyp"
    assert part["uuid"] == sha(converted.read_bytes())


def test_file_transport_keeps_in_memory_media_inline(tmp_path: Path) -> None:
    png = ms.image_bytes("PNG")
    options = MediaOptions(transport="file", allowed_local_media_path=tmp_path, uuid=False)
    (part,) = run(image(png), options=options)
    assert part["image_url"]["url"] == f"data:image/png;base64,{b64(png)}"


def test_file_transport_refuses_files_outside_the_root(tmp_path: Path) -> None:
    inside, outside = tmp_path / "served", tmp_path / "elsewhere"
    inside.mkdir()
    outside.mkdir()
    path = outside / "a.png"
    path.write_bytes(ms.image_bytes("PNG"))
    options = MediaOptions(transport="file", allowed_local_media_path=inside)
    with pytest.raises(MediaSourceError) as caught:
        run(image(path), options=options)
    assert str(caught.value) == (
        f"'a.png' (image #1 in message 1) ({path}) is not under allowed_local_media_path "
        f"{inside.resolve()}, so the server may not read it. Move it there, start vLLM with a "
        "wider --allowed-local-media-path, or use transport='inline'."
    )


def test_file_transport_needs_a_self_hosted_server(tmp_path: Path) -> None:
    options = MediaOptions(transport="file", allowed_local_media_path=tmp_path)
    with pytest.raises(
        InvalidMediaOptionsError, match=r"provider 'nvidia' cannot\. Use transport='inline'"
    ):
        run(image("https://e.com/a.png"), provider="nvidia", options=options)


def test_media_options_are_validated(tmp_path: Path) -> None:
    with pytest.raises(InvalidMediaOptionsError) as caught:
        MediaOptions(transport="file", fps=0, pdf_dpi=-1)
    assert str(caught.value) == (
        "Invalid MediaOptions: transport='file' needs allowed_local_media_path: the folder "
        "the vLLM server was started with (--allowed-local-media-path DIR); pdf_dpi must be "
        "positive, got -1; fps must be positive, got 0."
    )
    with pytest.raises(InvalidMediaOptionsError, match=r"conversion_dir .* must be under"):
        MediaOptions(
            transport="file", allowed_local_media_path=tmp_path / "a", conversion_dir=tmp_path / "b"
        )
    with pytest.raises(InvalidMediaOptionsError, match="transport must be 'inline' or 'file'"):
        MediaOptions(transport="ftp")  # type: ignore[arg-type]
