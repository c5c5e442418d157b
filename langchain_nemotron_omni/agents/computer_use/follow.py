"""Following one run from the command line: terminal, event log, live page, report.

:class:`RunFollower` drives the graph (``stream_mode="custom"``), hands every event of the
run to the terminal view, appends it to the run's ``events.jsonl`` (so a run resumed in a
new process continues the same record), updates the live page, takes approvals from the
terminal or the page, and writes the report and the GIF whenever the process stops driving
the run (finished, waiting, interrupted with Ctrl-C, or failed).
"""

from __future__ import annotations

import queue
from typing import TYPE_CHECKING, Any, TextIO

from langgraph.types import Command

from langchain_nemotron_omni.agents.computer_use.errors import ComputerUseError
from langchain_nemotron_omni.agents.computer_use.report import GIF_FILE, write_report
from langchain_nemotron_omni.agents.computer_use.terminal import (
    TerminalAnswers,
    TerminalView,
    ask_in_terminal,
)
from langchain_nemotron_omni.agents.computer_use.trajectory import EventLog, Trajectory

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from langchain_core.runnables import RunnableConfig
    from langgraph.graph.state import CompiledStateGraph

    from langchain_nemotron_omni.agents.computer_use.live import LiveView
    from langchain_nemotron_omni.agents.computer_use.screenshots import DirectoryScreenshots


class RunFollower:
    """Drives one thread's run and shows it (see the module doc)."""

    def __init__(
        self,
        out: TextIO,
        screenshots: DirectoryScreenshots,
        *,
        ask: Callable[[str], str],
        live: LiveView | None = None,
    ) -> None:
        """Print to ``out``; the run's files go beside its screenshots."""
        self.out = out
        self.screenshots = screenshots
        self.ask = ask
        self.live = live
        self.view = TerminalView(out)
        self.trajectory = Trajectory()
        self.log: EventLog | None = None
        self.report: Path | None = None
        self._answers = TerminalAnswers(ask, out) if live is not None else None
        self._asked: set[tuple[int, int]] = set()

    def drive(
        self, agent: CompiledStateGraph[Any, Any, Any, Any], task: str | None, thread_id: str
    ) -> int:
        """Start ``task`` on the thread, or resume the thread's run; returns the exit code.

        Raises:
            ComputerUseError: No task and nothing to resume.
        """
        config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
        snapshot = agent.get_state(config)
        payload: Any
        if task:
            payload = {"task": task}
        elif snapshot.values.get("session"):
            self._reload(snapshot.values["session"])
            if not snapshot.next:  # finished earlier: show how it ended
                return self._ended(snapshot.values, printed=False)
            self.out.write(f"Resuming thread {thread_id} at step {snapshot.values.get('step')}.\n")
            # First re-enter the waiting node without an answer: the browser of this new
            # process is new, so the agent looks again and re-plans (asking again if need
            # be) instead of applying an answer to a screen that no longer exists.
            payload = None
        else:
            msg = "give a task, or --thread-id of a run to resume"
            raise ComputerUseError(msg)
        try:
            while True:
                for event in agent.stream(payload, config, stream_mode="custom"):
                    self.event(event)
                snapshot = agent.get_state(config)
                if not snapshot.interrupts:
                    return self._ended(snapshot.values, printed=True)
                payload = Command(resume=self.decide(snapshot.interrupts[0].value))
        finally:
            self.write_report()

    def event(self, event: dict[str, Any]) -> None:
        """One event of the run: record it, print it, show it on the live page."""
        if event.get("agent") != "computer_use":
            return
        if self.log is None or event.get("event") == "run_started":
            self._open(str(event["session"]), fresh=event.get("event") == "run_started")
        step = self.trajectory.add(event)
        if self.log is not None:
            self.log.append(event)
        if event.get("event") == "approval_requested":
            self._asked.add((int(event["step"]), int(event["index"])))
        self.view.show(event, self.trajectory)
        if self.live is not None:
            self.live.update(self.trajectory, step)

    def decide(self, request: dict[str, Any]) -> dict[str, Any]:
        """The user's answer to an approval request, from the terminal or the live page."""
        if (request.get("step"), request.get("index")) not in self._asked:
            # Asked before this process started: show it again.
            self.out.write(f"  Approval needed at step {request.get('step')}: ")
            self.out.write(f"{request.get('summary')}\n    why: {request.get('reason')}\n")
            self.out.flush()
        if self.live is None or self._answers is None:
            return ask_in_terminal(self.ask)
        answers: queue.SimpleQueue[tuple[str, dict[str, Any]]] = queue.SimpleQueue()
        self.live.open_approval(lambda decision: answers.put(("the live page", decision)))
        self._answers.listen(lambda decision: answers.put(("the terminal", decision)))
        where, decision = answers.get()
        self.live.close_approval()
        self._answers.stop_listening()
        if where != "the terminal":
            self.out.write(f"\n    (answered on {where})\n")
        return decision

    def write_report(self) -> None:
        """Write the run's report and GIF (as far as the run got), and say where they are."""
        if self.log is None or not self.trajectory.steps:
            return
        self.report = write_report(self.trajectory, self.screenshots.load, self.log.path.parent)
        self.out.write(f"Report: {self.report}\nReplay: {self.report.parent / GIF_FILE}\n")
        self.out.flush()

    def _open(self, session: str, *, fresh: bool) -> None:
        self.log = EventLog(self.screenshots.folder(session))
        if fresh:  # a new task: a new record
            self.trajectory = Trajectory()
        elif not self.trajectory.events:
            self.trajectory = self.log.load()

    def _reload(self, session: str) -> None:
        self._open(session, fresh=False)
        if self.live is not None:
            self.live.update(self.trajectory, None)

    def _ended(self, values: dict[str, Any], *, printed: bool) -> int:
        outcome = values.get("outcome")
        if not outcome:
            self.out.write("The run stopped before the task ended.\n")
            return 1
        if not (printed and self.trajectory.outcome):
            self.view.outcome(outcome, self.trajectory.seconds)
        return 0 if outcome["status"] == "success" else 1
