"""The requests one call makes: one, or more when the first reply is not the last word.

Two things can take more than one request, and they compose:

* **A client-side reasoning budget** (servers without a budget control). Phase one asks with
  ``max_tokens`` capped at the budget. If the thought was cut there, phase two sends the
  partial turn back, its thought closed with ``</think>``, as the final assistant message
  with ``continue_final_message``, and the model goes on with the answer. The two phases read
  as one reply.
* **A forced tool choice** the server ignored (vLLM's qwen3_coder parser does): if the reply
  makes no call to the forced tool, the call is asked once more with an explicit order, and
  gives up with :class:`~langchain_nemotron_omni.errors.ToolChoiceError` after that.

:class:`Attempts` decides, from each reply's :class:`Outcome`, what the next request is; the
chat model runs the same list in one sync and one async loop, for invoke and stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from langchain_core.messages import AIMessage
from langchain_core.messages.ai import add_usage
from langchain_core.outputs import ChatGeneration, ChatResult

from langchain_nemotron_omni._markup import THINK_CLOSE, THINK_OPEN
from langchain_nemotron_omni.reply.render import REASONING_KEY
from langchain_nemotron_omni.request.plan import deep_merge
from langchain_nemotron_omni.tools.choice import insist, tool_choice_error

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from langchain_nemotron_omni.reply.shaper import ReplyShaper
    from langchain_nemotron_omni.request.plan import RequestPlan

# Fields the template continuation (second phase of the client-side budget) needs.
CONTINUE_BODY = {"continue_final_message": True, "add_generation_prompt": False}

Phase = Literal["whole", "think", "answer"]


@dataclass(frozen=True, slots=True)
class Attempt:
    """One request: the conversation to send and the plan to send it with."""

    messages: list[BaseMessage]
    plan: RequestPlan
    phase: Phase = "whole"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a reply came to, as shaping saw it (the same for invoke and stream)."""

    finish_reason: str | None
    reasoning: str
    content: str
    called: tuple[str | None, ...]
    output_tokens: int

    @classmethod
    def of(cls, shaper: ReplyShaper) -> Outcome:
        """The outcome of a reply ``shaper`` has seen to its end."""
        return cls(
            finish_reason=shaper.finish_reason,
            reasoning="".join(shaper.reasoning_text),
            content="".join(shaper.content_text),
            called=tuple(shaper.called),
            output_tokens=shaper.completion_tokens,
        )


@dataclass
class Attempts:
    """The requests of one call, decided one reply at a time."""

    plan: RequestPlan
    messages: list[BaseMessage]
    retried: bool = False
    called: list[str | None] = field(default_factory=list)
    """Calls made in the current try (both phases of a budgeted one)."""

    @property
    def single(self) -> bool:
        """Whether one request is the whole call (no client-side budget, no forced tool)."""
        return self.plan.budget_mode != "client" and self.plan.forced is None

    def first(self) -> Attempt:
        """The first request."""
        return self._start(self.messages)

    def _start(self, messages: list[BaseMessage]) -> Attempt:
        self.called = []
        plan = self.plan
        if plan.budget_mode != "client":
            return Attempt(messages, plan)
        budget = plan.budget or 0
        cap = budget if plan.max_tokens is None else min(budget, plan.max_tokens)
        think = replace(plan, budget_mode=None, max_tokens=cap, continues=True)
        return Attempt(messages, think, "think")

    def after(self, attempt: Attempt, outcome: Outcome) -> Attempt | None:
        """The next request after ``attempt`` came to ``outcome``; ``None`` when done.

        Raises:
            ToolChoiceError: The forced tool was not called, even when asked again.
        """
        self.called.extend(outcome.called)
        if attempt.phase == "think" and (answer := self._answer(attempt, outcome)):
            return answer
        forced = self.plan.forced
        if forced is None or any(forced in {"*", name} for name in self.called):
            return None
        if self.retried:
            raise tool_choice_error(forced, outcome.content, self.called)
        self.retried = True
        return self._start(insist(self.messages, forced))

    def _answer(self, attempt: Attempt, outcome: Outcome) -> Attempt | None:
        """Phase two, if phase one stopped at the budget: close the thought and answer.

        The exact form depends on how the server continues a message
        (``ProviderSpec.continuation``).
        """
        if outcome.finish_reason != "length" or outcome.called:
            return None
        plan = self.plan
        used = outcome.output_tokens or (plan.budget or 0)
        remaining = None if plan.max_tokens is None else plan.max_tokens - used
        if remaining is not None and remaining <= 0:
            return None
        if plan.spec.continuation == "after_generation_prompt":
            # The generation prompt re-opens the thought (thinking on); the content closes it.
            partial = f"{outcome.reasoning}\n{THINK_CLOSE}\n{outcome.content}"
            send_thinking = True
        else:
            # The template renders the content as given; thinking off makes the server's
            # parser label the continuation as content.
            partial = f"{THINK_OPEN}\n{outcome.reasoning}\n{THINK_CLOSE}\n{outcome.content}"
            send_thinking = False
        extra = deep_merge(plan.extra_body, CONTINUE_BODY)
        if plan.spec.thinking_control == "chat_template_kwargs":
            extra = deep_merge(extra, {"chat_template_kwargs": {"enable_thinking": send_thinking}})
        answer = replace(
            plan,
            thinking=send_thinking,
            budget=None,
            budget_mode=None,
            max_tokens=remaining,
            extra_body=extra,
            answering=True,
        )
        messages = [*attempt.messages, AIMessage(content=partial)]
        return Attempt(messages, answer, "answer")


def join_phases(first: ChatResult, second: ChatResult, budget: int | None) -> ChatResult:
    """One answer from the two phases of a client-side budget."""
    one = first.generations[0].message
    two = second.generations[0].message
    assert isinstance(one, AIMessage)  # noqa: S101 - shaping only makes AIMessages
    assert isinstance(two, AIMessage)  # noqa: S101
    kwargs = dict(two.additional_kwargs)
    kwargs.pop(REASONING_KEY, None)
    if reasoning := one.additional_kwargs.get(REASONING_KEY):
        kwargs[REASONING_KEY] = reasoning
    content = "".join(part for part in (str(one.content), str(two.content)) if part)
    message = AIMessage(
        content=content,
        additional_kwargs=kwargs,
        response_metadata={
            **two.response_metadata,
            "reasoning_budget": {"mode": "client", "budget": budget, "phases": 2},
        },
        tool_calls=two.tool_calls,
        invalid_tool_calls=two.invalid_tool_calls,
        usage_metadata=add_usage(one.usage_metadata, two.usage_metadata),
        id=two.id,
    )
    generation = ChatGeneration(
        message=message, generation_info=second.generations[0].generation_info
    )
    return ChatResult(generations=[generation], llm_output=second.llm_output)
