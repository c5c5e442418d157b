"""NVIDIA's protocol structure, checked on the requests the fake vLLM server received.

Both protocols run against FakeNemotronServer (real HTTP on loopback, vLLM's wire format)
with in-memory environments; the assertions read the captured request bodies: roles, the
order of image and text, the exact fixed strings, the history entries, the compaction note
and the sampling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.computer_use import (
    ComputerUseSettings,
    DirectoryScreenshots,
    create_computer_use_agent,
)
from langchain_nemotron_omni.agents.computer_use.demo import code_reply, current_step
from langchain_nemotron_omni.agents.computer_use.fake import FakeBrowser, FakeDesktop
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer
from langchain_nemotron_omni.tool_xml import render_tool_call_xml

INSTRUCTION = (
    "# Task Instruction:\nOpen the menu.\n\nPlease generate the next move according to the "
    "screenshot, task instruction and previous steps (if provided).\n"
)


def _roles(request: ChatRequest) -> list[str]:
    return [m["role"] for m in request.messages]


def _parts(message: dict[str, Any]) -> list[str]:
    content = message["content"]
    return [p["type"] for p in content] if isinstance(content, list) else ["str"]


def _text(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(p["text"] for p in content if p["type"] == "text")


def _run(script: Any, computer: Any, tmp_path: Path, **options: Any) -> list[ChatRequest]:
    thinking = options.pop("thinking", True)
    with FakeNemotronServer(script) as server:
        agent = create_computer_use_agent(
            ChatNemotronOmni(base_url=server.base_url, model="nemotron", thinking=thinking),
            computer,
            settings=ComputerUseSettings(**options),
            screenshots=DirectoryScreenshots(tmp_path),
        )
        config: RunnableConfig = {"configurable": {"thread_id": "protocol"}}
        final = agent.invoke({"task": "Open the menu."}, config)
        assert final["outcome"]["reason"] == "terminated"
        return server.requests


def test_desktop_requests_follow_nvidias_layout(tmp_path: Path) -> None:
    def script(request: ChatRequest) -> str:
        step = current_step(request)
        if step == 5:
            return "Done now.\n</think>\n" + code_reply(
                "Finish.", "computer.terminate(status='success')"
            )
        return f"Thought {step}.\n</think>\n" + code_reply(
            f"Click item {step}.", f"pyautogui.click(0.{step}, 0.5)"
        )

    requests = _run(script, FakeDesktop(), tmp_path)
    last = requests[4]
    assert _roles(last) == ["system", "user", "assistant", "user", "assistant", "user"]
    assert [_parts(m) for m in last.messages[1::2]] == [["image_url", "text"]] * 3
    assert _text(last.messages[1]) == (
        INSTRUCTION + "# Previous History Actions:\n"
        "# Step 1:\n## Thought:\nThought 1.\n\n## Action:\nClick item 1.\n\n"
        "# Step 2:\n## Thought:\nThought 2.\n\n## Action:\nClick item 2.\n\n"
        "You are currently on Step 3.\n"
    )
    # NVIDIA's assistant history: the thought, the model's sentence, never the old code.
    assert _text(last.messages[2]) == "<think>\nThought 3.\n</think>\n## Action:\nClick item 3.\n"
    assert "pyautogui.click(0.3" not in last.prompt
    assert _text(last.messages[3]) == INSTRUCTION + "You are currently on Step 4.\n"
    assert _text(last.messages[5]) == INSTRUCTION + "You are currently on Step 5.\n"
    assert requests[0].tools is None
    assert (last.body["temperature"], last.body["top_p"]) == (0.6, 0.95)
    assert last.chat_template_kwargs["truncate_history_thinking"] is False


def test_desktop_instruct_mode_layout_and_sampling(tmp_path: Path) -> None:
    def script(request: ChatRequest) -> str:
        step = current_step(request)
        if step == 3:
            return code_reply("Finish.", "computer.terminate(status='success')")
        return f"## Thought:\nI see item {step}.\n" + code_reply(
            f"Click item {step}.", f"pyautogui.click(0.{step}, 0.5)"
        )

    requests = _run(script, FakeDesktop(), tmp_path, thinking=False)
    last = requests[2]
    assert _text(last.messages[2]) == "## Thought:\nI see item 1.\n\n## Action:\nClick item 1.\n"
    assert "## Thought:" in _text(last.messages[0])  # the format asks for it
    assert last.body["temperature"] == 0.2
    assert last.body["top_k"] == 1


def test_browser_requests_keep_the_conversation(tmp_path: Path) -> None:
    def script(request: ChatRequest) -> str:
        step = current_step(request)
        if step == 5:
            call = render_tool_call_xml("terminate", {"status": "success", "answer": "ok"})
        else:
            actions = [{"action": "left_click", "coordinate": [0.1 * step, 0.5]}]
            call = render_tool_call_xml("computer", {"actions": actions})
        return f"Reason {step}.\n</think>\n{call}"

    requests = _run(script, FakeBrowser(start_url="https://example.com/"), tmp_path)
    last = requests[4]
    assert _roles(last) == ["system", *["user", "assistant", "tool"] * 4, "user"]
    users = [m for m in last.messages if m["role"] == "user"]
    assert [_parts(m) for m in users] == [["text"]] * 2 + [["image_url", "text"]] * 3
    assert _text(users[0]) == (
        "# Task Instruction:\n\nOpen the menu.\n\nYou are currently on Step 1.\n\n"
        "Open tabs:\n[0] Tab 0 - https://example.com/ (active)"
    )
    assert _text(users[1]).startswith("You are currently on Step 2.\n\nOpen tabs:")
    tools = [m for m in last.messages if m["role"] == "tool"]
    assert [m["content"] for m in tools] == ["Actions executed."] * 4
    calls = [m["tool_calls"][0]["function"]["name"] for m in last.messages if m.get("tool_calls")]
    assert calls == ["computer"] * 4
    assert "Reason 1." in last.prompt  # previous thinking kept
    assert [t["function"]["name"] for t in last.body["tools"]] == [
        "navigate", "computer", "tabs_create", "tabs_focus", "terminate"
    ]  # fmt: skip


@pytest.mark.parametrize("protocol", ["tools", "pyautogui"])
def test_oldest_steps_go_with_nvidias_note_past_the_budget(protocol: str, tmp_path: Path) -> None:
    thought = "x" * 2000

    def script(request: ChatRequest) -> str:
        step = current_step(request)
        if protocol == "pyautogui":
            code = "computer.terminate(status='success')" if step == 8 else "computer.wait()"
            return f"{thought} {step}\n</think>\n" + code_reply(f"Step {step}.", code)
        name, args = (
            ("terminate", {"status": "success"})
            if step == 8
            else ("computer", {"actions": [{"action": "wait", "duration": 0}]})
        )
        return f"{thought} {step}\n</think>\n{render_tool_call_xml(name, args)}"

    # A 3,000-token text budget: 3 x 2,040 for the screenshots, 4,096 for the reply.
    budget_len = 3 * 2040 + 4096 + 3000
    requests = _run(script, FakeDesktop(), tmp_path, protocol=protocol, max_model_len=budget_len)
    notes = [
        _text(next(m for m in r.messages if m["role"] == "user")).split("\n\n")[0] for r in requests
    ]
    assert notes[0].startswith("# Task Instruction:")  # nothing dropped while it fits
    dropped = [n for n in notes if n.startswith("Earlier interaction")]
    assert dropped
    assert dropped[-1].startswith("Earlier interaction steps 1-")
    assert dropped[-1].endswith(" were redacted to fit the context window.")
