"""The context policy: 3 screenshots in user turns, older steps as text, nothing heavy in state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from langchain_nemotron_omni.agents.computer_use import (
    ComputerUseSettings,
    ContextPolicy,
    DirectoryScreenshots,
    create_computer_use_agent,
)
from langchain_nemotron_omni.agents.computer_use.fake import FakeBrowser, FakeDesktop
from langchain_nemotron_omni.agents.computer_use.history import (
    build_request,
    observation,
    step_record,
    text_tokens,
)
from langchain_nemotron_omni.agents.computer_use.prompts import redaction_text
from langchain_nemotron_omni.agents.computer_use.state import ScreenshotRef, StepRecord
from langchain_nemotron_omni.agents.computer_use.tool_protocol import NO_TOOL_CALL
from tests.computer_use_support import ScriptedChatModel, step_of, tool_reply

PNG = {f"shot-{i}": f"png-bytes-{i}".encode() for i in range(400)}
CLICK = {"actions": [{"action": "left_click", "coordinate": [0.5, 0.5]}]}


def _records(steps: int, *, thought: str = "thinking ", desktop: bool = False) -> list[StepRecord]:
    """Finished steps 1 .. steps-1 as the step log keeps them."""
    records: list[StepRecord] = []
    for step in range(1, steps):
        ref: ScreenshotRef = {"ref": f"shot-{step}", "step": step, "width": 10, "height": 10}
        seen = observation("", ref)
        seen.id = f"o{step}"
        if desktop:
            code = "## Code:\n```python\npyautogui.click(1, 1)\n```"
            reply = AIMessage(
                content=f"## Action:\nClick {step}.\n{code}",
                additional_kwargs={"reasoning_content": f"{thought}step {step}"},
            )
            records.append(step_record(step, [seen, reply]))
            continue
        reply = tool_reply("computer", CLICK, thought=f"{thought}step {step}")
        done = ToolMessage("Actions executed.", tool_call_id=reply.tool_calls[0]["id"])
        records.append(step_record(step, [seen, reply, done]))
    return records


def _current(step: int, text: str = "") -> list[BaseMessage]:
    ref: ScreenshotRef = {"ref": f"shot-{step}", "step": step, "width": 10, "height": 10}
    return [observation(text, ref)]


def _request(steps: int, *, protocol: Any = "tools", **policy: Any) -> list[BaseMessage]:
    return build_request(
        _records(steps, desktop=protocol == "pyautogui"),
        _current(steps),
        system="SYSTEM",
        task="find it",
        policy=ContextPolicy(protocol=protocol, **policy),
        load_image=PNG.__getitem__,
    )


def _images(message: BaseMessage) -> list[str]:
    if not isinstance(message.content, list):
        return []
    return [
        part["image_url"]["url"]
        for part in message.content
        if isinstance(part, dict) and part.get("type") == "image_url"
    ]


def _text(message: BaseMessage) -> str:
    return str(message.text)


def test_browser_keeps_the_conversation_and_the_last_three_screenshots() -> None:
    request = _request(6)
    assert isinstance(request[0], SystemMessage)
    assert [type(m).__name__ for m in request[1:]] == [
        *["HumanMessage", "AIMessage", "ToolMessage"] * 5,
        "HumanMessage",
    ]
    users = [m for m in request if isinstance(m, HumanMessage)]
    assert [bool(_images(m)) for m in users] == [False, False, False, True, True, True]
    assert _text(users[0]) == "# Task Instruction:\n\nfind it\n\nYou are currently on Step 1."
    assert [_text(m) for m in users[1:]] == [f"You are currently on Step {k}." for k in range(2, 7)]
    # The image leads its turn (NVIDIA's order); every call keeps its thinking and result.
    assert users[-1].content[0]["type"] == "image_url"  # type: ignore[index]
    replies = [m for m in request if isinstance(m, AIMessage)]
    assert [str(m.content) for m in replies] == [
        f"<think>\nthinking step {k}\n</think>\n" for k in range(1, 6)
    ]
    assert not any(m.additional_kwargs for m in replies)  # not echoed a second time
    plain = _request(3, keep_thinking=False)
    assert not any("<think>" in str(m.content) for m in plain if isinstance(m, AIMessage))


def test_desktop_turns_as_nvidia_writes_them() -> None:
    request = _request(5, protocol="pyautogui")
    assert [type(m).__name__ for m in request] == [
        "SystemMessage", "HumanMessage", "AIMessage", "HumanMessage", "AIMessage", "HumanMessage"
    ]  # fmt: skip
    instruction = (
        "# Task Instruction:\nfind it\n\nPlease generate the next move according to the "
        "screenshot, task instruction and previous steps (if provided).\n"
    )
    assert _text(request[1]) == (
        instruction + "# Previous History Actions:\n"
        "# Step 1:\n## Thought:\nthinking step 1\n\n## Action:\nClick 1.\n\n"
        "# Step 2:\n## Thought:\nthinking step 2\n\n## Action:\nClick 2.\n\n"
        "You are currently on Step 3.\n"
    )
    assert request[2].content == "<think>\nthinking step 3\n</think>\n## Action:\nClick 3.\n"
    assert _text(request[3]) == instruction + "You are currently on Step 4.\n"
    assert _text(request[5]) == instruction + "You are currently on Step 5.\n"
    assert [len(_images(m)) for m in request] == [0, 1, 0, 1, 0, 1]
    instruct = _request(3, protocol="pyautogui", thinking=False)
    assert instruct[2].content == "## Thought:\nthinking step 1\n\n## Action:\nClick 1.\n"
    feedback = build_request(
        [], _current(1, "Previous step: Action failed: x."),
        system="S", task="t", policy=ContextPolicy(protocol="pyautogui"),
        load_image=PNG.__getitem__,
    )  # fmt: skip
    assert _text(feedback[1]).endswith(
        "You are currently on Step 1.\n\nPrevious step: Action failed: x.\n"
    )


@pytest.mark.parametrize("protocol", ["tools", "pyautogui"])
def test_oldest_steps_dropped_only_past_the_text_budget(protocol: Any) -> None:
    policy = ContextPolicy(protocol=protocol, max_model_len=3 * 2040 + 4096 + 3000)
    assert policy.text_budget == 3000
    records = _records(40, thought="x" * 400 + " ", desktop=protocol == "pyautogui")
    request = build_request(
        records, _current(40), system="S", task="t", policy=policy, load_image=PNG.__getitem__
    )
    assert text_tokens(request[1:]) <= 3000
    first = _text(next(m for m in request if isinstance(m, HumanMessage)))
    dropped = int(first.split("steps 1-")[1].split(" ")[0])
    assert first.startswith(
        f"Earlier interaction steps 1-{dropped} were redacted to fit the context window.\n\n"
    )
    assert 10 < dropped < 39
    # Under the budget nothing is dropped.
    roomy = build_request(
        records, _current(40), system="S", task="t",
        policy=ContextPolicy(protocol=protocol), load_image=PNG.__getitem__,
    )  # fmt: skip
    assert "redacted" not in json.dumps([m.model_dump() for m in roomy])
    assert redaction_text(1) == "Earlier interaction step 1 was redacted to fit the context window."


def test_desktop_thought_and_action_records() -> None:
    seen = observation("", {"ref": "shot-1", "step": 1, "width": 1, "height": 1})
    code = AIMessage(content="## Thought:\nI see it.\n## Action:\nPress OK.\n## Code:\nDONE")
    record = step_record(1, [seen, code])
    assert (record["thought"], record["action"]) == ("I see it.", "Press OK.")
    bare = step_record(
        2, [seen, AIMessage(content="## Code:\n```python\npyautogui.click(1, 1)\n```")]
    )
    assert bare["action"] == "Execute the provided code."


def test_policy_rejects_hiding_the_current_screenshot() -> None:
    with pytest.raises(ValueError, match="image_history"):
        ContextPolicy(image_history=0)


# -- whole runs with fakes (no sockets) -----------------------------------------------------------


def _clicker(total: int) -> ScriptedChatModel:
    def reply(messages: list[BaseMessage]) -> AIMessage:
        step = step_of(messages)
        if step >= total:
            return tool_reply("terminate", {"status": "success", "answer": f"after {step}"})
        return tool_reply("computer", CLICK, thought=f"Step {step}: I click the middle. " * 20)

    return ScriptedChatModel(reply=reply)


def _no_base64(value: Any) -> None:
    text = json.dumps(value, default=str)
    assert "base64" not in text
    assert "iVBORw0KGgo" not in text  # the start of any base64 PNG


def test_long_run_keeps_checkpoints_flat_and_the_history_whole(tmp_path: Path) -> None:
    model = _clicker(14)
    saver = InMemorySaver()
    agent = create_computer_use_agent(
        model,
        FakeBrowser(start_url="https://example.com/"),
        settings=ComputerUseSettings(image_history=3),
        screenshots=DirectoryScreenshots(tmp_path),
        checkpointer=saver,
    )
    config: RunnableConfig = {"configurable": {"thread_id": "long"}}
    final = agent.invoke({"task": "click a lot"}, config)
    assert final["outcome"] == {
        "status": "success",
        "answer": "after 14",
        "reason": "terminated",
        "steps": 14,
    }
    assert len(model.requests) == 14
    for step, request in enumerate(model.requests, 1):
        images = [url for m in request for url in _images(m)]
        assert len(images) == min(step, 3)
        assert all(url.startswith("data:image/png;base64,iVBORw0KGgo") for url in images)
        assert not any(_images(m) for m in request if not isinstance(m, HumanMessage))
        # Every earlier step is there: its turn, its call, its result.
        assert sum(isinstance(m, AIMessage) for m in request) == step - 1
    # The state holds the current step only; finished steps are in the step log.
    observed = [m for m in final["messages"] if isinstance(m, HumanMessage)]
    assert [m.additional_kwargs["screenshot"]["step"] for m in observed] == [14]
    sizes = {}
    for snapshot in agent.get_state_history(config):
        _no_base64([m.model_dump() for m in snapshot.values.get("messages", [])])
        _no_base64(snapshot.values.get("screenshots", []))
        if snapshot.next == ("model",):
            checkpoint = saver.get_tuple(snapshot.config)
            assert checkpoint is not None
            _, blob = saver.serde.dumps_typed(checkpoint.checkpoint)
            assert b"iVBORw0KGgo" not in blob
            sizes[snapshot.values["step"]] = len(blob)
    # Flat from the third step on (the screenshot window is full): digits vary, nothing grows.
    late = [sizes[step] for step in range(3, 15)]
    assert max(late) - min(late) < 0.02 * min(late), sizes
    assert [r["step"] for r in final["screenshots"]] == [12, 13, 14]
    # <thread>/<episode>/: a new folder for every task on the thread.
    assert final["session"].startswith("long/")
    files = sorted(tmp_path.joinpath(*final["session"].split("/")).iterdir())
    assert [p.name for p in files if p.suffix == ".png"] == [
        f"step-{n:04d}.png" for n in range(1, 15)
    ]
    assert [p.name for p in files if p.suffix == ".json"] == [
        f"step-{n:04d}.json" for n in range(1, 15)
    ]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in files if p.suffix == ".png")


def test_screenshots_go_to_the_langgraph_store_when_there_is_one() -> None:
    store = InMemoryStore()
    agent = create_computer_use_agent(
        _clicker(2),
        FakeDesktop(),
        settings=ComputerUseSettings(protocol="tools"),
        checkpointer=InMemorySaver(),
        store=store,
    )
    final = agent.invoke({"task": "t"}, {"configurable": {"thread_id": "s"}})
    refs = [r["ref"] for r in final["screenshots"]]
    episode = final["session"].removeprefix("s/")
    assert refs == [
        f"store:nemotron_omni/computer_use/screenshots/s/{episode}/step-0001",
        f"store:nemotron_omni/computer_use/screenshots/s/{episode}/step-0002",
    ]
    item = store.get(("nemotron_omni", "computer_use", "screenshots", "s", episode), "step-0002")
    assert item is not None
    assert item.value["png"].startswith("iVBORw0KGgo")


def test_step_limit_ends_the_run(tmp_path: Path) -> None:
    model = _clicker(99)
    agent = create_computer_use_agent(
        model,
        FakeDesktop(),
        settings=ComputerUseSettings(max_steps=3, max_repeated_failures=10),
        screenshots=DirectoryScreenshots(tmp_path),
    )  # the desktop protocol reads code blocks, so these tool calls never end the run
    final = agent.invoke({"task": "never done"})
    assert final["outcome"] == {
        "status": "failure",
        "answer": None,
        "reason": "step_limit",
        "steps": 3,
    }
    assert len(model.requests) == 3
    # The context can lower it per run.
    model.requests.clear()
    agent.invoke({"task": "never done"}, context=ComputerUseSettings(max_steps=2))
    assert len(model.requests) == 2


def test_a_repeated_failure_ends_the_run_before_the_step_limit(tmp_path: Path) -> None:
    model = _clicker(99)
    agent = create_computer_use_agent(
        model,
        FakeDesktop(),
        settings=ComputerUseSettings(max_steps=30),
        screenshots=DirectoryScreenshots(tmp_path),
    )  # tool calls where code is expected: the same failure every step
    final = agent.invoke({"task": "never done"})
    assert final["outcome"] == {
        "status": "failure",
        "answer": "stopped: the same action failed 3 steps in a row (no `## Code:` section "
        "found; answer with `## Action:` and then `## Code:`)",
        "reason": "repeated_failure",
        "steps": 3,
    }
    assert len(model.requests) == 3


def test_reply_without_action_is_fed_back(tmp_path: Path) -> None:
    def reply(messages: list[BaseMessage]) -> AIMessage:
        if step_of(messages) == 1:
            return AIMessage(content="I think I am done.")
        return tool_reply("terminate", {"status": "failure"})

    model = ScriptedChatModel(reply=reply)
    agent = create_computer_use_agent(
        model,
        FakeDesktop(),
        settings=ComputerUseSettings(protocol="tools"),
        screenshots=DirectoryScreenshots(tmp_path),
    )
    agent.invoke({"task": "t"})
    second = str(model.requests[1][-1].text)
    assert second == f"You are currently on Step 2.\n\nPrevious step: Action failed: {NO_TOOL_CALL}"


def test_new_task_on_a_thread_starts_a_new_episode(tmp_path: Path) -> None:
    model = _clicker(2)
    agent = create_computer_use_agent(
        model,
        FakeDesktop(),
        settings=ComputerUseSettings(protocol="tools"),
        checkpointer=InMemorySaver(),
        screenshots=DirectoryScreenshots(tmp_path),
    )
    config: RunnableConfig = {"configurable": {"thread_id": "again"}}
    agent.invoke({"task": "first"}, config)
    final = agent.invoke({"task": "second"}, config)
    texts = [json.dumps([m.model_dump() for m in r], default=str) for r in model.requests[2:]]
    assert all("second" in t and "first" not in t for t in texts)
    assert final["task"] == "second"
    assert final["step"] == 2


def test_task_from_messages_and_missing_task(tmp_path: Path) -> None:
    model = _clicker(1)
    agent = create_computer_use_agent(
        model,
        FakeDesktop(),
        settings=ComputerUseSettings(protocol="tools"),
        screenshots=DirectoryScreenshots(tmp_path),
    )
    final = agent.invoke({"messages": [HumanMessage("open the menu")]})
    assert final["task"] == "open the menu"
    assert sum(isinstance(m, HumanMessage) for m in final["messages"]) == 1
    with pytest.raises(Exception, match="the input needs a task"):
        agent.invoke({"task": ""})
