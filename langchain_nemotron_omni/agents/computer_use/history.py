"""The context policy: what the model is sent at each step, and what the state keeps.

As NVIDIA runs Nemotron 3 Nano Omni for GUI tasks:

* screenshots go in user turns (vLLM refuses images in tool messages), one per observation;
* the latest ``image_history`` (3) steps are sent in full: their observations with the
  screenshot, the model's replies with their thinking, the tool results;
* older steps are sent as text: one line each (thought, action, result), the latest
  ``text_history`` of them, then one line saying earlier ones are left out (the task is
  always restated), so what is sent per step stops growing;
* previous thinking is kept (with ``truncate_history_thinking=false``): it is written back as
  ``<think>...</think>`` at the head of each assistant turn, which the chat template renders
  as that turn's reasoning.

The graph state keeps the same windows and nothing more: the messages of the last
``image_history`` steps, the last ``text_history`` step records and screenshot references,
so a checkpoint's size stops growing once the windows are full (the screenshots stay in
their store or folder, one per step).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
)

from langchain_nemotron_omni.agents.computer_use.prompts import redaction_text, task_text
from langchain_nemotron_omni.agents.computer_use.pyautogui_protocol import (
    action_text,
    without_code,
)
from langchain_nemotron_omni.reasoning.fields import message_reasoning

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from langchain_nemotron_omni.agents.computer_use.state import (
        ActionResult,
        ScreenshotRef,
        StepRecord,
    )

T = TypeVar("T")

SCREENSHOT_KEY = "screenshot"
"""``additional_kwargs`` key of an observation turn's :class:`~.state.ScreenshotRef`."""
THOUGHT_CHARS = 160


@dataclass(frozen=True)
class ContextPolicy:
    """How much history the model sees.

    Attributes:
        image_history: Latest steps sent in full, each with its screenshot.
        text_history: Older steps before those, sent as one line of text each.
        keep_thinking: Send the previous thinking of the full steps back (NVIDIA keeps it).
        strip_code: Drop ``## Code:`` from previous assistant turns (the desktop protocol's
            history holds thought and action only).
    """

    image_history: int = 3
    text_history: int = 10
    keep_thinking: bool = True
    strip_code: bool = False

    def __post_init__(self) -> None:
        """Reject windows that would hide the current screenshot.

        Raises:
            ValueError: ``image_history`` below 1 or ``text_history`` below 0.
        """
        if self.image_history < 1:
            msg = f"image_history must be >= 1, got {self.image_history}"
            raise ValueError(msg)
        if self.text_history < 0:
            msg = f"text_history must be >= 0, got {self.text_history}"
            raise ValueError(msg)


def is_observation(message: BaseMessage) -> bool:
    """Whether a message is an observation turn (it references a screenshot)."""
    return isinstance(message, HumanMessage) and SCREENSHOT_KEY in message.additional_kwargs


def observation(text: str, ref: ScreenshotRef) -> HumanMessage:
    """An observation turn as persisted: text, and the screenshot by reference."""
    return HumanMessage(content=text, additional_kwargs={SCREENSHOT_KEY: dict(ref)})


def step_record(
    step: int, reply: BaseMessage | None, results: Sequence[ActionResult]
) -> StepRecord:
    """One finished step in a line's worth of text: what the model thought, did, and got."""
    thought = ""
    if isinstance(reply, AIMessage):
        said = message_reasoning(reply) or action_text(str(reply.text)) or str(reply.text)
        thought = _shorten(said, THOUGHT_CHARS)
    actions = "; ".join(r["summary"] for r in results if r["status"] != "skipped") or "none"
    problems = [r for r in results if r["status"] in {"failed", "rejected"}]
    outcome = f"{problems[0]['status']}: {problems[0]['detail']}" if problems else "done"
    return {"step": step, "thought": thought, "action": actions, "result": _shorten(outcome, 200)}


def outside_window(messages: Sequence[BaseMessage], image_history: int) -> list[RemoveMessage]:
    """Removals for the persisted messages before the last ``image_history`` observations."""
    starts = [i for i, message in enumerate(messages) if is_observation(message)]
    if len(starts) <= image_history:
        return []
    cut = starts[-image_history]
    return [RemoveMessage(id=m.id) for m in messages[:cut] if m.id is not None]


def build_request(  # noqa: PLR0913  # the pieces of one request
    messages: Sequence[BaseMessage],
    *,
    system: str,
    task: str,
    history: Sequence[StepRecord],
    policy: ContextPolicy,
    load_image: Callable[[str], bytes],
) -> list[BaseMessage]:
    """The messages to send for the next step.

    Args:
        messages: The persisted conversation (observations hold screenshot references).
        system: The system prompt.
        task: The task, restated when the first observation is not in the window.
        history: One record per finished step.
        policy: The window sizes.
        load_image: Reads a screenshot reference's PNG bytes.

    Returns:
        System prompt, then the full steps (their observations with images), the first
        of them led by the task and the older steps as text.
    """
    starts = [i for i, message in enumerate(messages) if is_observation(message)]
    request: list[BaseMessage] = [SystemMessage(system)]
    if not starts:
        return request + list(messages)
    window = starts[-policy.image_history :]
    first_step = _step(messages[window[0]])
    prefix = "" if first_step <= 1 else _older_steps(task, history, first_step, policy)
    for index in range(window[0], len(messages)):
        message = messages[index]
        if is_observation(message):
            image = load_image(message.additional_kwargs[SCREENSHOT_KEY]["ref"])
            request.append(_observation(message, prefix, image))
            prefix = ""
        elif isinstance(message, AIMessage):
            request.append(_assistant(message, policy))
        else:
            request.append(message)
    return request


def _older_steps(
    task: str, history: Sequence[StepRecord], first_step: int, policy: ContextPolicy
) -> str:
    older = [r for r in history if r["step"] < first_step]
    shown = last(older, policy.text_history)
    parts = [task_text(task)]
    last_left_out = shown[0]["step"] - 1 if shown else first_step - 1
    if last_left_out >= 1:
        parts.append(redaction_text(1, last_left_out))
    if shown:
        lines = [
            f"Step {r['step']}: {r['thought']} | Action: {r['action']} | Result: {r['result']}"
            for r in shown
        ]
        parts.append("# Previous steps (screenshots no longer shown):\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n\n"


def last(items: Sequence[T], count: int) -> list[T]:
    """The last ``count`` items (none for 0, unlike ``items[-0:]``)."""
    return list(items[max(len(items) - count, 0) :]) if count > 0 else []


def _step(message: BaseMessage) -> int:
    return int(message.additional_kwargs[SCREENSHOT_KEY].get("step", 0))


def _observation(message: BaseMessage, prefix: str, image: bytes) -> HumanMessage:
    url = "data:image/png;base64," + base64.b64encode(image).decode("ascii")
    content: list[str | dict[str, Any]] = [
        {"type": "image_url", "image_url": {"url": url}},
        {"type": "text", "text": prefix + str(message.text)},
    ]
    return HumanMessage(content=content, id=message.id)


def _assistant(message: AIMessage, policy: ContextPolicy) -> AIMessage:
    text = str(message.text)
    if policy.strip_code:
        text = without_code(text)
    reasoning = message_reasoning(message) if policy.keep_thinking else None
    if reasoning:
        text = f"<think>\n{reasoning.strip()}\n</think>\n{text.lstrip()}"
    # Servers json-load the arguments of every call in the history, so a call whose
    # arguments did not parse goes back with them as a string (its tool result explains).
    repaired = [
        {
            "name": bad.get("name") or "invalid",
            "args": {"arguments": bad.get("args")},
            "id": bad["id"],
        }
        for bad in message.invalid_tool_calls
        if bad.get("id")
    ]
    return AIMessage(content=text, tool_calls=[*message.tool_calls, *repaired], id=message.id)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
