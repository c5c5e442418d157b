"""The agents' shared settings convention: layers, validation, storage, deployment-only keys."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import PositiveInt

from langchain_nemotron_omni.agents.common import (
    SETTINGS_KEY,
    AgentSettings,
    SettingsError,
    run_settings,
    start_settings,
)
from langchain_nemotron_omni.agents.common.settings import DEPLOYMENT_ONLY
from langchain_nemotron_omni.agents.computer_use import ComputerUseSettings
from langchain_nemotron_omni.agents.document_qa import DocQASettings


class _Knobs(AgentSettings):
    env_prefix: ClassVar[str] = "TEST_KNOBS_"
    additive: ClassVar[frozenset[str]] = frozenset({"blocked"})

    steps: PositiveInt = 30
    url: str | None = None
    blocked: list[str] = []  # noqa: RUF012  # pydantic copies defaults
    domains: list[str] | None = None


def test_a_run_overrides_only_the_fields_it_names() -> None:
    agent = _Knobs(steps=5, url="https://a.test/")
    assert agent.updated({"url": "https://b.test/"}) == _Knobs(steps=5, url="https://b.test/")
    assert agent.updated(_Knobs(steps=7)).url == "https://a.test/"
    assert agent.updated(None) == agent
    assert agent.updated({}) == agent


def test_additive_fields_extend_the_agents_list() -> None:
    agent = _Knobs(blocked=["checkout"])
    assert agent.updated({"blocked": ["delete", "checkout"]}).blocked == ["checkout", "delete"]
    assert agent.updated({"blocked": []}).blocked == ["checkout"]


@pytest.mark.parametrize(
    "bad",
    [{"steps": 0}, {"steps": True}, {"steps": "4"}, {"url": 3}, {"nope": 1}, {"domains": "a.com"}],
)
def test_bad_values_are_a_settings_error_naming_the_field(bad: dict[str, Any]) -> None:
    with pytest.raises(SettingsError, match=next(iter(bad))):
        _Knobs.parse(bad)
    with pytest.raises(SettingsError, match=next(iter(bad))):
        _Knobs().updated(bad)


@given(st.sampled_from(sorted(DEPLOYMENT_ONLY)), st.text(max_size=30))
def test_endpoints_and_keys_are_never_run_settings(name: str, value: str) -> None:
    for cls in (_Knobs, ComputerUseSettings, DocQASettings):
        with pytest.raises(SettingsError, match=f"{name} cannot be set per run"):
            cls.parse({name: value})


def test_from_env_reads_prefixed_json_or_text_and_code_wins() -> None:
    env = {
        "TEST_KNOBS_STEPS": "12",
        "TEST_KNOBS_URL": "https://env.test/",
        "TEST_KNOBS_DOMAINS": '["a.test", "b.test"]',
        "OTHER_STEPS": "99",
    }
    knobs = _Knobs.from_env(env)
    assert knobs == _Knobs(steps=12, url="https://env.test/", domains=["a.test", "b.test"])
    assert _Knobs.from_env(env, steps=3).steps == 3
    with pytest.raises(SettingsError, match="steps"):
        _Knobs.from_env({"TEST_KNOBS_STEPS": "-1"})


def test_settings_are_fixed_at_start_and_read_back_from_the_state() -> None:
    agent = _Knobs(steps=5)
    started = start_settings(agent, {"steps": 4, "domains": ["x.test"]})
    state = {SETTINGS_KEY: started.to_state()}
    assert run_settings(agent, state) == started
    assert run_settings(agent, {}) == agent
    with pytest.raises(SettingsError, match="must be a _Knobs or a dict"):
        start_settings(agent, ["steps"])


def test_both_agents_use_the_convention() -> None:
    assert ComputerUseSettings.env_prefix == "NEMOTRON_OMNI_CU_"
    assert DocQASettings.env_prefix == "NEMOTRON_OMNI_DOCQA_"
    assert ComputerUseSettings().updated({"blocked_patterns": ["pay"]}).blocked_patterns == ["pay"]
    assert DocQASettings.from_env({"NEMOTRON_OMNI_DOCQA_DPI": "100"}).dpi == 100
