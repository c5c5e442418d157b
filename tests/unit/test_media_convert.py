"""prepare_messages: every input shape in, the exact part the provider accepts out."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from PIL import Image

from langchain_nemotron_omni.media import (
    CorruptMediaError,
    InvalidMediaOptionsError,
    MediaCache,
    MediaOptions,
    MediaSourceError,
    ModalityNotSupportedError,
    UnknownMediaTypeError,
    UnsupportedMediaError,
    audio,
    image,
    pdf,
    prepare_messages,
    video,
)
from langchain_nemotron_omni.providers import PROVIDERS
from tests import media_samples as ms
from tests.media_samples import user

VLLM = PROVIDERS["vllm"]
NO_UUID = MediaOptions(uuid=False)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def data_bytes(url: str) -> bytes:
    return base64.b64decode(url.partition(",")[2])


def run(
    *parts: Any, provider: str = "vllm", options: MediaOptions = NO_UUID, **kwargs: Any
) -> list[Any]:
    """Prepare one user message; returns its content."""
    (message,) = prepare_messages(
        [user(*parts)],
        provider=PROVIDERS[provider],  # type: ignore[index]
        options=options,
        cache=MediaCache(),
        **kwargs,
    )
    assert isinstance(message.content, list)
    return message.content


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


# -- raw parts and legacy blocks ---------------------------------------------------------------


def test_raw_parts_are_validated_and_passed_on(tmp_path: Path) -> None:
    png = ms.image_bytes("PNG")
    wav = ms.write_audio(tmp_path / "t.wav").read_bytes()
    url = f"data:image/png;base64,{b64(png)}"
    parts = run(
        {"type": "image_url", "image_url": {"url": url, "detail": "high"}, "uuid": "mine"},
        {"type": "image_url", "image_url": "https://example.com/x.png"},
        {"image_url": {"url": url}},  # vLLM infers the type from the key
        {"type": "input_audio", "input_audio": {"data": b64(wav), "format": "wav"}},
        {"type": "video_url", "video_url": {"url": None}, "uuid": "cached-video"},
        options=MediaOptions(),
    )
    assert parts == [
        {"type": "image_url", "image_url": {"url": url, "detail": "high"}, "uuid": "mine"},
        {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}},
        {"type": "image_url", "image_url": {"url": url}, "uuid": sha(png)},
        {
            "type": "audio_url",
            "audio_url": {"url": f"data:audio/wav;base64,{b64(wav)}"},
            "uuid": sha(wav),
        },
        {"type": "video_url", "video_url": {"url": None}, "uuid": "cached-video"},
    ]


def test_raw_file_urls_name_files_on_the_server() -> None:
    part = {"type": "video_url", "video_url": {"url": "file:///srv/media/talk.mp4"}}
    assert run(part, options=MediaOptions()) == [part]  # passed on; never read here
    with pytest.raises(MediaSourceError) as caught:
        run(part, provider="nvidia")
    assert str(caught.value) == (
        "'talk.mp4' (video #1 in message 1) is a file:// URL, which provider 'nvidia' cannot "
        "read. Send the file's content instead: langchain_nemotron_omni.media.video(path) "
        "makes a block that is sent inline."
    )


def test_raw_file_urls_are_checked_with_file_transport(tmp_path: Path) -> None:
    clip = ms.write_video(tmp_path / "clip.mp4")
    part = {"type": "video_url", "video_url": {"url": clip.as_uri()}}
    options = MediaOptions(transport="file", allowed_local_media_path=tmp_path)
    assert run(part, options=options) == [{**part, "uuid": sha(clip.read_bytes())}]
    missing = {"type": "video_url", "video_url": {"url": (tmp_path / "gone.mp4").as_uri()}}
    with pytest.raises(MediaSourceError, match=r"'gone\.mp4' \(video #1 in message 1\): no such"):
        run(missing, options=options)


def test_input_audio_mpeg_format_is_fixed_to_mp3(tmp_path: Path) -> None:
    mp3 = ms.write_audio(tmp_path / "t.mp3", fmt="mp3").read_bytes()
    part = {"type": "input_audio", "input_audio": {"data": b64(mp3), "format": "mpeg"}}
    (out,) = run(part, provider="openrouter")
    assert out == {"type": "input_audio", "input_audio": {"data": b64(mp3), "format": "mp3"}}


def test_raw_webp_part_is_converted() -> None:
    webp = ms.image_bytes("WEBP")
    (part,) = run(
        {"type": "image_url", "image_url": {"url": f"data:image/webp;base64,{b64(webp)}"}}
    )
    assert part["image_url"]["url"].startswith("data:image/png;base64,")


def test_v0_blocks(tmp_path: Path) -> None:
    png = ms.image_bytes("PNG")
    wav = ms.write_audio(tmp_path / "t.wav").read_bytes()
    parts = run(
        {"type": "image", "source_type": "base64", "data": b64(png), "mime_type": "image/png"},
        {"type": "image", "source_type": "url", "url": "https://example.com/i.png"},
        {"type": "audio", "source_type": "base64", "data": b64(wav), "mime_type": "audio/wav"},
    )
    assert parts == [
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64(png)}"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/i.png"}},
        {"type": "audio_url", "audio_url": {"url": f"data:audio/wav;base64,{b64(wav)}"}},
    ]


def test_v0_id_block_is_refused() -> None:
    with pytest.raises(MediaSourceError, match="refers to file_id 'file-1'"):
        run({"type": "image", "source_type": "id", "id": "file-1"})


def test_v0_plain_text_file_block_is_left_to_langchain() -> None:
    block = {"type": "file", "source_type": "text", "url": "https://example.com/a.txt"}
    assert run(block) == [block]


def test_base64_with_line_breaks_and_percent_encoded_data_uris() -> None:
    png = ms.image_bytes("PNG")
    wrapped = "\n".join(b64(png)[i : i + 76] for i in range(0, len(b64(png)), 76))
    percent = "data:image/png," + "".join(f"%{byte:02X}" for byte in png)
    parts = run(
        {"type": "image", "base64": wrapped, "mime_type": "image/png"},
        {"type": "image", "url": percent},
    )
    expected = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64(png)}"}}
    assert parts == [expected, expected]


def test_text_and_other_blocks_are_untouched() -> None:
    reasoning = {"type": "reasoning", "reasoning": "hmm"}
    parts = run("plain string part", {"type": "text", "text": "t"}, reasoning)
    assert parts == ["plain string part", {"type": "text", "text": "t"}, reasoning]


def test_string_content_and_unchanged_messages_are_returned_as_is() -> None:
    system = SystemMessage("be brief")
    text_only = user({"type": "text", "text": "hi"})
    out = prepare_messages([system, text_only], provider=VLLM)
    assert out[0] is system
    assert out[1] is text_only


def test_messages_keep_their_type_and_fields() -> None:
    png = ms.image_bytes("PNG")
    tool = ToolMessage(content=[dict(image(png))], tool_call_id="call-1", name="screenshot")
    ai = AIMessage(content="done", id="ai-1")
    human = user(image(png), id="h-1")
    out = prepare_messages([human, ai, tool], provider=VLLM, options=NO_UUID)
    assert isinstance(out[0], HumanMessage)
    assert out[0].id == "h-1"
    assert out[1] is ai
    assert isinstance(out[2], ToolMessage)
    assert (out[2].tool_call_id, out[2].name) == ("call-1", "screenshot")
    assert out[2].content == [
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64(png)}"}}
    ]
    assert human.content == [image(png)]  # the input is not modified


# -- errors name the input and the fix --------------------------------------------------------


def test_file_id_is_refused() -> None:
    with pytest.raises(MediaSourceError) as caught:
        run({"type": "text", "text": "x"}, {"type": "image", "file_id": "file-abc"})
    assert str(caught.value) == (
        "image #1 in message 1 refers to file_id 'file-abc'; Nemotron servers have no Files "
        "API. Pass the media itself: a path, bytes, base64, or an http(s) URL."
    )


def test_labels_count_per_kind_and_message(tmp_path: Path) -> None:
    png = ms.image_bytes("PNG")
    messages: list[BaseMessage] = [
        user(image(png)),
        AIMessage(content="ok"),
        user(
            image(png),
            video(ms.write_video(tmp_path / "v.mp4")),
            {"type": "image", "base64": b64(b"junk bytes!"), "mime_type": "image/png"},
        ),
    ]
    with pytest.raises(
        UnknownMediaTypeError, match=r"media image #2 in message 3 is: its first bytes"
    ):
        prepare_messages(messages, provider=VLLM, cache=MediaCache())


def test_corrupt_image_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    path.write_bytes(ms.image_bytes("PNG", size=(200, 200))[:300])
    with pytest.raises(CorruptMediaError) as caught:
        run(image(path))
    message = str(caught.value)
    assert message.startswith("'cut.png' (image #1 in message 1) looks like an image but cannot")
    assert message.endswith("The file is damaged or truncated: export or capture it again.")


def test_unsupported_url_scheme() -> None:
    with pytest.raises(MediaSourceError, match=r"has URL 'ftp://x/y.png', which is neither"):
        run({"type": "image", "url": "ftp://x/y.png"})


def test_block_without_a_source() -> None:
    with pytest.raises(MediaSourceError, match="has no url, base64 or file_id"):
        run({"type": "image", "base64": ""})


def test_malformed_raw_parts() -> None:
    with pytest.raises(
        MediaSourceError, match=r"malformed input_audio part: it needs input_audio="
    ):
        run({"type": "input_audio", "input_audio": "nope"})
    with pytest.raises(MediaSourceError, match=r"malformed image_url part: it needs image_url="):
        run({"type": "image_url", "image_url": {"detail": "auto"}})
    with pytest.raises(MediaSourceError, match=r"malformed video part: it needs string 'url'"):
        run({"type": "video", "url": 42})


def test_invalid_base64() -> None:
    with pytest.raises(MediaSourceError, match="is not valid base64"):
        run({"type": "image", "base64": "iVBORw0KGgo!!!!", "mime_type": "image/png"})


def test_wrong_block_type_for_the_bytes(tmp_path: Path) -> None:
    wav = ms.write_audio(tmp_path / "t.wav").read_bytes()
    with pytest.raises(UnsupportedMediaError) as caught:
        run({"type": "image", "base64": b64(wav), "mime_type": "image/png"})
    assert str(caught.value) == (
        "image #1 in message 1 is WAV (audio/wav), not an image. Send it with audio() "
        "(a audio block) instead."
    )


def test_modality_the_provider_cannot_take() -> None:
    with pytest.raises(ModalityNotSupportedError) as caught:
        run(image("https://example.com/a.png"), provider="fal")
    assert str(caught.value) == (
        "image #1 in message 1: provider 'fal' does not take image input (it takes video). "
        "Remove it, or use a provider that does (e.g. vllm, nvidia)."
    )


def test_text_only_model_refuses_media_before_reading_it() -> None:
    with pytest.raises(ModalityNotSupportedError) as caught:
        run(
            {"type": "image", "url": "file:///nonexistent.png"},
            provider="nvidia",
            model="nvidia/nemotron-3-nano-30b-a3b",
        )
    assert str(caught.value) == (
        "'nonexistent.png' (image #1 in message 1): model 'nvidia/nemotron-3-nano-30b-a3b' is "
        "text-only (Nemotron 3 Nano) and cannot take image. Use Nemotron 3 Nano Omni "
        "(nvidia/nemotron-3-nano-omni-30b-a3b-reasoning) or remove the image."
    )
    # haimaker serves the Omni checkpoint under that id: media is fine there.
    assert run(
        image("https://e.com/a.png"), provider="haimaker", model="nvidia/nemotron-3-nano-30b-a3b"
    )


def test_pdf_needs_image_input(tmp_path: Path) -> None:
    path = ms.write_pdf(tmp_path / "a.pdf", ["x"])
    with pytest.raises(ModalityNotSupportedError, match="does not take image input"):
        run(pdf(path), provider="fal")


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
