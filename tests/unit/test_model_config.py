"""Construction: provider resolution, keys, secrets, profiles (no network)."""

from __future__ import annotations

import pytest
from langchain_core.load import dumpd, dumps, load

from langchain_nemotron_omni import (
    PROVIDERS,
    ChatNemotronOmni,
    MissingAPIKeyError,
)
from langchain_nemotron_omni.errors import UnknownProviderError

_KEY_VARS = (
    "NVIDIA_API_KEY",
    "OPENROUTER_API_KEY",
    "HAIMAKER_API_KEY",
    "FAL_KEY",
    "VLLM_API_KEY",
    "SGLANG_API_KEY",
    "NIM_API_KEY",
    "NEMOTRON_OMNI_PROVIDER",
    "NEMOTRON_OMNI_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_API_BASE",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _KEY_VARS:
        monkeypatch.delenv(name, raising=False)


def test_default_is_local_vllm() -> None:
    llm = ChatNemotronOmni()
    assert llm.provider == "vllm"
    assert llm.openai_api_base == "http://localhost:8000/v1"
    assert llm.model_name == "nvidia/Nemotron-3-Nano-Omni-30B-A3B-Reasoning-BF16"
    assert llm.thinking is True
    assert llm.stream_usage is True


@pytest.mark.parametrize(
    ("variable", "provider", "base_url"),
    [
        ("NVIDIA_API_KEY", "nvidia", "https://integrate.api.nvidia.com/v1"),
        ("OPENROUTER_API_KEY", "openrouter", "https://openrouter.ai/api/v1"),
        ("HAIMAKER_API_KEY", "haimaker", "https://api.haimaker.ai/v1"),
    ],
)
def test_provider_from_key_in_environment(
    monkeypatch: pytest.MonkeyPatch, variable: str, provider: str, base_url: str
) -> None:
    monkeypatch.setenv(variable, "secret-from-env")
    llm = ChatNemotronOmni()
    assert llm.provider == provider
    assert llm.openai_api_base == base_url
    assert llm.openai_api_key is not None
    assert llm.openai_api_key.get_secret_value() == "secret-from-env"  # type: ignore[union-attr]


def test_explicit_base_url_means_self_hosted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NVIDIA_API_KEY", "nv")
    llm = ChatNemotronOmni(base_url="http://gpu-box:8000/v1")
    assert llm.provider == "vllm"
    assert llm.openai_api_key.get_secret_value() == "EMPTY"  # type: ignore[union-attr]


def test_provider_and_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEMOTRON_OMNI_PROVIDER", "sglang")
    monkeypatch.setenv("NEMOTRON_OMNI_BASE_URL", "http://box:30000/v1")
    llm = ChatNemotronOmni()
    assert llm.provider == "sglang"
    assert llm.openai_api_base == "http://box:30000/v1"


def test_openai_key_never_goes_to_another_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-secret")
    llm = ChatNemotronOmni()
    assert llm.openai_api_key.get_secret_value() == "EMPTY"  # type: ignore[union-attr]


def test_hosted_provider_without_key_is_a_clear_error() -> None:
    with pytest.raises(MissingAPIKeyError, match="NVIDIA_API_KEY"):
        ChatNemotronOmni(provider="nvidia")


def test_unknown_provider_lists_valid_ones() -> None:
    with pytest.raises(UnknownProviderError, match="vllm, sglang, nim"):
        ChatNemotronOmni(provider="bogus")


def test_fal_needs_its_key() -> None:
    with pytest.raises(MissingAPIKeyError, match="FAL_KEY"):
        ChatNemotronOmni(provider="fal")
    llm = ChatNemotronOmni(provider="fal", api_key="k")
    assert llm.openai_api_base == "https://queue.fal.run"
    assert llm.model_name == "nvidia/nemotron-3-nano-omni"


def test_api_key_is_never_shown() -> None:
    llm = ChatNemotronOmni(provider="nvidia", api_key="nvapi-very-secret")
    for text in (repr(llm), str(llm), dumps(llm), str(dumpd(llm))):
        assert "nvapi-very-secret" not in text
    assert dumpd(llm)["kwargs"]["openai_api_key"] == {
        "lc": 1,
        "type": "secret",
        "id": ["NVIDIA_API_KEY"],
    }


def test_round_trips_through_langchain_load(monkeypatch: pytest.MonkeyPatch) -> None:
    llm = ChatNemotronOmni(provider="nvidia", api_key="k", reasoning_budget=128, top_k=20)
    restored = load(
        dumpd(llm),
        secrets_map={"NVIDIA_API_KEY": "k2"},
        valid_namespaces=["langchain_nemotron_omni"],
        allowed_objects=[ChatNemotronOmni],
    )
    assert isinstance(restored, ChatNemotronOmni)
    assert restored.provider == "nvidia"
    assert restored.reasoning_budget == 128
    assert restored.top_k == 20


@pytest.mark.parametrize(
    "model",
    [
        "nvidia/Nemotron-3-Nano-Omni-30B-A3B-Reasoning-BF16",
        "nvidia/Nemotron-3-Nano-Omni-30B-A3B-Reasoning-FP8",
        "nvidia/Nemotron-3-Nano-Omni-30B-A3B-Reasoning-NVFP4",
        "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning",
        "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning:free",
    ],
)
def test_omni_profiles(model: str) -> None:
    profile = ChatNemotronOmni(model=model).profile
    assert profile is not None
    assert profile["max_input_tokens"] == 262144
    assert profile["video_inputs"] is True
    assert profile["audio_inputs"] is True
    assert profile["reasoning_output"] is True


def test_text_model_profile_has_no_media() -> None:
    profile = ChatNemotronOmni(model="nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16").profile
    assert profile is not None
    assert profile["image_inputs"] is False
    assert profile["name"] == "Nemotron 3 Nano"


def test_haimaker_id_is_the_omni_model() -> None:
    profile = ChatNemotronOmni(provider="haimaker", api_key="k").profile
    assert profile is not None
    assert profile["video_inputs"] is True


def test_unknown_model_has_no_profile() -> None:
    assert ChatNemotronOmni(model="some-other-model").profile is None


def test_every_provider_has_a_documented_key_variable() -> None:
    for spec in PROVIDERS.values():
        assert spec.key_env is not None
        assert spec.base_url.startswith(("http://", "https://"))


def test_ls_params_name_the_provider() -> None:
    params = ChatNemotronOmni(provider="sglang")._get_ls_params()
    assert params["ls_provider"] == "sglang"
    assert params["ls_model_type"] == "chat"
