"""The computer-use graph's nodes, closed over the agent's configuration.

Each node reads the run's settings from the state (fixed when the run started), works on the
environment or the model, and returns a state update; routing is done by :mod:`.graph`'s
router functions. Everything a node stores or emits is masked (:mod:`.masking`).
"""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, RemoveMessage
from langgraph.config import get_config
from langgraph.graph.message import REMOVE_ALL_MESSAGES

from langchain_nemotron_omni.agents.common import (
    SETTINGS_KEY,
    ModelSource,
    model_for,
    run_settings,
    start_settings,
)
from langchain_nemotron_omni.agents.computer_use import events
from langchain_nemotron_omni.agents.computer_use.actions import Terminate, action_from_dict
from langchain_nemotron_omni.agents.computer_use.computer import BrowserComputer, EnvironmentKind
from langchain_nemotron_omni.agents.computer_use.domains import DomainPolicy
from langchain_nemotron_omni.agents.computer_use.errors import ActionError, ComputerUseError
from langchain_nemotron_omni.agents.computer_use.execute import execute
from langchain_nemotron_omni.agents.computer_use.feedback import (
    SKIPPED,
    next_failure,
    result,
    tool_messages,
    untracked_report,
)
from langchain_nemotron_omni.agents.computer_use.history import (
    ContextPolicy,
    build_request,
    observation,
    step_record,
)
from langchain_nemotron_omni.agents.computer_use.masking import RUNS, Secrets
from langchain_nemotron_omni.agents.computer_use.prompts import (
    repeated_failure_text,
    system_prompt,
    tabs_text,
)
from langchain_nemotron_omni.agents.computer_use.pyautogui_protocol import action_text
from langchain_nemotron_omni.agents.computer_use.request import plan_reply, prepare, thinking_of
from langchain_nemotron_omni.agents.computer_use.review import (
    RESTARTED,
    SCREEN_CHANGED,
    Review,
    review,
)
from langchain_nemotron_omni.agents.computer_use.screenshots import (
    BaseStoreScreenshots,
    DirectoryScreenshots,
    ScreenshotLoader,
    ScreenshotStore,
)
from langchain_nemotron_omni.agents.computer_use.secret_rules import find_typed_secrets
from langchain_nemotron_omni.agents.computer_use.state import (
    ActionResult,
    ComputerUseSettings,
    ComputerUseState,
    Outcome,
    PlannedAction,
    ProtocolName,
    Screen,
    ScreenshotRef,
)
from langchain_nemotron_omni.agents.computer_use.steplog import (
    BaseStoreStepLog,
    DirectoryStepLog,
    StepLog,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from langchain_core.language_models import LanguageModelInput
    from langchain_core.runnables import Runnable
    from langgraph.runtime import Runtime

    from langchain_nemotron_omni.agents.computer_use.coordinates import CoordinateMode
    from langchain_nemotron_omni.agents.computer_use.environments import Environments
    from langchain_nemotron_omni.agents.computer_use.risk import RiskPredicate

logger = logging.getLogger(__name__)

DEFAULT_SCREENSHOT_DIR = Path(tempfile.gettempdir()) / "nemotron-omni-computer-use"
MODE: dict[ProtocolName, CoordinateMode] = {"tools": "relative", "pyautogui": "auto"}
"""How each protocol's coordinates are read."""


class ComputerUseNodes:
    """The graph's nodes: ``setup``, ``call_model``, ``act``, ``observe``, ``finish``."""

    def __init__(  # noqa: PLR0913
        self,
        *,
        model: ModelSource[ComputerUseSettings],
        environments: Environments,
        system_prompt: str | None,
        risk: RiskPredicate | None,
        screenshots: ScreenshotStore | None,
        step_log: StepLog | None,
        secrets: Secrets,
        defaults: ComputerUseSettings,
    ) -> None:
        """Keep the agent's configuration (see ``create_computer_use_agent``)."""
        self.model = model
        self.env = environments
        self.system_prompt = system_prompt
        self.risk = risk
        self.screenshots = screenshots
        self.step_log = step_log
        self.given = secrets
        self.defaults = defaults
        self._bound: dict[tuple[Any, ...], Runnable[LanguageModelInput, BaseMessage]] = {}

    # -- per-run helpers ----------------------------------------------------------------------

    def _settings(self, state: ComputerUseState) -> ComputerUseSettings:
        return run_settings(self.defaults, state)

    def _store(self, runtime: Runtime[ComputerUseSettings]) -> ScreenshotStore:
        if self.screenshots is not None:
            return self.screenshots
        if runtime.store is not None:
            return BaseStoreScreenshots(runtime.store)
        return DirectoryScreenshots(DEFAULT_SCREENSHOT_DIR)

    def _loader(self, runtime: Runtime[ComputerUseSettings]) -> Callable[[str], bytes]:
        if self.screenshots is not None:
            return self.screenshots.load
        return ScreenshotLoader(runtime.store)

    def _log(self, runtime: Runtime[ComputerUseSettings]) -> StepLog:
        if self.step_log is not None:
            return self.step_log
        if isinstance(self.screenshots, DirectoryScreenshots):
            return DirectoryStepLog(self.screenshots.root)
        if self.screenshots is None and runtime.store is not None:
            return BaseStoreStepLog(runtime.store)
        return DirectoryStepLog(DEFAULT_SCREENSHOT_DIR)

    def _secrets(self, state: ComputerUseState) -> Secrets:
        """The run's secrets (started afresh, without found ones, in a new process)."""
        held = RUNS.get(state["session"])
        if held is None:
            patterns = self._settings(state).secret_patterns
            held = RUNS.start(state["session"], self.given.with_patterns(patterns))
        return held

    def _look(
        self,
        state: ComputerUseState,
        runtime: Runtime[ComputerUseSettings],
        *,
        step: int,
    ) -> tuple[ScreenshotRef, Screen]:
        computer, incarnation = self.env.get(state, self._settings(state))
        session = state["session"]
        png = computer.screenshot()
        width, height = computer.size()
        ref: ScreenshotRef = {
            "ref": self._store(runtime).save(png, session=session, step=step),
            "step": step,
            "width": width,
            "height": height,
        }
        screen: Screen = {
            "kind": computer.kind,
            "width": width,
            "height": height,
            "environment": incarnation,
        }
        if isinstance(computer, BrowserComputer):
            secrets = self._secrets(state)
            screen["url"] = secrets.mask(computer.current_url())
            screen["tabs"] = secrets.mask(computer.tabs())
        return ref, screen

    def _llm(
        self,
        model: BaseChatModel,
        settings: ComputerUseSettings,
        kind: EnvironmentKind,
        protocol: ProtocolName,
    ) -> Runnable[LanguageModelInput, BaseMessage]:
        knobs = (settings.keep_thinking, settings.temperature, settings.top_p, settings.top_k)
        key = (id(model), kind, protocol, knobs)
        bound = self._bound.get(key)
        if bound is None:
            bound = prepare(model, kind, protocol, settings)
            if isinstance(self.model, BaseChatModel):  # factories may build a new model per run
                self._bound[key] = bound
        return bound

    # -- nodes --------------------------------------------------------------------------------

    def setup(
        self, state: ComputerUseState, runtime: Runtime[ComputerUseSettings]
    ) -> dict[str, Any]:
        """Fix the run's settings, start (or reuse) the environment, take the first screenshot."""
        settings = start_settings(self.defaults, runtime.context)
        task = state.get("task") or _task_from_messages(state.get("messages", []))
        thread = (get_config().get("configurable") or {}).get("thread_id")
        # A new episode id for every task: two tasks on one thread never share screenshots.
        episode = uuid.uuid4().hex[:12]
        session = f"{thread}/{episode}" if thread else episode
        state = {**state, "session": session, "settings": settings.to_state()}
        secrets = RUNS.start(session, self.given.with_patterns(settings.secret_patterns))
        task = secrets.mask(task)
        computer, _ = self.env.get(state, settings)
        if settings.start_url:
            if not isinstance(computer, BrowserComputer):
                msg = "start_url needs a browser environment"
                raise ComputerUseError(msg)
            domains = DomainPolicy(settings.allowed_domains)
            if not domains.allows(settings.start_url):
                raise ComputerUseError(domains.refusal(settings.start_url))
            computer.navigate(settings.start_url)
        ref, screen = self._look(state, runtime, step=1)
        events.run_started(session, task, screen, ref)
        first = observation(tabs_text(screen.get("tabs", [])), ref)
        # A new task on a thread starts a new episode: earlier turns are not carried over.
        reset: list[BaseMessage] = (
            [RemoveMessage(id=REMOVE_ALL_MESSAGES)] if state.get("messages") else []
        )
        return {
            "task": task,
            "session": session,
            "step": 1,
            "messages": [*reset, first],
            "screenshots": [ref],
            "screen": screen,
            "pending": [],
            "results": [],
            "failure": None,
            "outcome": None,
            "approval": None,
            SETTINGS_KEY: settings.to_state(),
        }

    def call_model(
        self, state: ComputerUseState, runtime: Runtime[ComputerUseSettings]
    ) -> dict[str, Any]:
        """Send the history as NVIDIA's harness lays it out; parse the reply into actions."""
        settings = self._settings(state)
        kind = state["screen"]["kind"]
        protocol = settings.protocol_for(kind)
        model = model_for(self.model, settings)
        thinking = thinking_of(model)
        policy = ContextPolicy(
            protocol=protocol,
            image_history=settings.image_history,
            max_model_len=settings.max_model_len,
            keep_thinking=settings.keep_thinking,
            thinking=thinking,
        )
        system = self.system_prompt or system_prompt(
            protocol, kind, thinking=thinking, secrets=self.given.names
        )
        request = build_request(
            self._log(runtime).read(state["session"], before=state["step"]),
            state["messages"],
            system=system,
            task=state["task"],
            policy=policy,
            load_image=self._loader(runtime),
        )
        started = time.monotonic()
        raw = self._llm(model, settings, kind, protocol).invoke(request)
        seconds = time.monotonic() - started
        reply, plan = plan_reply(raw, protocol, kind)
        # Secrets among what the reply types are found before anything is stored or shown.
        secrets = self._secrets(state)
        find_typed_secrets(
            plan,
            secrets=secrets,
            computer=self.env.get(state, settings)[0],
            mode=MODE[protocol],
            action_sentence=action_text(str(reply.text)) if protocol == "pyautogui" else None,
        )
        reply, plan = secrets.mask(reply), secrets.mask(plan)
        shots = state.get("screenshots") or []
        events.step_planned(
            state["session"],
            step=state["step"],
            reply=reply,
            plan=plan,
            shot=shots[-1] if shots else None,
            seconds=seconds,
        )
        return {"messages": [reply], "pending": plan, "results": []}

    def act(  # noqa: PLR0911  # each way an action can end
        self, state: ComputerUseState, runtime: Runtime[ComputerUseSettings]
    ) -> dict[str, Any]:
        """Run the next pending action (after approval when it is risky)."""
        head, *rest = state["pending"]
        update: dict[str, Any] = {"pending": rest, "approval": None}
        if head["error"] is not None or head["action"] is None:
            failed = result(head, "failed", head["error"] or "")
            return self._stop(state, update, failed, rest)
        action = action_from_dict(head["action"])
        if isinstance(action, Terminate):
            update["outcome"] = Outcome(
                status=action.status, answer=action.answer, reason="terminated", steps=state["step"]
            )
            ended = result(head, "done", f"Task ended: {action.status}.")
            return self._stop(state, update, ended, rest)
        settings = self._settings(state)
        computer, incarnation = self.env.get(state, settings)
        if state["screen"].get("environment", incarnation) != incarnation:
            # Resumed on another environment than the step was planned on: re-observe.
            events.send("replanned", state["session"], step=state["step"], reason=RESTARTED)
            return self._stop(state, update, result(head, "skipped", RESTARTED), rest)
        protocol = settings.protocol_for(computer.kind)
        secrets = self._secrets(state)
        gate = review(
            Review(state, head, action, computer, incarnation, settings, MODE[protocol]),
            self.risk,
            self._store(runtime),
            self._loader(runtime),
        )
        if isinstance(gate, dict):  # asking for approval: the screen it is asked on is saved
            return {"approval": secrets.mask(gate)}
        if gate is not None:
            stopped = result(head, "skipped" if gate == SCREEN_CHANGED else "rejected", gate)
            return self._stop(state, update, stopped, rest)
        where = events.marker(action, computer, MODE[protocol])
        started = time.monotonic()
        try:
            detail = execute(
                action,
                computer,
                mode=MODE[protocol],
                domains=DomainPolicy(settings.allowed_domains),
                secrets=secrets,
            )
        except Exception as exc:  # noqa: BLE001  # every failure goes back to the model
            error = secrets.mask(_error_text(exc))
            logger.info("action %s failed: %s", head["summary"], error)
            failed = result(head, "failed", error)
            seconds = time.monotonic() - started
            return self._stop(state, update, failed, rest, where=where, seconds=seconds)
        done = result(head, "done", secrets.mask(detail))
        seconds = time.monotonic() - started
        results = list(state.get("results", []))
        events.action_ran(
            state["session"],
            step=state["step"],
            index=len(results),
            outcome=done,
            where=where,
            seconds=seconds,
        )
        update["results"] = [*results, done]
        return update

    @staticmethod
    def _stop(  # noqa: PLR0913
        state: ComputerUseState,
        update: dict[str, Any],
        last: ActionResult,
        rest: Sequence[PlannedAction],
        *,
        where: events.Marker | None = None,
        seconds: float = 0.0,
    ) -> dict[str, Any]:
        """Record ``last`` and skip the rest of the step."""
        results = list(state.get("results", []))
        skipped = [result(entry, "skipped", SKIPPED) for entry in rest]
        session, step = state["session"], state["step"]
        for index, entry in enumerate([last, *skipped], start=len(results)):
            events.action_ran(
                session,
                step=step,
                index=index,
                outcome=entry,
                where=where if entry is last else None,
                seconds=seconds if entry is last else 0.0,
            )
        return {**update, "pending": [], "results": [*results, last, *skipped]}

    def observe(
        self, state: ComputerUseState, runtime: Runtime[ComputerUseSettings]
    ) -> dict[str, Any]:
        """Log the finished step, then show the next screenshot (or end the run)."""
        results = state.get("results", [])
        replies = [m for m in state["messages"] if isinstance(m, AIMessage)]
        answers = tool_messages(replies[-1] if replies else None, results)
        self._log(runtime).write(
            state["session"], step_record(state["step"], [*state["messages"], *answers])
        )
        settings = self._settings(state)
        failure = next_failure(state.get("failure"), results)
        update: dict[str, Any] = {"results": [], "pending": [], "failure": failure}
        step = state["step"] + 1
        if not state.get("outcome"):
            if failure and failure["count"] >= settings.max_repeated_failures:
                update["outcome"] = Outcome(
                    status="failure",
                    answer=repeated_failure_text(failure["count"], failure["detail"]),
                    reason="repeated_failure",
                    steps=state["step"],
                )
            elif step > settings.max_steps:
                update["outcome"] = Outcome(
                    status="failure", answer=None, reason="step_limit", steps=state["step"]
                )
        if state.get("outcome") or update.get("outcome"):
            return {**update, "messages": answers}
        ref, screen = self._look(state, runtime, step=step)
        events.observed(state["session"], screen, ref)
        notes = [untracked_report(results), tabs_text(screen.get("tabs", []))]
        seen = observation("\n\n".join(note for note in notes if note), ref)
        # The finished step is in the step log now: the state keeps the current step only.
        return {
            **update,
            "messages": [RemoveMessage(id=REMOVE_ALL_MESSAGES), seen],
            "step": step,
            "screen": screen,
            "screenshots": [*state.get("screenshots", []), ref][-settings.image_history :],
        }

    def finish(self, state: ComputerUseState) -> dict[str, Any]:
        """Close the environment if this agent started it; forget the run's secrets."""
        self.env.close(state)
        if outcome := state.get("outcome"):
            events.run_finished(state["session"], outcome)
        if state.get("session"):
            RUNS.forget(state["session"])
        return {}


def _task_from_messages(messages: Sequence[BaseMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, HumanMessage) and message.text.strip():
            return message.text.strip()
    msg = "the input needs a task: {'task': '...'} (or a human message)"
    raise ComputerUseError(msg)


def _error_text(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0][:500] if str(exc).strip() else ""
    if isinstance(exc, ActionError):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
