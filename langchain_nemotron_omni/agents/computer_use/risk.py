"""Which actions need a human's approval.

A risk predicate gets a :class:`RiskCheck` (the action, the element it would touch, the
page) right before the action would run, and returns a reason when the action is risky. The
agent then interrupts the graph (or refuses, or goes on, as configured). The predicate runs
again when the graph resumes, so it must not change anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
    """

    action: Action
    description: str
    environment: EnvironmentKind
    url: str | None = None
    target: ElementInfo | None = None
    blocked_patterns: tuple[str, ...] = ()


RiskPredicate = Callable[[RiskCheck], str | None]
"""Returns why an action is risky, or None to let it run."""


class RiskPolicy:
    """The default predicate: passwords, form submissions and blocked patterns.

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
    ) -> None:
        """Choose the rules.

        Args:
            blocked_patterns: Regular expressions (case-insensitive) matched against the
                action's description (its text, URL, and the target element's label).
            password_fields: Typing or pressing keys in a password field is risky.
            form_submits: Clicking a submit button, or Enter in a form field, is risky.

        Raises:
            re.error: A pattern does not compile.
        """
        self.patterns = tuple(re.compile(p, re.IGNORECASE) for p in blocked_patterns)
        self.password_fields = password_fields
        self.form_submits = form_submits

    def __call__(self, check: RiskCheck) -> str | None:
        """Why the action is risky, or None."""
        target = check.target or {}
        action = check.action
        typing = isinstance(action, TypeText | KeyPress)
        if self.password_fields and typing and target.get("type") == "password":
            return "types into a password field"
        if self.form_submits and _submits(action, target):
            return "submits a form"
        extra = tuple(re.compile(p, re.IGNORECASE) for p in check.blocked_patterns)
        for pattern in (*self.patterns, *extra):
            if pattern.search(check.description):
                return f"matches the blocked pattern {pattern.pattern!r}"
        return None


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
