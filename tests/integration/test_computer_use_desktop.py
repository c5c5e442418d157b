"""The pyautogui protocol on a real X server (Xvfb + xdotool) against a small Tk window."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.computer_use import (
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
        text.startswith("Previous step: Action failed: the code was refused")
        for text in feedback[1:4]
    )
    assert not feedback[4].startswith("Previous step")
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
