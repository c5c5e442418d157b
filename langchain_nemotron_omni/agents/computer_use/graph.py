"""``create_computer_use_agent``: the LangGraph loop.

``setup`` (start the environment, first screenshot) -> ``model`` (one request built by the
context policy) -> ``act`` (one action per visit: risk check, maybe an ``interrupt()``, run
it, record the result) -> ... -> ``observe`` (tool results, next screenshot) -> ``model`` ...
until ``terminate`` or the step limit, then ``finish`` (close an environment the agent
started).

Acting one action per node visit matters for interrupts: LangGraph re-runs an interrupted
node from its start on resume, and by then every earlier action is already checkpointed, so
nothing runs twice.

Nodes are sync functions: ``langgraph dev`` refuses blocking calls in async nodes, and the
environments block.
"""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, RemoveMessage
from langgraph.config import get_config
from langgraph.graph import END, START, StateGraph
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
from langchain_nemotron_omni.agents.computer_use.environments import ComputerSource, Environments
from langchain_nemotron_omni.agents.computer_use.errors import ActionError, ComputerUseError
from langchain_nemotron_omni.agents.computer_use.execute import execute
from langchain_nemotron_omni.agents.computer_use.feedback import (
    SKIPPED,
    result,
    tool_messages,
    untracked_report,
)
from langchain_nemotron_omni.agents.computer_use.history import (
    ContextPolicy,
    build_request,
    last,
    observation,
    outside_window,
    step_record,
)
from langchain_nemotron_omni.agents.computer_use.prompts import (
    step_text,
    system_prompt,
    tabs_text,
    task_text,
)
from langchain_nemotron_omni.agents.computer_use.pyautogui_protocol import plan_code_reply
from langchain_nemotron_omni.agents.computer_use.review import (
    RESTARTED,
    SCREEN_CHANGED,
    Review,
    review,
)
from langchain_nemotron_omni.agents.computer_use.risk import RiskPolicy, RiskPredicate
from langchain_nemotron_omni.agents.computer_use.screenshots import (
    BaseStoreScreenshots,
    DirectoryScreenshots,
    ScreenshotLoader,
    ScreenshotStore,
)
from langchain_nemotron_omni.agents.computer_use.sessions import SESSIONS, SessionPool
from langchain_nemotron_omni.agents.computer_use.state import (
    ActionResult,
    ComputerUseInput,
    ComputerUseSettings,
    ComputerUseState,
    Outcome,
    PlannedAction,
    ProtocolName,
    Screen,
    ScreenshotRef,
)
from langchain_nemotron_omni.agents.computer_use.tool_protocol import plan_tool_calls, tools_for

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from langchain_core.language_models import LanguageModelInput
    from langchain_core.runnables import Runnable
    from langgraph.graph.state import CompiledStateGraph
    from langgraph.runtime import Runtime
    from langgraph.store.base import BaseStore
    from langgraph.types import Checkpointer

    from langchain_nemotron_omni.agents.computer_use.coordinates import CoordinateMode

logger = logging.getLogger(__name__)

__all__ = ["ComputerSource", "create_computer_use_agent"]

DEFAULT_RISK: RiskPredicate = RiskPolicy()
RECURSION_LIMIT = 10_000  # the step limit is the real bound; each step takes 3+ supersteps
DEFAULT_SCREENSHOT_DIR = Path(tempfile.gettempdir()) / "nemotron-omni-computer-use"
_MODE: dict[ProtocolName, CoordinateMode] = {"tools": "relative", "pyautogui": "auto"}


def _policy(settings: ComputerUseSettings) -> ContextPolicy:
    return ContextPolicy(
        image_history=settings.image_history,
        text_history=settings.text_history,
        keep_thinking=settings.keep_thinking,
    )


def create_computer_use_agent(  # noqa: PLR0913  # the agent's documented knobs
    model: ModelSource[ComputerUseSettings],
    computer: ComputerSource,
    *,
    settings: ComputerUseSettings | None = None,
    system_prompt: str | None = None,
    risk: RiskPredicate | None = DEFAULT_RISK,
    screenshots: ScreenshotStore | None = None,
    checkpointer: Checkpointer = None,
    store: BaseStore | None = None,
    sessions: SessionPool | None = None,
    name: str = "computer_use",
) -> CompiledStateGraph[ComputerUseState, ComputerUseSettings, ComputerUseInput, ComputerUseState]:
    """Build a computer-use agent for Nemotron 3 Nano Omni.

    Args:
        model: The chat model (``ChatNemotronOmni``), or a function of the run's
            :class:`ComputerUseSettings` returning one (called once per run).
        computer: A started environment (the caller stops it), or
            ``f(settings) -> context manager`` that starts one per run: the agent stops it
            when the run ends, fails or is cancelled; while the run waits at an interrupt
            it stays open up to the pool's idle limit (a resumed run gets a new one).
        settings: Protocol, start URL, allowed domains, step limit, risk handling, history
            windows (:class:`ComputerUseSettings`); a run overrides the fields it names in
            its context (the graph's context schema is the same class).
        system_prompt: Replaces the protocol's default system prompt.
        risk: Decides which actions need approval; None: none do.
        screenshots: Where screenshots go; default: the run's LangGraph store when there is
            one (the LangGraph server provides it), else files in a temporary folder.
        checkpointer: Persists runs (needed for interrupts); omit under a LangGraph server.
        store: A LangGraph store for screenshots (and anything else).
        sessions: Where environments the agent starts are kept (idle limit, cap); default:
            the process's pool, configured by the deployment (:mod:`.deployment`).
        name: The graph's name.

    Returns:
        The compiled graph. Input ``{"task": "..."}``; the final state's ``outcome`` holds
        ``status`` (success/failure), ``answer`` and ``reason``.
    """
    agent = _Agent(
        model=model,
        environments=Environments(computer, SESSIONS if sessions is None else sessions),
        system_prompt=system_prompt,
        risk=risk,
        screenshots=screenshots,
        defaults=settings or ComputerUseSettings(),
    )
    builder = StateGraph(
        ComputerUseState, context_schema=ComputerUseSettings, input_schema=ComputerUseInput
    )
    builder.add_node("setup", agent.setup)
    builder.add_node("model", agent.call_model)
    builder.add_node("act", agent.act)
    builder.add_node("observe", agent.observe)
    builder.add_node("finish", agent.finish)
    builder.add_edge(START, "setup")
    builder.add_edge("setup", "model")
    builder.add_edge("model", "act")
    builder.add_conditional_edges("act", route_after_act)
    builder.add_conditional_edges("observe", route_after_observe)
    builder.add_edge("finish", END)
    graph = builder.compile(checkpointer=checkpointer, store=store, name=name)
    # The watch sees every run end (also failures and cancellations) to close environments.
    return graph.with_config(recursion_limit=RECURSION_LIMIT, callbacks=[agent.env.watch])


def route_after_act(state: ComputerUseState) -> Literal["act", "observe"]:
    """The step's next action, or the next observation once the step is done."""
    return "act" if state.get("pending") and not state.get("outcome") else "observe"


def route_after_observe(state: ComputerUseState) -> Literal["model", "finish"]:
    """The next model call, unless the run has an outcome."""
    return "finish" if state.get("outcome") else "model"


class _Agent:
    """The nodes, closed over the agent's configuration."""

    def __init__(  # noqa: PLR0913
        self,
        *,
        model: ModelSource[ComputerUseSettings],
        environments: Environments,
        system_prompt: str | None,
        risk: RiskPredicate | None,
        screenshots: ScreenshotStore | None,
        defaults: ComputerUseSettings,
    ) -> None:
        self.model = model
        self.env = environments
        self.system_prompt = system_prompt
        self.risk = risk
        self.screenshots = screenshots
        self.defaults = defaults
        self._bound: dict[
            tuple[int, str, str, bool], Runnable[LanguageModelInput, BaseMessage]
        ] = {}

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
            screen["url"] = computer.current_url()
            screen["tabs"] = computer.tabs()
        return ref, screen

    def _llm(
        self, settings: ComputerUseSettings, kind: EnvironmentKind, protocol: ProtocolName
    ) -> Runnable[LanguageModelInput, BaseMessage]:
        model = model_for(self.model, settings)
        key = (id(model), kind, protocol, settings.keep_thinking)
        bound = self._bound.get(key)
        if bound is None:
            bound = _prepare(model, kind, protocol, keep_thinking=settings.keep_thinking)
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
        lines = [task_text(task), step_text(1), tabs_text(screen.get("tabs", []))]
        first = observation("\n\n".join(line for line in lines if line), ref)
        # A new task on a thread starts a new episode: earlier turns are not carried over.
        reset: list[BaseMessage] = (
            [RemoveMessage(id=REMOVE_ALL_MESSAGES)] if state.get("messages") else []
        )
        return {
            "task": task,
            "session": session,
            "step": 1,
            "messages": [*reset, first],
            "history": [],
            "screenshots": [ref],
            "screen": screen,
            "pending": [],
            "results": [],
            "outcome": None,
            "approval": None,
            SETTINGS_KEY: settings.to_state(),
        }

    def call_model(
        self, state: ComputerUseState, runtime: Runtime[ComputerUseSettings]
    ) -> dict[str, Any]:
        """Send the context window; parse the reply into pending actions."""
        settings = self._settings(state)
        kind = state["screen"]["kind"]
        protocol = settings.protocol_for(kind)
        policy = replace(_policy(settings), strip_code=protocol == "pyautogui")
        request = build_request(
            state["messages"],
            system=self.system_prompt or system_prompt(protocol, kind),
            task=state["task"],
            history=state.get("history", []),
            policy=policy,
            load_image=self._loader(runtime),
        )
        started = time.monotonic()
        reply = self._llm(settings, kind, protocol).invoke(request)
        if not isinstance(reply, AIMessage):
            reply = AIMessage(content=reply.content)
        plan = plan_tool_calls(reply, kind) if protocol == "tools" else plan_code_reply(reply)
        shots = state.get("screenshots") or []
        seconds = time.monotonic() - started
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
        results = list(state.get("results", []))
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
        gate = review(
            Review(state, head, action, computer, incarnation, settings, _MODE[protocol]),
            self.risk,
            self._store(runtime),
            self._loader(runtime),
        )
        if isinstance(gate, dict):  # asking for approval: the screen it is asked on is saved
            return {"approval": gate}
        if gate is not None:
            stopped = result(head, "skipped" if gate == SCREEN_CHANGED else "rejected", gate)
            return self._stop(state, update, stopped, rest)
        where = events.marker(action, computer, _MODE[protocol])
        started = time.monotonic()
        try:
            detail = execute(
                action,
                computer,
                mode=_MODE[protocol],
                domains=DomainPolicy(settings.allowed_domains),
            )
        except Exception as exc:  # noqa: BLE001  # every failure goes back to the model
            logger.info("action %s failed: %s", head["summary"], exc)
            failed = result(head, "failed", _error_text(exc))
            seconds = time.monotonic() - started
            return self._stop(state, update, failed, rest, where=where, seconds=seconds)
        done = result(head, "done", detail)
        seconds = time.monotonic() - started
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
        """Answer the tool calls, then show the next screenshot (or end at the step limit)."""
        results = state.get("results", [])
        replies = [m for m in state["messages"] if isinstance(m, AIMessage)]
        reply = replies[-1] if replies else None
        answers = tool_messages(reply, results)
        settings = self._settings(state)
        records = [*state.get("history", []), step_record(state["step"], reply, results)]
        update: dict[str, Any] = {
            "results": [],
            "pending": [],
            "history": last(records, settings.text_history),
        }
        if state.get("outcome"):
            return {**update, "messages": answers}
        step = state["step"] + 1
        if step > settings.max_steps:
            update["outcome"] = Outcome(
                status="failure", answer=None, reason="step_limit", steps=state["step"]
            )
            return {**update, "messages": answers}
        ref, screen = self._look(state, runtime, step=step)
        events.observed(state["session"], screen, ref)
        lines = [untracked_report(results), step_text(step), tabs_text(screen.get("tabs", []))]
        seen = observation("\n\n".join(line for line in lines if line), ref)
        # Steps that left the image window live on as records: drop their messages.
        dropped = outside_window([*state["messages"], seen], settings.image_history)
        return {
            **update,
            "messages": [*dropped, *answers, seen],
            "step": step,
            "screen": screen,
            "screenshots": last([*state.get("screenshots", []), ref], settings.image_history),
        }

    def finish(self, state: ComputerUseState) -> dict[str, Any]:
        """Close the environment if this agent started it."""
        self.env.close(state)
        if outcome := state.get("outcome"):
            events.run_finished(state["session"], outcome)
        return {}


def _prepare(
    model: BaseChatModel, kind: EnvironmentKind, protocol: ProtocolName, *, keep_thinking: bool
) -> Runnable[LanguageModelInput, BaseMessage]:
    """Bind the protocol's tools, and ask the template to keep previous thinking."""
    runnable: Runnable[LanguageModelInput, BaseMessage] = (
        model.bind_tools(tools_for(kind)) if protocol == "tools" else model
    )
    spec = getattr(model, "spec", None)  # ChatNemotronOmni's provider entry
    if keep_thinking and getattr(spec, "thinking_control", None) == "chat_template_kwargs":
        extra = {"chat_template_kwargs": {"truncate_history_thinking": False}}
        runnable = runnable.bind(extra_body=extra)
    return runnable


def _task_from_messages(messages: Sequence[BaseMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, HumanMessage) and message.text.strip():
            return message.text.strip()
    msg = "the input needs a task: {'task': '...'} (or a human message)"
    raise ComputerUseError(msg)


def _error_text(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, ActionError):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
