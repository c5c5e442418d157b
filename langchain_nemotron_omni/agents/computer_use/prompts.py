"""System prompts and the text of each turn.

The formats (tool names, ``## Action:`` / ``## Code:``, [0, 1] coordinates, "You are
currently on Step N.", ``# Task Instruction:``) are the ones Nemotron 3 Nano Omni was tuned
on; the wording is this project's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_nemotron_omni.agents.computer_use.computer import EnvironmentKind, TabInfo
    from langchain_nemotron_omni.agents.computer_use.state import ProtocolName

TOOLS_PROMPT = """\
You are a GUI agent operating a {where} to carry out the user's task. Every turn you get a \
screenshot of the {screen} and the number of the step you are on; earlier steps stay in the \
conversation.

<tool_guidelines>
- Act with the `computer` tool: a list of mouse and keyboard actions done in order. Read \
positions off the latest screenshot.
- Coordinates are [x, y] fractions of the screenshot in [0, 1]: [0, 0] is the top-left \
corner, [1, 1] the bottom-right one.
{browser_lines}- When the task is done, or cannot be done, call `terminate` with status \
"success" or "failure" and the answer.
- A tool result that starts with "Action failed" or "Rejected" means the action did not \
happen; read the reason and adjust.
</tool_guidelines>"""

_BROWSER_LINES = """\
- Use `navigate` to open a URL, or "back" / "forward" to move through the history.
- Use `tabs_create` to open a tab and `tabs_focus` to switch to one; the open tabs are \
listed each step.
"""

PYAUTOGUI_PROMPT = """\
You are a GUI agent operating a {where}. You get the user's task, a screenshot of the \
{screen} and your previous steps, and you choose the next step.

Answer in this format:
## Action:
one sentence saying what you do next
## Code:
```python
pyautogui.click(0.42, 0.17)
```

Rules for the code:
- Coordinates are fractions of the screenshot in [0, 1]: (0, 0) is the top-left corner, \
(1, 1) the bottom-right one.
- Use only these calls, with literal arguments: pyautogui.click, doubleClick, tripleClick, \
rightClick, middleClick, moveTo, dragTo, scroll, hscroll, write, press, hotkey; \
computer.wait() to let the screen change; computer.terminate(status="success" or \
"failure", answer="...") when the task is done or cannot be done.
- The code is checked, not run as Python: imports, variables and other functions are \
refused and nothing of that step happens.
"""


def system_prompt(protocol: ProtocolName, kind: EnvironmentKind) -> str:
    """The default system prompt for a protocol and an environment."""
    where = "web browser" if kind == "browser" else "Linux desktop"
    screen = "browser viewport" if kind == "browser" else "screen"
    if protocol == "pyautogui":
        return PYAUTOGUI_PROMPT.format(where=where, screen=screen)
    browser_lines = _BROWSER_LINES if kind == "browser" else ""
    return TOOLS_PROMPT.format(where=where, screen=screen, browser_lines=browser_lines)


def task_text(task: str) -> str:
    """The task section of the first observation."""
    return f"# Task Instruction:\n\n{task}"


def step_text(step: int) -> str:
    """The step line of every observation."""
    return f"You are currently on Step {step}."


def tabs_text(tabs: Sequence[TabInfo]) -> str:
    """The open tabs, one per line, the active one marked."""
    if not tabs:
        return ""
    lines = [
        f"[{tab['id']}] {tab['title'] or '(untitled)'} - {tab['url']}"
        + (" (active)" if tab["active"] else "")
        for tab in tabs
    ]
    return "Open tabs:\n" + "\n".join(lines)


def redaction_text(first: int, last: int) -> str:
    """Said in place of steps the context policy leaves out."""
    if first == last:
        return f"Step {first} is not shown to keep the context short."
    return f"Steps {first}-{last} are not shown to keep the context short."
