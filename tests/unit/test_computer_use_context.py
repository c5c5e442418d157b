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
    last,
    observation,
    outside_window,
    step_record,
)
from langchain_nemotron_omni.agents.computer_use.state import (
    ActionResult,
    ScreenshotRef,
    StepRecord,
)
from langchain_nemotron_omni.agents.computer_use.tool_protocol import NO_TOOL_CALL
from tests.computer_use_support import ScriptedChatModel, step_of, tool_reply

PNG = {f"shot-{i}": f"png-bytes-{i}".encode() for i in range(20)}
CLICK = {"actions": [{"action": "left_click", "coordinate": [0.5, 0.5]}]}


def _persisted(steps: int, *, thought: str = "thinking " * 100) -> list[BaseMessage]:
    """A conversation of ``steps`` observations, as if nothing had been pruned."""
    ref: ScreenshotRef = {"ref": "shot-1", "step": 1, "width": 10, "height": 10}
    messages: list[BaseMessage] = [observation("# Task Instruction:\n\nfind it\n\nStep 1", ref)]
    for step in range(1, steps):
        reply = tool_reply("computer", CLICK, thought=f"{thought}step {step}")
        call_id = reply.tool_calls[0]["id"]
        ref = {"ref": f"shot-{step + 1}", "step": step + 1, "width": 10, "height": 10}
        messages += [
            reply,
            ToolMessage("Actions executed.", tool_call_id=call_id),
            observation(f"You are currently on Step {step + 1}.", ref),
        ]
    for index, message in enumerate(messages):
        message.id = f"m{index}"  # as add_messages assigns them in the state
    return messages


def _records(steps: int) -> list[StepRecord]:
    return [
        {"step": k, "thought": f"thought {k}", "action": "click at (0.5, 0.5)", "result": "done"}
        for k in range(1, steps)
    ]


def _request(steps: int, **policy: Any) -> list[BaseMessage]:
    return build_request(
        _persisted(steps),
        system="SYSTEM",
        task="find it",
        history=_records(steps),
        policy=ContextPolicy(**policy),
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


def test_latest_three_steps_in_full_with_screenshots_in_user_turns() -> None:
    request = _request(6, image_history=3, text_history=10)
    assert isinstance(request[0], SystemMessage)
    assert [type(m).__name__ for m in request[1:]] == [
        "HumanMessage", "AIMessage", "ToolMessage",
        "HumanMessage", "AIMessage", "ToolMessage",
        "HumanMessage",
    ]  # fmt: skip
    with_images = [m for m in request if _images(m)]
    assert [step_of([m]) for m in with_images] == [4, 5, 6]
    assert all(isinstance(m, HumanMessage) for m in with_images)
    # The image leads its turn, then the text (the order NVIDIA's harness uses).
    assert with_images[-1].content[0]["type"] == "image_url"  # type: ignore[index]
    assert with_images[-1].content[1]["text"] == "You are currently on Step 6."  # type: ignore[index]
    # Older steps are text, after the task, in the first full step's turn.
    assert with_images[0].content[1]["text"] == (  # type: ignore[index]
        "# Task Instruction:\n\nfind it\n\n"
        "# Previous steps (screenshots no longer shown):\n"
        "Step 1: thought 1 | Action: click at (0.5, 0.5) | Result: done\n"
        "Step 2: thought 2 | Action: click at (0.5, 0.5) | Result: done\n"
        "Step 3: thought 3 | Action: click at (0.5, 0.5) | Result: done\n\n"
        "You are currently on Step 4."
    )


def test_first_steps_carry_the_task_themselves() -> None:
    request = _request(2)
    assert str(request[1].content[1]["text"]).startswith("# Task Instruction:")  # type: ignore[index]
    assert "Previous steps" not in json.dumps([m.model_dump() for m in request], default=str)


def test_old_steps_are_left_out_but_the_task_stays() -> None:
    request = _request(12, image_history=3, text_history=2)
    first = request[1].content[1]["text"]  # type: ignore[index]
    assert first.startswith(
        "# Task Instruction:\n\nfind it\n\nSteps 1-7 are not shown to keep the context short."
    )
    assert "Step 8: thought 8" in first
    assert "Step 9: thought 9" in first
    assert first.endswith("You are currently on Step 10.")
    # Every tool result answers a call in the request.
    call_ids = {c["id"] for m in request if isinstance(m, AIMessage) for c in m.tool_calls}
    assert {m.tool_call_id for m in request if isinstance(m, ToolMessage)} <= call_ids


def test_request_size_stops_growing() -> None:
    sizes = [
        len(json.dumps([m.model_dump() for m in _request(n, text_history=4)], default=str))
        for n in range(1, 16)
    ]
    # Flat once 3 full steps and 4 text lines are in (step numbers and ids vary by a digit).
    assert max(sizes[8:]) - min(sizes[8:]) < 0.01 * sizes[8], sizes
    assert sizes[7] > sizes[3] > sizes[0]


def test_previous_thinking_is_kept() -> None:
    replies = [m for m in _request(6) if isinstance(m, AIMessage)]
    assert len(replies) == 2
    assert all(str(m.content).startswith("<think>\nthinking thinking") for m in replies)
    assert not any(m.additional_kwargs for m in replies)  # not echoed a second time
    plain = _request(3, keep_thinking=False)
    assert not any("<think>" in str(m.content) for m in plain if isinstance(m, AIMessage))


def test_step_records_and_window_pruning() -> None:
    reply = AIMessage(content="", additional_kwargs={"reasoning_content": "Click it.  " * 40})
    results: list[ActionResult] = [
        {
            "call_id": "c",
            "tool": "computer",
            "summary": "click at (0.5, 0.5)",
            "status": "done",
            "detail": "",
        },
        {
            "call_id": "c",
            "tool": "computer",
            "summary": "type 'x'",
            "status": "failed",
            "detail": "boom",
        },
        {
            "call_id": "c",
            "tool": "computer",
            "summary": "wait 1s",
            "status": "skipped",
            "detail": "-",
        },
    ]
    record = step_record(4, reply, results)
    assert record["action"] == "click at (0.5, 0.5); type 'x'"
    assert record["result"] == "failed: boom"
    assert len(record["thought"]) == 160
    assert record["thought"].endswith("…")
    code = AIMessage(
        content="## Action:\nPress OK.\n## Code:\n```python\npyautogui.click(1, 1)\n```"
    )
    assert step_record(1, code, [])["thought"] == "Press OK."
    messages = _persisted(5)
    removed = outside_window(messages, 3)
    kept_from = next(i for i, m in enumerate(messages) if step_of([m]) == 3)
    assert [r.id for r in removed] == [m.id for m in messages[:kept_from]]
    assert outside_window(messages[:7], 3) == []


def test_desktop_history_drops_old_code_and_repairs_bad_calls() -> None:
    ref: ScreenshotRef = {"ref": "shot-1", "step": 1, "width": 10, "height": 10}
    messages: list[BaseMessage] = [
        observation("task", ref),
        AIMessage(
            content="## Action:\nClick OK.\n## Code:\n```python\npyautogui.click(0.5, 0.5)\n```"
        ),
        observation("Step 2", ref | {"step": 2}),
        AIMessage(
            content="",
            invalid_tool_calls=[
                {
                    "name": "computer",
                    "args": "{oops",
                    "id": "b1",
                    "error": "x",
                    "type": "invalid_tool_call",
                }
            ],
        ),
        ToolMessage("Action failed: the call's arguments could not be read", tool_call_id="b1"),
        observation("Step 3", ref | {"step": 3}),
    ]
    request = build_request(
        messages,
        system="S",
        task="task",
        history=[],
        policy=ContextPolicy(strip_code=True),
        load_image=PNG.__getitem__,
    )
    assert request[2].content == "## Action:\nClick OK."  # no thinking to keep here
    repaired = request[4]
    assert isinstance(repaired, AIMessage)
    assert repaired.tool_calls == [
        {"name": "computer", "args": {"arguments": "{oops"}, "id": "b1", "type": "tool_call"}
    ]


def test_last_items() -> None:
    assert last([1, 2, 3], 2) == [2, 3]
    assert last([1, 2], 3) == [1, 2]
    assert last([1, 2, 3], 0) == []


def test_policy_rejects_hiding_the_current_screenshot() -> None:
    with pytest.raises(ValueError, match="image_history"):
        ContextPolicy(image_history=0)
    with pytest.raises(ValueError, match="text_history"):
        ContextPolicy(text_history=-1)


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


def test_long_run_keeps_checkpoints_small_and_requests_flat(tmp_path: Path) -> None:
    model = _clicker(14)
    saver = InMemorySaver()
    agent = create_computer_use_agent(
        model,
        FakeBrowser(start_url="https://example.com/"),
        settings=ComputerUseSettings(image_history=3, text_history=4),
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
    for request in model.requests:
        images = [url for m in request for url in _images(m)]
        assert len(images) <= 3
        assert all(url.startswith("data:image/png;base64,iVBORw0KGgo") for url in images)
        assert not any(_images(m) for m in request if not isinstance(m, HumanMessage))
    # Once the windows are full, every request has the same shape.
    shapes = {tuple(type(m).__name__ for m in r) for r in model.requests[8:]}
    assert len(shapes) == 1
    # The state keeps the windows only (3 full steps, 4 records), never image bytes.
    assert [r["step"] for r in final["history"]] == [11, 12, 13, 14]
    assert [step_of([m]) for m in final["messages"] if isinstance(m, HumanMessage)] == [12, 13, 14]
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
    # Flat once the windows are full (3 full steps, 4 records): step numbers vary by a digit.
    late = [sizes[step] for step in range(9, 15)]
    assert max(late) - min(late) < 0.02 * min(late), sizes
    assert sizes[8] > sizes[2]
    assert [r["step"] for r in final["screenshots"]] == [12, 13, 14]
    # <thread>/<episode>/: a new folder for every task on the thread.
    files = sorted(tmp_path.joinpath(*final["session"].split("/")).iterdir())
    assert final["session"].startswith("long/")
    assert [p.name for p in files] == [f"step-{n:04d}.png" for n in range(1, 15)]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in files)


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
        settings=ComputerUseSettings(max_steps=3),
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
    assert second.startswith(f"Previous step: Action failed: {NO_TOOL_CALL}")


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
    texts = [str(m.text) for m in final["messages"] if isinstance(m, HumanMessage)]
    assert "second" in texts[0]
    assert not any("first" in t for t in texts)
    assert final["task"] == "second"
    assert [r["step"] for r in final["history"]] == [1, 2]


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
