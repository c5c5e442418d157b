"""prepare_messages on raw OpenAI-style parts and legacy blocks, and its errors: each names
the input and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from langchain_nemotron_omni.media import (
    CorruptMediaError,
    MediaCache,
    MediaOptions,
    MediaSourceError,
    ModalityNotSupportedError,
    UnknownMediaTypeError,
    UnsupportedMediaError,
    image,
    pdf,
    prepare_messages,
    video,
)
from langchain_nemotron_omni.providers import PROVIDERS
from tests import media_samples as ms
from tests.media_samples import NO_UUID, b64, run, sha, user

VLLM = PROVIDERS["vllm"]


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
