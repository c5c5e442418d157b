"""The graph's state and runtime context.

The state holds text and small JSON records only: screenshots live in a store or a folder
(:mod:`.screenshots`) and the state keeps references, so every checkpoint stays small however
long the run.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from langchain_core.messages import AnyMessage  # noqa: TC002  # LangGraph reads the hints at runtime
from langgraph.graph.message import add_messages
from pydantic import Field, NonNegativeFloat, PositiveInt, field_validator

# typing_extensions' TypedDict: LangGraph's server builds the graph's JSON schemas with
# pydantic, which refuses typing.TypedDict on Python < 3.12.
from typing_extensions import TypedDict

from langchain_nemotron_omni.agents.common.settings import AgentSettings
from langchain_nemotron_omni.agents.computer_use.computer import (  # noqa: TC001  # as above
    EnvironmentKind,
    TabInfo,
)

ProtocolName = Literal["tools", "pyautogui"]
RiskResponse = Literal["interrupt", "refuse", "allow"]


class ScreenshotRef(TypedDict):
    """Where one screenshot is kept (a store key or a file path), and its size."""

    ref: str
    step: int
    width: int
    height: int


class Screen(TypedDict, total=False):
    """What the environment showed at the last observation.

    ``environment`` is the incarnation of the environment the screenshot came from
    (:mod:`.environments`): acting on another one means the world changed.
    """

    kind: EnvironmentKind
    width: int
    height: int
    url: str
    tabs: list[TabInfo]
    environment: str


class PendingApproval(TypedDict):
    """An approval being asked for: which action, why, and the screen it was asked on.

    On resume the agent compares that screen with the screen now; a decision is only
    applied to the screen it was given for.
    """

    step: int
    index: int
    reason: str
    summary: str
    url: str | None
    screenshot: str
    environment: str


class Outcome(TypedDict):
    """How the run ended.

    Attributes:
        status: ``success`` or ``failure``, as the model (or the step limit) said.
        answer: The model's answer, if any.
        reason: ``terminated`` (the model called terminate), ``step_limit``, or
            ``repeated_failure`` (the same action failed ``max_repeated_failures`` steps in
            a row; ``answer`` then says which and why).
        steps: Model calls made.
    """

    status: Literal["success", "failure"]
    answer: str | None
    reason: Literal["terminated", "step_limit", "repeated_failure"]
    steps: int


class PlannedAction(TypedDict):
    """One action the model asked for, parsed but not yet executed.

    Attributes:
        call_id: The tool call it belongs to (None for the desktop protocol and for replies
            without a tool call).
        tool: The tool or function name.
        action: The parsed action (:func:`.actions.action_to_dict`), None when it failed to
            parse.
        error: Why it cannot run (shown to the model), or None.
        summary: A short description for logs and approval prompts.
    """

    call_id: str | None
    tool: str
    action: dict[str, Any] | None
    error: str | None
    summary: str


class ActionResult(TypedDict):
    """What happened to a planned action."""

    call_id: str | None
    tool: str
    summary: str
    status: Literal["done", "failed", "rejected", "skipped"]
    detail: str


class StepRecord(TypedDict):
    """One finished step, as the step log keeps it (:mod:`.steplog`), masked.

    Attributes:
        step: The step number (1 for the first model call).
        messages: The step's messages as ``messages_to_dict`` writes them: the observation
            (text, screenshot reference), the model's reply, the tool results.
        thought: The model's full thought for the step (its reasoning, or its
            ``## Thought:`` section without thinking).
        action: The model's own action sentence (``## Action:``), desktop protocol.
    """

    step: int
    messages: list[dict[str, Any]]
    thought: str
    action: str


class Failure(TypedDict):
    """The last step's failure, and how many steps in a row failed the same way."""

    signature: str
    detail: str
    count: int


class ComputerUseInput(TypedDict, total=False):
    """What a run starts from: the task (or a first human message holding it)."""

    task: str
    messages: list[AnyMessage]


class ComputerUseState(TypedDict, total=False):
    """The computer-use graph's state.

    Attributes:
        task: The user's instruction.
        messages: The current step's messages: its observation (text, and the screenshot
            by reference in ``additional_kwargs["screenshot"]``), the model's reply, the
            tool results. Finished steps go to the step log (:mod:`.steplog`), outside the
            state, so checkpoints stay small however long the run.
        step: The step the model is on (1 for its first call).
        session: This task's id, ``<thread id>/<episode>`` (a new episode for every task, so
            two tasks on one thread never share screenshots or an environment).
        screen: Size, URL and tabs at the last observation.
        screenshots: References of the screenshots in the image window, oldest first
            (every screenshot stays in its store or folder).
        pending: Actions of the current step not yet executed.
        results: Results of the current step's actions so far.
        failure: The last step's failure and its repeat count, or None.
        outcome: Set when the run ends.
        approval: The approval being asked for, if any.
        settings: The run's :class:`ComputerUseSettings`, fixed when it started.

    Everything in the state is masked (:mod:`.masking`): secrets appear as ``{{name}}``.
    """

    task: str
    messages: Annotated[list[AnyMessage], add_messages]
    step: int
    session: str
    screen: Screen
    screenshots: list[ScreenshotRef]
    pending: list[PlannedAction]
    results: list[ActionResult]
    failure: Failure | None
    outcome: Outcome | None
    approval: PendingApproval | None
    settings: dict[str, Any]


class ComputerUseSettings(AgentSettings):
    """The agent's settings, and the run context of its graph (one class for both).

    Build the agent with them (``create_computer_use_agent(model, computer,
    settings=ComputerUseSettings(max_steps=10))``, or ``ComputerUseSettings.from_env()`` in a
    served graph: ``NEMOTRON_OMNI_CU_MAX_STEPS``, ...); a run overrides the fields it names:
    ``graph.invoke(..., context={"max_steps": 10})``. A run's ``blocked_patterns`` are added
    to the agent's, never replace them. The settings are fixed when a run starts.

    Attributes:
        environment: ``browser`` or ``desktop``, for agents that create their environment.
        protocol: ``tools`` (native tool calls) or ``pyautogui`` (``## Code:`` blocks);
            None: tools for a browser, pyautogui for a desktop.
        start_url: Loaded before the first step (browsers).
        allowed_domains: Hosts the browser may load; ``navigate`` elsewhere is refused.
            None: any.
        blocked_patterns: Regular expressions; an action whose description matches one is
            treated as risky.
        secret_patterns: Regular expressions; text the agent types that matches one is a
            secret, masked everywhere it is shown or stored (:mod:`.masking`).
        on_risk: ``interrupt`` (ask a human), ``refuse`` (tell the model no) or ``allow``.
        max_steps: Model calls before the run stops with a failure.
        max_repeated_failures: Steps in a row whose action fails the same way before the
            run stops with a failure (``reason="repeated_failure"``).
        image_history: Screenshots the model sees (the latest ones, the current included).
        max_model_len: The context length the model is served with; the history's text
            budget is this minus the screenshots' and the reply's share, as NVIDIA
            computes it. Older steps are dropped, oldest first, only past that budget.
        keep_thinking: Send the previous thinking of the steps in full back to the model.
        temperature: Sampling temperature; None: the model card's for the model's thinking
            mode (0.6 thinking, 0.2 instruct), unless the chat model sets its own.
        top_p: Nucleus sampling; None: 0.95 when thinking (as above).
        top_k: Top-k sampling; None: 1 in instruct mode (as above).
        viewport_width: Browser viewport / Xvfb screen width, for created environments.
        viewport_height: Browser viewport / Xvfb screen height, for created environments.
    """

    env_prefix: ClassVar[str] = "NEMOTRON_OMNI_CU_"
    additive: ClassVar[frozenset[str]] = frozenset({"blocked_patterns", "secret_patterns"})

    environment: EnvironmentKind = "browser"
    protocol: ProtocolName | None = None
    start_url: str | None = None
    allowed_domains: list[str] | None = None
    blocked_patterns: list[str] = Field(default_factory=list)
    secret_patterns: list[str] = Field(default_factory=list)
    on_risk: RiskResponse = "interrupt"
    max_steps: PositiveInt = 30
    max_repeated_failures: PositiveInt = 3
    image_history: PositiveInt = 3
    max_model_len: PositiveInt = 131_072
    keep_thinking: bool = True
    temperature: NonNegativeFloat | None = None
    top_p: Annotated[float, Field(gt=0, le=1)] | None = None
    top_k: PositiveInt | None = None
    viewport_width: PositiveInt | None = None
    viewport_height: PositiveInt | None = None

    @field_validator("blocked_patterns", "secret_patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        """A pattern that does not compile is a settings error now, not a crash mid-run."""
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                msg = f"{pattern!r} is not a regular expression: {exc}"
                raise ValueError(msg) from None
        return patterns

    def protocol_for(self, kind: EnvironmentKind) -> ProtocolName:
        """The protocol spoken with an environment of this kind."""
        return self.protocol or ("tools" if kind == "browser" else "pyautogui")
