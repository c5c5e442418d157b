"""A hosted provider's key from the environment goes to that provider's own endpoint only.

A capture server on loopback stands in for "another address" and records every request's
headers: with the key in the environment and ``base_url`` pointing at it, the model refuses
to be built, and nothing reaches the server; a key passed explicitly is the owner's choice.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.errors import KeyDestinationError
from langchain_nemotron_omni.providers import BASE_URL_ENV, PROVIDERS
from tests.capture_server import CaptureServer

SECRET = "sk-hosted-secret-0123456789"
HOSTED = [name for name, spec in PROVIDERS.items() if spec.key_required]


@pytest.fixture
def capture() -> Iterator[CaptureServer]:
    with CaptureServer() as server:
        yield server


def _authorizations(capture: CaptureServer) -> list[str]:
    return [
        value
        for request in capture.requests
        for name, value in request["headers"].items()
        if name.lower() == "authorization"
    ]


@pytest.mark.parametrize("provider", HOSTED)
def test_an_environment_key_is_not_sent_to_another_base_url(
    provider: str, capture: CaptureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    variable = PROVIDERS[provider].key_env  # type: ignore[index]
    assert variable is not None
    monkeypatch.setenv(variable, SECRET)
    with pytest.raises(KeyDestinationError) as caught:
        ChatNemotronOmni(provider=provider, base_url=capture.base_url, max_retries=0)
    message = str(caught.value)
    assert variable in message
    assert capture.base_url in message
    assert "api_key=" in message
    assert SECRET not in message
    assert capture.requests == []


def test_nor_to_the_base_url_the_environment_names(
    capture: CaptureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NVIDIA_API_KEY", SECRET)
    monkeypatch.setenv(BASE_URL_ENV, capture.base_url)
    with pytest.raises(KeyDestinationError, match="NVIDIA_API_KEY"):
        ChatNemotronOmni(provider="nvidia")
    assert capture.requests == []


def test_an_explicit_key_goes_where_its_owner_sends_it(
    capture: CaptureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NVIDIA_API_KEY", SECRET)
    llm = ChatNemotronOmni(
        provider="nvidia", base_url=capture.base_url, api_key="owner-key", model="m", max_retries=0
    )
    assert llm.invoke("Hi").content == "captured"
    assert _authorizations(capture) == ["Bearer owner-key"]


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
    capture: CaptureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VLLM_API_KEY", "local-key")
    llm = ChatNemotronOmni(base_url=capture.base_url, model="m", max_retries=0)
    llm.invoke("Hi")
    assert _authorizations(capture) == ["Bearer local-key"]
