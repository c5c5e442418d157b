"""The risk predicate, the approval exchange, and interrupts in a run (fakes, no sockets)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from langchain_nemotron_omni.agents.computer_use import (
    ComputerUseError,
    ComputerUseSettings,
    DirectoryScreenshots,
    RiskCheck,
    RiskPolicy,
    RiskPredicate,
    create_computer_use_agent,
    parse_decision,
)
from langchain_nemotron_omni.agents.computer_use.actions import (
    Action,
    Click,
    KeyPress,
    Navigate,
    TypeText,
    describe,
)
from langchain_nemotron_omni.agents.computer_use.approval import DEFAULT_REJECTION
from langchain_nemotron_omni.agents.computer_use.computer import ElementInfo
from langchain_nemotron_omni.agents.computer_use.fake import FakeBrowser
from langchain_nemotron_omni.agents.computer_use.graph import DEFAULT_RISK
from langchain_nemotron_omni.agents.computer_use.risk import describe_target
from tests.computer_use_support import ScriptedChatModel, step_of, tool_reply

PASSWORD: ElementInfo = {"tag": "input", "type": "password", "in_form": True, "editable": True}
TEXT_IN_FORM: ElementInfo = {"tag": "input", "type": "text", "in_form": True, "editable": True}
SUBMIT: ElementInfo = {
    "tag": "button",
    "type": "submit",
    "in_form": True,
    "submits": True,
    "text": "Pay",
}
LINK: ElementInfo = {"tag": "a", "text": "Delete account", "href": "https://x.test/delete"}


def _check(
    action: Action, target: ElementInfo | None = None, patterns: tuple[str, ...] = ()
) -> RiskCheck:
    return RiskCheck(
        action=action,
        description=describe_target(describe(action), action, target),
        environment="browser",
        url="https://x.test/",
        target=target,
        blocked_patterns=patterns,
    )


@pytest.mark.parametrize(
    ("action", "target", "reason"),
    [
        (TypeText("hunter2"), PASSWORD, "types into a password field"),
        (KeyPress(("ctrl", "v")), PASSWORD, "types into a password field"),
        (Click((0.5, 0.5)), SUBMIT, "submits a form"),
        (KeyPress(("enter",)), TEXT_IN_FORM, "submits a form"),
        (TypeText("Ada\n"), TEXT_IN_FORM, "submits a form"),
        (TypeText("Ada"), TEXT_IN_FORM, None),
        (Click((0.5, 0.5), button="right"), SUBMIT, None),
        (Click((0.5, 0.5)), TEXT_IN_FORM, None),
        (KeyPress(("enter",)), None, None),
        (Click((0.5, 0.5)), LINK, None),
    ],
)
def test_default_rules(action: Action, target: ElementInfo | None, reason: str | None) -> None:
    assert RiskPolicy()(_check(action, target)) == reason


def test_rules_can_be_switched_off() -> None:
    policy = RiskPolicy(password_fields=False, form_submits=False)
    assert policy(_check(TypeText("hunter2"), PASSWORD)) is None
    assert policy(_check(Click((0.5, 0.5)), SUBMIT)) is None


def test_blocked_patterns_match_the_action_and_its_target() -> None:
    policy = RiskPolicy(blocked_patterns=[r"delete\s+account"])
    assert (
        policy(_check(Click((0.5, 0.5)), LINK))
        == "matches the blocked pattern 'delete\\\\s+account'"
    )
    assert policy(_check(Navigate("https://bank.test/transfer"))) is None
    # The run's own patterns (runtime context) come with the check.
    assert policy(_check(Navigate("https://bank.test/transfer"), patterns=("bank",))) == (
        "matches the blocked pattern 'bank'"
    )
    assert policy(_check(TypeText("rm -rf /"), patterns=(r"rm\s+-rf",))) is not None


def test_target_description() -> None:
    assert describe_target("click at (0.5, 0.5)", Click((0.5, 0.5)), SUBMIT) == (
        "click at (0.5, 0.5) on <button type=submit> text='Pay'"
    )
    assert describe_target("navigate to x", Navigate("x"), SUBMIT) == "navigate to x"
    assert describe_target("type 'a'", TypeText("a"), None) == "type 'a'"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, (True, "")),
        ("approve", (True, "")),
        ("Y", (True, "")),
        ({"approve": True}, (True, "")),
        ({"type": "approve"}, (True, "")),
        (False, (False, DEFAULT_REJECTION)),
        ("reject", (False, DEFAULT_REJECTION)),
        ({"approve": False, "reason": "not now"}, (False, "not now")),
        ({"type": "reject", "message": "use the other form"}, (False, "use the other form")),
        ("do not touch the bank", (False, "do not touch the bank")),
        ({"approve": False}, (False, DEFAULT_REJECTION)),
        (42, (False, f"{DEFAULT_REJECTION} (unreadable decision 42)")),
    ],
)
def test_decisions(value: object, expected: tuple[bool, str]) -> None:
    assert parse_decision(value) == expected


# -- interrupts in a run --------------------------------------------------------------------------

FIELD = (640, 360)  # the pixel of coordinate (0.5, 0.5) on the fake 1280x720 browser


def _password_typist() -> ScriptedChatModel:
    def reply(messages: list[BaseMessage]) -> AIMessage:
        if step_of(messages) == 1:
            return tool_reply(
                "computer",
                {"actions": [{"action": "left_click", "coordinate": [0.5, 0.5]},
                             {"action": "type", "text": "hunter2"},
                             {"action": "wait", "duration": 0}]},
            )  # fmt: skip
        return tool_reply("terminate", {"status": "failure", "answer": "stopped"})

    return ScriptedChatModel(reply=reply)


def _agent(
    model: ScriptedChatModel,
    browser: FakeBrowser,
    tmp_path: Path,
    risk: RiskPredicate | None = DEFAULT_RISK,
    **settings: Any,
) -> Any:
    return create_computer_use_agent(
        model,
        browser,
        settings=ComputerUseSettings(**settings),
        risk=risk,
        checkpointer=InMemorySaver(),
        screenshots=DirectoryScreenshots(tmp_path),
    )


def _tool_texts(messages: list[BaseMessage]) -> list[str]:
    return [str(m.content) for m in messages if isinstance(m, ToolMessage)]


@pytest.mark.parametrize("decision", [{"approve": True}, {"approve": False, "reason": "never"}])
def test_interrupt_before_typing_a_password(decision: dict[str, Any], tmp_path: Path) -> None:
    model = _password_typist()
    browser = FakeBrowser(elements={FIELD: PASSWORD})
    agent = _agent(model, browser, tmp_path)
    config = {"configurable": {"thread_id": "pw"}}
    paused = agent.invoke({"task": "log in"}, config)
    (pending,) = paused["__interrupt__"]
    request = pending.value
    assert request["reason"] == "types into a password field"
    # What goes into a password field is a secret: masked in the prompt, typed for real.
    assert request["summary"] == "type '{{secret1}}' on <input type=password>"
    assert request["action"] == {"kind": "type", "text": "{{secret1}}"}
    assert request["screenshot"].endswith("approval1-0001.png")  # the screen it asks about
    assert "base64" not in json.dumps(request)
    # The click before it ran once, and stays done across the resume.
    assert browser.calls[0] == ("click", (640, 360, "left", 1))
    final = agent.invoke(Command(resume=decision), config)
    clicks = [c for c in browser.calls if c[0] == "click"]
    assert len(clicks) == 1
    tool_text = _tool_texts(model.requests[1])[0]
    if decision["approve"]:
        assert browser.typed == "hunter2"
        assert ("wait", (0.0,)) in browser.calls
        assert tool_text == "Actions executed."
    else:
        assert browser.typed == ""
        assert ("wait", (0.0,)) not in browser.calls
        assert tool_text == (
            "Rejected: type '{{secret1}}': the user rejected this action (types into a "
            "password field): never (the 1 action(s) before it ran); 1 later action(s) did "
            "not run."
        )
    assert final["outcome"]["answer"] == "stopped"
    # Nothing shown or stored holds the value: not the history sent to the model, not the
    # state of any checkpoint.
    assert "hunter2" not in json.dumps([m.model_dump() for m in model.requests[1]])
    for snapshot in agent.get_state_history(config):
        assert "hunter2" not in json.dumps(snapshot.values, default=str)


def test_refuse_mode_tells_the_model_without_interrupting(tmp_path: Path) -> None:
    model = _password_typist()
    browser = FakeBrowser(elements={FIELD: PASSWORD})
    agent = _agent(model, browser, tmp_path, on_risk="refuse")
    final = agent.invoke({"task": "log in"}, {"configurable": {"thread_id": "r"}})
    assert "__interrupt__" not in final
    assert browser.typed == ""
    assert "needs a human's approval; it was refused" in _tool_texts(model.requests[1])[0]


def test_no_predicate_means_no_interrupt(tmp_path: Path) -> None:
    browser = FakeBrowser(elements={FIELD: PASSWORD})
    agent = _agent(_password_typist(), browser, tmp_path, risk=None)
    final = agent.invoke({"task": "log in"}, {"configurable": {"thread_id": "n"}})
    assert "__interrupt__" not in final
    assert browser.typed == "hunter2"


def test_context_patterns_and_allow_list_apply_per_run(tmp_path: Path) -> None:
    def reply(messages: list[BaseMessage]) -> AIMessage:
        step = step_of(messages)
        if step == 1:
            return tool_reply("navigate", {"url": "https://shop.test/checkout"})
        if step == 2:
            return tool_reply("navigate", {"url": "https://evil.test/"})
        return tool_reply("terminate", {"status": "success"})

    model = ScriptedChatModel(reply=reply)
    browser = FakeBrowser(start_url="https://shop.test/")
    agent = _agent(model, browser, tmp_path)
    config = {"configurable": {"thread_id": "ctx"}}
    context = ComputerUseSettings(blocked_patterns=["checkout"], allowed_domains=["shop.test"])
    paused = agent.invoke({"task": "buy"}, config, context=context)
    assert paused["__interrupt__"][0].value["reason"] == "matches the blocked pattern 'checkout'"
    agent.invoke(Command(resume="yes"), config, context=context)
    assert browser.tabs()[0]["url"] == "https://shop.test/checkout"
    refused = _tool_texts(model.requests[2])[-1]
    assert refused == (
        "Action failed: navigate to https://evil.test/: https://evil.test/ is not in the allowed "
        "domains (shop.test); the request was blocked."
    )
    assert ("navigate", ("https://evil.test/",)) not in browser.calls  # refused before the browser


def test_start_url_outside_the_allow_list_is_refused(tmp_path: Path) -> None:
    browser = FakeBrowser()
    agent = create_computer_use_agent(
        _password_typist(),
        browser,
        settings=ComputerUseSettings(start_url="https://evil.test/", allowed_domains=["shop.test"]),
        screenshots=DirectoryScreenshots(tmp_path),
    )
    with pytest.raises(ComputerUseError, match=r"https://evil.test/ is not in the allowed domains"):
        agent.invoke({"task": "t"})
    assert browser.calls == []
