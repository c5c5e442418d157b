"""A hosted provider's key from the environment goes to that provider's own endpoint only.

A capture server on loopback stands in for "another address" and records every request's
headers: with the key in the environment and ``base_url`` pointing at it, the model refuses
to be built, and nothing reaches the server; a key passed explicitly is the owner's choice.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import SecretStr

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.errors import KeyDestinationError
from langchain_nemotron_omni.providers import BASE_URL_ENV, PROVIDERS

SECRET = "sk-hosted-secret-0123456789"
HOSTED = [name for name, spec in PROVIDERS.items() if spec.key_required]


class Capture:
    """Records the headers of every request; answers like a Chat Completions server."""

    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def do_POST(self) -> None:
                capture.headers.append({k.lower(): v for k, v in self.headers.items()})
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                body = json.dumps(
                    {
                        "id": "x",
                        "object": "chat.completion",
                        "created": 0,
                        "model": "m",
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": "ok"},
                                "finish_reason": "stop",
                            }
                        ],
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v1"


@pytest.fixture
def capture() -> Iterator[Capture]:
    server = Capture()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.mark.parametrize("provider", HOSTED)
def test_an_environment_key_is_not_sent_to_another_base_url(
    provider: str, capture: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    variable = PROVIDERS[provider].key_env  # type: ignore[index]
    assert variable is not None
    monkeypatch.setenv(variable, SECRET)
    with pytest.raises(KeyDestinationError) as caught:
        ChatNemotronOmni(provider=provider, base_url=capture.url, max_retries=0)
    message = str(caught.value)
    assert variable in message
    assert capture.url in message
    assert "api_key=" in message
    assert SECRET not in message
    assert capture.headers == []


def test_nor_to_the_base_url_the_environment_names(
    capture: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NVIDIA_API_KEY", SECRET)
    monkeypatch.setenv(BASE_URL_ENV, capture.url)
    with pytest.raises(KeyDestinationError, match="NVIDIA_API_KEY"):
        ChatNemotronOmni(provider="nvidia")
    assert capture.headers == []


def test_an_explicit_key_goes_where_its_owner_sends_it(
    capture: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NVIDIA_API_KEY", SECRET)
    llm = ChatNemotronOmni(
        provider="nvidia", base_url=capture.url, api_key="owner-key", model="m", max_retries=0
    )
    assert llm.invoke("Hi").content == "ok"
    assert [h["authorization"] for h in capture.headers] == ["Bearer owner-key"]


@pytest.mark.parametrize("provider", HOSTED)
def test_the_providers_own_endpoint_gets_its_key(
    provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = PROVIDERS[provider]  # type: ignore[index]
    assert spec.key_env is not None
    monkeypatch.setenv(spec.key_env, SECRET)
    llm = ChatNemotronOmni(provider=provider, base_url=spec.base_url.rstrip("/") + "/")
    assert isinstance(llm.openai_api_key, SecretStr)
    assert llm.openai_api_key.get_secret_value() == SECRET


def test_a_self_hosted_servers_key_follows_its_base_url(
    capture: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VLLM_API_KEY", "local-key")
    llm = ChatNemotronOmni(base_url=capture.url, model="m", max_retries=0)
    llm.invoke("Hi")
    assert [h["authorization"] for h in capture.headers] == ["Bearer local-key"]
