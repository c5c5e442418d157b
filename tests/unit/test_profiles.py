"""Model profiles: made by LangChain's profile tool, with the figures docs/profiles.md gives."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.profiles import PROFILES, get_profile

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "langchain_nemotron_omni" / "data"
OMNI_CONTEXT = 262_144  # the model card's 256K


def test_the_committed_profiles_are_what_the_tool_generates(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DATA / "profile_augmentations.toml", data)
    subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(ROOT / "scripts" / "refresh_profiles.py"), "data"],
        cwd=tmp_path,  # the tool asks before writing outside the working directory
        check=True,
        capture_output=True,
        timeout=60,
    )
    generated = (data / "_profiles.py").read_text(encoding="utf-8")
    assert generated == (DATA / "_profiles.py").read_text(encoding="utf-8"), (
        "run scripts/profiles after editing profile_augmentations.toml"
    )


@pytest.mark.parametrize("model", [key for key, p in PROFILES.items() if p.get("video_inputs")])
def test_every_omni_id_has_the_model_cards_context(model: str) -> None:
    assert PROFILES[model]["max_input_tokens"] == OMNI_CONTEXT


def test_hosted_and_self_hosted_output_limits() -> None:
    catalog = get_profile("nvidia/nemotron-3-nano-omni-30b-a3b-reasoning")
    assert catalog is not None
    assert catalog["max_output_tokens"] == 65_536
    self_hosted = get_profile("nvidia/Nemotron-3-Nano-Omni-30B-A3B-Reasoning-BF16")
    assert self_hosted is not None
    assert "max_output_tokens" not in self_hosted  # bounded by the server's --max-model-len


def test_haimakers_id_is_omni_there_and_text_only_elsewhere() -> None:
    haimaker = get_profile("nvidia/nemotron-3-nano-30b-a3b", provider="haimaker")
    elsewhere = get_profile("nvidia/nemotron-3-nano-30b-a3b", provider="nvidia")
    assert haimaker is not None
    assert elsewhere is not None
    assert (haimaker["video_inputs"], haimaker["max_output_tokens"]) == (True, 228_000)
    assert elsewhere["video_inputs"] is False
    assert elsewhere["name"] == "Nemotron 3 Nano"


def test_fal_takes_video_and_text_only() -> None:
    fal = ChatNemotronOmni(provider="fal", api_key="k").profile
    assert fal is not None
    assert fal["video_inputs"] is True
    assert fal["image_inputs"] is False
    assert fal["structured_output"] is False


def test_a_served_name_of_ones_own_gets_the_self_hosted_omni_profile() -> None:
    profile = get_profile("my-nemotron-omni-fp8")
    assert profile == PROFILES["nvidia/nemotron-3-nano-omni-30b-a3b-reasoning-bf16"]
    assert get_profile("some-other-model") is None


def test_profiles_are_copies() -> None:
    profile = get_profile("nemotron")
    assert profile is not None
    profile["max_input_tokens"] = 1
    assert PROFILES["nemotron"]["max_input_tokens"] == OMNI_CONTEXT
