"""A run as a person follows it, built from the agent's events (:mod:`.events`).

The command line feeds every event of a run into a :class:`Trajectory` (and appends it to
the run's ``events.jsonl``, so a run resumed in a new process continues the same record);
the terminal output, the live page and the HTML report all read the trajectory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from langchain_nemotron_omni.agents.computer_use.events import Marker

EVENTS_FILE = "events.jsonl"


@dataclass
class ActionView:
    """One action of a step: what it was, where it pointed, how it went."""

    index: int
    summary: str
    status: str | None = None
    """``done``, ``failed``, ``rejected`` or ``skipped``; None until it ran."""
    detail: str = ""
    marker: Marker | None = None
    seconds: float | None = None


@dataclass
class ApprovalView:
    """An approval asked for during a step, and the answer once given."""

    index: int
    summary: str
    reason: str
    screenshot: str
    url: str | None
    asked_at: float
    approved: bool | None = None
    answer: str = ""
    answered_at: float | None = None


@dataclass
class StepView:
    """One step: the screenshot the model saw, its thought, the actions and their results."""

    number: int
    screenshot: str | None
    url: str | None
    width: int
    height: int
    observed_at: float
    thought: str = ""
    planned_at: float | None = None
    model_seconds: float | None = None
    actions: list[ActionView] = field(default_factory=list)
    approvals: list[ApprovalView] = field(default_factory=list)
    replanned: str = ""

    def markers(self) -> list[tuple[int, Marker]]:
        """The pointer positions of the step's actions that ran, numbered from 1."""
        return [
            (action.index + 1, action.marker)
            for action in self.actions
            if action.marker and action.status not in {None, "skipped"}
        ]


@dataclass
class Trajectory:
    """Everything a run did so far, step by step."""

    session: str = ""
    task: str = ""
    environment: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    outcome: dict[str, Any] | None = None
    steps: dict[int, StepView] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)

    def add(self, event: dict[str, Any]) -> int | None:  # noqa: C901  # one case per kind
        """Take one event in; returns the number of the step it changed (None: the run's)."""
        self.events.append(event)
        kind = event.get("event")
        step = event.get("step")
        when = float(event.get("time") or 0.0)
        if kind == "run_started":
            self.session, self.task = event["session"], event.get("task", "")
            self.environment = event.get("environment", "")
            self.started_at = self.started_at or when
            self._observe(event, when)
        elif kind == "observation":
            self._observe(event, when)
        elif kind == "step" and step in self.steps:
            view = self.steps[step]
            view.thought = event.get("thought", "")
            view.planned_at, view.model_seconds = when, event.get("model_seconds")
            view.actions = [
                ActionView(index=i, summary=a["summary"], detail=a.get("error") or "")
                for i, a in enumerate(event.get("actions", []))
            ]
        elif kind == "action" and step in self.steps:
            self._action(self.steps[step], event)
        elif kind == "approval_requested" and step in self.steps:
            self.steps[step].approvals.append(
                ApprovalView(
                    index=event["index"],
                    summary=event.get("summary", ""),
                    reason=event.get("reason", ""),
                    screenshot=event.get("screenshot", ""),
                    url=event.get("url"),
                    asked_at=when,
                )
            )
        elif kind == "approval_decided" and step in self.steps:
            for approval in reversed(self.steps[step].approvals):
                if approval.index == event.get("index") and approval.approved is None:
                    approval.approved, approval.answer = event["approved"], event.get("reason", "")
                    approval.answered_at = when
                    break
        elif kind == "replanned" and step in self.steps:
            self.steps[step].replanned = event.get("reason", "")
        elif kind == "run_finished":
            self.outcome, self.finished_at = event.get("outcome"), when
            return None
        return step if isinstance(step, int) else None

    def _observe(self, event: dict[str, Any], when: float) -> None:
        number = int(event.get("step") or 1)
        self.steps[number] = StepView(
            number=number,
            screenshot=event.get("screenshot"),
            url=event.get("url"),
            width=int(event.get("width") or 0),
            height=int(event.get("height") or 0),
            observed_at=when,
        )

    @staticmethod
    def _action(view: StepView, event: dict[str, Any]) -> None:
        index = int(event["index"])
        while len(view.actions) <= index:
            view.actions.append(ActionView(index=len(view.actions), summary=""))
        action = view.actions[index]
        action.summary = event.get("summary") or action.summary
        action.status, action.detail = event.get("status"), event.get("detail", "")
        action.marker, action.seconds = event.get("marker"), event.get("seconds")

    @property
    def waiting(self) -> tuple[int, ApprovalView] | None:
        """The approval the run is waiting for, with its step number, if any."""
        for number in sorted(self.steps, reverse=True):
            for approval in reversed(self.steps[number].approvals):
                if approval.approved is None:
                    return number, approval
            return None
        return None

    @property
    def seconds(self) -> float | None:
        """How long the run took so far (first event to the last)."""
        if self.started_at is None or not self.events:
            return None
        return float(self.events[-1].get("time") or self.started_at) - self.started_at


class EventLog:
    """A run's events on disk (``events.jsonl`` in the run's folder), one JSON object a line."""

    def __init__(self, folder: Path) -> None:
        """Keep the log in ``folder`` (created on the first event)."""
        self.path = folder / EVENTS_FILE

    def load(self) -> Trajectory:
        """The trajectory recorded so far (empty when there is none)."""
        trajectory = Trajectory()
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    trajectory.add(json.loads(line))
        return trajectory

    def append(self, event: dict[str, Any]) -> None:
        """Add one event at the end."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(event, ensure_ascii=False) + "\n")
