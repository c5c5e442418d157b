r"""NVIDIA's desktop protocol: ``## Action:`` then ``## Code:`` with pyautogui calls.

The model writes Python, but it is never executed. The ``## Code:`` block is parsed with
:mod:`ast`; each statement must be a call to a function listed in :data:`SIGNATURES` whose
arguments are literals (numbers, strings, lists of them). Anything else (imports,
assignments, attribute access, names, nested calls such as ``__import__('os')``) refuses the
whole block, and the refusal is shown to the model. Coordinates whose absolute values are at
most 1 are fractions of the screen (``coordinate_type="relative"`` in NVIDIA's harness).

Reading follows NVIDIA's parser: the ``## Code:`` section is the only thing ever run (the
last fenced block in it, with any of the fence tags ``code``, ``python``, ``py``, ``json``
or none, else the section's text); literal ``\n`` escapes some checkpoints write are turned
back into line breaks outside fences and outside string literals; ``computer.wait()`` waits
as NVIDIA's OSWorld profile does. Nothing a reply contains can raise out of
:func:`plan_code_reply`: every problem becomes the step's error, shown to the model.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
from typing import TYPE_CHECKING, Any, cast

from langchain_nemotron_omni.agents.computer_use.actions import (
    MAX_ACTIONS,
    MAX_CHORD_KEYS,
    MAX_CLICKS,
    MAX_PRESSES,
    MAX_SCROLL,
    MAX_WAIT_SECONDS,
    Action,
    Click,
    Drag,
    KeyPress,
    MoveTo,
    Scroll,
    ScrollDirection,
    Terminate,
    TypeText,
    Wait,
    action_to_dict,
    bounded_count,
    bounded_text,
    describe,
    finite,
)
from langchain_nemotron_omni.agents.computer_use.errors import ActionParseError
from langchain_nemotron_omni.agents.computer_use.keys import UnknownKeyError, canonical_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_core.messages import AIMessage

    from langchain_nemotron_omni.agents.computer_use.computer import Button
    from langchain_nemotron_omni.agents.computer_use.state import PlannedAction

MAX_CODE_CHARS = 10_000
WAIT_SECONDS = 10.0
"""What ``computer.wait()`` waits: the time NVIDIA's OSWorld profile lets pass between a WAIT
and the next screenshot (it sleeps its 5 s pause for the WAIT, then the same 5 s it sleeps
after every action)."""
_EMPTY = inspect.Parameter.empty
_CODE_HEADER = re.compile(r"^[ \t]*#+[ \t]*Code[ \t]*:?", re.IGNORECASE | re.MULTILINE)
_ACTION_HEADER = re.compile(r"^[ \t]*#+[ \t]*Action[ \t]*:?[ \t]*", re.IGNORECASE | re.MULTILINE)
_NEXT_HEADER = re.compile(r"^[ \t]*##(?:[ \t]+|$)", re.MULTILINE)
_FENCE = re.compile(
    r"```(?:code|python|py|json)?[ \t]*\r?\n?(.*?)\s*```", re.DOTALL | re.IGNORECASE
)
_SPECIAL: dict[str, Action] = {
    "DONE": Terminate("success"),
    "FAIL": Terminate("failure"),
    "WAIT": Wait(WAIT_SECONDS),
}


def _signature(*params: tuple[str, Any], var: str | None = None) -> inspect.Signature:
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter(name, kind, default=default) for name, default in params]
    if var is not None:
        parameters.append(inspect.Parameter(var, inspect.Parameter.VAR_POSITIONAL))
        parameters.append(inspect.Parameter("interval", inspect.Parameter.KEYWORD_ONLY, default=0))
    return inspect.Signature(parameters)


# pyautogui's own signatures (the arguments that only change timing are accepted and ignored).
_XY = (("x", None), ("y", None))
_TIMING = (("duration", 0.0), ("tween", None), ("logScreenshot", None), ("_pause", True))
_CLICK = _signature(*_XY, ("clicks", 1), ("interval", 0.0), ("button", "left"), *_TIMING)
_MULTI = _signature(*_XY, ("interval", 0.0), ("button", "left"), *_TIMING)
_SIDE = _signature(*_XY, *_TIMING)
_DRAG = _signature(*_XY, ("duration", 0.0), ("tween", None), ("button", "left"))
_SCROLL = _signature(("clicks", _EMPTY), *_XY, ("logScreenshot", None), ("_pause", True))
_WRITE = _signature(("message", _EMPTY), ("interval", 0.0), ("logScreenshot", None))
_PRESS = _signature(("keys", _EMPTY), ("presses", 1), ("interval", 0.0), ("logScreenshot", None))

SIGNATURES: dict[str, inspect.Signature] = {
    "pyautogui.click": _CLICK,
    "pyautogui.doubleClick": _MULTI,
    "pyautogui.tripleClick": _MULTI,
    "pyautogui.rightClick": _SIDE,
    "pyautogui.middleClick": _SIDE,
    "pyautogui.moveTo": _SIDE,
    "pyautogui.dragTo": _DRAG,
    "pyautogui.scroll": _SCROLL,
    "pyautogui.vscroll": _SCROLL,
    "pyautogui.hscroll": _SCROLL,
    "pyautogui.write": _WRITE,
    "pyautogui.typewrite": _WRITE,
    "pyautogui.press": _PRESS,
    "pyautogui.hotkey": _signature(var="keys"),
    "time.sleep": _signature(("secs", _EMPTY)),
    "computer.wait": _signature(("seconds", None)),
    "computer.terminate": _signature(("status", _EMPTY), ("answer", None)),
}
"""The callable functions and their parameters; nothing else passes."""


def plan_code_reply(reply: AIMessage) -> list[PlannedAction]:
    """The actions of a reply's ``## Code:`` block, or one entry saying why there are none."""
    try:
        code = extract_code(str(reply.text))
        actions = parse_code(code)
    except ActionParseError as exc:
        return [_refused(str(exc))]
    except (RecursionError, MemoryError, ValueError, TypeError, OverflowError) as exc:
        # Hostile input can trip the parser itself; the step fails, the run goes on.
        return [_refused(f"the code could not be read ({type(exc).__name__})")]
    return [
        {
            "call_id": None,
            "tool": "code",
            "action": action_to_dict(action),
            "error": None,
            "summary": describe(action),
        }
        for action in actions
    ]


def _refused(error: str) -> PlannedAction:
    return {"call_id": None, "tool": "code", "action": None, "error": error, "summary": "code"}


def normalize_reply(text: str) -> str:
    r"""Literal ``\n`` escapes outside code fences turned into line breaks.

    Some checkpoints write the line breaks around ``## Action:`` / ``## Code:`` as the two
    characters backslash and n; code inside fences is left for :func:`parse_code`.
    """
    segments = text.split("```")
    for index in range(0, len(segments), 2):
        segments[index] = segments[index].replace("\\r\\n", "\n").replace("\\n", "\n")
    return "```".join(segments)


def extract_code(text: str) -> str:
    """The code of the ``## Code:`` section: its last fenced block, else its text.

    Raises:
        ActionParseError: No ``## Code:`` section, or a fence that is never closed.
    """
    text = normalize_reply(text)
    header = _CODE_HEADER.search(text)
    if header is None:
        msg = "no `## Code:` section found; answer with `## Action:` and then `## Code:`"
        raise ActionParseError(msg)
    rest = text[header.end() :]
    following = _NEXT_HEADER.search(rest)
    section = (rest[: following.start()] if following else rest).strip()
    fences = _FENCE.findall(section)
    if fences:
        return str(fences[-1]).strip()
    if section.startswith("```"):
        msg = "the `## Code:` fence is never closed, or its tag is not code/python/py/json"
        raise ActionParseError(msg)
    return section


def action_text(text: str) -> str | None:
    """The ``## Action:`` section of a reply, if any (the model's own action sentence)."""
    text = normalize_reply(text)
    header = _ACTION_HEADER.search(text)
    if header is None:
        return None
    rest = text[header.end() :]
    following = _NEXT_HEADER.search(rest)
    return (rest[: following.start()] if following else rest).strip() or None


def parse_code(code: str) -> list[Action]:
    """The actions of a code block, or an error naming every refused statement.

    Raises:
        ActionParseError: Empty, too long, not Python, or any statement not allowed.
    """
    code = code.strip()
    if not code:
        msg = "the `## Code:` block is empty"
        raise ActionParseError(msg)
    if len(code) > MAX_CODE_CHARS:
        msg = f"the code block is over {MAX_CODE_CHARS} characters"
        raise ActionParseError(msg)
    if code in _SPECIAL:
        return [_SPECIAL[code]]
    if code.startswith("{"):
        call = _json_call(code)
        if call is not None:
            return call
    tree, source = _parse(code)
    if len(tree.body) > MAX_ACTIONS:
        msg = f"the code has {len(tree.body)} statements; use at most {MAX_ACTIONS} per step"
        raise ActionParseError(msg)
    actions: list[Action] = []
    problems: list[str] = []
    for statement in tree.body:
        try:
            actions.extend(_statement(statement))
        except ActionParseError as exc:
            problems.append(f"line {statement.lineno} `{_segment(source, statement)}`: {exc}")
    if problems:
        allowed = ", ".join(name.removeprefix("pyautogui.") for name in SIGNATURES)
        msg = (
            "the code was refused and nothing was executed. "
            + "; ".join(problems)
            + f". Only these calls with literal arguments are allowed: {allowed}."
        )
        raise ActionParseError(msg)
    return actions


def _json_call(code: str) -> list[Action] | None:
    """A special function written as a JSON object, as the system prompt lists them.

    ``{"name": "computer.terminate", "arguments": {...}}``, in a ``json`` fence. None if the
    code is not such an object.
    """
    try:
        data = json.loads(code)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("name") not in {
        "computer.wait",
        "computer.terminate",
    }:
        return None
    args = data.get("arguments", data.get("parameters")) or {}
    if not isinstance(args, dict):
        msg = "the function's `arguments` must be an object"
        raise ActionParseError(msg)
    name = str(data["name"])
    try:
        bound = SIGNATURES[name].bind(**{str(key): value for key, value in args.items()})
    except TypeError as exc:
        msg = f"bad arguments for {name}: {exc}"
        raise ActionParseError(msg) from None
    bound.apply_defaults()
    return _BUILDERS[name](bound.arguments)


def _parse(code: str) -> tuple[ast.Module, str]:
    """The syntax tree and the source it was parsed from (line numbers refer to it)."""
    try:
        return ast.parse(code, mode="exec"), code
    except SyntaxError as first:
        # Some checkpoints write "\n" as two characters between statements.
        fixed = _unescape_newlines(code)
        if fixed != code:
            try:
                return ast.parse(fixed, mode="exec"), fixed
            except SyntaxError:
                pass
        msg = f"the code is not valid Python: {first.msg} (line {first.lineno})"
        raise ActionParseError(msg) from None
    except (RecursionError, MemoryError):
        msg = "the code was refused: it is nested too deeply to read"
        raise ActionParseError(msg) from None


def _segment(source: str, node: ast.AST) -> str:
    """The node's source on one line (shortened), for error messages."""
    try:
        text = (source and ast.get_source_segment(source, node)) or ast.unparse(node)
    except (IndexError, RecursionError, ValueError):
        text = ""
    return _one_line(text)


def _unescape_newlines(code: str) -> str:
    """Turn a literal backslash-n outside string literals into a newline."""
    out: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(code):
        char = code[i]
        if quote is None and code.startswith("\\n", i):
            out.append("\n")
            i += 2
            continue
        if char in "'\"" and quote is None:
            quote = char
        elif char == quote and code[i - 1] != "\\":
            quote = None
        out.append(char)
        i += 1
    return "".join(out)


def _statement(statement: ast.stmt) -> list[Action]:
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        msg = "only calls to the listed functions are allowed"
        raise ActionParseError(msg)
    call = statement.value
    name = _dotted(call.func)
    if name not in SIGNATURES:
        shown = name or ast.unparse(call.func)
        msg = f"`{shown}` is not an allowed function"
        raise ActionParseError(msg)
    args = [_literal(arg) for arg in call.args]
    kwargs: dict[str, Any] = {}
    for keyword in call.keywords:
        if keyword.arg is None:
            msg = "`**` arguments are not allowed"
            raise ActionParseError(msg)
        kwargs[keyword.arg] = _literal(keyword.value)
    try:
        bound = SIGNATURES[name].bind(*args, **kwargs)
    except TypeError as exc:
        msg = f"bad arguments for {name}: {exc}"
        raise ActionParseError(msg) from None
    bound.apply_defaults()
    return _BUILDERS[name](bound.arguments)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Starred):
        msg = "`*` arguments are not allowed"
        raise ActionParseError(msg)
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        msg = f"argument `{_segment('', node) or '…'}` is not a literal"
        raise ActionParseError(msg) from None


def _one_line(source: str, limit: int = 80) -> str:
    line = " ".join(source.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# -- building actions from bound arguments --------------------------------------------------


def _xy(args: dict[str, Any], name: str) -> tuple[float, float]:
    x, y = args["x"], args["y"]
    if isinstance(x, list | tuple) and y is None and len(x) == 2:  # noqa: PLR2004  # click((x, y))
        x, y = x
    if x is None or y is None:
        msg = f"{name} needs x and y"
        raise ActionParseError(msg)
    return finite(x, "x"), finite(y, "y")


def _button(value: Any) -> Button:
    button = {"primary": "left", "secondary": "right"}.get(value, value)
    if button not in {"left", "right", "middle"}:
        msg = f"button must be 'left', 'right' or 'middle', got {_short_repr(value)}"
        raise ActionParseError(msg)
    return cast("Button", button)


def _key(value: Any) -> str:
    if not isinstance(value, str) or not value:
        msg = f"keys must be strings, got {_short_repr(value)}"
        raise ActionParseError(msg)
    try:
        return canonical_key(value)
    except UnknownKeyError as exc:
        raise ActionParseError(str(exc)) from None


def _click(count: int, button: Button | None = None) -> Callable[[dict[str, Any]], list[Action]]:
    def build(args: dict[str, Any]) -> list[Action]:
        clicks = (
            bounded_count(args["clicks"], "clicks", 1, MAX_CLICKS) if "clicks" in args else count
        )
        chosen = button or _button(args.get("button", "left"))
        return [Click(point=_xy(args, "click"), button=chosen, count=clicks)]

    return build


def _scroll(axis: str) -> Callable[[dict[str, Any]], list[Action]]:
    def build(args: dict[str, Any]) -> list[Action]:
        clicks = bounded_count(args["clicks"], "clicks", -MAX_SCROLL, MAX_SCROLL, clamp=True)
        direction: ScrollDirection
        if axis == "vertical":
            direction = "up" if clicks > 0 else "down"  # pyautogui: positive scrolls up
        else:
            direction = "right" if clicks > 0 else "left"
        point = _xy(args, "scroll") if args["x"] is not None else None
        return [Scroll(direction=direction, amount=abs(clicks), point=point)]

    return build


def _write(args: dict[str, Any]) -> list[Action]:
    message = args["message"]
    if isinstance(message, str):
        return [TypeText(text=bounded_text(message, "message"))]
    if isinstance(message, list | tuple):  # typewrite(["a", "enter"]): keys one by one
        if len(message) > MAX_ACTIONS:
            msg = f"type at most {MAX_ACTIONS} keys at a time"
            raise ActionParseError(msg)
        return [KeyPress(keys=(_key(key),)) for key in message]
    msg = f"`message` must be a string, got {_short_repr(message)}"
    raise ActionParseError(msg)


def _press(args: dict[str, Any]) -> list[Action]:
    keys = args["keys"]
    presses = bounded_count(args["presses"], "presses", 1, MAX_PRESSES, clamp=True)
    names = keys if isinstance(keys, list | tuple) else [keys]
    if len(names) > MAX_ACTIONS:
        msg = f"press at most {MAX_ACTIONS} keys at a time"
        raise ActionParseError(msg)
    return [KeyPress(keys=(_key(key),), presses=presses) for key in names]


def _hotkey(args: dict[str, Any]) -> list[Action]:
    keys = args["keys"]
    if len(keys) == 1 and isinstance(keys[0], list | tuple):
        keys = keys[0]
    if not keys or len(keys) > MAX_CHORD_KEYS:
        msg = f"hotkey needs 1 to {MAX_CHORD_KEYS} keys"
        raise ActionParseError(msg)
    return [KeyPress(keys=tuple(_key(key) for key in keys))]


def _sleep(args: dict[str, Any]) -> list[Action]:
    seconds = finite(args["secs"], "secs")
    return [Wait(seconds=min(max(seconds, 0.0), MAX_WAIT_SECONDS))]


def _computer_wait(args: dict[str, Any]) -> list[Action]:
    if args["seconds"] is not None:  # checked, but NVIDIA's harness waits its fixed time
        finite(args["seconds"], "seconds")
    return [Wait(seconds=WAIT_SECONDS)]


def _terminate(args: dict[str, Any]) -> list[Action]:
    status, answer = args["status"], args["answer"]
    if status not in {"success", "failure"}:
        msg = f"status must be 'success' or 'failure', got {_short_repr(status)}"
        raise ActionParseError(msg)
    return [Terminate(status=status, answer=None if answer is None else _answer(answer))]


def _answer(value: Any) -> str:
    text = value if isinstance(value, str) else _short_repr(value)
    return bounded_text(text, "answer")


def _short_repr(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:  # an int too large to print
        text = "a very large number"
    return text if len(text) <= 80 else text[:79] + "…"  # noqa: PLR2004


_BUILDERS: dict[str, Callable[[dict[str, Any]], list[Action]]] = {
    "pyautogui.click": _click(1),
    "pyautogui.doubleClick": _click(2),
    "pyautogui.tripleClick": _click(3),
    "pyautogui.rightClick": _click(1, "right"),
    "pyautogui.middleClick": _click(1, "middle"),
    "pyautogui.moveTo": lambda args: [MoveTo(point=_xy(args, "moveTo"))],
    "pyautogui.dragTo": lambda args: [Drag(end=_xy(args, "dragTo"))],
    "pyautogui.scroll": _scroll("vertical"),
    "pyautogui.vscroll": _scroll("vertical"),
    "pyautogui.hscroll": _scroll("horizontal"),
    "pyautogui.write": _write,
    "pyautogui.typewrite": _write,
    "pyautogui.press": _press,
    "pyautogui.hotkey": _hotkey,
    "time.sleep": _sleep,
    "computer.wait": _computer_wait,
    "computer.terminate": _terminate,
}
