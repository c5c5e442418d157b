"""What ``nemotron-omni computer-use`` prints, and how it takes approvals in the terminal.

The terminal shows each step as it happens, from the agent's events: the step's page, the
model's thought (wrapped, in full up to a screenful), each action with its result and time,
approvals and their answers, and the outcome. Screenshots are paths; the report and the
live page show them.
"""

from __future__ import annotations

import shutil
import textwrap
import threading
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_nemotron_omni.agents.computer_use.trajectory import Trajectory

THOUGHT_LINES = 12
"""Longer thoughts are cut here in the terminal (the report has them in full)."""
_MARK = {"done": "ok", "failed": "FAILED", "rejected": "REJECTED", "skipped": "not run"}


class TerminalView:
    """Prints a run's events for a person to follow."""

    def __init__(self, out: TextIO, *, width: int | None = None) -> None:
        """Print to ``out``, wrapping at ``width`` (default: the terminal's, at most 100)."""
        self.out = out
        self.width = width or min(100, shutil.get_terminal_size((100, 24)).columns)

    def show(self, event: dict[str, Any], trajectory: Trajectory) -> None:
        """Print one event (``trajectory`` already includes it)."""
        kind = event.get("event")
        if kind == "run_started":
            where = event.get("url") or f"{event.get('width')}x{event.get('height')} desktop"
            self._line(f"Task: {event.get('task', '')}")
            self._line(f"{str(event.get('environment', '')).title()}: {where}")
            self._line(f"Run: {event.get('session')}")
            self._step_header(event)
        elif kind == "observation":
            self._step_header(event)
        elif kind == "step":
            seconds = event.get("model_seconds")
            took = f" ({seconds:.1f} s)" if isinstance(seconds, int | float) else ""
            self._thought(str(event.get("thought") or ""), took)
        elif kind == "action":
            self._action(event)
        elif kind == "approval_requested":
            self._line(f"  Approval needed at step {event['step']}: {event.get('summary')}")
            self._line(f"    why: {event.get('reason')}")
            self._line(f"    screen: {event.get('screenshot')}")
        elif kind == "approval_decided":
            answer = "approved" if event.get("approved") else f"rejected: {event.get('reason')}"
            self._line(f"    -> {answer}")
        elif kind == "replanned":
            self._line(f"  Not run: {event.get('reason')}.")
        elif kind == "run_finished":
            self.outcome(event.get("outcome") or {}, trajectory.seconds)
        self.out.flush()

    def outcome(self, outcome: dict[str, Any], seconds: float | None) -> None:
        """The run's end: status, steps, time, answer."""
        why = f" ({outcome.get('reason')})" if outcome.get("reason") != "terminated" else ""
        took = f" in {seconds:.1f} s" if seconds is not None else ""
        self._line("")
        self._line(
            f"Outcome: {outcome.get('status')} after {outcome.get('steps')} step(s){why}{took}"
        )
        if outcome.get("answer"):
            self._wrapped("Answer: ", str(outcome["answer"]))

    def _step_header(self, event: dict[str, Any]) -> None:
        self._line("")
        where = f" - {event['url']}" if event.get("url") else ""
        self._line(f"Step {event.get('step')}{where}")
        self._line(f"  screenshot: {event.get('screenshot')}")

    def _thought(self, thought: str, took: str) -> None:
        lines: list[str] = []
        for paragraph in thought.splitlines() or [""]:
            lines.extend(textwrap.wrap(paragraph, self.width - 4, break_long_words=True) or [""])
        while lines and not lines[-1]:
            lines.pop()
        cut = len(lines) - THOUGHT_LINES
        if cut > 0:
            lines = [*lines[:THOUGHT_LINES], f"... ({cut} more lines in the report)"]
        self._line(f"  Thought{took}:")
        for line in lines:
            self._line(f"    {line}")

    def _action(self, event: dict[str, Any]) -> None:
        status = str(event.get("status"))
        seconds = event.get("seconds")
        took = f" ({seconds:.2f} s)" if status == "done" and seconds else ""
        number = int(event.get("index", 0)) + 1
        self._line(f"  {number}. {event.get('summary')}: {_MARK.get(status, status)}{took}")
        detail = str(event.get("detail") or "")
        if detail and status != "skipped" and not detail.startswith("Task ended"):
            self._wrapped("       ", detail)

    def _wrapped(self, prefix: str, text: str) -> None:
        lines = textwrap.wrap(text, self.width - len(prefix)) or [""]
        self._line(prefix + lines[0])
        for line in lines[1:]:
            self._line(" " * len(prefix) + line)

    def _line(self, text: str) -> None:
        self.out.write(text + "\n")


def ask_in_terminal(ask: Callable[[str], str]) -> dict[str, Any]:
    """Approve? y/N, and a reason on no (told to the model); no terminal input is a no.

    Raises:
        EOFError: Never; a closed input rejects.
    """
    try:
        answer = ask("Approve? [y/N] ").strip().lower()
        if answer in {"y", "yes"}:
            return {"approve": True}
        reason = ask("Reason (told to the model): ").strip()
    except EOFError:
        reason = ""
    return {"approve": False, "reason": reason or "the user said no"}


class TerminalAnswers:
    """Terminal answers for runs that can also be approved elsewhere (the live page).

    One reader thread waits at the prompt; whatever it reads answers the approval that is
    open when the answer arrives. If the page answered first, the reader keeps waiting and
    its next answer goes to the next approval (the prompt is shown again for it).
    """

    def __init__(self, ask: Callable[[str], str], out: TextIO) -> None:
        """Read with ``ask`` (``input``), print prompts to ``out``."""
        self.ask = ask
        self.out = out
        self._lock = threading.Lock()
        self._target: Callable[[dict[str, Any]], None] | None = None
        self._reading = False
        self._closed = False

    def listen(self, target: Callable[[dict[str, Any]], None]) -> None:
        """Send the next terminal answer to ``target``."""
        with self._lock:
            self._target = target
            if self._closed:
                return
            if self._reading:  # still at the earlier prompt: show it again
                self.out.write("Approve? [y/N] (or answer on the live page) ")
                self.out.flush()
                return
            self._reading = True
        threading.Thread(target=self._read, name="approval-prompt", daemon=True).start()

    def stop_listening(self) -> None:
        """The open approval was answered elsewhere."""
        with self._lock:
            self._target = None

    def _read(self) -> None:
        try:
            answer = self.ask("Approve? [y/N] (or answer on the live page) ").strip().lower()
            decision: dict[str, Any] | None = {"approve": True}
            if answer not in {"y", "yes"}:
                reason = self.ask("Reason (told to the model): ").strip()
                decision = {"approve": False, "reason": reason or "the user said no"}
        except EOFError:  # no terminal: only the page answers
            decision = None
            with self._lock:
                self._closed = True
        with self._lock:
            target, self._target = self._target, None
            self._reading = False
        if target is not None and decision is not None:
            target(decision)
