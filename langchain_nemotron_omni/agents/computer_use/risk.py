"""Which actions need a human's approval.

A risk predicate gets a :class:`RiskCheck` (the action, the element it would touch, the
page, or on a desktop the window that has the keyboard) right before the action would run,
and returns a reason when the action is risky. The agent then interrupts the graph (or
refuses, or goes on, as configured). The predicate runs again when the graph resumes, so it
must not change anything.

The default policy (:class:`RiskPolicy`) asks before: typing into a password field, submitting
a form (browser); pressing Enter, or typing a line break, in a terminal-like window, and key
chords that close windows or run programs (desktop); anything matching a blocked pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from langchain_nemotron_omni.agents.computer_use.actions import (
    Action,
    Click,
    KeyPress,
    Navigate,
    TabsCreate,
    TypeText,
)

if TYPE_CHECKING:
    from langchain_nemotron_omni.agents.computer_use.computer import ElementInfo, EnvironmentKind

TERMINAL_WINDOW = re.compile(
    r"term|konsole|terminator|alacritty|kitty|rxvt|tilix|wezterm|\bfoot\b|\bst\b|"
    r"console|\bshell\b|\bbash\b|\bzsh\b|\bfish\b|tmux|"
    r"^\S+@\S+:",  # a shell's title: user@host:~/dir
    re.IGNORECASE,
)
"""Window classes and titles of terminals (where Enter runs a command)."""
CLOSE_OR_RUN_CHORDS = frozenset(
    frozenset(chord)
    for chord in (
        ("alt", "f4"),
        ("ctrl", "w"),
        ("ctrl", "q"),
        ("ctrl", "shift", "w"),
        ("ctrl", "shift", "q"),
        ("alt", "f2"),
        ("super", "r"),
        ("ctrl", "alt", "t"),
        ("ctrl", "alt", "delete"),
        ("ctrl", "alt", "backspace"),
        ("super", "l"),
        ("ctrl", "alt", "l"),
    )
)
"""Chords that close a window or an app, open a run dialog or a terminal, or end the session."""
TERMINAL_CHORDS = frozenset(frozenset(chord) for chord in (("ctrl", "d"), ("ctrl", "c")))
"""Chords that end or interrupt what a terminal runs."""


class WindowInfo(TypedDict, total=False):
    """The desktop window that has the keyboard (desktops that can tell)."""

    name: str
    wm_class: str


@dataclass(frozen=True)
class RiskCheck:
    """What a risk predicate sees about one action, just before it runs.

    Attributes:
        action: The parsed action.
        description: The action and its target in words (what patterns are matched on).
        environment: ``browser`` or ``desktop``.
        url: The active page (browsers).
        target: The element under the pointer for clicks, or with the keyboard focus for
            typing and keys (browsers only; None elsewhere).
        blocked_patterns: The run's extra patterns (from the runtime context).
        window: The window with the keyboard (desktops that can tell; None elsewhere).
    """

    action: Action
    description: str
    environment: EnvironmentKind
    url: str | None = None
    target: ElementInfo | None = None
    blocked_patterns: tuple[str, ...] = ()
    window: WindowInfo | None = None


RiskPredicate = Callable[[RiskCheck], str | None]
"""Returns why an action is risky, or None to let it run."""


class RiskPolicy:
    """The default predicate: passwords, forms, terminals, closing chords, blocked patterns.

    Example:
        ```python
        risk = RiskPolicy(blocked_patterns=[r"delete", r"checkout"])
        agent = create_computer_use_agent(model, browser, risk=risk)
        ```
    """

    def __init__(
        self,
        *,
        blocked_patterns: Iterable[str] = (),
        password_fields: bool = True,
        form_submits: bool = True,
        terminal_commands: bool = True,
        close_or_run_chords: bool = True,
    ) -> None:
        """Choose the rules.

        Args:
            blocked_patterns: Regular expressions (case-insensitive) matched against the
                action's description (its text, URL, and the target element's label).
            password_fields: Typing or pressing keys in a password field is risky.
            form_submits: Clicking a submit button, or Enter in a form field, is risky.
            terminal_commands: On a desktop, Enter (or typed text holding a line break),
                Ctrl+C or Ctrl+D in a terminal-like window is risky: it runs or ends a
                command. Typing alone is not.
            close_or_run_chords: On a desktop, chords that close windows or apps, open a run
                dialog or a terminal, or end the session (:data:`CLOSE_OR_RUN_CHORDS`) are
                risky.

        Raises:
            re.error: A pattern does not compile.
        """
        self.patterns = tuple(re.compile(p, re.IGNORECASE) for p in blocked_patterns)
        self.password_fields = password_fields
        self.form_submits = form_submits
        self.terminal_commands = terminal_commands
        self.close_or_run_chords = close_or_run_chords

    def __call__(self, check: RiskCheck) -> str | None:
        """Why the action is risky, or None."""
        target = check.target or {}
        action = check.action
        typing = isinstance(action, TypeText | KeyPress)
        if self.password_fields and typing and target.get("type") == "password":
            return "types into a password field"
        if self.form_submits and _submits(action, target):
            return "submits a form"
        if check.environment == "desktop":
            reason = self._desktop(action, check.window)
            if reason is not None:
                return reason
        extra = tuple(re.compile(p, re.IGNORECASE) for p in check.blocked_patterns)
        for pattern in (*self.patterns, *extra):
            if pattern.search(check.description):
                return f"matches the blocked pattern {pattern.pattern!r}"
        return None

    def _desktop(self, action: Action, window: WindowInfo | None) -> str | None:
        chord = frozenset(action.keys) if isinstance(action, KeyPress) else frozenset()
        if self.close_or_run_chords and chord in CLOSE_OR_RUN_CHORDS:
            return f"presses {'+'.join(action.keys)}, which closes or runs something"  # type: ignore[union-attr]
        if self.terminal_commands and window and is_terminal(window):
            runs = (
                isinstance(action, TypeText) and ("\n" in action.text or "\r" in action.text)
            ) or ("enter" in chord)
            if runs:
                return "runs a command in a terminal"
            if chord in TERMINAL_CHORDS:
                return "interrupts or ends what runs in a terminal"
        return None


def is_terminal(window: WindowInfo) -> bool:
    """Whether a window looks like a terminal (by its class or title)."""
    texts = (window.get("wm_class") or "", window.get("name") or "")
    return any(TERMINAL_WINDOW.search(text) for text in texts)


def _submits(action: Action, target: ElementInfo) -> bool:
    if isinstance(action, Click) and action.button == "left":
        return bool(target.get("submits"))
    in_form_field = bool(target.get("in_form")) and target.get("tag") == "input"
    if isinstance(action, KeyPress):
        return in_form_field and "enter" in action.keys
    if isinstance(action, TypeText):
        return in_form_field and "\n" in action.text
    return False


def describe_target(description: str, action: Action, target: ElementInfo | None) -> str:
    """The text patterns are matched on: the action, then its target element."""
    if isinstance(action, Navigate | TabsCreate) or not target:
        return description
    label = f"<{target.get('tag', '?')}"
    if target.get("type"):
        label += f" type={target['type']}"
    label += ">"
    for key in ("text", "name", "id", "href"):
        if target.get(key):
            label += f" {key}={target[key]!r}"
    return f"{description} on {label}"
