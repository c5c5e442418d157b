"""Carrying out one parsed action on a :class:`~.computer.Computer`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_nemotron_omni.agents.computer_use.actions import (
    MAX_PRESSES,
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
)
from langchain_nemotron_omni.agents.computer_use.browser import normalize_url
from langchain_nemotron_omni.agents.computer_use.computer import BrowserComputer, Computer
from langchain_nemotron_omni.agents.computer_use.coordinates import CoordinateMode, to_pixels
from langchain_nemotron_omni.agents.computer_use.errors import ActionError, NavigationBlockedError

if TYPE_CHECKING:
    from langchain_nemotron_omni.agents.computer_use.domains import DomainPolicy
    from langchain_nemotron_omni.agents.computer_use.masking import Secrets

_SCROLL_STEPS = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}


def pointer_target(
    action: Action, computer: Computer, mode: CoordinateMode
) -> tuple[int, int] | None:
    """The pixel a click or drag starts at (what a risk check inspects), else None."""
    if isinstance(action, Click):
        return to_pixels(action.point, computer.size(), mode)
    if isinstance(action, Drag) and action.start is not None:
        return to_pixels(action.start, computer.size(), mode)
    return None


def execute(  # noqa: C901  # one case per action type
    action: Action,
    computer: Computer,
    *,
    mode: CoordinateMode,
    domains: DomainPolicy,
    secrets: Secrets | None = None,
) -> str:
    """Run ``action``; returns a note for the model ("" when there is nothing to say).

    Args:
        action: The action (a :class:`~.actions.Terminate` does nothing here).
        computer: The environment.
        mode: How to read the action's coordinates.
        domains: The run's allow-list, checked before any navigation.
        secrets: The run's secrets: ``{{name}}`` placeholders in typed text and URLs are
            replaced by their values here, and only here.

    Raises:
        ActionError: The action cannot run here (wrong environment, refused URL, a page
            load the browser's allow-list blocked). Other exceptions come from the
            environment itself.
    """
    size = computer.size()
    match action:
        case Click(point=point, button=button, count=count):
            x, y = to_pixels(point, size, mode)
            if button == "left" and count == 2:  # noqa: PLR2004
                computer.double_click(x, y)
            else:
                computer.click(x, y, button=button, count=count)
        case MoveTo(point=point):
            computer.move(*to_pixels(point, size, mode))
        case Drag(start=start, end=end):
            origin = (
                to_pixels(start, size, mode) if start is not None else computer.cursor_position()
            )
            computer.drag([origin, to_pixels(end, size, mode)])
        case Scroll(direction=direction, amount=amount, point=point):
            x, y = (
                to_pixels(point, size, mode) if point is not None else (size[0] // 2, size[1] // 2)
            )
            step_x, step_y = _SCROLL_STEPS[direction]
            computer.scroll(x, y, dx=step_x * amount, dy=step_y * amount)
        case TypeText(text=text):
            computer.type(secrets.unmask(text) if secrets else text)
        case KeyPress(keys=keys, presses=presses):
            for _ in range(min(presses, MAX_PRESSES)):
                computer.key_press(keys)
        case Wait(seconds=seconds):
            computer.wait(seconds)
        case Navigate() | TabsCreate() | TabsFocus():
            return _browse(action, _browser(computer, action), domains, secrets)
        case Terminate():
            return ""
    _check_blocked(computer)
    return ""


def _browser(computer: Computer, action: Action) -> BrowserComputer:
    if not isinstance(computer, BrowserComputer):
        msg = f"{type(action).__name__.lower()} needs a browser; this environment is a desktop"
        raise ActionError(msg)
    return computer


def _browse(
    action: Action, browser: BrowserComputer, domains: DomainPolicy, secrets: Secrets | None
) -> str:
    if isinstance(action, TabsFocus):
        browser.focus_tab(action.tab_id)
        return f"Switched to tab {action.tab_id}."
    url = action.url if isinstance(action, Navigate | TabsCreate) else ""
    url = secrets.unmask(url) if secrets else url
    if url not in {"back", "forward", "about:blank"} and not domains.allows(normalize_url(url)):
        raise NavigationBlockedError(domains.refusal(normalize_url(url)))
    if isinstance(action, TabsCreate):
        tab_id = browser.new_tab(url)
        _check_blocked(browser)
        return f"Opened tab {tab_id}: {browser.current_url()}"
    if isinstance(action, Navigate) and action.tab_id is not None:
        browser.focus_tab(action.tab_id)
    browser.navigate(url)
    _check_blocked(browser)
    return f"Now at {browser.current_url()}"


def _check_blocked(computer: Computer) -> None:
    # A click can follow a link off the allow-list: the browser refused the load; say so.
    if isinstance(computer, BrowserComputer):
        blocked = computer.blocked_navigations()
        if blocked:
            msg = (
                f"the page tried to load {blocked[-1]}, which is not in the allowed domains; "
                "the request was blocked and the tab stayed where it was"
            )
            raise NavigationBlockedError(msg)
