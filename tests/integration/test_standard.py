"""LangChain's standard integration suite, over real HTTP against FakeNemotronServer."""

from __future__ import annotations

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


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def standard_server() -> Iterator[FakeNemotronServer]:
    with FakeNemotronServer(standard_responder, model=["nemotron", "nemotron-alt"]) as server:
        yield server


@pytest.fixture(autouse=True)
def offline_media(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite downloads a sample image; serve one made here instead (no network)."""
    png = _png()

    def fake_get(url: str, **_: Any) -> httpx.Response:
        return httpx.Response(200, content=png, request=httpx.Request("GET", url))

    monkeypatch.setattr("langchain_tests.integration_tests.chat_models.httpx.get", fake_get)


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

    # Not yet: audio, PDF and video inputs arrive with media support (issue 4).
    @property
    def supports_audio_inputs(self) -> bool:
        return False

    @property
    def supports_pdf_inputs(self) -> bool:
        return False

    @property
    def supports_video_inputs(self) -> bool:
        return False

    @property
    def supports_image_tool_message(self) -> bool:
        # vLLM rejects images in tool messages; they are moved into the next user turn.
        return True
