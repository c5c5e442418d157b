"""Served graphs' endpoints come from the deployment; a key only goes where it was configured."""

from __future__ import annotations

import json

import pytest

from langchain_nemotron_omni.agents.common import (
    AgentSettings,
    Deployment,
    DeploymentConfigError,
    EndpointNotAllowedError,
    deployment_model,
)
from langchain_nemotron_omni.testing import FakeNemotronServer
from tests.capture_server import CaptureServer

SECRETS = {
    "NVIDIA_API_KEY": "nvapi-secret-of-the-deployment",
    "VLLM_API_KEY": "vllm-secret-of-the-deployment",
    "OPENROUTER_API_KEY": "sk-or-secret-of-the-deployment",
}


def test_the_default_endpoint_is_the_environments(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeNemotronServer(["t\n</think>\nfrom default"], model="nemotron") as server:
        monkeypatch.setenv("NEMOTRON_OMNI_BASE_URL", server.base_url)
        monkeypatch.setenv("NEMOTRON_OMNI_PROVIDER", "vllm")
        monkeypatch.setenv("NEMOTRON_OMNI_MODEL", "nemotron")
        assert deployment_model(AgentSettings()).invoke("hi").content == "from default"
        assert server.requests[0].body["model"] == "nemotron"


def test_a_named_endpoint_gets_only_its_own_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("B_KEY", "b-endpoint-key")
    with CaptureServer() as capture:
        endpoints = (
            f'{{"b": {{"base_url": "{capture.base_url}", "provider": "vllm", '
            f'"model": "nemotron", "api_key_env": "B_KEY"}}, '
            f'"nokey": {{"base_url": "{capture.base_url}", "provider": "nvidia"}}}}'
        )
        monkeypatch.setenv("NEMOTRON_OMNI_ENDPOINTS", endpoints)
        assert deployment_model(AgentSettings(endpoint="b")).invoke("hi").content == "captured"
        deployment_model(AgentSettings(endpoint="nokey", model="other")).invoke("hi")
    first, second = capture.requests
    assert first["headers"]["authorization"] == "Bearer b-endpoint-key"
    assert second["headers"]["authorization"] == "Bearer EMPTY"
    assert json.loads(second["body"])["model"] == "other"
    assert not any(capture.seen(secret) for secret in SECRETS.values())


def test_unlisted_endpoints_are_refused() -> None:
    deployment = Deployment.from_env({"NEMOTRON_OMNI_ENDPOINTS": '{"fast": {"model": "m"}}'})
    assert sorted(deployment.endpoints) == ["default", "fast"]
    with pytest.raises(
        EndpointNotAllowedError, match=r"'elsewhere' is not configured.*default, fast"
    ):
        deployment.chat_model(AgentSettings(endpoint="elsewhere"))


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1]", "JSON object"),
        ('{"a": 1}', "must be an object"),
        ('{"a": {"base_url": "http://x", "password": "p"}}', "not a valid endpoint"),
        ('{"a": {"provider": "nope"}}', "not a valid endpoint"),
        ('{"default": {"base_url": "http://x", "api_key_env": "K"}}', "cannot list 'default'"),
    ],
)
def test_bad_endpoint_configuration_says_what_is_wrong(raw: str, problem: str) -> None:
    with pytest.raises(DeploymentConfigError, match=problem):
        Deployment.from_env({"NEMOTRON_OMNI_ENDPOINTS": raw})


def test_an_endpoint_whose_key_variable_is_unset_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MISSING_KEY", raising=False)
    monkeypatch.setenv(
        "NEMOTRON_OMNI_ENDPOINTS",
        '{"k": {"base_url": "http://127.0.0.1:9/v1", "api_key_env": "MISSING_KEY"}}',
    )
    with pytest.raises(DeploymentConfigError, match="MISSING_KEY, which is not set"):
        deployment_model(AgentSettings(endpoint="k"))
