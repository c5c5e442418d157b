"""Secrets: masked wherever shown or stored, typed for real; desktop approvals; sampling."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.common import SettingsError
from langchain_nemotron_omni.agents.computer_use import (
    ComputerUseSettings,
    DirectoryScreenshots,
    RiskCheck,
    RiskPolicy,
    create_computer_use_agent,
)
from langchain_nemotron_omni.agents.computer_use.actions import KeyPress, TypeText
from langchain_nemotron_omni.agents.computer_use.demo import code_reply
from langchain_nemotron_omni.agents.computer_use.errors import ActionError
from langchain_nemotron_omni.agents.computer_use.fake import FakeDesktop
from langchain_nemotron_omni.agents.computer_use.masking import (
    Secrets,
    SecretsError,
    mask_secrets,
)
from langchain_nemotron_omni.agents.computer_use.request import sampling
from langchain_nemotron_omni.agents.computer_use.risk import WindowInfo
from tests.computer_use_support import ScriptedChatModel, step_of

XTERM: WindowInfo = {"name": "user@box: ~", "wm_class": '"xterm", "XTerm"'}


def test_mask_and_unmask() -> None:
    secrets = Secrets({"password": "hunter22"}, patterns=[r"sk-[a-z0-9]{8,}"])
    assert secrets.mask_text("log in with hunter22") == "log in with {{password}}"
    masked = secrets.mask({"a": ["key sk-abcdef123", ("hunter22",)], "n": 3})
    assert masked == {"a": ["key {{secret1}}", ("{{password}}",)], "n": 3}
    message = secrets.mask(AIMessage(content="hunter22", tool_calls=[
        {"name": "computer", "args": {"text": "sk-abcdef123"}, "id": "c1"}]))  # fmt: skip
    assert message.content == "{{password}}"
    assert message.tool_calls[0]["args"] == {"text": "{{secret1}}"}
    assert secrets.unmask("{{password}} and {{secret1}} and {{other}}") == (
        "hunter22 and sk-abcdef123 and {{other}}"
    )
    assert "hunter22" not in repr(secrets)
    assert secrets.add("ab") is None  # too short to be a secret
    assert secrets.add("{{password}}") is None  # already a placeholder
    with pytest.raises(SecretsError, match="identifier"):
        Secrets({"bad name": "value"})
    with pytest.raises(SecretsError, match="shorter"):
        Secrets({"pin": "12"})
    # A found secret a new process does not hold: the model is told, nothing is typed.
    with pytest.raises(ActionError, match="no longer available"):
        Secrets().unmask("{{secret7}}")
    assert mask_secrets("no-such-run", "plain") == "plain"


def _desktop_agent(
    plan: dict[int, str], desktop: FakeDesktop, tmp_path: Path, **kwargs: Any
) -> tuple[Any, ScriptedChatModel]:
    def reply(messages: list[BaseMessage]) -> AIMessage:
        step = step_of(messages)
        return AIMessage(content=plan.get(step, plan[max(plan)]))

    model = ScriptedChatModel(reply=reply)
    agent = create_computer_use_agent(
        model,
        desktop,
        checkpointer=InMemorySaver(),
        screenshots=DirectoryScreenshots(tmp_path),
        **kwargs,
    )
    return agent, model


def test_found_secrets_are_masked_and_typed(tmp_path: Path) -> None:
    desktop = FakeDesktop(window={"name": "Login", "wm_class": "app"})
    plan = {
        1: code_reply("Type the password.", "pyautogui.write('pa55-word-1')"),
        2: code_reply("Paste the token.", "pyautogui.write('tok_0123456789abcdef')"),
        3: code_reply("Done.", "computer.terminate(status='success', answer='in')"),
    }
    agent, model = _desktop_agent(
        plan,
        desktop,
        tmp_path,
        settings=ComputerUseSettings(secret_patterns=[r"tok_[0-9a-f]{16}"]),
    )
    config = {"configurable": {"thread_id": "found"}}
    final = agent.invoke({"task": "log in"}, config)
    assert final["outcome"]["status"] == "success"
    assert desktop.typed == "pa55-word-1tok_0123456789abcdef"  # typed for real
    sent = json.dumps([[m.model_dump() for m in r] for r in model.requests[1:]])
    assert "pa55-word-1" not in sent
    assert "tok_0123456789abcdef" not in sent
    assert "pyautogui.write(" not in sent  # old code never goes back
    for snapshot in agent.get_state_history(config):
        stored = json.dumps(snapshot.values, default=str)
        assert "pa55-word-1" not in stored
        assert "tok_0123456789abcdef" not in stored
    logged = "".join(p.read_text() for p in (tmp_path / "found").rglob("*.json"))
    assert "{{secret1}}" in logged
    assert "pa55-word-1" not in logged


def test_terminal_enter_and_closing_chords_ask_first(tmp_path: Path) -> None:
    desktop = FakeDesktop(window=XTERM)
    plan = {
        1: code_reply("List files.", "pyautogui.write('ls')\npyautogui.press('enter')"),
        2: code_reply("Close it.", "pyautogui.hotkey('ctrl', 'q')"),
        3: code_reply("Done.", "computer.terminate(status='success')"),
    }
    agent, _ = _desktop_agent(plan, desktop, tmp_path)
    config = {"configurable": {"thread_id": "term"}}
    paused = agent.invoke({"task": "list files"}, config)
    assert paused["__interrupt__"][0].value["reason"] == "runs a command in a terminal"
    assert desktop.typed == "ls"  # typing alone ran
    paused = agent.invoke(Command(resume=True), config)
    assert ("key_press", (("enter",),)) in desktop.calls
    assert paused["__interrupt__"][0].value["reason"].startswith("presses ctrl+q")
    final = agent.invoke(Command(resume=False), config)
    assert ("key_press", (("ctrl", "q"),)) not in desktop.calls
    assert final["outcome"]["status"] == "success"


@pytest.mark.parametrize(
    ("action", "window", "risky"),
    [
        (TypeText("rm -rf /tmp/x\n"), XTERM, True),
        (TypeText("rm -rf /tmp/x"), XTERM, False),
        (KeyPress(("enter",)), {"name": "Terminal", "wm_class": ""}, True),
        (KeyPress(("enter",)), {"name": "Text Editor", "wm_class": "gedit"}, False),
        (KeyPress(("ctrl", "d")), XTERM, True),
        (KeyPress(("alt", "f4")), {"name": "Text Editor", "wm_class": "gedit"}, True),
        (KeyPress(("ctrl", "a")), XTERM, False),
        (KeyPress(("enter",)), None, False),
    ],
)
def test_desktop_rules(action: Any, window: Any, risky: bool) -> None:
    check = RiskCheck(action=action, description="", environment="desktop", window=window)
    assert (RiskPolicy()(check) is not None) is risky
    off = RiskPolicy(terminal_commands=False, close_or_run_chords=False)
    assert off(check) is None


def test_sampling_follows_the_model_card_per_thinking_mode() -> None:
    settings = ComputerUseSettings()
    thinking = ChatNemotronOmni(base_url="http://127.0.0.1:9/v1", model="m")
    instruct = ChatNemotronOmni(base_url="http://127.0.0.1:9/v1", model="m", thinking=False)
    assert sampling(thinking, settings) == {"temperature": 0.6, "top_p": 0.95}
    assert sampling(instruct, settings) == {"temperature": 0.2, "top_k": 1}
    mine = ChatNemotronOmni(base_url="http://127.0.0.1:9/v1", model="m", temperature=1.0)
    assert sampling(mine, settings) == {"top_p": 0.95}  # the model's own value stays
    assert sampling(thinking, ComputerUseSettings(temperature=0.3, top_k=5)) == {
        "temperature": 0.3,
        "top_p": 0.95,
        "top_k": 5,
    }


@pytest.mark.parametrize("field", ["secret_patterns", "blocked_patterns"])
def test_a_pattern_that_does_not_compile_is_a_settings_error(field: str) -> None:
    with pytest.raises(SettingsError, match=f"{field}.*is not a regular expression"):
        ComputerUseSettings.parse({field: ["("]})
