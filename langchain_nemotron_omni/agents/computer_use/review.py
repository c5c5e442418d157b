"""Whether an action may run: the risk check, and approvals that hold only for their screen.

A risky action is approved by a human, and the human approves what a screenshot shows. So
asking takes two visits of the ``act`` node:

1. the risk check flags the action; the screen is photographed and the request is stored in
   the state (:class:`~.state.PendingApproval`), before anything waits;
2. the screen now is compared with that photograph, then ``interrupt()`` asks.

A run resumed later (after minutes, in another process, after its browser was closed and
reopened) re-runs visit 2: if the environment was restarted or the screen changed, the
decision is not applied; the step is re-planned on a new screenshot (and asked again if the
new plan is risky too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langgraph.types import interrupt

from langchain_nemotron_omni.agents.computer_use import events
from langchain_nemotron_omni.agents.computer_use.approval import approval_request, parse_decision
from langchain_nemotron_omni.agents.computer_use.computer import BrowserComputer
from langchain_nemotron_omni.agents.computer_use.environments import screens_differ
from langchain_nemotron_omni.agents.computer_use.execute import pointer_target
from langchain_nemotron_omni.agents.computer_use.risk import RiskCheck, describe_target
from langchain_nemotron_omni.agents.computer_use.state import PendingApproval

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_nemotron_omni.agents.computer_use.computer import Computer
    from langchain_nemotron_omni.agents.computer_use.coordinates import CoordinateMode
    from langchain_nemotron_omni.agents.computer_use.risk import RiskPredicate
    from langchain_nemotron_omni.agents.computer_use.screenshots import ScreenshotStore
    from langchain_nemotron_omni.agents.computer_use.state import (
        ComputerUseSettings,
        ComputerUseState,
        PlannedAction,
    )

RESTARTED = (
    "the environment was restarted since this step was planned (the run resumed in a new "
    "process, or its browser was closed while it waited), so nothing typed or focused before "
    "is there any more; look at the new screenshot and plan again"
)
SCREEN_CHANGED = (
    "the screen changed while this action waited for approval, so the approval no longer "
    "applies; look at the new screenshot and plan again"
)


@dataclass(frozen=True)
class Review:
    """Everything one review looks at."""

    state: ComputerUseState
    head: PlannedAction
    action: Any
    computer: Computer
    incarnation: str
    settings: ComputerUseSettings
    mode: CoordinateMode


def review(
    item: Review,
    risk: RiskPredicate | None,
    store: ScreenshotStore,
    load: Callable[[str], bytes],
) -> str | PendingApproval | None:
    """None to go ahead; why the action does not run; or the approval to ask for (visit 1).

    Raises:
        GraphInterrupt: Visit 2, waiting for the human (LangGraph's ``interrupt()``).
    """
    state, settings = item.state, item.settings
    if risk is None or settings.on_risk == "allow":
        return None
    session, step, index = state["session"], state["step"], len(state.get("results", []))
    asked = state.get("approval")
    if not asked or (asked["step"], asked["index"]) != (step, index):
        check = risk_check(item)
        reason = risk(check)
        if reason is None:
            return None
        if settings.on_risk == "refuse":
            return f"this action {reason}, which needs a human's approval; it was refused"
        shot = store.save(
            item.computer.screenshot(), session=session, step=step, label=f"approval{index}"
        )
        pending = PendingApproval(
            step=step,
            index=index,
            reason=reason,
            summary=check.description,
            url=check.url,
            screenshot=shot,
            environment=item.incarnation,
        )
        events.send("approval_requested", session, **pending)
        return pending
    if asked["environment"] != item.incarnation or _moved(asked, item.computer, load):
        events.send("replanned", session, step=step, reason=SCREEN_CHANGED)
        return SCREEN_CHANGED
    decision = interrupt(
        approval_request(
            step=step,
            tool=item.head["tool"],
            action=item.head["action"] or {},
            summary=asked["summary"],
            reason=asked["reason"],
            url=asked["url"],
            screenshot=asked["screenshot"],
        )
    )
    approved, why = parse_decision(decision)
    events.send("approval_decided", session, step=step, index=index, approved=approved, reason=why)
    return None if approved else f"the user rejected this action ({asked['reason']}): {why}"


def risk_check(item: Review) -> RiskCheck:
    """What the risk predicate looks at: the action, its target element, the page.

    On a desktop that can tell, the window that has the keyboard instead of the element.
    """
    computer, action = item.computer, item.action
    target = None
    url = None
    window = None
    if isinstance(computer, BrowserComputer):
        url = computer.current_url()
        point = pointer_target(action, computer, item.mode)
        target = computer.element_at(*point) if point is not None else computer.focused_element()
    else:
        active = getattr(computer, "active_window", None)  # X11Desktop, FakeDesktop
        window = active() if callable(active) else None
    return RiskCheck(
        action=action,
        description=describe_target(item.head["summary"], action, target),
        environment=computer.kind,
        url=url,
        target=target,
        blocked_patterns=tuple(item.settings.blocked_patterns),
        window=window,
    )


def _moved(asked: PendingApproval, computer: Computer, load: Callable[[str], bytes]) -> bool:
    """Whether the screen is no longer the one the approval was asked on."""
    try:
        before = load(asked["screenshot"])
    except (OSError, LookupError):
        return True
    return screens_differ(before, computer.screenshot())
