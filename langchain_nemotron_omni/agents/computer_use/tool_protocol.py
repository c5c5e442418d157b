"""NVIDIA's native tool-call protocol for the browser.

The tools are ``navigate``, ``computer``, ``tabs_create``, ``tabs_focus`` and ``terminate``.

Tool and parameter names, the ``actions`` list and the [0, 1] coordinates follow the contract
Nemotron 3 Nano Omni was tuned on (NVIDIA NeMo Gym, ``nemo_gym/web/computer_use.py``); the
descriptions are this project's own words. The server's qwen3_coder parser turns the model's
XML into ``AIMessage.tool_calls``; this module turns those into :mod:`.actions`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.agents.computer_use.actions import (
    MAX_ACTIONS,
    MAX_CHORD_KEYS,
    MAX_SCROLL,
    MAX_WAIT_SECONDS,
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
    action_to_dict,
    bounded_count,
    bounded_text,
    describe,
    finite,
)
from langchain_nemotron_omni.agents.computer_use.errors import ActionError, ActionParseError
from langchain_nemotron_omni.agents.computer_use.keys import UnknownKeyError, canonical_key

if TYPE_CHECKING:
    from langchain_core.messages import AIMessage

    from langchain_nemotron_omni.agents.computer_use.computer import Button, EnvironmentKind
    from langchain_nemotron_omni.agents.computer_use.state import PlannedAction

MAX_TAB_ID = 10_000
MAX_ANSWER_PREVIEW = 10_000
NO_TOOL_CALL = (
    "Your reply had no tool call. Act with the `computer`, `navigate` or tab tools, "
    "or call `terminate` when the task is done or cannot be done."
)

_POINT: dict[str, Any] = {
    "anyOf": [
        {
            "type": "array",
            "minItems": 2,
            "maxItems": 2,
            "prefixItems": [
                {"type": "number", "minimum": 0, "maximum": 1},
                {"type": "number", "minimum": 0, "maximum": 1},
            ],
        },
        {"type": "null"},
    ],
    "default": None,
}
_CLICKS: dict[str, tuple[Button, int]] = {
    "left_click": ("left", 1),
    "right_click": ("right", 1),
    "middle_click": ("middle", 1),
    "double_click": ("left", 2),
    "triple_click": ("left", 3),
}
COMPUTER_ACTIONS = (
    *_CLICKS,
    "mouse_move",
    "type",
    "key_press",
    "wait",
    "scroll",
    "left_click_drag",
)


def _function(
    name: str, description: str, properties: dict[str, Any], *required: str
) -> dict[str, Any]:
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = list(required)
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


NAVIGATE_TOOL = _function(
    "navigate",
    "Load a URL in the browser, or move through its history with 'back' or 'forward'.",
    {
        "url": {"type": "string", "description": "The URL to open, or 'back' / 'forward'."},
        "tab_id": {
            "anyOf": [{"type": "integer"}, {"type": "null"}],
            "default": None,
            "description": "The tab to load it in (default: the active tab).",
        },
    },
    "url",
)
# Property names, types, bounds and their order follow NVIDIA's schema (the order is what
# the chat template renders); the descriptions are ours.
COMPUTER_TOOL = _function(
    "computer",
    "Use the mouse and keyboard: a list of actions carried out one after another.",
    {
        "actions": {
            "type": "array",
            "description": "The actions, in order.",
            "items": {
                "type": "object",
                "properties": {
                    "action": {
                        "type": "string",
                        "description": (
                            "Clicks and mouse_move take `coordinate`; type takes `text`; "
                            "key_press takes `keys`; wait takes `duration`; scroll takes "
                            "`scroll_parameters` and optionally `coordinate`; left_click_drag "
                            "goes from `start_coordinate` to `coordinate`."
                        ),
                        "enum": list(COMPUTER_ACTIONS),
                    },
                    "coordinate": _POINT
                    | {
                        "description": (
                            "[x, y] as fractions of the screenshot in [0, 1]; [0, 0] is the "
                            "top-left corner and [1, 1] the bottom-right one. Where a scroll "
                            "happens (default: the middle); where a drag ends."
                        )
                    },
                    "duration": {
                        "anyOf": [
                            {"type": "integer", "minimum": 0, "maximum": 30},
                            {"type": "null"},
                        ],
                        "default": None,
                        "description": "Seconds to wait (at most 30).",
                    },
                    "keys": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": 'Keys pressed together, e.g. ["ctrl", "a"].',
                    },
                    "scroll_parameters": {
                        "anyOf": [
                            {
                                "type": "object",
                                "properties": {
                                    "scroll_amount": {
                                        "type": "integer",
                                        "minimum": 0,
                                        "default": 1,
                                        "description": (
                                            f"Mouse-wheel clicks (more than {MAX_SCROLL} "
                                            f"scroll {MAX_SCROLL})."
                                        ),
                                    },
                                    "scroll_direction": {
                                        "type": "string",
                                        "enum": ["up", "down", "left", "right"],
                                        "default": "down",
                                        "description": "Which way to scroll.",
                                    },
                                },
                                "required": ["scroll_direction", "scroll_amount"],
                            },
                            {"type": "null"},
                        ],
                        "default": None,
                        "description": "Direction and amount of a scroll.",
                    },
                    "start_coordinate": _POINT
                    | {"description": "Where left_click_drag starts, as [x, y] in [0, 1]."},
                    "text": {"type": "string", "description": "What `type` types."},
                },
                "required": ["action"],
            },
        }
    },
    "actions",
)
TABS_CREATE_TOOL = _function(
    "tabs_create",
    "Open a new tab and switch to it.",
    {"url": {"type": "string", "default": "about:blank", "description": "What the tab loads."}},
)
TABS_FOCUS_TOOL = _function(
    "tabs_focus",
    "Switch to an open tab.",
    {"tab_id": {"type": "integer", "description": "The tab's id, as listed each step."}},
    "tab_id",
)
TERMINATE_TOOL = _function(
    "terminate",
    "Finish the task and report whether it succeeded, with the answer if one was asked for.",
    {
        "status": {"type": "string", "enum": ["success", "failure"]},
        "answer": {"type": "string", "description": "The answer or a short report."},
    },
    "status",
)


def tools_for(kind: EnvironmentKind) -> list[dict[str, Any]]:
    """The tools offered: all five in a browser; ``computer`` and ``terminate`` on a desktop."""
    if kind == "browser":
        return [NAVIGATE_TOOL, COMPUTER_TOOL, TABS_CREATE_TOOL, TABS_FOCUS_TOOL, TERMINATE_TOOL]
    return [COMPUTER_TOOL, TERMINATE_TOOL]


def plan_tool_calls(reply: AIMessage, kind: EnvironmentKind) -> list[PlannedAction]:
    """The actions of a reply's tool calls, in order; bad calls become entries with an error.

    Every tool call (also a malformed one) yields at least one entry, so every call gets a
    tool result back.
    """
    names = {tool["function"]["name"] for tool in tools_for(kind)}
    plan: list[PlannedAction] = []
    for call in reply.tool_calls:
        name, call_id = call["name"], call.get("id")
        if name not in names:
            error = f"unknown tool {name!r}; the tools are {', '.join(sorted(names))}"
            plan.append(_failed(call_id, name, error))
            continue
        try:
            actions = _call_actions(name, call["args"])
        except ActionError as exc:
            plan.append(_failed(call_id, name, str(exc)))
            continue
        except (RecursionError, MemoryError, ValueError, TypeError, OverflowError) as exc:
            # Hostile arguments can trip the checks themselves; the call fails, nothing runs.
            plan.append(_failed(call_id, name, f"the arguments could not be read ({exc!s:.200})"))
            continue
        plan.extend(_entry(call_id, name, action) for action in actions)
    for bad in reply.invalid_tool_calls:
        name = bad.get("name") or "tool"
        error = f"the call's arguments could not be read: {bad.get('error') or 'invalid JSON'}"
        plan.append(_failed(bad.get("id"), name, error))
    if not plan:
        plan.append(_failed(None, "reply", NO_TOOL_CALL))
    return plan


def _entry(call_id: str | None, tool: str, action: Action) -> PlannedAction:
    return {
        "call_id": call_id,
        "tool": tool,
        "action": action_to_dict(action),
        "error": None,
        "summary": describe(action),
    }


def _failed(call_id: str | None, tool: str, error: str) -> PlannedAction:
    return {"call_id": call_id, "tool": tool, "action": None, "error": error, "summary": tool}


def _computer_actions(args: dict[str, Any]) -> list[Action]:
    items = args.get("actions")
    if not isinstance(items, list) or not items:
        msg = "`actions` must be a non-empty list of action objects"
        raise ActionParseError(msg)
    if len(items) > MAX_ACTIONS:
        msg = f"`actions` has {len(items)} entries; send at most {MAX_ACTIONS} per call"
        raise ActionParseError(msg)
    actions: list[Action] = []
    for index, item in enumerate(items, 1):
        try:
            actions.append(parse_computer_action(item))
        except ActionError as exc:
            msg = f"action {index}: {exc}"
            raise ActionParseError(msg) from None
    return actions


def _call_actions(name: str, args: dict[str, Any]) -> list[Action]:
    if name == "computer":
        return _computer_actions(args)
    if name == "navigate":
        return [Navigate(url=_text(args, "url"), tab_id=_optional_int(args, "tab_id"))]
    if name == "tabs_create":
        url = args.get("url") or "about:blank"
        if not isinstance(url, str):
            msg = "`url` must be a string"
            raise ActionParseError(msg)
        return [TabsCreate(url=bounded_text(url, "url"))]
    if name == "tabs_focus":
        tab_id = _optional_int(args, "tab_id")
        if tab_id is None:
            msg = "tabs_focus needs `tab_id`"
            raise ActionParseError(msg)
        return [TabsFocus(tab_id=tab_id)]
    status = args.get("status")
    if status not in {"success", "failure"}:
        msg = f"terminate needs status 'success' or 'failure', got {str(status)[:40]!r}"
        raise ActionParseError(msg)
    answer = args.get("answer")
    if answer is not None and not isinstance(answer, str):
        answer = json.dumps(answer)[:MAX_ANSWER_PREVIEW]
    return [
        Terminate(status=status, answer=None if answer is None else bounded_text(answer, "answer"))
    ]


def parse_computer_action(item: object) -> Action:  # noqa: PLR0911  # one branch per action
    """One entry of the ``computer`` tool's ``actions`` list.

    The action name is read from ``action`` (NVIDIA's schema) or ``type``.

    Raises:
        ActionParseError: Unknown action or missing/invalid arguments.
    """
    if not isinstance(item, dict):
        msg = f"each action must be an object, got {type(item).__name__}"
        raise ActionParseError(msg)
    kind = item.get("action", item.get("type"))
    if kind in _CLICKS:
        button, count = _CLICKS[kind]
        return Click(point=_point(item, "coordinate", kind), button=button, count=count)
    if kind == "mouse_move":
        return MoveTo(point=_point(item, "coordinate", kind))
    if kind == "left_click_drag":
        return Drag(
            start=_point(item, "start_coordinate", kind), end=_point(item, "coordinate", kind)
        )
    if kind == "type":
        return TypeText(text=bounded_text(_text(item, "text"), "text"))
    if kind == "key_press":
        return KeyPress(keys=_keys(item.get("keys")))
    if kind == "wait":
        duration = item.get("duration")
        seconds = 1.0 if duration is None else finite(duration, "duration")
        return Wait(seconds=min(max(seconds, 0.0), MAX_WAIT_SECONDS))
    if kind == "scroll":
        return _scroll(item)
    msg = f"unknown action {str(kind)[:40]!r}; use one of {', '.join(COMPUTER_ACTIONS)}"
    raise ActionParseError(msg)


def _scroll(item: dict[str, Any]) -> Scroll:
    params = item.get("scroll_parameters") or {}
    if not isinstance(params, dict):
        msg = "scroll_parameters must be an object"
        raise ActionParseError(msg)
    direction = params.get("scroll_direction", "down")
    if direction not in {"up", "down", "left", "right"}:
        msg = f"scroll_direction must be up, down, left or right, got {str(direction)[:40]!r}"
        raise ActionParseError(msg)
    raw = params.get("scroll_amount", 1)
    if finite(raw, "scroll_amount") < 0:
        msg = "scroll_amount must be 0 or more"
        raise ActionParseError(msg)
    amount = bounded_count(raw, "scroll_amount", 0, MAX_SCROLL, clamp=True)
    point = _point(item, "coordinate", "scroll") if item.get("coordinate") is not None else None
    return Scroll(direction=direction, amount=amount, point=point)


def _point(item: dict[str, Any], key: str, kind: str) -> tuple[float, float]:
    value = item.get(key)
    if value is None:
        msg = f"{kind} needs `{key}` as [x, y] in [0, 1]"
        raise ActionParseError(msg)
    if not isinstance(value, list | tuple) or len(value) != 2:  # noqa: PLR2004
        msg = f"`{key}` must be [x, y], got {str(value)[:60]}"
        raise ActionParseError(msg)
    return finite(value[0], key), finite(value[1], key)


def _text(args: dict[str, Any], key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str) or not value:
        msg = f"`{key}` must be a non-empty string"
        raise ActionParseError(msg)
    return bounded_text(value, key)


def _optional_int(args: dict[str, Any], key: str) -> int | None:
    value = args.get(key)
    if value is None:
        return None
    return bounded_count(value, key, 0, MAX_TAB_ID)


def _keys(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split("+") if len(value) > 1 else [value]
    if not isinstance(value, list) or not value or not all(isinstance(k, str) for k in value):
        msg = 'key_press needs `keys`, a list of key names such as ["ctrl", "a"]'
        raise ActionParseError(msg)
    if len(value) > MAX_CHORD_KEYS:
        msg = f"key_press takes at most {MAX_CHORD_KEYS} keys pressed together"
        raise ActionParseError(msg)
    try:
        return tuple(canonical_key(key) for key in value)
    except UnknownKeyError as exc:
        raise ActionParseError(str(exc)) from None
