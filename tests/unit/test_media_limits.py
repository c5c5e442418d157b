"""Limits, video request fields, audio tracks, and what happens without PyAV or pypdfium2."""

from __future__ import annotations

import base64
import sys
import warnings
from typing import TYPE_CHECKING, Any

import pytest

from langchain_nemotron_omni.extras import MissingExtraError
from langchain_nemotron_omni.media import (
    CorruptMediaError,
    MediaCache,
    MediaOptions,
    MediaSizeWarning,
    MediaTooLargeError,
    MissingAudioTrackError,
    MissingMediaDependencyError,
    UnsupportedMediaError,
    audio,
    image,
    media_request_fields,
    pdf,
    prepare_messages,
    video,
)
from langchain_nemotron_omni.media.audiovisual import probe
from langchain_nemotron_omni.providers import PROVIDERS
from tests import media_samples as ms
from tests.media_samples import user

if TYPE_CHECKING:
    from pathlib import Path


def run(*parts: Any, provider: str = "vllm", options: MediaOptions | None = None) -> list[Any]:
    (message,) = prepare_messages(
        [user(*parts)],
        provider=PROVIDERS[provider],  # type: ignore[index]
        options=options or MediaOptions(uuid=False),
        cache=MediaCache(),
    )
    assert isinstance(message.content, list)
    return message.content


# -- sizes ------------------------------------------------------------------------------------


def test_hosted_api_warns_over_200_kb_with_the_fix() -> None:
    big = ms.screenshot_png((400, 300))
    assert len(big) > 200_000
    with pytest.warns(MediaSizeWarning) as caught:
        (part,) = run(image(big), provider="nvidia")
    assert part["image_url"]["url"].startswith("data:image/png;base64,")
    size_mb = len(part["image_url"]["url"]) / 1e6
    assert str(caught[0].message) == (
        f"image #1 in message 1 is {size_mb:.1f} MB as sent; NVIDIA's API catalog asks for "
        "media over 200 KB to be uploaded as an NVCF asset; send a smaller file (downscale or "
        "trim it), or self-host the model. Pass MediaOptions(strict_limits=True) to make this "
        "an error."
    )


def test_hosted_api_size_is_an_error_with_strict_limits() -> None:
    big = ms.screenshot_png((400, 300))
    with pytest.raises(MediaTooLargeError, match=r"NVCF asset.*\(strict_limits=True\)$"):
        run(image(big), provider="nvidia", options=MediaOptions(strict_limits=True))


def test_small_media_and_self_hosted_servers_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run(image(ms.image_bytes("PNG")), provider="nvidia")
        run(image(ms.screenshot_png((400, 300))), provider="vllm")


def test_max_item_bytes() -> None:
    png = ms.image_bytes("PNG")
    with pytest.raises(MediaTooLargeError) as caught:
        run(image(png), options=MediaOptions(max_item_bytes=100))
    sent = len("data:image/png;base64,") + len(base64.b64encode(png))
    assert str(caught.value) == (
        f"image #1 in message 1 is {sent / 1000:.0f} KB as sent, over max_item_bytes (0 KB). "
        "Downscale or recompress it (JPEG), or raise max_item_bytes."
    )


def test_pdf_pages_get_the_size_check(tmp_path: Path) -> None:
    path = ms.write_pdf(tmp_path / "a.pdf", ["x"])
    from langchain_nemotron_omni.media import pdf  # noqa: PLC0415

    with pytest.raises(MediaTooLargeError, match=r"^page 1 of 'a.pdf' \(file #1 in message 1\)"):
        run(pdf(path, dpi=20), options=MediaOptions(max_item_bytes=10))


# -- durations --------------------------------------------------------------------------------


def test_video_duration_hard_limit_from_the_options(tmp_path: Path) -> None:
    path = ms.write_video(tmp_path / "clip.mp4", seconds=2.0)
    with pytest.raises(MediaTooLargeError) as caught:
        run(video(path), options=MediaOptions(max_video_seconds=1.5))
    assert str(caught.value) == (
        "'clip.mp4' (video #1 in message 1) lasts 2.0 s, over max_video_seconds (1.5 s). "
        "Trim it (e.g. `ffmpeg -i in -t 1.5 -c copy out`) or split it."
    )


def test_fal_refuses_videos_over_two_minutes(tmp_path: Path) -> None:
    path = ms.write_video(tmp_path / "long.mp4", seconds=121, fps=1, size=(16, 16), audio=False)
    with pytest.raises(MediaTooLargeError, match=r"lasts 121.0 s, over this provider's limit"):
        run(video(path), provider="fal")


def test_model_card_video_length_is_a_warning(tmp_path: Path) -> None:
    path = ms.write_video(tmp_path / "long.mp4", seconds=121, fps=1, size=(16, 16), audio=False)
    with pytest.warns(MediaSizeWarning, match=r"the model card supports video up to 120 s"):
        (part,) = run(video(path))
    assert part["type"] == "video_url"
    with pytest.raises(MediaTooLargeError, match="model card supports video"):
        run(video(path), options=MediaOptions(strict_limits=True))


def test_audio_over_an_hour_warns(tmp_path: Path) -> None:
    # FLAC squeezes an hour of near-silence into a few hundred KB.
    path = ms.write_audio(tmp_path / "long.flac", fmt="flac", seconds=3601, rate=8000, amplitude=0)
    with pytest.warns(MediaSizeWarning, match=r"lasts 3601.0 s; the model card supports audio"):
        run(audio(path))


def test_audio_duration_hard_limit(tmp_path: Path) -> None:
    path = ms.write_audio(tmp_path / "t.wav", seconds=1.0)
    with pytest.raises(MediaTooLargeError, match=r"lasts 1.0 s, over max_audio_seconds \(0.5 s\)"):
        run(audio(path), options=MediaOptions(max_audio_seconds=0.5))


# -- corrupt video and audio ------------------------------------------------------------------


def test_corrupt_video(tmp_path: Path) -> None:
    good = ms.write_video(tmp_path / "good.mp4").read_bytes()
    path = tmp_path / "bad.mp4"
    path.write_bytes(good[:40] + b"\x00" * 400)
    with pytest.raises(CorruptMediaError) as caught:
        run(video(path))
    message = str(caught.value)
    assert message.startswith("'bad.mp4' (video #1 in message 1) cannot be read as video or")
    assert message.endswith("The file is damaged or truncated: record or export it again.")


def test_corrupt_webm_cannot_be_converted(tmp_path: Path) -> None:
    path = tmp_path / "bad.webm"
    path.write_bytes(b"\x1a\x45\xdf\xa3" + b"webm" + b"\x01" * 300)
    with pytest.raises(CorruptMediaError, match=r"^'bad.webm' \(video #1 in message 1\) cannot"):
        run(video(path))


def test_video_block_with_only_sound(tmp_path: Path) -> None:
    path = ms.write_audio(tmp_path / "sound.mp4", fmt="mp4", codec="aac")
    with pytest.raises(UnsupportedMediaError) as caught:
        run(video(path))
    assert str(caught.value) == (
        "'sound.mp4' (video #1 in message 1) has no picture, only sound. Send it as audio "
        "instead of video."
    )


def test_probe_reports_streams_and_duration(tmp_path: Path) -> None:
    info = probe(ms.write_video(tmp_path / "a.mp4", seconds=2.0), what="a")
    assert (info.has_video, info.has_audio, info.video_codec, info.audio_codec) == (
        True,
        True,
        "h264",
        "aac",
    )
    assert info.duration == pytest.approx(2.0, abs=0.05)


# -- media_request_fields and use_audio_in_video ----------------------------------------------


def test_no_fields_without_video(tmp_path: Path) -> None:
    messages = [user(image(ms.image_bytes("PNG")))]
    assert media_request_fields(MediaOptions(fps=2, use_audio_in_video=True), messages) == {}


def test_both_frame_fields_are_sent(tmp_path: Path) -> None:
    messages = [user(video("https://example.com/v.mp4"))]
    assert media_request_fields(MediaOptions(fps=2.0), messages) == {
        "media_io_kwargs": {"video": {"fps": 2.0, "num_frames": 512}}
    }
    assert media_request_fields(MediaOptions(num_frames=64), messages) == {
        "media_io_kwargs": {"video": {"fps": 1.0, "num_frames": 64}}
    }
    assert media_request_fields(MediaOptions(fps=4, num_frames=8), messages) == {
        "media_io_kwargs": {"video": {"fps": 4, "num_frames": 8}}
    }
    assert media_request_fields(MediaOptions(), messages) == {}  # server defaults hold


def test_use_audio_in_video_on_original_and_prepared_messages(tmp_path: Path) -> None:
    path = ms.write_video(tmp_path / "talk.mp4")
    messages = [user(video(path))]
    options = MediaOptions(use_audio_in_video=True)
    expected = {"mm_processor_kwargs": {"use_audio_in_video": True}}
    assert media_request_fields(options, messages) == expected
    prepared = prepare_messages(messages, provider=PROVIDERS["vllm"], options=options)
    assert media_request_fields(options, prepared) == expected
    # Chat Completions dicts work too.
    as_dicts = [{"role": "user", "content": prepared[0].content}]
    assert media_request_fields(MediaOptions(use_audio_in_video=True, uuid=False), as_dicts) == (
        expected
    )


def test_use_audio_in_video_needs_a_sound_track(tmp_path: Path) -> None:
    path = ms.write_video(tmp_path / "silent.mp4", audio=False)
    messages = [user(video(path))]
    options = MediaOptions(use_audio_in_video=True)
    expected = (
        "'silent.mp4' (video #1 in message 1) has no audio track, but use_audio_in_video is "
        "on: vLLM would pair the videos with too few audio items and reject the request. Turn "
        "use_audio_in_video off for this request, or send a video that has sound."
    )
    with pytest.raises(MissingAudioTrackError) as caught:
        prepare_messages(messages, provider=PROVIDERS["vllm"], options=options, cache=MediaCache())
    assert str(caught.value) == expected
    with pytest.raises(MissingAudioTrackError) as caught:
        media_request_fields(options, messages)
    assert str(caught.value) == expected
    # Checked even when the other checks are off.
    with pytest.raises(MissingAudioTrackError):
        prepare_messages(
            messages,
            provider=PROVIDERS["vllm"],
            options=MediaOptions(use_audio_in_video=True, check=False),
            cache=MediaCache(),
        )


def test_use_audio_in_video_refuses_separate_audio(tmp_path: Path) -> None:
    clip = ms.write_video(tmp_path / "talk.mp4")
    tone = ms.write_audio(tmp_path / "tone.wav")
    messages = [user(video(clip), audio(tone))]
    options = MediaOptions(use_audio_in_video=True)
    expected = (
        "'tone.wav' (audio #1 in message 1) is sent next to 1 video(s) with use_audio_in_video "
        "on; vLLM then needs exactly one audio item per video (their sound tracks) and rejects "
        "the request. Send the audio in its own request, or turn use_audio_in_video off."
    )
    with pytest.raises(UnsupportedMediaError) as caught:
        prepare_messages(messages, provider=PROVIDERS["vllm"], options=options)
    assert str(caught.value) == expected
    with pytest.raises(UnsupportedMediaError) as caught:
        media_request_fields(options, messages)
    assert str(caught.value) == expected


def test_remote_videos_cannot_be_checked_and_pass() -> None:
    server_file = {"type": "video_url", "video_url": {"url": "file:///srv/talk.mp4"}}
    messages = [user(video("https://example.com/v.mp4"), server_file)]
    fields = media_request_fields(MediaOptions(use_audio_in_video=True), messages)
    assert fields == {"mm_processor_kwargs": {"use_audio_in_video": True}}


# -- without PyAV -----------------------------------------------------------------------------


def test_missing_pyav_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = ms.write_video(
        tmp_path / "clip.webm", container="webm", video_codec="libvpx", audio_codec="libopus"
    )
    monkeypatch.setitem(sys.modules, "av", None)  # makes `import av` fail
    with pytest.raises(MissingMediaDependencyError) as caught:
        run(video(path))
    assert str(caught.value) == (
        "Checking 'clip.webm' (video #1 in message 1) needs PyAV, which is not installed. "
        "Install it with: pip install 'langchain-nemotron-omni[video]' (or pass "
        "MediaOptions(check=False) to send MP4/WAV/MP3/FLAC unchecked)."
    )
    assert isinstance(caught.value, MissingExtraError)
    assert isinstance(caught.value, ImportError)
    assert caught.value.extra == "video"


def test_formats_the_server_takes_need_no_pyav_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = ms.write_video(tmp_path / "clip.mp4")
    tone = ms.write_audio(tmp_path / "t.wav")
    monkeypatch.setitem(sys.modules, "av", None)
    parts = run(video(clip), audio(tone))
    assert [part["type"] for part in parts] == ["video_url", "audio_url"]
    assert parts[0]["video_url"]["url"].startswith("data:video/mp4;base64,")


@pytest.mark.parametrize(
    "options",
    [
        MediaOptions(check=True),
        MediaOptions(use_audio_in_video=True),
        MediaOptions(max_video_seconds=60),
    ],
    ids=["check", "audio-in-video", "duration-limit"],
)
def test_pyav_is_needed_when_an_option_asks_for_a_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: MediaOptions
) -> None:
    clip = ms.write_video(tmp_path / "clip.mp4")
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(MissingMediaDependencyError, match=r"\[video\]"):
        run(video(clip), options=options)


def test_missing_pypdfium2_names_the_pdf_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = ms.write_pdf(tmp_path / "report.pdf", ["One"])
    monkeypatch.setitem(sys.modules, "pypdfium2", None)
    # As in a fresh process: the PDF layer is imported (and its dependency checked) on first use.
    monkeypatch.delitem(sys.modules, "langchain_nemotron_omni.media.pdf.document")
    with pytest.raises(MissingMediaDependencyError) as caught:
        run(pdf(report))
    assert str(caught.value) == (
        "Reading PDFs needs pypdfium2, which is not installed. "
        "Install it with: pip install 'langchain-nemotron-omni[pdf]'."
    )
    assert caught.value.install == "pip install 'langchain-nemotron-omni[pdf]'"


def test_check_false_sends_accepted_formats_without_pyav(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = ms.write_video(tmp_path / "clip.mp4").read_bytes()
    tone = ms.write_audio(tmp_path / "t.wav").read_bytes()
    monkeypatch.setitem(sys.modules, "av", None)
    parts = run(video(clip), audio(tone), options=MediaOptions(check=False, uuid=False))
    assert parts == [
        {
            "type": "video_url",
            "video_url": {"url": "data:video/mp4;base64," + base64.b64encode(clip).decode()},
        },
        {
            "type": "audio_url",
            "audio_url": {"url": "data:audio/wav;base64," + base64.b64encode(tone).decode()},
        },
    ]


def test_images_and_pdfs_never_need_pyav(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from langchain_nemotron_omni.media import pdf  # noqa: PLC0415

    doc = ms.write_pdf(tmp_path / "a.pdf", ["x"])
    monkeypatch.setitem(sys.modules, "av", None)
    parts = run(image(ms.image_bytes("WEBP")), pdf(doc, dpi=10))
    assert [p["type"] for p in parts] == ["image_url", "text", "image_url"]


# -- speech -----------------------------------------------------------------------------------


def test_espeak_speech_is_sent_as_wav(tmp_path: Path) -> None:
    path = ms.espeak_wav(tmp_path / "speech.wav", "The meeting moved to Thursday.")
    if path is None:
        pytest.skip("espeak-ng is not on PATH (CI installs it: apt-get install espeak-ng)")
    (part,) = run(audio(path))
    assert part == {
        "type": "audio_url",
        "audio_url": {
            "url": "data:audio/wav;base64," + base64.b64encode(path.read_bytes()).decode()
        },
    }
    info = probe(path, what="speech")
    assert info.duration is not None
    assert 0.5 < info.duration < 10
