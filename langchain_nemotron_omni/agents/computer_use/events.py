"""The computer-use agent's progress events, one per thing that happens in a run.

Each is sent on LangGraph's ``custom`` stream (:func:`~..common.emit`) as
``{"agent": "computer_use", "event": <kind>, "session": ..., "time": <epoch seconds>, ...}``,
so a client streaming a run with ``stream_mode="custom"`` follows it live, and the command
line builds its terminal output, its live page and its report from the same events
(:mod:`.trajectory`). Screenshots travel as references (a store key or a file path), never
as image bytes. The kinds and their fields are listed in ``docs/computer_use.md``.

Pointer positions (``marker``) are pixels of the screenshot the action was planned on, so a
viewer can draw where the model clicked or dragged.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from langchain_nemotron_omni.agents.common import emit
from langchain_nemotron_omni.agents.computer_use.actions import Click, Drag, MoveTo, Scroll
from langchain_nemotron_omni.agents.computer_use.coordinates import to_pixels
from langchain_nemotron_omni.agents.computer_use.history import thought_of
from langchain_nemotron_omni.agents.computer_use.masking import mask_secrets

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_core.messages import BaseMessage

    from langchain_nemotron_omni.agents.computer_use.actions import Action
    from langchain_nemotron_omni.agents.computer_use.computer import Computer
    from langchain_nemotron_omni.agents.computer_use.coordinates import CoordinateMode
    from langchain_nemotron_omni.agents.computer_use.state import (
        ActionResult,
        Outcome,
        PlannedAction,
        Screen,
        ScreenshotRef,
    )

AGENT = "computer_use"
EventKind = Literal[
    "run_started",
    "step",
    "action",
    "approval_requested",
    "approval_decided",
    "replanned",
    "observation",
    "run_finished",
]


class Marker(TypedDict, total=False):
    """Where a pointer action happened, in screenshot pixels.

    Attributes:
        kind: ``click``, ``move``, ``drag`` or ``scroll``.
        points: One point, or a drag's path from its start to its end.
        direction: A scroll's direction.
    """

    kind: Literal["click", "move", "drag", "scroll"]
    points: list[list[int]]
    direction: str


def send(kind: EventKind, session: str, **fields: Any) -> None:
    """Send one event of the run ``session``, its secrets masked (:mod:`.masking`)."""
    emit(AGENT, kind, session=session, time=time.time(), **mask_secrets(session, fields))


def marker(action: Action, computer: Computer, mode: CoordinateMode) -> Marker | None:
    """Where ``action`` will put the pointer (call it before running the action)."""
    size = computer.size()
    match action:
        case Click(point=point):
            return {"kind": "click", "points": [list(to_pixels(point, size, mode))]}
        case MoveTo(point=point):
            return {"kind": "move", "points": [list(to_pixels(point, size, mode))]}
        case Drag(start=start, end=end):
            origin = to_pixels(start, size, mode) if start else computer.cursor_position()
            return {"kind": "drag", "points": [list(origin), list(to_pixels(end, size, mode))]}
        case Scroll(point=point, direction=direction):
            where = to_pixels(point, size, mode) if point else (size[0] // 2, size[1] // 2)
            return {"kind": "scroll", "points": [list(where)], "direction": direction}
    return None


def run_started(session: str, task: str, screen: Screen, shot: ScreenshotRef) -> None:
    """The environment is up and the first screenshot taken."""
    send(
        "run_started",
        session,
        task=task,
        environment=screen["kind"],
        url=screen.get("url"),
        screenshot=shot["ref"],
        width=shot["width"],
        height=shot["height"],
        step=shot["step"],
    )


def step_planned(  # noqa: PLR0913  # one field each
    session: str,
    *,
    step: int,
    reply: BaseMessage,
    plan: Sequence[PlannedAction],
    shot: ScreenshotRef | None,
    seconds: float,
) -> None:
    """The model answered a step: its thought and the actions it asked for."""
    send(
        "step",
        session,
        step=step,
        # The step log's thought; a reply with neither reasoning nor a thought section
        # (instruct mode, browser) shows its text, which is then the thought.
        thought=thought_of(reply) or reply.text.strip(),
        actions=[{"tool": a["tool"], "summary": a["summary"], "error": a["error"]} for a in plan],
        screenshot=shot["ref"] if shot else None,
        model_seconds=round(seconds, 3),
    )


def action_ran(  # noqa: PLR0913  # one field each
    session: str,
    *,
    step: int,
    index: int,
    outcome: ActionResult,
    where: Marker | None = None,
    seconds: float = 0.0,
) -> None:
    """One action ran (or was refused, rejected or skipped)."""
    send(
        "action",
        session,
        step=step,
        index=index,
        tool=outcome["tool"],
        summary=outcome["summary"],
        status=outcome["status"],
        detail=outcome["detail"],
        marker=where,
        seconds=round(seconds, 3),
    )


def observed(session: str, screen: Screen, shot: ScreenshotRef) -> None:
    """A new screenshot for the next step."""
    send(
        "observation",
        session,
        step=shot["step"],
        screenshot=shot["ref"],
        url=screen.get("url"),
        width=shot["width"],
        height=shot["height"],
    )


def run_finished(session: str, outcome: Outcome) -> None:
    """The run has its outcome."""
    send("run_finished", session, outcome=dict(outcome))
