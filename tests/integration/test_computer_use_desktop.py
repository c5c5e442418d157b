"""The pyautogui protocol on a real X server (Xvfb + xdotool) against a small Tk window."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.computer_use import (
    ComputerUseSettings,
    DirectoryScreenshots,
    X11Desktop,
    create_computer_use_agent,
)
from langchain_nemotron_omni.agents.computer_use.demo import code_reply, current_step
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer

pytestmark = pytest.mark.desktop

TK_APP = """
import sys, tkinter as tk
state = sys.argv[1]
root = tk.Tk()
root.title("CU-Fixture")
root.geometry("400x300+0+0")
entry = tk.Entry(root)
entry.place(x=20, y=20, width=200, height=30)
label = tk.Label(root, text="waiting")
label.place(x=20, y=120, width=300, height=30)
def greet():
    label.config(text="Hello, " + entry.get())
    with open(state, "w") as f:
        f.write(label.cget("text"))
tk.Button(root, text="Greet", command=greet).place(x=20, y=70, width=100, height=30)
root.mainloop()
"""
SCREEN = (800, 600)


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[tuple[X11Desktop, Path]]:
    app = tmp_path / "app.py"
    app.write_text(TK_APP)
    state = tmp_path / "state.txt"
    with X11Desktop(size=SCREEN) as screen:
        screen.launch([sys.executable, str(app), str(state)])
        screen.wait_for_window("CU-Fixture")
        yield screen, state


def test_pyautogui_protocol_reaches_the_goal_and_refuses_code(
    desktop: tuple[X11Desktop, Path], tmp_path: Path
) -> None:
    screen, state = desktop
    sentinel = tmp_path / "pwned"
    plan = {
        1: code_reply("Look around.", f"import os\nos.system('touch {sentinel}')"),
        2: code_reply("Click.", "pyautogui.click(x=__import__('os').system('id'), y=0.5)"),
        3: code_reply("Click.", "pyautogui.frobnicate(0.5, 0.5)"),
        # The entry's centre (120, 35) as fractions of 800x600, then type into it.
        4: code_reply(
            "Type the name.", "pyautogui.click(0.15, 0.0583)\npyautogui.write('Nemotron')"
        ),
        # The Greet button's centre, in absolute pixels this time.
        5: code_reply("Press Greet.", "pyautogui.click(70, 85)"),
        6: code_reply("Done.", "computer.terminate(status='success', answer='greeted')"),
    }

    def script(request: ChatRequest) -> str:
        return (
            f"Thinking about step {current_step(request)}.\n</think>\n"
            + plan[current_step(request)]
        )

    with FakeNemotronServer(script) as server:
        agent = create_computer_use_agent(
            ChatNemotronOmni(base_url=server.base_url, model="nemotron"),
            screen,
            checkpointer=InMemorySaver(),
            screenshots=DirectoryScreenshots(tmp_path / "shots"),
        )
        final = agent.invoke({"task": "Greet Nemotron."}, {"configurable": {"thread_id": "d"}})
        requests = server.requests

    assert final["outcome"] == {
        "status": "success",
        "answer": "greeted",
        "reason": "terminated",
        "steps": 6,
    }
    assert state.read_text() == "Hello, Nemotron"
    assert not sentinel.exists()
    # Each refusal was shown to the model in the next observation; nothing else passed.
    feedback = [r.last_user_text or "" for r in requests]
    assert "line 1 `import os`: only calls to the listed functions are allowed" in feedback[1]
    assert "line 2 `os.system('touch " in feedback[1]
    assert "`os.system` is not an allowed function" in feedback[1]
    assert "argument `__import__('os').system('id')` is not a literal" in feedback[2]
    assert "`pyautogui.frobnicate` is not an allowed function" in feedback[3]
    assert all(
        "You are currently on Step" in text
        and "\nPrevious step: Action failed: the code was refused" in text
        for text in feedback[1:4]
    )
    assert "Previous step" not in feedback[4]
    # The desktop protocol sends no tools; history keeps thought and action, not old code.
    assert all(r.tools is None for r in requests)
    assert "pyautogui.click(0.15, 0.0583)" not in requests[5].prompt
    assert "## Action:\nType the name." in requests[5].prompt
    assert "Click into" not in requests[0].prompt
    assert all(Path(ref["ref"]).is_file() for ref in final["screenshots"])
    assert final["screen"] == {
        "kind": "desktop",
        "width": 800,
        "height": 600,
        "environment": final["screen"]["environment"],
    }


TERMINAL = (100, 100)  # inside the xterm below, in pixels


def test_terminal_commands_and_closing_chords_need_approval(tmp_path: Path) -> None:
    ran = tmp_path / "ran"
    command = f"touch {ran}"
    plan = {
        1: code_reply("Click into the terminal.", "pyautogui.click({}, {})".format(*TERMINAL)),
        2: code_reply("Run the command.", f"pyautogui.write({command + chr(10)!r})"),
        3: code_reply("Run it again.", f"pyautogui.write({command!r})\npyautogui.press('enter')"),
        4: code_reply("Close the window.", "pyautogui.hotkey('alt', 'f4')"),
        5: code_reply("Stop.", "computer.terminate(status='failure', answer='stopped')"),
    }

    def script(request: ChatRequest) -> str:
        return f"Step {current_step(request)}.\n</think>\n" + plan[current_step(request)]

    with (
        X11Desktop(size=SCREEN) as screen,
        FakeNemotronServer(script) as server,
    ):
        screen.launch(["xterm", "-T", "Terminal", "-geometry", "80x24+0+0", "-e", "/bin/sh"])
        screen.wait_for_window("Terminal")
        agent = create_computer_use_agent(
            ChatNemotronOmni(base_url=server.base_url, model="nemotron"),
            screen,
            checkpointer=InMemorySaver(),
            screenshots=DirectoryScreenshots(tmp_path / "shots"),
        )
        config: RunnableConfig = {"configurable": {"thread_id": "term"}}
        first = agent.invoke({"task": "Run a command."}, config)
        (asked,) = first["__interrupt__"]
        assert asked.value["reason"] == "runs a command in a terminal"
        assert asked.value["action"] == {"kind": "type", "text": command + "\n"}
        second = agent.invoke(Command(resume={"approve": False, "reason": "no"}), config)
        (again,) = second["__interrupt__"]  # the Enter of step 3
        assert again.value["summary"] == "press enter"
        assert not ran.exists()
        third = agent.invoke(Command(resume=True), config)
        _wait_for(ran)
        (chord,) = third["__interrupt__"]
        assert chord.value["reason"] == "presses alt+f4, which closes or runs something"
        final = agent.invoke(Command(resume=False), config)

    assert final["outcome"]["answer"] == "stopped"
    assert "Rejected: press alt+f4" in (server.requests[-1].last_user_text or "")


def _wait_for(path: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_hostile_replies_end_the_run_and_never_reach_xdotool_unbounded(tmp_path: Path) -> None:
    """The replies that once crashed a run or clicked for 30 s, on a real X server."""
    replies = [
        "## Action:\\nClick.\\n## Code:\\n```python\\npyautogui.click(0.1, 0.1)\\nimport os\\n```",
        code_reply("Click a lot.", "pyautogui.click(0.5, 0.5, clicks=1000000000)"),
        code_reply("Scroll far.", "pyautogui.scroll(1e999)"),
        code_reply("Negate.", "pyautogui.click(" + "-" * 4000 + "1, 0.5)"),
        code_reply("Scroll a lot.", "pyautogui.scroll(-1000000000)"),
        code_reply("Done.", "computer.terminate(status='failure', answer='gave up')"),
    ]

    def script(request: ChatRequest) -> str:
        return "Hm.\n</think>\n" + replies[current_step(request) - 1]

    started = time.monotonic()
    with X11Desktop(size=SCREEN) as screen, FakeNemotronServer(script) as server:
        agent = create_computer_use_agent(
            ChatNemotronOmni(base_url=server.base_url, model="nemotron"),
            screen,
            settings=ComputerUseSettings(max_repeated_failures=10),
            screenshots=DirectoryScreenshots(tmp_path),
        )
        final = agent.invoke({"task": "Misbehave."})
        feedback = [r.last_user_text or "" for r in server.requests]
    assert final["outcome"]["answer"] == "gave up"
    assert time.monotonic() - started < 60  # 50 wheel clicks at most
    assert "`import os`: only calls to the listed functions" in feedback[1]
    assert "`clicks` must be between 1 and 3" in feedback[2]
    assert "must be a finite number" in feedback[3]
    assert "nested too deeply" in feedback[4]
    assert "Previous step" not in feedback[5]  # the clamped scroll ran
