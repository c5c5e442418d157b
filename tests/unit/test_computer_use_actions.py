"""Parsing model output into actions: the pyautogui AST allow-list and the tool calls."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage

from langchain_nemotron_omni.agents.computer_use.actions import (
    Action,
    Click,
    Drag,
    KeyPress,
    MoveTo,
    Navigate,
    Scroll,
    TabsCreate,
    TabsFocus,
    Terminate,
    TypeText,
    Wait,
    action_from_dict,
    action_to_dict,
    describe,
)
from langchain_nemotron_omni.agents.computer_use.errors import ActionParseError
from langchain_nemotron_omni.agents.computer_use.pyautogui_protocol import (
    WAIT_SECONDS,
    action_text,
    extract_code,
    parse_code,
    plan_code_reply,
)
from langchain_nemotron_omni.agents.computer_use.tool_protocol import (
    NO_TOOL_CALL,
    parse_computer_action,
    plan_tool_calls,
    tools_for,
)

# -- pyautogui: what passes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("pyautogui.click(0.664, 0.308)", [Click((0.664, 0.308))]),
        ("pyautogui.click(x=0.1, y=0.2, clicks=2)", [Click((0.1, 0.2), count=2)]),
        ("pyautogui.click(0.1, 0.2, button='right')", [Click((0.1, 0.2), button="right")]),
        ("pyautogui.click((0.1, 0.2))", [Click((0.1, 0.2))]),
        ("pyautogui.doubleClick(0.3, 0.4)", [Click((0.3, 0.4), count=2)]),
        ("pyautogui.tripleClick(0.3, 0.4)", [Click((0.3, 0.4), count=3)]),
        ("pyautogui.rightClick(0.3, 0.4)", [Click((0.3, 0.4), button="right")]),
        ("pyautogui.middleClick(0.3, 0.4)", [Click((0.3, 0.4), button="middle")]),
        ("pyautogui.moveTo(640, 360, duration=0.5)", [MoveTo((640.0, 360.0))]),
        ("pyautogui.dragTo(0.9, 0.9, duration=1)", [Drag(end=(0.9, 0.9))]),
        ("pyautogui.scroll(-5)", [Scroll("down", 5)]),
        ("pyautogui.scroll(3, x=0.5, y=0.5)", [Scroll("up", 3, (0.5, 0.5))]),
        ("pyautogui.hscroll(2)", [Scroll("right", 2)]),
        ("pyautogui.write('hello', interval=0.05)", [TypeText("hello")]),
        ("pyautogui.typewrite(['a', 'enter'])", [KeyPress(("a",)), KeyPress(("enter",))]),
        ("pyautogui.press('Return', presses=3)", [KeyPress(("enter",), presses=3)]),
        ("pyautogui.press(['tab', 'tab'])", [KeyPress(("tab",)), KeyPress(("tab",))]),
        ("pyautogui.hotkey('ctrl', 'a')", [KeyPress(("ctrl", "a"))]),
        ("pyautogui.hotkey(['cmd', 'c'])", [KeyPress(("ctrl", "c"))]),
        ("time.sleep(2)", [Wait(2.0)]),
        ("computer.wait()", [Wait(WAIT_SECONDS)]),
        ("WAIT", [Wait(WAIT_SECONDS)]),
        (
            '{"name": "computer.terminate", "arguments": {"status": "failure"}}',
            [Terminate("failure")],
        ),
        ("pyautogui.scroll(-1000000000)", [Scroll("down", 50)]),
        ("pyautogui.press('a', presses=1000000000)", [KeyPress(("a",), presses=50)]),
        ("time.sleep(600)", [Wait(30.0)]),
        (
            "computer.terminate(status='success', answer='42')",
            [Terminate("success", "42")],
        ),
        ("DONE", [Terminate("success")]),
        ("FAIL", [Terminate("failure")]),
        (
            "pyautogui.click(0.5, 0.5)\npyautogui.write('x')\npyautogui.press('enter')",
            [Click((0.5, 0.5)), TypeText("x"), KeyPress(("enter",))],
        ),
        # Some checkpoints write "\n" as two characters between statements.
        (
            "pyautogui.click(0.5, 0.5)\\npyautogui.write('a\\nb')",
            [Click((0.5, 0.5)), TypeText("a\nb")],
        ),
    ],
)
def test_allowed_code(code: str, expected: list[Action]) -> None:
    assert parse_code(code) == expected


# -- pyautogui: what is refused -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("import os", "only calls to the listed functions"),
        ("from os import system", "only calls to the listed functions"),
        ("pyautogui.click(x=__import__('os'))", "is not a literal"),
        ("pyautogui.click(__import__('os').getpid(), 0.5)", "is not a literal"),
        ("__import__('os').system('id')", "is not an allowed function"),
        ("os.system('id')", "`os.system` is not an allowed function"),
        ("eval('1')", "`eval` is not an allowed function"),
        ("exec('import os')", "`exec` is not an allowed function"),
        ("pyautogui.frobnicate(1)", "`pyautogui.frobnicate` is not an allowed function"),
        ("pyautogui.os.system('id')", "is not an allowed function"),
        ("x = 0.5", "only calls to the listed functions"),
        ("pyautogui.click(x, 0.5)", "argument `x` is not a literal"),
        ("pyautogui.write(f'{secret}')", "is not a literal"),
        ("pyautogui.click(*[0.1, 0.2])", "`*` arguments are not allowed"),
        ("pyautogui.click(**{'x': 0.1})", "`**` arguments are not allowed"),
        ("(lambda: 1)()", "is not an allowed function"),
        ("for i in range(3): pyautogui.click(0.1, 0.1)", "only calls to the listed functions"),
        ("pyautogui.click()", "click needs x and y"),
        ("pyautogui.click(0.1, 0.2, foo=1)", "bad arguments for pyautogui.click"),
        ("pyautogui.click(0.1, 0.2, button='side')", "button must be"),
        ("pyautogui.click('a', 0.2)", "`x` must be a number"),
        ("pyautogui.press('notakey')", "unknown key 'notakey'"),
        ("pyautogui.click(0.5, 0.5, clicks=1000000000)", "`clicks` must be between 1 and 3"),
        ("pyautogui.click(0.5, 0.5, clicks=10**9)", "`10 ** 9` is not a literal"),
        ("pyautogui.scroll(1e999)", "must be a finite number"),
        ("pyautogui.click(1e999, 0.5)", "`x` must be a finite number"),
        ("pyautogui.click(" + "-" * 4000 + "1, 0.5)", "nested too deeply"),
        ("pyautogui.write('x' * 3)", "is not a literal"),
        ("pyautogui.write(3)", "`message` must be a string"),
        ("pyautogui.hotkey()", "hotkey needs 1 to 8 keys"),
        ("computer.terminate(status='done')", "status must be 'success' or 'failure'"),
        ("pyautogui.click(0.1, 0.2", "not valid Python"),
    ],
)
def test_refused_code(code: str, why: str) -> None:
    with pytest.raises(ActionParseError, match=r"refused|not valid Python") as caught:
        parse_code(code)
    assert why in str(caught.value)


def test_one_bad_statement_refuses_the_whole_block() -> None:
    with pytest.raises(ActionParseError) as caught:
        parse_code("pyautogui.click(0.5, 0.5)\nimport os\nos.system('rm -rf /')")
    text = str(caught.value)
    assert "nothing was executed" in text
    assert "line 2 `import os`" in text
    assert "line 3 `os.system('rm -rf /')`" in text
    assert "Only these calls with literal arguments are allowed" in text


def test_code_limits() -> None:
    with pytest.raises(ActionParseError, match="empty"):
        parse_code("   ")
    with pytest.raises(ActionParseError, match="over 10000 characters"):
        parse_code("pyautogui.write('" + "a" * 10_001 + "')")


def test_code_section_extraction() -> None:
    reply = (
        "## Action:\nClick the OK button.\n## Code:\n```python\npyautogui.click(0.5, 0.6)\n```\n"
    )
    assert extract_code(reply) == "pyautogui.click(0.5, 0.6)"
    assert action_text(reply) == "Click the OK button."
    for tag in ("code", "python", "py", "json", "", "PYTHON"):
        fenced = f"## Action:\nGo.\n## Code:\n```{tag}\npyautogui.click(0.5, 0.6)\n```"
        assert extract_code(fenced) == "pyautogui.click(0.5, 0.6)", tag
    # The last block of the section is the code, as in NVIDIA's parser.
    two = "## Code:\n```python\npyautogui.click(0.1, 0.1)\n```\n```python\nDONE\n```"
    assert extract_code(two) == "DONE"
    with pytest.raises(ActionParseError, match="never closed"):
        extract_code("## Code:\n```python\npyautogui.click(0.5, 0.5)")
    # Literal backslash-n escapes around the headings (some checkpoints write them).
    escaped = "## Action:\\nClick.\\n## Code:\\n```python\npyautogui.click(0.5, 0.6)\n```"
    assert action_text(escaped) == "Click."
    assert extract_code(escaped) == "pyautogui.click(0.5, 0.6)"
    unfenced = "## Action: Wait.\n## Code:\ncomputer.wait()\n## Notes: none"
    assert extract_code(unfenced) == "computer.wait()"
    with pytest.raises(ActionParseError, match="no `## Code:` section"):
        extract_code("```python\npyautogui.click(0.5, 0.5)\n```")


def test_plan_code_reply_reports_refusals_as_one_entry() -> None:
    good = AIMessage(content="## Action:\nType.\n## Code:\n```python\npyautogui.write('hi')\n```")
    assert plan_code_reply(good) == [
        {
            "call_id": None,
            "tool": "code",
            "action": {"kind": "type", "text": "hi"},
            "error": None,
            "summary": "type 'hi'",
        }
    ]
    bad = AIMessage(content="## Action:\nHack.\n## Code:\n```python\nimport os\n```")
    (entry,) = plan_code_reply(bad)
    assert entry["action"] is None
    assert entry["error"] is not None
    assert "import os" in entry["error"]


# -- tool calls ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"action": "left_click", "coordinate": [0.5, 0.4]}, Click((0.5, 0.4))),
        ({"type": "left_click", "coordinate": [0.5, 0.4]}, Click((0.5, 0.4))),
        ({"action": "right_click", "coordinate": [0, 1]}, Click((0.0, 1.0), button="right")),
        ({"action": "double_click", "coordinate": [0.1, 0.1]}, Click((0.1, 0.1), count=2)),
        ({"action": "triple_click", "coordinate": [0.1, 0.1]}, Click((0.1, 0.1), count=3)),
        ({"action": "mouse_move", "coordinate": [0.2, 0.3]}, MoveTo((0.2, 0.3))),
        (
            {"action": "left_click_drag", "start_coordinate": [0.1, 0.1], "coordinate": [0.9, 0.9]},
            Drag(end=(0.9, 0.9), start=(0.1, 0.1)),
        ),
        ({"action": "type", "text": "hello"}, TypeText("hello")),
        ({"action": "key_press", "keys": ["ctrl", "a"]}, KeyPress(("ctrl", "a"))),
        ({"action": "key_press", "keys": "Return"}, KeyPress(("enter",))),
        ({"action": "wait", "duration": 2}, Wait(2.0)),
        ({"action": "wait"}, Wait(1.0)),
        (
            {
                "action": "scroll",
                "scroll_parameters": {"scroll_direction": "up", "scroll_amount": 4},
            },
            Scroll("up", 4),
        ),
        (
            {
                "action": "scroll",
                "coordinate": [0.5, 0.5],
                "scroll_parameters": {"scroll_direction": "down", "scroll_amount": 2},
            },
            Scroll("down", 2, (0.5, 0.5)),
        ),
    ],
)
def test_computer_actions(item: dict[str, Any], expected: Action) -> None:
    assert parse_computer_action(item) == expected


@pytest.mark.parametrize(
    ("item", "why"),
    [
        ({"action": "left_click"}, "left_click needs `coordinate`"),
        ({"action": "left_click", "coordinate": [0.5]}, "must be [x, y]"),
        ({"action": "left_click", "coordinate": ["a", 0.5]}, "must be a number"),
        ({"action": "left_click", "coordinate": [True, 0.5]}, "must be a number"),
        ({"action": "fly"}, "unknown action 'fly'"),
        ({"action": "type"}, "`text` must be a non-empty string"),
        ({"action": "key_press"}, "key_press needs `keys`"),
        ({"action": "key_press", "keys": ["hyper"]}, "unknown key 'hyper'"),
        ({"action": "scroll", "scroll_parameters": {"scroll_direction": "in"}}, "scroll_direction"),
        ({"action": "scroll", "scroll_parameters": {"scroll_amount": -1}}, "0 or more"),
        ({"action": "left_click", "coordinate": [10**400, 0.5]}, "finite number"),
        ({"action": "type", "text": "x" * 10_001}, "type at most 10000"),
        ({"action": "left_click_drag", "coordinate": [0.1, 0.1]}, "start_coordinate"),
        ("left_click", "each action must be an object"),
    ],
)
def test_bad_computer_actions(item: object, why: str) -> None:
    with pytest.raises(ActionParseError) as caught:
        parse_computer_action(item)
    assert why in str(caught.value)


def _calls(*calls: tuple[str, dict[str, Any]]) -> AIMessage:
    return AIMessage(
        content="",
        tool_calls=[{"name": n, "args": a, "id": f"c{i}"} for i, (n, a) in enumerate(calls)],
    )


def test_plan_tool_calls_keeps_order_and_reports_each_bad_call() -> None:
    reply = _calls(
        ("computer", {"actions": [{"action": "left_click", "coordinate": [0.5, 0.5]},
                                  {"action": "type", "text": "x"}]}),
        ("navigate", {"url": "https://example.com"}),
        ("tabs_create", {}),
        ("tabs_focus", {"tab_id": 1}),
        ("computer", {"actions": [{"action": "fly"}]}),
        ("teleport", {}),
        ("terminate", {"status": "success", "answer": "done"}),
    )  # fmt: skip
    plan = plan_tool_calls(reply, "browser")
    assert [(p["call_id"], p["error"] is None) for p in plan] == [
        ("c0", True),
        ("c0", True),
        ("c1", True),
        ("c2", True),
        ("c3", True),
        ("c4", False),
        ("c5", False),
        ("c6", True),
    ]
    assert [action_from_dict(p["action"]) for p in plan if p["action"]] == [
        Click((0.5, 0.5)),
        TypeText("x"),
        Navigate("https://example.com"),
        TabsCreate(),
        TabsFocus(1),
        Terminate("success", "done"),
    ]
    assert "action 1: unknown action 'fly'" in str(plan[5]["error"])
    assert "unknown tool 'teleport'" in str(plan[6]["error"])


def test_plan_tool_calls_errors() -> None:
    assert plan_tool_calls(AIMessage(content="I am done."), "browser")[0]["error"] == NO_TOOL_CALL
    desktop = plan_tool_calls(_calls(("navigate", {"url": "x"})), "desktop")
    assert "unknown tool 'navigate'" in str(desktop[0]["error"])
    empty = plan_tool_calls(_calls(("computer", {"actions": []})), "browser")
    assert "non-empty list" in str(empty[0]["error"])
    status = plan_tool_calls(_calls(("terminate", {"status": "maybe"})), "browser")
    assert "status 'success' or 'failure'" in str(status[0]["error"])
    focus = plan_tool_calls(_calls(("tabs_focus", {"tab_id": "one"})), "browser")
    assert "must be a number" in str(focus[0]["error"])
    huge = plan_tool_calls(_calls(("tabs_focus", {"tab_id": 10**9})), "browser")
    assert "between 0 and 10000" in str(huge[0]["error"])
    invalid = AIMessage(
        content="",
        invalid_tool_calls=[
            {
                "name": "computer",
                "args": "{oops",
                "id": "bad1",
                "error": "JSON",
                "type": "invalid_tool_call",
            }
        ],
    )
    (entry,) = plan_tool_calls(invalid, "browser")
    assert entry["call_id"] == "bad1"
    assert "could not be read" in str(entry["error"])


def test_tool_schemas_follow_nvidia_contract() -> None:
    names = [tool["function"]["name"] for tool in tools_for("browser")]
    assert names == ["navigate", "computer", "tabs_create", "tabs_focus", "terminate"]
    assert [t["function"]["name"] for t in tools_for("desktop")] == ["computer", "terminate"]
    computer = tools_for("browser")[1]["function"]["parameters"]
    item = computer["properties"]["actions"]["items"]
    assert item["required"] == ["action"]
    assert set(item["properties"]["action"]["enum"]) == {
        "left_click", "middle_click", "right_click", "double_click", "triple_click",
        "mouse_move", "type", "key_press", "wait", "scroll", "left_click_drag",
    }  # fmt: skip
    point = item["properties"]["coordinate"]["anyOf"][0]["prefixItems"][0]
    assert (point["minimum"], point["maximum"]) == (0, 1)


@pytest.mark.parametrize(
    "action",
    [
        Click((0.5, 0.25), button="right", count=2),
        Drag(end=(1.0, 1.0)),
        Scroll("left", 3, (0.1, 0.2)),
        KeyPress(("ctrl", "shift", "t")),
        Navigate("back", tab_id=2),
        Terminate("failure"),
    ],
)
def test_actions_round_trip_through_json(action: Action) -> None:
    assert action_from_dict(action_to_dict(action)) == action
    assert describe(action)
