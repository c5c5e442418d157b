"""LangChain's standard integration suite, over real HTTP against FakeNemotronServer."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests
from PIL import Image

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.testing import FakeNemotronServer
from tests.integration.standard_responder import standard_responder
from tests.media_samples import write_audio, write_pdf


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def standard_server() -> Iterator[FakeNemotronServer]:
    with FakeNemotronServer(standard_responder, model=["nemotron", "nemotron-alt"]) as server:
        yield server


@pytest.fixture(scope="module")
def local_media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("standard-media")
    wav = write_audio(folder / "tone.wav", seconds=0.5)
    pdf = write_pdf(folder / "doc.pdf", ["A dummy PDF page.", "Second page."])
    return {"png": _png(), "wav": wav.read_bytes(), "pdf": pdf.read_bytes()}


@pytest.fixture(autouse=True)
def offline_media(monkeypatch: pytest.MonkeyPatch, local_media: dict[str, bytes]) -> None:
    """The suite downloads sample media; serve files made here instead (no network)."""

    def fake_get(url: str, **_: Any) -> httpx.Response:
        kind = "pdf" if url.endswith(".pdf") else "png"
        return httpx.Response(200, content=local_media[kind], request=httpx.Request("GET", url))

    def fake_b64(url: str) -> str:
        return base64.b64encode(local_media["wav"]).decode()

    module = "langchain_tests.integration_tests.chat_models"
    monkeypatch.setattr(f"{module}.httpx.get", fake_get)
    monkeypatch.setattr(f"{module}._get_base64_from_url", fake_b64)


class TestChatNemotronOmniStandard(ChatModelIntegrationTests):
    @pytest.fixture(autouse=True)
    def _server(self, standard_server: FakeNemotronServer) -> None:
        type(self)._base_url = standard_server.base_url

    _base_url = ""

    @property
    def chat_model_class(self) -> type[ChatNemotronOmni]:
        return ChatNemotronOmni

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"base_url": self._base_url, "model": "nemotron", "max_retries": 0}

    @property
    def model_override_value(self) -> str:
        return "nemotron-alt"

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_anthropic_inputs(self) -> bool:
        return True

    @property
    def enable_vcr_tests(self) -> bool:
        # The stream-time benchmark replays tests/cassettes/, recorded from FakeNemotronServer
        # (`pytest --record-mode=once`); cassettes match on path and body, not on the port.
        return True

    @property
    def supports_audio_inputs(self) -> bool:
        return True

    @property
    def supports_pdf_inputs(self) -> bool:
        # PDFs are rendered to page images here (vLLM has no file part).
        return True

    @property
    def supports_pdf_tool_message(self) -> bool:
        return True

    @property
    def supports_video_inputs(self) -> bool:
        # The suite has no video test; tests/integration/test_media_model.py does.
        return True

    @property
    def supports_image_tool_message(self) -> bool:
        # vLLM rejects images in tool messages; they are moved into the next user turn.
        return True


@pytest.fixture(scope="module")
def raw_server() -> Iterator[FakeNemotronServer]:
    with FakeNemotronServer(
        standard_responder, flavor="raw", model=["nemotron", "nemotron-alt"]
    ) as server:
        yield server


class TestChatNemotronOmniOnARawServer(TestChatNemotronOmniStandard):
    """The same suite against a server with no reasoning or tool parser at all.

    The thought arrives as ``<think>`` text and tool calls as XML in the content; tools are
    written into the prompt. Everything is split and parsed on the client.
    """

    @pytest.fixture(autouse=True)
    def _server(self, raw_server: FakeNemotronServer) -> None:
        type(self)._base_url = raw_server.base_url

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            **super().chat_model_params,
            "reasoning_parser": "client",
            "tool_parser": "client",
        }
