"""The graph's state and runtime context.

The state holds text and small JSON records only: screenshots live in a store or a folder
(:mod:`.screenshots`) and the state keeps references, so every checkpoint stays small however
long the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AnyMessage  # noqa: TC002  # LangGraph reads the hints at runtime
from langgraph.graph.message import add_messages

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
    """What the environment showed at the last observation."""

    kind: EnvironmentKind
    width: int
    height: int
    url: str
    tabs: list[TabInfo]


class Outcome(TypedDict):
    """How the run ended.

    Attributes:
        status: ``success`` or ``failure``, as the model (or the step limit) said.
        answer: The model's answer, if any.
        reason: ``terminated`` (the model called terminate) or ``step_limit``.
        steps: Model calls made.
    """

    status: Literal["success", "failure"]
    answer: str | None
    reason: Literal["terminated", "step_limit"]
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
    """One finished step as text: what older steps look like to the model and in the state."""

    step: int
    thought: str
    action: str
    result: str


class ComputerUseInput(TypedDict, total=False):
    """What a run starts from: the task (or a first human message holding it)."""

    task: str
    messages: list[AnyMessage]


class ComputerUseState(TypedDict, total=False):
    """The computer-use graph's state.

    Attributes:
        task: The user's instruction.
        messages: The latest steps in full (the context policy's image window): text only;
            observation turns carry a screenshot reference in
            ``additional_kwargs["screenshot"]``. Older messages are removed once summarised.
        history: A :class:`StepRecord` for each of the latest finished steps (the text
            window), oldest first.
        step: The step the model is on (1 for its first call).
        session: Key of the environment session this run drives.
        screen: Size, URL and tabs at the last observation.
        screenshots: References of the screenshots in the image window, oldest first
            (every screenshot stays in its store or folder).
        pending: Actions of the current step not yet executed.
        results: Results of the current step's actions so far.
        outcome: Set when the run ends.
    """

    task: str
    messages: Annotated[list[AnyMessage], add_messages]
    history: list[StepRecord]
    step: int
    session: str
    screen: Screen
    screenshots: list[ScreenshotRef]
    pending: list[PlannedAction]
    results: list[ActionResult]
    outcome: Outcome | None


@dataclass(kw_only=True)
class ComputerUseContext:
    """Per-run settings (LangGraph runtime context); unset fields use the agent's defaults.

    Pass as ``graph.invoke(..., context=ComputerUseContext(max_steps=10))`` or, through the
    LangGraph API, ``context={"max_steps": 10}``.

    Attributes:
        environment: ``browser`` or ``desktop``, for agents that create their environment.
        protocol: ``tools`` (native tool calls) or ``pyautogui`` (``## Code:`` blocks).
        start_url: Loaded before the first step (browsers).
        allowed_domains: Hosts the browser may load; ``navigate`` elsewhere is refused.
        blocked_patterns: Regular expressions; an action whose description matches one is
            treated as risky.
        on_risk: ``interrupt`` (ask a human), ``refuse`` (tell the model no) or ``allow``.
        max_steps: Model calls before the run stops with a failure.
        image_history: Screenshots the model sees (the latest ones).
        text_history: Older steps sent as one line of text each; earlier ones are replaced
            by one line saying they were left out.
        viewport_width: Browser viewport / Xvfb screen width, for created environments.
        viewport_height: Browser viewport / Xvfb screen height, for created environments.
    """

    environment: EnvironmentKind | None = None
    protocol: ProtocolName | None = None
    start_url: str | None = None
    allowed_domains: list[str] | None = None
    blocked_patterns: list[str] = field(default_factory=list)
    on_risk: RiskResponse | None = None
    max_steps: int | None = None
    image_history: int | None = None
    text_history: int | None = None
    viewport_width: int | None = None
    viewport_height: int | None = None
