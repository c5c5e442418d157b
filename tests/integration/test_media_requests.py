"""Prepared media parts sent over HTTP with the openai SDK to the fake vLLM server.

Each test checks the exact parts that arrive, and that the server (which validates part
types, data URLs and file:// paths like vLLM 0.20) accepted them.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from langchain_core.messages import BaseMessage
from langchain_openai.chat_models.base import _convert_message_to_dict

from langchain_nemotron_omni.media import (
    MediaCache,
    MediaOptions,
    MediaSourceError,
    audio,
    image,
    media_request_fields,
    pdf,
    prepare_messages,
    video,
)
from langchain_nemotron_omni.providers import PROVIDERS
from langchain_nemotron_omni.testing import FakeNemotronServer
from tests import media_samples as ms
from tests.media_samples import user

ANSWER = "Looked at it.\n</think>\nA red square."


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    return folder


@pytest.fixture
def server(media_dir: Path) -> Iterator[FakeNemotronServer]:
    with FakeNemotronServer([ANSWER] * 4, allowed_local_media_path=media_dir) as fake:
        yield fake


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def send(
    server: FakeNemotronServer,
    messages: list[BaseMessage],
    *,
    provider: str = "vllm",
    options: MediaOptions | None = None,
) -> list[Any]:
    """Prepare, convert with LangChain's own message converter, send; returns what arrived."""
    options = options or MediaOptions()
    prepared = prepare_messages(
        messages,
        provider=PROVIDERS[provider],  # type: ignore[index]
        options=options,
        cache=MediaCache(),
    )
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)
    reply = client.chat.completions.create(
        model="nemotron",
        messages=[_convert_message_to_dict(m) for m in prepared],  # type: ignore[misc]
        extra_body=media_request_fields(options, prepared),
    )
    assert reply.choices[0].message.content == "\nA red square."
    body = server.requests[-1].body
    content: list[Any] = body["messages"][0]["content"]
    assert content == prepared[0].content  # LangChain and HTTP passed every part unchanged
    return content


def test_every_image_source_kind(server: FakeNemotronServer, media_dir: Path) -> None:
    png = ms.image_bytes("PNG")
    jpeg_path = media_dir / "photo.jpeg"
    jpeg_path.write_bytes(ms.image_bytes("JPEG"))
    webp_path = media_dir / "sticker.webp"
    webp_path.write_bytes(ms.image_bytes("WEBP"))
    message = user(
        {"type": "text", "text": "Compare these."},
        image(png),  # bytes
        image(jpeg_path),  # a path
        image(webp_path),  # a path needing conversion
        image(f"data:image/png;base64,{b64(png)}"),  # a data URI
        image("https://example.com/cat.png"),  # a URL, never fetched
        {"type": "image", "source_type": "base64", "data": b64(png), "mime_type": "image/png"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64(png)}"}},
    )
    content = send(server, [message], options=MediaOptions(uuid=False))
    png_url = f"data:image/png;base64,{b64(png)}"
    assert content[0] == {"type": "text", "text": "Compare these."}
    assert content[1] == {"type": "image_url", "image_url": {"url": png_url}}
    assert content[2] == {
        "type": "image_url",
        "image_url": {"url": f"data:image/jpeg;base64,{b64(jpeg_path.read_bytes())}"},
    }
    assert content[3]["image_url"]["url"].startswith("data:image/png;base64,iVBOR")
    assert content[4] == content[6] == content[7] == content[1]
    assert content[5] == {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    assert server.requests[-1].prompt.count("<image>") == 7


def test_uuid_keys_reach_the_server(server: FakeNemotronServer) -> None:
    png = ms.image_bytes("PNG")
    content = send(server, [user(image(png))])
    assert content == [
        {
            "type": "image_url",
            "image_url": {"url": f"data:image/png;base64,{b64(png)}"},
            "uuid": hashlib.sha256(png).hexdigest(),
        }
    ]


def test_video_and_audio_inline(server: FakeNemotronServer, media_dir: Path) -> None:
    mp4 = ms.write_video(media_dir / "clip.mp4")
    webm = ms.write_video(
        media_dir / "screen.webm", container="webm", video_codec="libvpx", audio_codec="libopus"
    )
    wav = ms.write_audio(media_dir / "tone.wav")
    ogg = ms.write_audio(media_dir / "voice.ogg", fmt="ogg")
    message = user(video(mp4), video(webm), audio(wav), audio(ogg), audio(mp4.read_bytes()))
    content = send(server, [message], options=MediaOptions(uuid=False, fps=2))
    assert content[0] == {
        "type": "video_url",
        "video_url": {"url": f"data:video/mp4;base64,{b64(mp4.read_bytes())}"},
    }
    assert content[1]["video_url"]["url"].startswith("data:video/mp4;base64,")
    assert content[2] == {
        "type": "audio_url",
        "audio_url": {"url": f"data:audio/wav;base64,{b64(wav.read_bytes())}"},
    }
    assert content[3]["audio_url"]["url"].startswith("data:audio/wav;base64,UklGR")
    assert content[4]["audio_url"]["url"].startswith("data:audio/wav;base64,UklGR")
    body = server.requests[-1].body
    assert body["media_io_kwargs"] == {"video": {"fps": 2, "num_frames": 512}}
    assert "media_io_kwargs" not in server.requests[-1].ignored_fields


def test_use_audio_in_video_fields_arrive(server: FakeNemotronServer, media_dir: Path) -> None:
    clip = ms.write_video(media_dir / "talk.mp4")
    options = MediaOptions(use_audio_in_video=True, fps=1, num_frames=16)
    send(server, [user(video(clip))], options=options)
    body = server.requests[-1].body
    assert body["mm_processor_kwargs"] == {"use_audio_in_video": True}
    assert body["media_io_kwargs"] == {"video": {"fps": 1, "num_frames": 16}}


def test_file_transport_sends_paths_the_server_reads(
    server: FakeNemotronServer, media_dir: Path
) -> None:
    clip = ms.write_video(media_dir / "clip.mp4")
    webm = ms.write_video(
        media_dir / "screen.webm", container="webm", video_codec="libvpx", audio_codec="libopus"
    )
    options = MediaOptions(transport="file", allowed_local_media_path=media_dir)
    content = send(server, [user(video(clip), video(webm))], options=options)
    assert content[0] == {
        "type": "video_url",
        "video_url": {"url": clip.resolve().as_uri()},
        "uuid": hashlib.sha256(clip.read_bytes()).hexdigest(),
    }
    converted = content[1]["video_url"]["url"]
    assert converted.startswith((media_dir.resolve() / ".nemotron-omni-converted").as_uri())
    assert converted.endswith(".mp4")


def test_outside_files_are_refused_before_any_request(
    server: FakeNemotronServer, tmp_path: Path, media_dir: Path
) -> None:
    outside = ms.write_video(tmp_path / "private.mp4")
    options = MediaOptions(transport="file", allowed_local_media_path=media_dir)
    with pytest.raises(MediaSourceError, match="is not under allowed_local_media_path"):
        send(server, [user(video(outside))], options=options)
    assert server.requests == []


def test_pdf_pages_arrive_as_labelled_images(server: FakeNemotronServer, media_dir: Path) -> None:
    doc = ms.write_pdf(media_dir / "report.pdf", ["Cover", "Results"])
    scan = ms.write_scanned_pdf(media_dir / "scan.pdf", page_count=1)
    message = user(
        {"type": "text", "text": "Summarise"},
        pdf(doc, dpi=30),
        pdf(scan.read_bytes(), dpi=30),
    )
    content = send(server, [message], options=MediaOptions(uuid=False))
    assert [part["type"] for part in content] == [
        "text",
        "text",
        "image_url",
        "text",
        "image_url",
        "text",
        "image_url",
    ]
    assert [part["text"] for part in content if part["type"] == "text"] == [
        "Summarise",
        "Page 1:",
        "Page 2:",
        "Page 1:",
    ]
    prompt = server.requests[-1].prompt
    assert prompt.count("<image>") == 3
    assert "Page 2:" in prompt


def test_openrouter_shape_input_audio(server: FakeNemotronServer, media_dir: Path) -> None:
    mp3 = ms.write_audio(media_dir / "t.mp3", fmt="mp3")
    content = send(server, [user(audio(mp3))], provider="openrouter")
    assert content == [
        {"type": "input_audio", "input_audio": {"data": b64(mp3.read_bytes()), "format": "mp3"}}
    ]


def test_raw_parts_from_other_code_pass(server: FakeNemotronServer, media_dir: Path) -> None:
    wav = ms.write_audio(media_dir / "t.wav").read_bytes()
    message = user(
        {"type": "video_url", "video_url": {"url": "https://example.com/v.mp4"}},
        {"type": "input_audio", "input_audio": {"data": b64(wav), "format": "wav"}},
    )
    content = send(server, [message], options=MediaOptions(uuid=False))
    assert content == [
        {"type": "video_url", "video_url": {"url": "https://example.com/v.mp4"}},
        {"type": "audio_url", "audio_url": {"url": f"data:audio/wav;base64,{b64(wav)}"}},
    ]


def test_speech_made_by_espeak(server: FakeNemotronServer, media_dir: Path) -> None:
    speech = ms.espeak_wav(media_dir / "speech.wav", "Please summarise the meeting notes.")
    if speech is None:
        pytest.skip("espeak-ng is not on PATH (CI installs it: apt-get install espeak-ng)")
    content = send(server, [user({"type": "text", "text": "What is asked?"}, audio(speech))])
    assert content[1] == {
        "type": "audio_url",
        "audio_url": {"url": f"data:audio/wav;base64,{b64(speech.read_bytes())}"},
        "uuid": hashlib.sha256(speech.read_bytes()).hexdigest(),
    }
    assert server.requests[-1].prompt.count("<so_embedding>") == 1
