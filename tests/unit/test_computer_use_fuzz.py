"""Hostile model replies, generated: every run ends normally, and nothing unbounded or
outside the allowed calls ever reaches the environment.

Each example is a whole run (up to ``MAX_STEPS`` model calls) whose replies hypothesis
writes: desktop code blocks built from allowed calls with extreme arguments, forbidden
calls, broken fences, literal ``\\n`` escapes, deep nesting, JSON objects and noise; tool
calls with arguments drawn from any JSON. The environment is an in-memory fake that records
what it receives; the checks are on that record.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, BaseMessage
from PIL import Image

from langchain_nemotron_omni.agents.computer_use import (
    ComputerUseSettings,
    DirectoryScreenshots,
    create_computer_use_agent,
)
from langchain_nemotron_omni.agents.computer_use.actions import (
    MAX_ACTIONS,
    MAX_CHORD_KEYS,
    MAX_CLICKS,
    MAX_PRESSES,
    MAX_SCROLL,
    MAX_TEXT_CHARS,
    MAX_WAIT_SECONDS,
)
from langchain_nemotron_omni.agents.computer_use.browser import normalize_url
from langchain_nemotron_omni.agents.computer_use.domains import DomainPolicy
from langchain_nemotron_omni.agents.computer_use.fake import FakeBrowser, FakeDesktop
from langchain_nemotron_omni.agents.computer_use.keys import canonical_key
from tests.computer_use_support import ScriptedChatModel, step_of

MAX_STEPS = 4
SIZE = (320, 200)
ALLOWED = "example.com"
POLICY = DomainPolicy([ALLOWED])
EXAMPLES = 400  # per protocol; each example is a run of up to MAX_STEPS replies
_PNG = io.BytesIO()
Image.new("RGB", SIZE, (200, 200, 200)).save(_PNG, format="PNG")


class _Quick:
    """A fake screen that is cheap to photograph (the fuzzing is about replies)."""

    def screenshot(self) -> bytes:
        return _PNG.getvalue()


class QuickDesktop(_Quick, FakeDesktop):
    """A terminal-focused fake desktop."""


class QuickBrowser(_Quick, FakeBrowser):
    """A fake browser with an allow-list."""


# -- what a hostile model writes ---------------------------------------------------------------

NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([10**9, -(10**9), 10**400, 0, 1, -1, 3, 4]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1e999", "-1e999", "float('nan')", "10**9", "-" * 4000 + "1", "True"]),
)
TEXTS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["ls\n", "x" * (MAX_TEXT_CHARS + 1), "\x00", "{{secret9}}", "rm -rf /\n"]),
)
KEYS = st.one_of(
    st.sampled_from(["enter", "ctrl", "alt", "f4", "a", "Return", "cmd", "c", "d", "w", "q"]),
    st.sampled_from(["notakey", ""]),
    st.text(max_size=5),
)
FUNCTIONS = st.sampled_from(
    [
        "pyautogui.click", "pyautogui.doubleClick", "pyautogui.tripleClick",
        "pyautogui.rightClick", "pyautogui.moveTo", "pyautogui.dragTo", "pyautogui.scroll",
        "pyautogui.hscroll", "pyautogui.write", "pyautogui.press", "pyautogui.hotkey",
        "time.sleep", "computer.wait", "os.system", "__import__('os').system", "exec",
        "pyautogui.screenshot", "subprocess.run",
    ]
)  # fmt: skip


def _literal(value: Any) -> str:
    if isinstance(value, str) and value.startswith(("1e", "-1e", "float", "10**", "-", "True")):
        return value  # already source text
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value).replace("inf", "1e999").replace("nan", "float('nan')")
    return repr(value)


COORDS = st.one_of(
    st.floats(min_value=-0.5, max_value=1.5),
    st.integers(min_value=-5000, max_value=5000),
    st.sampled_from([10**9, 1e308, -(10**12)]),
)
COUNTS = st.one_of(
    st.integers(min_value=1, max_value=3),
    st.integers(min_value=-3, max_value=60),
    st.sampled_from([10**9, -(10**9), 10**30]),
)
SHAPED: dict[str, Callable[[st.DrawFn], list[Any]]] = {
    "pyautogui.click": lambda d: [d(COORDS), d(COORDS)]
    + ([f"clicks={d(COUNTS)}"] if d(st.booleans()) else []),
    "pyautogui.doubleClick": lambda d: [d(COORDS), d(COORDS)],
    "pyautogui.rightClick": lambda d: [d(COORDS), d(COORDS)],
    "pyautogui.moveTo": lambda d: [d(COORDS), d(COORDS)],
    "pyautogui.dragTo": lambda d: [d(COORDS), d(COORDS)],
    "pyautogui.scroll": lambda d: [d(st.one_of(COUNTS, COORDS))],
    "pyautogui.hscroll": lambda d: [d(COUNTS), d(COORDS), d(COORDS)],
    "pyautogui.write": lambda d: [repr(d(TEXTS))],
    "pyautogui.press": lambda d: [repr(d(KEYS)), f"presses={d(COUNTS)}"],
    "pyautogui.hotkey": lambda d: [repr(k) for k in d(st.lists(KEYS, max_size=10))],
    "time.sleep": lambda d: [d(st.one_of(COUNTS, COORDS))],
    "computer.wait": lambda _: [],
}  # fmt: skip


@st.composite
def code_line(draw: st.DrawFn) -> str:
    # Hypothesis simplifies towards the first choices: make those the well-formed ones.
    if draw(st.integers(0, 3)) < 3:  # mostly calls of the right shape, with extreme values
        name = draw(st.sampled_from(sorted(SHAPED)))
        return f"{name}({', '.join(str(a) for a in SHAPED[name](draw))})"
    name = draw(FUNCTIONS)
    args = draw(st.lists(st.one_of(NUMBERS, TEXTS, st.lists(KEYS, max_size=3)), max_size=4))
    keywords = draw(
        st.dictionaries(
            st.sampled_from(["x", "y", "clicks", "presses", "button", "status", "answer", "**k"]),
            st.one_of(NUMBERS, TEXTS, KEYS),
            max_size=2,
        )
    )
    parts = [_literal(a) for a in args] + [f"{k}={_literal(v)}" for k, v in keywords.items()]
    return f"{name}({', '.join(parts)})"


@st.composite
def code_reply(draw: st.DrawFn) -> str:
    lines = draw(
        st.lists(
            st.one_of(
                code_line(),
                st.sampled_from(["WAIT", "DONE", "FAIL", "import os", "x = 1", "}", "((("]),
                st.just('{"name": "computer.terminate", "arguments": {"status": "success"}}'),
            ),
            min_size=1,
            max_size=draw(st.sampled_from([1, 1, 2, 4])),
        )
    )
    joiner = draw(st.sampled_from(["\n", "\\n", "; ", "\n\n"]))
    code = joiner.join(lines)
    fence = draw(st.sampled_from(["python", "code", "py", "json", "", "bash", None]))
    body = code if fence is None else f"```{fence}\n{code}\n```"
    if draw(st.integers(0, 5)) == 5:
        body = body.removesuffix("```")  # a fence never closed
    action = draw(st.one_of(st.text(max_size=30), st.just("Type the password")))
    layout = draw(st.sampled_from(["normal", "normal", "normal", "escaped", "no_code", "noise"]))
    if layout == "no_code":
        return f"## Action:\n{action}\n{body}"
    if layout == "noise":
        return draw(st.text(max_size=200))
    text = f"## Action:\n{action}\n## Code:\n{body}"
    return text.replace("\n", "\\n", 3) if layout == "escaped" else text


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBERS.filter(lambda v: not isinstance(v, str)), TEXTS),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
ACTION_NAMES = st.sampled_from(
    ["left_click", "double_click", "triple_click", "right_click", "mouse_move", "type",
     "key_press", "wait", "scroll", "left_click_drag"] * 3 + ["fly", ""]
)  # fmt: skip


POINTS = st.one_of(
    st.lists(st.one_of(st.floats(min_value=-2, max_value=2), st.sampled_from([1e308, 10**400])),
             min_size=2, max_size=2),
    st.lists(NUMBERS.filter(lambda v: not isinstance(v, str)), max_size=3),
)  # fmt: skip


@st.composite
def computer_action(draw: st.DrawFn) -> Any:
    item: dict[str, Any] = {"action": draw(ACTION_NAMES)}
    for key, values in (
        ("coordinate", POINTS),
        ("start_coordinate", st.lists(st.floats(), max_size=3)),
        ("text", TEXTS),
        ("keys", st.lists(KEYS, max_size=10)),
        ("duration", JSON),
        ("scroll_parameters", st.fixed_dictionaries({
            "scroll_direction": st.sampled_from(["up", "down", "sideways"]),
            "scroll_amount": st.one_of(COUNTS, NUMBERS.filter(lambda v: not isinstance(v, str))),
        })),
    ):  # fmt: skip
        if draw(st.integers(0, 2)) < 2:
            item[key] = draw(values)
    return item if draw(st.integers(0, 9)) < 9 else draw(JSON)


@st.composite
def tool_reply(draw: st.DrawFn) -> AIMessage:
    calls = []
    count = draw(st.sampled_from([1, 2, 3, 0]))
    for index in range(count):
        name = draw(
            st.sampled_from(
                ["computer"] * 4 + ["navigate", "tabs_create", "tabs_focus", "terminate", "x"]
            )
        )
        args: Any
        if name == "computer":
            actions = st.lists(
                computer_action(), min_size=1, max_size=draw(st.sampled_from([1, 2, 5]))
            )
            args = {"actions": draw(actions if draw(st.integers(0, 5)) < 5 else JSON)}
        else:
            args = draw(
                st.dictionaries(
                    st.sampled_from(["url", "tab_id", "status", "answer"]),
                    st.one_of(JSON, st.sampled_from(["https://evil.test/", "back", "success"])),
                    max_size=3,
                )
            )
        calls.append({"name": name, "args": args, "id": f"c{index}"})
    broken = {"name": "computer", "args": "{oops", "id": "bad", "error": "JSON"}
    bad = [{**broken, "type": "invalid_tool_call"}] if draw(st.booleans()) else []
    return AIMessage(
        content=draw(st.text(max_size=30)),
        tool_calls=calls,
        invalid_tool_calls=bad,
        additional_kwargs={"reasoning_content": draw(st.text(max_size=30))},
    )


# -- what may reach the environment ------------------------------------------------------------


def _inside(x: Any, y: Any) -> None:
    assert isinstance(x, int), x
    assert isinstance(y, int), y
    assert 0 <= x < SIZE[0], x
    assert 0 <= y < SIZE[1], y


def _click(args: tuple[Any, ...]) -> None:
    _inside(args[0], args[1])
    assert args[2] in {"left", "right", "middle"}
    assert 1 <= args[3] <= MAX_CLICKS


def _scroll(args: tuple[Any, ...]) -> None:
    _inside(args[0], args[1])
    assert abs(args[2]) <= MAX_SCROLL, args
    assert abs(args[3]) <= MAX_SCROLL, args


def _type(args: tuple[Any, ...]) -> None:
    assert isinstance(args[0], str)
    assert len(args[0]) <= MAX_TEXT_CHARS


def _keys(args: tuple[Any, ...]) -> None:
    assert 1 <= len(args[0]) <= MAX_CHORD_KEYS
    assert all(canonical_key(key) == key for key in args[0])


def _url(args: tuple[Any, ...]) -> None:
    url = args[0]
    assert url in {"back", "forward", "about:blank"} or POLICY.allows(normalize_url(url)), url


CHECKS: dict[str, Callable[[tuple[Any, ...]], None]] = {
    "click": _click,
    "double_click": lambda args: _inside(args[0], args[1]),
    "move": lambda args: _inside(args[0], args[1]),
    "drag": lambda args: _path(args[0]),
    "scroll": _scroll,
    "type": _type,
    "key_press": _keys,
    "wait": lambda args: _between(args[0], 0, MAX_WAIT_SECONDS),
    "navigate": _url,
    "new_tab": _url,
}
"""Every call the agent may make, and what its arguments may be."""


def _path(points: Any) -> None:
    for x, y in points:
        _inside(x, y)


def _between(value: float, low: float, high: float) -> None:
    assert low <= value <= high, value


def _check_calls(calls: list[tuple[str, tuple[Any, ...]]]) -> None:
    for name, args in calls:
        assert name in CHECKS, f"{name} is not an environment call the agent may make"
        CHECKS[name](args)
    presses = sum(name == "key_press" for name, _ in calls)
    assert presses <= MAX_STEPS * MAX_ACTIONS * MAX_PRESSES


def _run(replies: list[Any], computer: Any, protocol: str, folder: Path) -> None:
    def reply(messages: list[BaseMessage]) -> AIMessage:
        step = step_of(messages)
        raw = replies[min(step, len(replies)) - 1]
        return raw if isinstance(raw, AIMessage) else AIMessage(content=raw)

    model = ScriptedChatModel(reply=reply)
    agent = create_computer_use_agent(
        model,
        computer,
        settings=ComputerUseSettings(
            protocol=protocol,  # type: ignore[arg-type]
            max_steps=MAX_STEPS,
            allowed_domains=[ALLOWED],
            on_risk="refuse",  # the risk checks run; no interrupt stops the example
        ),
        screenshots=DirectoryScreenshots(folder),
    )
    final = agent.invoke({"task": "do it"})
    outcome = final["outcome"]
    assert outcome is not None
    assert outcome["status"] in {"success", "failure"}
    assert 1 <= outcome["steps"] <= MAX_STEPS
    assert len(model.requests) == outcome["steps"]
    _check_calls(computer.calls)
    json.dumps(final["pending"])  # the state stays JSON (no inf, no live objects)


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(replies=st.lists(code_reply(), min_size=1, max_size=MAX_STEPS))
def test_desktop_replies_never_crash_or_leak(replies: list[str], tmp_path: Path) -> None:
    desktop = QuickDesktop(SIZE, window={"name": "user@box: ~", "wm_class": "xterm"})
    _run(replies, desktop, "pyautogui", tmp_path)


@FUZZ
@given(replies=st.lists(tool_reply(), min_size=1, max_size=MAX_STEPS))
def test_browser_replies_never_crash_or_leak(replies: list[AIMessage], tmp_path: Path) -> None:
    browser = QuickBrowser(SIZE, start_url=f"https://{ALLOWED}/", allowed_domains=[ALLOWED])
    _run(replies, browser, "tools", tmp_path)
