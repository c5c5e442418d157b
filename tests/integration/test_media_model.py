"""Media through ChatNemotronOmni over HTTP, for every provider: what arrives is what vLLM takes."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.media import (
    MediaOptions,
    ModalityNotSupportedError,
    UnknownMediaTypeError,
    audio,
    image,
    pdf,
    video,
)
from langchain_nemotron_omni.testing import FakeNemotronServer
from tests import media_samples as ms

# Asked with thinking off (as NVIDIA advises for audio and video): the answer alone.
ANSWER = "Seen."
PROVIDERS = ["vllm", "sglang", "nim", "nvidia", "openrouter", "haimaker"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("model-media")
    (folder / "shot.webp").write_bytes(ms.image_bytes("WEBP"))
    return {
        "webp": folder / "shot.webp",
        "mp4": ms.write_video(folder / "clip.mp4"),
        "wav": ms.write_audio(folder / "tone.wav"),
        "pdf": ms.write_pdf(folder / "doc.pdf", ["Page one text", "Page two text"]),
    }


def _ask(provider: str, server: FakeNemotronServer, message: HumanMessage, **kw: Any) -> None:
    llm = ChatNemotronOmni(
        provider=provider, base_url=server.base_url, api_key="k", model="nemotron", **kw
    )
    assert llm.invoke([message], thinking=False).content == "Seen."


def _parts(server: FakeNemotronServer) -> list[str]:
    content = server.requests[-1].body["messages"][-1]["content"]
    return [part["type"] for part in content]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_image_audio_video_from_paths(provider: str, files: dict[str, Path]) -> None:
    message = HumanMessage(
        content_blocks=[
            {"type": "text", "text": "Describe all three."},
            image(files["webp"]),
            audio(files["wav"]),
            video(files["mp4"]),
        ]
    )
    with FakeNemotronServer(
        [ANSWER], flavor="sglang" if provider == "sglang" else "vllm"
    ) as server:
        _ask(provider, server, message)
        parts = server.requests[-1].body["messages"][-1]["content"]
    kinds = [p["type"] for p in parts]
    assert kinds[0] == "text"
    assert "image_url" in kinds
    assert "video_url" in kinds
    assert ("input_audio" if provider == "openrouter" else "audio_url") in kinds
    image_part = next(p for p in parts if p["type"] == "image_url")
    if provider in {"nvidia", "openrouter"}:  # hosted APIs take WebP as it is
        assert image_part["image_url"]["url"].startswith("data:image/webp;base64,")
    else:  # vLLM and the rest do not: converted to PNG locally
        assert image_part["image_url"]["url"].startswith("data:image/png;base64,")
    video_part = next(p for p in parts if p["type"] == "video_url")
    assert video_part["video_url"]["url"].startswith("data:video/mp4;base64,")
    if provider == "vllm":
        assert len(image_part["uuid"]) == 64  # vLLM's media cache key: the content hash


def test_video_controls_reach_the_server(files: dict[str, Path]) -> None:
    message = HumanMessage(
        content_blocks=[{"type": "text", "text": "What happens?"}, video(files["mp4"])]
    )
    with FakeNemotronServer([ANSWER]) as server:
        _ask("vllm", server, message, media=MediaOptions(fps=2.0))
        body = server.requests[-1].body
    assert body["media_io_kwargs"] == {"video": {"fps": 2.0, "num_frames": 512}}
    assert "<video>" in server.requests[-1].prompt


def test_pdf_becomes_page_images(files: dict[str, Path]) -> None:
    message = HumanMessage(
        content_blocks=[{"type": "text", "text": "Summarize."}, pdf(files["pdf"])]
    )
    with FakeNemotronServer([ANSWER]) as server:
        _ask("vllm", server, message)
    assert _parts(server) == ["text", "text", "image_url", "text", "image_url"]


def test_text_only_model_refuses_media_before_sending(files: dict[str, Path]) -> None:
    message = HumanMessage(content_blocks=[{"type": "text", "text": "?"}, image(files["webp"])])
    with FakeNemotronServer([ANSWER]) as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nvidia/nemotron-3-nano-30b-a3b")
        with pytest.raises(ModalityNotSupportedError):
            llm.invoke([message])
        assert server.requests == []


def test_not_media_at_all_is_named(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("just some text, not a video")
    block = {"type": "video", "base64": base64.b64encode(bogus.read_bytes()).decode()}
    message = HumanMessage(
        content=[{"type": "text", "text": "?"}, {**block, "mime_type": "video/mp4"}]
    )
    with FakeNemotronServer([ANSWER]) as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
        with pytest.raises(UnknownMediaTypeError, match="video #1 in message 1"):
            llm.invoke([message])
        assert server.requests == []
    with pytest.raises(UnknownMediaTypeError, match="read from the bytes, not the file name"):
        video(bogus)
