"""What the model is sent at each step: NVIDIA's turn layout, rebuilt from the step log.

Both protocols follow the harness Nemotron 3 Nano Omni was trained with
(``docs/computer-use-protocol.md``):

* **desktop** (``## Action:`` / ``## Code:``): every user turn is the screenshot, then
  ``# Task Instruction:`` with the task and the line asking for the next move, then
  ``You are currently on Step N.``. The last ``image_history - 1`` finished steps keep their
  screenshot and come back as assistant turns holding the thought and the model's own action
  sentence (never the old code); the steps before them are text under
  ``# Previous History Actions:`` (``# Step k:``, ``## Thought:`` with the full thought,
  ``## Action:``), in the first user turn of the request.
* **browser** (tool calls): the conversation as it happened: user turns (the task on step 1,
  the step line), the model's tool calls with their reasoning, the tool results. Only
  screenshots older than the last ``image_history`` are removed.

Either way, nothing is summarised or cut while the history's text fits the text budget
(``max_model_len`` minus ``image_history`` screenshots at 2,040 tokens and 4,096 tokens for
the reply, counting 4 characters a token, as NVIDIA does). Past it, whole steps are dropped,
oldest first, and the first turn left starts with NVIDIA's one-line note saying so.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    messages_from_dict,
    messages_to_dict,
)

from langchain_nemotron_omni.agents.computer_use.prompts import (
    ASSISTANT_INSTRUCT,
    ASSISTANT_THINKING,
    BROWSER_TASK,
    DESKTOP_INSTRUCTION,
    HISTORY_ENTRY,
    HISTORY_HEADER,
    HISTORY_STEP,
    INFERRED_ACTION,
    STEP_LINE,
    redaction_text,
)
from langchain_nemotron_omni.agents.computer_use.pyautogui_protocol import action_text
from langchain_nemotron_omni.reasoning.fields import message_reasoning

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from langchain_nemotron_omni.agents.computer_use.state import (
        ProtocolName,
        ScreenshotRef,
        StepRecord,
    )

SCREENSHOT_KEY = "screenshot"
"""``additional_kwargs`` key of an observation turn's :class:`~.state.ScreenshotRef`."""
IMAGE_TOKENS = 2040
"""Tokens NVIDIA's harness budgets for one screenshot."""
RESPONSE_HEADROOM = 4096
"""Tokens NVIDIA's harness keeps free for the reply."""
CHARS_PER_TOKEN = 4
"""NVIDIA's estimate when it has no tokenizer."""
_THOUGHT_SECTION = re.compile(
    r"^[ \t]*##[ \t]*Thought[ \t]*:?[ \t]*\n?(.*?)(?=^[ \t]*##|\Z)",
    re.DOTALL | re.MULTILINE | re.IGNORECASE,
)


@dataclass(frozen=True)
class ContextPolicy:
    """How the history is sent.

    Attributes:
        protocol: ``tools`` (browser layout) or ``pyautogui`` (desktop layout).
        image_history: Screenshots sent, the current one included.
        max_model_len: The served context length the text budget derives from.
        keep_thinking: Send previous thinking back (NVIDIA keeps it).
        thinking: The model reasons before answering (picks the desktop's assistant
            layout: ``<think>`` or ``## Thought:``).
    """

    protocol: ProtocolName = "tools"
    image_history: int = 3
    max_model_len: int = 131_072
    keep_thinking: bool = True
    thinking: bool = True

    def __post_init__(self) -> None:
        """Reject a window that would hide the current screenshot.

        Raises:
            ValueError: ``image_history`` below 1.
        """
        if self.image_history < 1:
            msg = f"image_history must be >= 1, got {self.image_history}"
            raise ValueError(msg)

    @property
    def text_budget(self) -> int:
        """Tokens the history's text may take (NVIDIA's derivation)."""
        images = self.image_history * IMAGE_TOKENS
        return max(0, self.max_model_len - images - RESPONSE_HEADROOM)


def is_observation(message: BaseMessage) -> bool:
    """Whether a message is an observation turn (it references a screenshot)."""
    return isinstance(message, HumanMessage) and SCREENSHOT_KEY in message.additional_kwargs


def observation(text: str, ref: ScreenshotRef) -> HumanMessage:
    """An observation turn as persisted: its own text (feedback, tabs) and the screenshot."""
    return HumanMessage(content=text, additional_kwargs={SCREENSHOT_KEY: dict(ref)})


def step_record(step: int, messages: Sequence[BaseMessage]) -> StepRecord:
    """The step log's record of a finished step (its messages, thought and action)."""
    replies = [m for m in messages if isinstance(m, AIMessage)]
    reply = replies[-1] if replies else None
    return {
        "step": step,
        "messages": messages_to_dict(list(messages)),
        "thought": thought_of(reply),
        "action": _action_of(reply),
    }


def thought_of(reply: BaseMessage | None) -> str:
    """The step's full thought: the reasoning, else (instruct mode) the ``## Thought:`` text."""
    if not isinstance(reply, AIMessage):
        return ""
    reasoning = message_reasoning(reply)
    if reasoning and reasoning.strip():
        return reasoning.strip()
    found = _THOUGHT_SECTION.search(str(reply.text))
    return found.group(1).strip() if found else ""


def _action_of(reply: AIMessage | None) -> str:
    if reply is None:
        return ""
    text = str(reply.text)
    said = action_text(text)
    if said:
        return said
    return INFERRED_ACTION if "## Code" in text or "```" in text else ""


def build_request(  # noqa: PLR0913  # the pieces of one request
    records: Sequence[StepRecord],
    current: Sequence[BaseMessage],
    *,
    system: str,
    task: str,
    policy: ContextPolicy,
    load_image: Callable[[str], bytes],
) -> list[BaseMessage]:
    """The messages to send for the current step.

    Args:
        records: The finished steps, oldest first (from the step log).
        current: The current step's messages (its observation).
        system: The system prompt.
        task: The task (masked).
        policy: Layout, windows and budget.
        load_image: Reads a screenshot reference's PNG bytes.
    """
    render = _desktop if policy.protocol == "pyautogui" else _browser
    images: dict[str, bytes] = {}

    def load(ref: str) -> bytes:  # each screenshot read once, however often we re-render
        if ref not in images:
            images[ref] = load_image(ref)
        return images[ref]

    def turns_without(dropped: int) -> list[BaseMessage]:
        kept = list(records[dropped:])
        return render(kept, list(current), task=task, policy=policy, load_image=load)

    def fits(turns: list[BaseMessage]) -> bool:
        return text_tokens(turns) <= policy.text_budget

    turns = turns_without(0)
    dropped = 0
    if records and not fits(turns):
        # The fewest oldest steps to drop (what NVIDIA's one-at-a-time loop finds), by
        # bisection: the text shrinks as steps are dropped, and a long run may be far over.
        low, high = 1, len(records)
        while low < high:
            middle = (low + high) // 2
            if fits(turns_without(middle)):
                high = middle
            else:
                low = middle + 1
        dropped = low
        turns = turns_without(dropped)
    if dropped:
        _prepend_note(turns, redaction_text(dropped))
    return [SystemMessage(system), *turns]


def text_tokens(messages: Sequence[BaseMessage]) -> int:
    """The text's size in tokens, NVIDIA's way (characters / 4; images not counted)."""
    chars = 0
    for message in messages:
        chars += len(str(message.text))
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                chars += len(call["name"]) + len(json.dumps(call["args"], ensure_ascii=False))
    return chars // CHARS_PER_TOKEN


# -- desktop ---------------------------------------------------------------------------------


def _desktop(
    records: list[StepRecord],
    current: list[BaseMessage],
    *,
    task: str,
    policy: ContextPolicy,
    load_image: Callable[[str], bytes],
) -> list[BaseMessage]:
    instruction = DESKTOP_INSTRUCTION.format(task=task)
    shown = min(len(records), policy.image_history - 1)
    older, window = records[: len(records) - shown], records[len(records) - shown :]
    history = ""
    if older:
        entries = [
            HISTORY_STEP.format(step=r["step"])
            + HISTORY_ENTRY.format(thought=r["thought"], action=r["action"])
            for r in older
        ]
        history = HISTORY_HEADER + "\n".join(entries) + "\n"
    template = ASSISTANT_THINKING if policy.thinking else ASSISTANT_INSTRUCT
    turns: list[BaseMessage] = []
    for index, record in enumerate(window):
        seen = _observation_of(record)
        text = instruction + (history if index == 0 else "") + _step_line(record["step"])
        turns.append(_user(seen, text, load_image))
        turns.append(AIMessage(template.format(thought=record["thought"], action=record["action"])))
    seen = _current_observation(current)
    text = instruction + ("" if window else history) + _step_line(_step(seen))
    if str(seen.text).strip():  # the last step's feedback, where NVIDIA puts guidance
        text += f"\n{str(seen.text).strip()}\n"
    turns.append(_user(seen, text, load_image))
    return turns


def _step_line(step: int) -> str:
    return STEP_LINE.format(step=step) + "\n"


# -- browser ---------------------------------------------------------------------------------


def _browser(
    records: list[StepRecord],
    current: list[BaseMessage],
    *,
    task: str,
    policy: ContextPolicy,
    load_image: Callable[[str], bytes],
) -> list[BaseMessage]:
    groups = [messages_from_dict(record["messages"]) for record in records]
    groups.append(list(current))
    with_image = len(groups) - policy.image_history
    turns: list[BaseMessage] = []
    for index, group in enumerate(groups):
        for message in group:
            if is_observation(message):
                step = _step(message)
                parts = [
                    BROWSER_TASK.format(task=task) if step == 1 else "",
                    STEP_LINE.format(step=step),
                    str(message.text).strip(),
                ]
                text = "\n\n".join(part for part in parts if part)
                turns.append(_user(message, text, load_image if index >= with_image else None))
            elif isinstance(message, AIMessage):
                turns.append(_assistant(message, keep_thinking=policy.keep_thinking))
            elif isinstance(message, ToolMessage):
                turns.append(message)
    return turns


def _assistant(message: AIMessage, *, keep_thinking: bool) -> AIMessage:
    text = str(message.text)
    reasoning = message_reasoning(message) if keep_thinking else None
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


# -- shared ----------------------------------------------------------------------------------


def _observation_of(record: StepRecord) -> HumanMessage:
    for message in messages_from_dict(record["messages"][:1]):
        if is_observation(message):
            return message  # type: ignore[return-value]  # is_observation checked the type
    msg = f"step {record['step']} of the step log has no observation"
    raise ValueError(msg)


def _current_observation(current: Sequence[BaseMessage]) -> HumanMessage:
    for message in reversed(current):
        if is_observation(message):
            return message  # type: ignore[return-value]
    msg = "the current step has no observation"
    raise ValueError(msg)


def _step(message: BaseMessage) -> int:
    return int(message.additional_kwargs[SCREENSHOT_KEY].get("step", 0))


def _user(
    message: BaseMessage, text: str, load_image: Callable[[str], bytes] | None
) -> HumanMessage:
    """A user turn: the screenshot first (when sent), then the text (NVIDIA's order)."""
    content: list[str | dict[str, Any]] = []
    if load_image is not None:
        image = load_image(message.additional_kwargs[SCREENSHOT_KEY]["ref"])
        url = "data:image/png;base64," + base64.b64encode(image).decode("ascii")
        content.append({"type": "image_url", "image_url": {"url": url}})
    content.append({"type": "text", "text": text})
    return HumanMessage(content=content, id=message.id)


def _prepend_note(turns: list[BaseMessage], note: str) -> None:
    """Put ``note`` at the head of the first user turn's text (NVIDIA's placement)."""
    for index, message in enumerate(turns):
        if isinstance(message, HumanMessage) and isinstance(message.content, list):
            content = list(message.content)
            for position, part in enumerate(content):
                if isinstance(part, dict) and part.get("type") == "text":
                    content[position] = {**part, "text": f"{note}\n\n{part['text']}"}
                    turns[index] = HumanMessage(content=content, id=message.id)
                    return
