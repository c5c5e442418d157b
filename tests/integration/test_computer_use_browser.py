"""The agent in real Chromium on a local site, driven by a scripted model over real HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Command

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.computer_use import (
    ComputerUseSettings,
    DirectoryScreenshots,
    PlaywrightBrowser,
    create_computer_use_agent,
)
from langchain_nemotron_omni.agents.computer_use.demo import current_step
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer
from langchain_nemotron_omni.tool_xml import render_tool_call_xml
from tests.computer_use_support import (
    AWAY_LINK,
    CONTINUE_LINK,
    DETAILS_LINK,
    NAME_FIELD,
    PASSWORD_FIELD,
    SUBMIT_AFTER_SCROLL,
    VIEWPORT,
    Site,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[PlaywrightBrowser]:
    with PlaywrightBrowser(
        viewport=VIEWPORT, allowed_domains=["127.0.0.1"], settle_seconds=0.15
    ) as b:
        yield b


def _call(thought: str, name: str, args: dict[str, Any]) -> str:
    return f"{thought}\n</think>\n{render_tool_call_xml(name, args)}"


def _click(point: list[float]) -> dict[str, Any]:
    return {"action": "left_click", "coordinate": point}


def _on(request: ChatRequest, path: str) -> bool:
    """Whether the observation says the active tab shows ``path``."""
    text = request.last_user_text or ""
    return re.search(rf"{re.escape(path)}\S* \(active\)", text) is not None


def _journey(request: ChatRequest) -> str:
    """What a model would do, step by step; it checks the page it is on before acting."""
    step = current_step(request)
    plan: dict[int, tuple[str, str, dict[str, Any]]] = {
        1: ("Fill in the name.", "computer",
            {"actions": [_click(NAME_FIELD), {"action": "type", "text": "Ada"}]}),
        2: ("The submit button is below.", "computer",
            {"actions": [{"action": "scroll", "coordinate": [0.5, 0.5], "scroll_parameters":
                          {"scroll_direction": "down", "scroll_amount": 10}}]}),
        3: ("Submit the form.", "computer", {"actions": [_click(SUBMIT_AFTER_SCROLL)]}),
        4: ("Try something odd.", "computer", {"actions": [{"action": "fly"}]}),
        5: ("Follow the other link.", "computer", {"actions": [_click(AWAY_LINK)]}),
        6: ("Go there directly.", "navigate", {"url": "http://blocked.example/"}),
        7: ("Continue.", "computer", {"actions": [_click(CONTINUE_LINK)]}),
        8: ("Open the details.", "computer", {"actions": [_click(DETAILS_LINK)]}),
        9: ("Back to the first tab.", "tabs_focus", {"tab_id": 0}),
        10: ("The code was 4217.", "terminate", {"status": "success", "answer": "4217"}),
    }  # fmt: skip
    expected_page = {4: "/welcome", 5: "/welcome", 7: "/welcome", 8: "/page2", 9: "/details"}
    if step in expected_page and not _on(request, expected_page[step]):
        return _call(
            "Lost.", "terminate", {"status": "failure", "answer": f"not on page at {step}"}
        )
    return _call(*plan[min(step, 10)])


def _tool_results(request: ChatRequest) -> list[str]:
    return [m["content"] for m in request.messages if m["role"] == "tool"]


def _agent(
    server: FakeNemotronServer, browser: PlaywrightBrowser, tmp_path: Path, **settings: Any
) -> Any:
    return create_computer_use_agent(
        ChatNemotronOmni(base_url=server.base_url, model="nemotron"),
        browser,
        settings=ComputerUseSettings(allowed_domains=["127.0.0.1"], **settings),
        checkpointer=InMemorySaver(),
        screenshots=DirectoryScreenshots(tmp_path),
    )


def test_reaches_the_goal_with_errors_fed_back(
    site: Site, browser: PlaywrightBrowser, tmp_path: Path
) -> None:
    with FakeNemotronServer(_journey) as server:
        agent = _agent(server, browser, tmp_path, start_url=site.url)
        config = {"configurable": {"thread_id": "journey"}}
        paused = agent.invoke({"task": "Sign up as Ada and report the code."}, config)
        # Submitting the form needs a human.
        (pending,) = paused["__interrupt__"]
        assert pending.value["reason"] == "submits a form"
        assert "<button type=submit> text='Submit'" in pending.value["summary"]
        assert not any(p.startswith("/welcome") for p in site.paths)
        final = agent.invoke(Command(resume={"approve": True}), config)
        requests = server.requests

    assert final["outcome"] == {
        "status": "success",
        "answer": "4217",
        "reason": "terminated",
        "steps": 10,
    }
    # Goal state, read from the browser itself.
    tabs = browser.tabs()
    assert [(t["url"].removeprefix(site.url[:-1]), t["active"]) for t in tabs] == [
        ("/page2", True),
        ("/details", False),
    ]
    browser.focus_tab(1)
    assert browser.call(lambda page: page.inner_text("#code")) == "4217"
    assert "/welcome?name=Ada&password=" in site.paths
    # Errors reached the model as tool results, in order.
    # An action the tool's schema does not allow: the call itself is invalid.
    assert _tool_results(requests[4])[-1].startswith("Action failed: ")
    assert 'got "fly"' in _tool_results(requests[4])[-1]
    assert _tool_results(requests[5])[-1] == (
        "Action failed: click at (0.25, 0.367): the page tried to load http://blocked.example/, "
        "which is not in the allowed domains; the request was blocked and the tab stayed where "
        "it was."
    )
    assert _tool_results(requests[6])[-1] == (
        "Action failed: navigate to http://blocked.example/: http://blocked.example/ is not in "
        "the allowed domains (127.0.0.1); the request was blocked."
    )
    assert not any("blocked.example" in p for p in site.paths)
    # Wire format: screenshots only in user turns, at most 3, previous thinking kept.
    for request in requests:
        images = [
            part
            for m in request.messages
            if isinstance(m["content"], list)
            for part in m["content"]
            if part.get("type") == "image_url"
        ]
        assert 1 <= len(images) <= 3
        assert all(
            m["role"] == "user"
            for m in request.messages
            if isinstance(m["content"], list)
            and any(p.get("type") == "image_url" for p in m["content"])
        )
        assert request.chat_template_kwargs["truncate_history_thinking"] is False
    # NVIDIA's layout: the conversation stays whole (tool calls, results, thinking); only
    # screenshots older than the last 3 are left out.
    assert "<think>\nFill in the name.\n</think>" in requests[9].prompt
    assert requests[9].messages[1]["content"] == [
        {"type": "text", "text": "# Task Instruction:\n\nSign up as Ada and report the code."
         "\n\nYou are currently on Step 1.\n\nOpen tabs:\n"
         f"[0] Sign up - {site.url} (active)"},
    ]  # fmt: skip
    assert requests[0].body["tools"][1]["function"]["name"] == "computer"
    assert (requests[0].body["temperature"], requests[0].body["top_p"]) == (0.6, 0.95)


def test_rejection_reason_reaches_the_model(
    site: Site, browser: PlaywrightBrowser, tmp_path: Path
) -> None:
    def script(request: ChatRequest) -> str:
        if current_step(request) == 1:
            return _call(
                "Log in.",
                "computer",
                {"actions": [_click(PASSWORD_FIELD), {"action": "type", "text": "hunter2"}]},
            )
        told = _tool_results(request)[-1]
        return _call("I was told no.", "terminate", {"status": "failure", "answer": told})

    with FakeNemotronServer(script) as server:
        agent = _agent(server, browser, tmp_path, start_url=site.url)
        config = {"configurable": {"thread_id": "reject"}}
        paused = agent.invoke({"task": "Log in."}, config)
        assert paused["__interrupt__"][0].value["reason"] == "types into a password field"
        reason = "never type passwords"
        final = agent.invoke(Command(resume={"approve": False, "reason": reason}), config)

    assert final["outcome"]["status"] == "failure"
    assert final["outcome"]["answer"] == (
        "Rejected: type '{{secret1}}': the user rejected this action (types into a password "
        "field): never type passwords (the 1 action(s) before it ran)."
    )
    browser.focus_tab(max(t["id"] for t in browser.tabs()))
    assert browser.call(lambda page: page.input_value("#password")) == ""


@pytest.mark.parametrize("given", [True, False])
def test_a_password_is_typed_but_never_shown_or_stored(
    site: Site, browser: PlaywrightBrowser, tmp_path: Path, given: bool
) -> None:
    """Given as a secret (the model types ``{{password}}``) or found (typed into a password
    field): the form gets the value; the checkpoint file, the step log, the screenshots'
    folder, the approval prompts and the history sent to the model never hold it."""
    password = "Corr3ct-Horse-42"
    typed = "{{password}}" if given else password

    def script(request: ChatRequest) -> str:
        step = current_step(request)
        if step == 1:
            actions = [
                _click(NAME_FIELD),
                {"action": "type", "text": "Ada"},
                _click(PASSWORD_FIELD),
                {"action": "type", "text": typed},
                {"action": "key_press", "keys": ["enter"]},
            ]
            return _call(f"I type {typed} as the password.", "computer", {"actions": actions})
        return _call("Signed up.", "terminate", {"status": "success", "answer": "done"})

    checkpoints = tmp_path / "checkpoints.sqlite"
    with (
        FakeNemotronServer(script) as server,
        SqliteSaver.from_conn_string(str(checkpoints)) as saver,
    ):
        agent = create_computer_use_agent(
            ChatNemotronOmni(base_url=server.base_url, model="nemotron"),
            browser,
            settings=ComputerUseSettings(allowed_domains=["127.0.0.1"], start_url=site.url),
            checkpointer=saver,
            screenshots=DirectoryScreenshots(tmp_path / "run"),
            secrets={"password": password} if given else None,
        )
        config: RunnableConfig = {"configurable": {"thread_id": f"secret-{given}"}}
        # A task names a given secret by its placeholder (the run's input is stored as is).
        task = "Sign up as Ada with the password {{password}}." if given else "Sign up as Ada."
        state = agent.invoke({"task": task}, config)
        prompts = []
        while "__interrupt__" in state:
            prompts.append(state["__interrupt__"][0].value)
            state = agent.invoke(Command(resume=True), config)
        requests = server.requests

    assert state["outcome"]["status"] == "success"
    # Typing the password, then Enter in that field (which also submits the form).
    assert [p["reason"] for p in prompts] == ["types into a password field"] * 2
    mark = "{{password}}" if given else "{{secret1}}"
    assert prompts[0]["action"] == {"kind": "type", "text": mark}
    assert f"/welcome?name=Ada&password={password}" in site.paths  # typed for real
    assert all(password not in json.dumps(request.body) for request in requests)
    assert password not in json.dumps(prompts)
    if given:
        assert f"Sign up as Ada with the password {mark}." in requests[0].prompt
    assert mark in requests[1].prompt
    stored = [checkpoints, *checkpoints.parent.glob("checkpoints.sqlite*")]
    stored += [p for p in (tmp_path / "run").rglob("*") if p.is_file()]
    assert any(p.suffix == ".json" for p in stored)  # the step log is among them
    for path in stored:
        assert password.encode() not in path.read_bytes(), path
