"""Which text the model types is a secret: found before anything is stored.

Runs when a reply is parsed, before the reply or its actions reach the state: text a
``type`` action will type is a secret when

* it matches one of the settings' ``secret_patterns`` (checked by :meth:`.Secrets.find`);
* in a browser, it goes into a password field: the element under the step's last click
  before it, else the element that has the focus now;
* on the desktop, the model's own action sentence for the step says it types a password
  (``## Action: Type the password ...``).

Found values are registered with the run's :class:`~.masking.Secrets`, which then masks
them in the reply, the plan and everything after.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from langchain_nemotron_omni.agents.computer_use.actions import (
    Click,
    TypeText,
    action_from_dict,
)
from langchain_nemotron_omni.agents.computer_use.computer import BrowserComputer
from langchain_nemotron_omni.agents.computer_use.execute import pointer_target

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_nemotron_omni.agents.computer_use.computer import Computer, ElementInfo
    from langchain_nemotron_omni.agents.computer_use.coordinates import CoordinateMode
    from langchain_nemotron_omni.agents.computer_use.masking import Secrets
    from langchain_nemotron_omni.agents.computer_use.state import PlannedAction

PASSWORD_WORDS = re.compile(r"pass\s?(?:word|phrase|code)|\bpin\b|\bsecret\b", re.IGNORECASE)


def find_typed_secrets(  # what a step's typing is judged by
    plan: Sequence[PlannedAction],
    *,
    secrets: Secrets,
    computer: Computer,
    mode: CoordinateMode,
    action_sentence: str | None,
) -> None:
    """Register the secrets among the texts ``plan`` types (see the module docstring)."""
    says_password = bool(action_sentence and PASSWORD_WORDS.search(action_sentence))
    last_click: tuple[int, int] | None = None
    for entry in plan:
        if entry["action"] is None:
            continue
        action = action_from_dict(entry["action"])
        if isinstance(action, Click):
            last_click = pointer_target(action, computer, mode)
        if not isinstance(action, TypeText):
            continue
        secrets.find(action.text)
        if says_password or _password_field(computer, last_click):
            secrets.add(action.text.strip())


def _password_field(computer: Computer, point: tuple[int, int] | None) -> bool:
    if not isinstance(computer, BrowserComputer):
        return False
    target: ElementInfo | None
    try:
        target = computer.element_at(*point) if point is not None else computer.focused_element()
    except Exception:  # noqa: BLE001  # a page that cannot tell: not a password field
        return False
    return bool(target) and (target or {}).get("type") == "password"
