"""``create_computer_use_agent``: the LangGraph loop.

``setup`` (start the environment, first screenshot) -> ``model`` (one request laid out as
NVIDIA's harness does, from the step log) -> ``act`` (one action per visit: risk check,
maybe an ``interrupt()``, run it, record the result) -> ... -> ``observe`` (log the step,
next screenshot) -> ``model`` ...
until ``terminate`` or the step limit, then ``finish`` (close an environment the agent
started).

Acting one action per node visit matters for interrupts: LangGraph re-runs an interrupted
node from its start on resume, and by then every earlier action is already checkpointed, so
nothing runs twice.

Nodes are sync functions: ``langgraph dev`` refuses blocking calls in async nodes, and the
environments block. The nodes live in :mod:`.nodes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from langgraph.graph import END, START, StateGraph

from langchain_nemotron_omni.agents.computer_use.environments import ComputerSource, Environments
from langchain_nemotron_omni.agents.computer_use.masking import Secrets
from langchain_nemotron_omni.agents.computer_use.nodes import ComputerUseNodes
from langchain_nemotron_omni.agents.computer_use.risk import RiskPolicy, RiskPredicate
from langchain_nemotron_omni.agents.computer_use.sessions import SESSIONS, SessionPool
from langchain_nemotron_omni.agents.computer_use.state import (
    ComputerUseInput,
    ComputerUseSettings,
    ComputerUseState,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from langgraph.graph.state import CompiledStateGraph
    from langgraph.store.base import BaseStore
    from langgraph.types import Checkpointer

    from langchain_nemotron_omni.agents.common import ModelSource
    from langchain_nemotron_omni.agents.computer_use.screenshots import ScreenshotStore
    from langchain_nemotron_omni.agents.computer_use.steplog import StepLog

__all__ = ["ComputerSource", "create_computer_use_agent", "route_after_act", "route_after_observe"]

DEFAULT_RISK: RiskPredicate = RiskPolicy()
RECURSION_LIMIT = 10_000  # the step limit is the real bound; each step takes 3+ supersteps


def create_computer_use_agent(  # noqa: PLR0913  # the agent's documented knobs
    model: ModelSource[ComputerUseSettings],
    computer: ComputerSource,
    *,
    settings: ComputerUseSettings | None = None,
    system_prompt: str | None = None,
    risk: RiskPredicate | None = DEFAULT_RISK,
    screenshots: ScreenshotStore | None = None,
    step_log: StepLog | None = None,
    secrets: Mapping[str, str] | None = None,
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
            and sampling (:class:`ComputerUseSettings`); a run overrides the fields it names in
            its context (the graph's context schema is the same class).
        system_prompt: Replaces the protocol's default system prompt.
        risk: Decides which actions need approval; None: none do.
        screenshots: Where screenshots go; default: the run's LangGraph store when there is
            one (the LangGraph server provides it), else files in a temporary folder.
        step_log: Where finished steps go (the history sent to the model); default: next
            to the screenshots (their folder, else the run's LangGraph store, else the
            temporary folder).
        secrets: Named values the agent may type without ever showing or storing them:
            the model sees ``{{name}}`` and types it; only the environment gets the value
            (:mod:`.masking`). Never part of the state or the run's context.
        checkpointer: Persists runs (needed for interrupts); omit under a LangGraph server.
        store: A LangGraph store for screenshots (and anything else).
        sessions: Where environments the agent starts are kept (idle limit, cap); default:
            the process's pool, configured by the deployment (:mod:`.deployment`).
        name: The graph's name.

    Returns:
        The compiled graph. Input ``{"task": "..."}``; the final state's ``outcome`` holds
        ``status`` (success/failure), ``answer`` and ``reason``.
    """
    agent = ComputerUseNodes(
        model=model,
        environments=Environments(computer, SESSIONS if sessions is None else sessions),
        system_prompt=system_prompt,
        risk=risk,
        screenshots=screenshots,
        step_log=step_log,
        secrets=Secrets(secrets),  # validates names and lengths now, not mid-run
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
