"""System prompts and the fixed text of each turn.

Two kinds of text live here. The protocol's fixed strings (section headers, the line asking
for the next move, the step line, the history entry layout, the redaction note) are the ones
Nemotron 3 Nano Omni was trained on, as NVIDIA's harnesses write them (NeMo Gym's OSWorld
adapter for the desktop, its tool-call browser adapter for the browser; see
``docs/computer-use-protocol.md``), and are reproduced byte for byte. The explanatory prose of
the system prompts is this project's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_nemotron_omni.agents.computer_use.computer import EnvironmentKind, TabInfo
    from langchain_nemotron_omni.agents.computer_use.state import ProtocolName

# -- protocol strings (exact) ------------------------------------------------------------------

DESKTOP_INSTRUCTION = (
    "# Task Instruction:\n{task}\n\n"
    "Please generate the next move according to the screenshot, task instruction "
    "and previous steps (if provided).\n"
)
"""Leads every desktop user turn."""
HISTORY_HEADER = "# Previous History Actions:\n"
HISTORY_STEP = "# Step {step}:\n"
HISTORY_ENTRY = "## Thought:\n{thought}\n\n## Action:\n{action}\n"
ASSISTANT_THINKING = "<think>\n{thought}\n</think>\n## Action:\n{action}\n"
ASSISTANT_INSTRUCT = "## Thought:\n{thought}\n\n## Action:\n{action}\n"
STEP_LINE = "You are currently on Step {step}."
BROWSER_TASK = "# Task Instruction:\n\n{task}"
"""Leads the browser's first user turn only."""
ACTIONS_EXECUTED = "Actions executed."
ACTION_FAILED = "Action failed: {error}"
INFERRED_ACTION = "Execute the provided code."
"""The action sentence of a reply whose code is valid but that wrote none."""

# -- our prose ------------------------------------------------------------------------------

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
{thought_line}## Action:
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
computer.wait() when the screen needs time (installing, loading); \
computer.terminate(status="success" or "failure", answer="...") when the task is done or \
cannot be done.
- The code is checked, not run as Python: imports, variables and other functions are \
refused and nothing of that step happens.
"""
_THOUGHT_LINE = "## Thought:\nwhat you see and why you act\n"

SECRETS_NOTE = (
    "\n\nValues written as {{name}} are secrets ({names}): type the placeholder itself, "
    "exactly as written, and the real value is typed for you."
)


def system_prompt(
    protocol: ProtocolName,
    kind: EnvironmentKind,
    *,
    thinking: bool = True,
    secrets: Sequence[str] = (),
) -> str:
    """The default system prompt for a protocol, an environment and a thinking mode.

    Args:
        protocol: ``tools`` or ``pyautogui``.
        kind: ``browser`` or ``desktop``.
        thinking: Whether the model reasons first; without it, the desktop format asks
            for a ``## Thought:`` section (as NVIDIA's instruct-mode format does).
        secrets: Names of the run's secrets, told to the model as placeholders.
    """
    where = "web browser" if kind == "browser" else "Linux desktop"
    screen = "browser viewport" if kind == "browser" else "screen"
    if protocol == "pyautogui":
        thought_line = "" if thinking else _THOUGHT_LINE
        text = PYAUTOGUI_PROMPT.format(where=where, screen=screen, thought_line=thought_line)
    else:
        browser_lines = _BROWSER_LINES if kind == "browser" else ""
        text = TOOLS_PROMPT.format(where=where, screen=screen, browser_lines=browser_lines)
    if secrets:
        names = ", ".join("{{" + name + "}}" for name in secrets)
        text += SECRETS_NOTE.replace("{names}", names)
    return text


def tabs_text(tabs: Sequence[TabInfo]) -> str:
    """The open tabs, one per line, the active one marked (browser turns)."""
    if not tabs:
        return ""
    lines = [
        f"[{tab['id']}] {tab['title'] or '(untitled)'} - {tab['url']}"
        + (" (active)" if tab["active"] else "")
        for tab in tabs
    ]
    return "Open tabs:\n" + "\n".join(lines)


def redaction_text(dropped: int) -> str:
    """NVIDIA's note for the oldest steps dropped to fit the text budget."""
    if dropped == 1:
        return "Earlier interaction step 1 was redacted to fit the context window."
    return f"Earlier interaction steps 1-{dropped} were redacted to fit the context window."


def repeated_failure_text(count: int, detail: str) -> str:
    """The outcome's answer when the same action failed ``count`` steps in a row."""
    return f"stopped: the same action failed {count} steps in a row ({detail})"
