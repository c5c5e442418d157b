"""The actions both protocols are parsed into, before anything touches the screen.

Every number a model can write is bounded here, before anything is stored or executed
(:func:`bounded_count`, :func:`finite`, and the ``MAX_*`` limits): ``clicks=10**9`` or
``scroll(1e999)`` is an error for the model or a clamped value, never a call to xdotool or
Playwright.

Points stay in the model's coordinates (fractions of the screen, or pixels for the desktop
protocol's absolute form) until execution, where :func:`.coordinates.to_pixels` converts them
for the screen as it is then. Actions travel through the graph state as plain dicts
(:func:`action_to_dict`), so checkpoints hold JSON only.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from langchain_nemotron_omni.agents.computer_use.errors import ActionParseError

if TYPE_CHECKING:
    from langchain_nemotron_omni.agents.computer_use.computer import Button

Point: TypeAlias = tuple[float, float]
ScrollDirection = Literal["up", "down", "left", "right"]
Status = Literal["success", "failure"]

MAX_WAIT_SECONDS = 30.0
"""The longest wait (NVIDIA's tool schema caps ``duration`` at 30 s)."""
MAX_CLICKS = 3
"""Clicks in one click action (triple click)."""
MAX_SCROLL = 50
"""Wheel clicks in one scroll; more is clamped."""
MAX_PRESSES = 50
"""Repetitions of one key press; more is clamped."""
MAX_TEXT_CHARS = 10_000
"""Characters typed by one action."""
MAX_CHORD_KEYS = 8
"""Keys held together in one chord."""
MAX_ACTIONS = 50
"""Actions in one step."""


def finite(value: object, name: str) -> float:
    """``value`` as a finite float.

    Raises:
        ActionParseError: Not a number (booleans are not), or infinite, NaN, or too large
            for a float.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"`{name}` must be a number, got {_shown(value)}"
        raise ActionParseError(msg)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        msg = f"`{name}` must be a finite number, got {_shown(value)}"
        raise ActionParseError(msg)
    return number


def bounded_count(value: object, name: str, low: int, high: int, *, clamp: bool = False) -> int:
    """An integer count in ``[low, high]`` (clamped into it when ``clamp``).

    Raises:
        ActionParseError: Not a whole number, or out of range when not clamping.
    """
    number = finite(value, name)
    if not number.is_integer():
        msg = f"`{name}` must be a whole number, got {_shown(value)}"
        raise ActionParseError(msg)
    if clamp:
        return int(min(max(number, low), high))
    if not low <= number <= high:
        msg = f"`{name}` must be between {low} and {high}, got {_shown(value)}"
        raise ActionParseError(msg)
    return int(number)


def bounded_text(value: str, name: str) -> str:
    """``value`` if it is at most :data:`MAX_TEXT_CHARS` long.

    Raises:
        ActionParseError: Longer.
    """
    if len(value) > MAX_TEXT_CHARS:
        msg = f"`{name}` is {len(value)} characters; type at most {MAX_TEXT_CHARS} at a time"
        raise ActionParseError(msg)
    return value


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, int) else _int_text(value)
    return text if len(text) <= 40 else text[:39] + "…"  # noqa: PLR2004


def _int_text(value: int) -> str:
    # repr of a huge int is slow (and refused past 4300 digits): show its size instead.
    if value.bit_length() > 64:  # noqa: PLR2004
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    return repr(value)


@dataclass(frozen=True)
class Click:
    """Press and release a mouse button ``count`` times at ``point``."""

    point: Point
    button: Button = "left"
    count: int = 1


@dataclass(frozen=True)
class MoveTo:
    """Move the pointer."""

    point: Point


@dataclass(frozen=True)
class Drag:
    """Drag with the left button from ``start`` (default: where the pointer is) to ``end``."""

    end: Point
    start: Point | None = None


@dataclass(frozen=True)
class Scroll:
    """Turn the mouse wheel ``amount`` clicks, at ``point`` (default: the screen's centre)."""

    direction: ScrollDirection
    amount: int
    point: Point | None = None


@dataclass(frozen=True)
class TypeText:
    """Type text into the focused element."""

    text: str


@dataclass(frozen=True)
class KeyPress:
    """Press keys together (a chord such as ``("ctrl", "a")``), ``presses`` times."""

    keys: tuple[str, ...]
    presses: int = 1


@dataclass(frozen=True)
class Wait:
    """Let the screen settle."""

    seconds: float


@dataclass(frozen=True)
class Navigate:
    """Load a URL (or ``back`` / ``forward``), optionally in another tab."""

    url: str
    tab_id: int | None = None


@dataclass(frozen=True)
class TabsCreate:
    """Open a tab."""

    url: str = "about:blank"


@dataclass(frozen=True)
class TabsFocus:
    """Switch to a tab."""

    tab_id: int


@dataclass(frozen=True)
class Terminate:
    """End the task with a status and an answer."""

    status: Status
    answer: str | None = None


Action: TypeAlias = (
    Click
    | MoveTo
    | Drag
    | Scroll
    | TypeText
    | KeyPress
    | Wait
    | Navigate
    | TabsCreate
    | TabsFocus
    | Terminate
)

_KINDS: dict[str, type[Action]] = {
    "click": Click,
    "move": MoveTo,
    "drag": Drag,
    "scroll": Scroll,
    "type": TypeText,
    "key": KeyPress,
    "wait": Wait,
    "navigate": Navigate,
    "tabs_create": TabsCreate,
    "tabs_focus": TabsFocus,
    "terminate": Terminate,
}
_NAMES = {cls: kind for kind, cls in _KINDS.items()}
_POINT_FIELDS = ("point", "end", "start")


def action_to_dict(action: Action) -> dict[str, Any]:
    """A JSON-ready dict with a ``kind`` key (points become lists)."""
    data: dict[str, Any] = {"kind": _NAMES[type(action)]}
    for field in dataclasses.fields(action):
        value = getattr(action, field.name)
        data[field.name] = list(value) if isinstance(value, tuple) else value
    return data


def action_from_dict(data: dict[str, Any]) -> Action:
    """The inverse of :func:`action_to_dict`.

    Raises:
        ValueError: Unknown ``kind``.
    """
    cls = _KINDS.get(str(data.get("kind")))
    if cls is None:
        msg = f"unknown action kind {data.get('kind')!r}"
        raise ValueError(msg)
    fields = {f.name for f in dataclasses.fields(cls)}
    values = {key: value for key, value in data.items() if key in fields}
    for key in _POINT_FIELDS:
        if isinstance(values.get(key), list):
            values[key] = tuple(values[key])
    if isinstance(values.get("keys"), list):
        values["keys"] = tuple(values["keys"])
    return cls(**values)


def describe(action: Action) -> str:  # noqa: C901, PLR0911  # one case per action type
    """A short human-readable line for logs, history text and approval prompts."""
    match action:
        case Click(point=point, button=button, count=count):
            name = {1: "click", 2: "double click", 3: "triple click"}.get(count, f"{count}x click")
            prefix = "" if button == "left" else f"{button} "
            return f"{prefix}{name} at {_point(point)}"
        case MoveTo(point=point):
            return f"move to {_point(point)}"
        case Drag(start=start, end=end):
            origin = _point(start) if start is not None else "the pointer"
            return f"drag from {origin} to {_point(end)}"
        case Scroll(direction=direction, amount=amount, point=point):
            where = f" at {_point(point)}" if point is not None else ""
            return f"scroll {direction} {amount}{where}"
        case TypeText(text=text):
            return f"type {_short(text)!r}"
        case KeyPress(keys=keys, presses=presses):
            times = f" x{presses}" if presses != 1 else ""
            return f"press {'+'.join(keys)}{times}"
        case Wait(seconds=seconds):
            return f"wait {seconds:g}s"
        case Navigate(url=url, tab_id=tab_id):
            tab = f" in tab {tab_id}" if tab_id is not None else ""
            return f"go {url}{tab}" if url in {"back", "forward"} else f"navigate to {url}{tab}"
        case TabsCreate(url=url):
            return f"open a tab at {url}"
        case TabsFocus(tab_id=tab_id):
            return f"focus tab {tab_id}"
        case Terminate(status=status, answer=answer):
            return f"terminate ({status})" + (f": {_short(answer, 120)}" if answer else "")
    msg = f"not an action: {action!r}"
    raise TypeError(msg)


def _point(point: Point) -> str:
    return f"({point[0]:.3g}, {point[1]:.3g})"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
