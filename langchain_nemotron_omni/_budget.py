"""The reasoning budget on the client, for servers without a budget control.

Phase one asks with ``max_tokens`` capped at the budget. If the thought was cut there, phase
two sends the partial turn back, its thought closed with ``</think>``, as the final assistant
message with ``continue_final_message``, and the model goes on with the answer. The two
phases then read as one reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.messages import AIMessage
from langchain_core.messages.ai import add_usage
from langchain_core.outputs import ChatGeneration, ChatResult

from langchain_nemotron_omni._payload import deep_merge
from langchain_nemotron_omni._shaping import REASONING_KEY, ShapeSettings

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from langchain_nemotron_omni._shaping import StreamShaper
    from langchain_nemotron_omni.providers import ProviderSpec

# Fields the template continuation (second phase of the client-side budget) needs.
CONTINUE_BODY = {"continue_final_message": True, "add_generation_prompt": False}


@dataclass(frozen=True)
class Call:
    """Per-call settings resolved from the model's fields and the call's kwargs."""

    thinking: bool
    budget: int | None
    budget_mode: Literal["server", "client"] | None
    max_tokens: int | None
    shape: ShapeSettings


def first_phase(kwargs: dict[str, Any], call: Call) -> tuple[dict[str, Any], Call]:
    """Phase one: think with ``max_tokens`` capped at the budget."""
    budget = call.budget or 0
    cap = budget if call.max_tokens is None else min(budget, call.max_tokens)
    first_kwargs = {**kwargs, "thinking": True, "reasoning_budget": None, "max_tokens": cap}
    shape = ShapeSettings(
        thinking=True,
        client_split=call.shape.client_split,
        max_tokens=cap,
        reasoning_budget=call.budget,
        continues=True,
    )
    first_call = Call(thinking=True, budget=None, budget_mode=None, max_tokens=cap, shape=shape)
    return first_kwargs, first_call


def second_phase(
    spec: ProviderSpec,
    messages: list[BaseMessage],
    first: ChatResult,
    kwargs: dict[str, Any],
    call: Call,
) -> tuple[list[BaseMessage], dict[str, Any], Call] | None:
    """Phase two after an invoke, or ``None`` when phase one finished on its own."""
    generation = first.generations[0]
    finish = (generation.generation_info or {}).get("finish_reason")
    message = generation.message
    if not isinstance(message, AIMessage):
        return None
    usage = message.usage_metadata
    used = usage["output_tokens"] if usage else (call.budget or 0)
    reasoning = message.additional_kwargs.get(REASONING_KEY, "")
    return continuation(
        spec,
        messages,
        finish=finish,
        content=str(message.content),
        reasoning=str(reasoning),
        used=used,
        kwargs=kwargs,
        call=call,
    )


def second_phase_from_stream(
    spec: ProviderSpec,
    messages: list[BaseMessage],
    shaper: StreamShaper,
    kwargs: dict[str, Any],
    call: Call,
) -> tuple[list[BaseMessage], dict[str, Any], Call] | None:
    """Phase two after a stream, or ``None`` when phase one finished on its own."""
    if shaper.saw_tool_calls:
        return None
    return continuation(
        spec,
        messages,
        finish=shaper.finish_reason,
        content="".join(shaper.content_text),
        reasoning="".join(shaper.reasoning_text),
        used=shaper.completion_tokens or (call.budget or 0),
        kwargs=kwargs,
        call=call,
    )


def continuation(  # noqa: PLR0913
    spec: ProviderSpec,
    messages: list[BaseMessage],
    *,
    finish: str | None,
    content: str,
    reasoning: str,
    used: int,
    kwargs: dict[str, Any],
    call: Call,
) -> tuple[list[BaseMessage], dict[str, Any], Call] | None:
    """Phase two, if phase one stopped at the budget: close the thought and answer.

    The partial turn, its thought closed with ``</think>``, is sent back as the final
    assistant message with ``continue_final_message``, and the model goes on with the
    answer. The exact form depends on how the server continues a message
    (``ProviderSpec.continuation``).
    """
    if finish != "length":
        return None
    remaining = None if call.max_tokens is None else call.max_tokens - used
    if remaining is not None and remaining <= 0:
        return None
    extra_body = deep_merge(kwargs.get("extra_body") or {}, CONTINUE_BODY)
    if spec.continuation == "after_generation_prompt":
        # The generation prompt re-opens the thought (thinking on); the content closes it.
        partial = AIMessage(content=f"{reasoning}\n</think>\n{content}")
        send_thinking = True
    else:
        # The template renders the content as given; thinking off makes the server's
        # parser label the continuation as content.
        partial = AIMessage(content=f"<think>\n{reasoning}\n</think>\n{content}")
        send_thinking = False
    second_kwargs = {
        **kwargs,
        "thinking": send_thinking,
        "reasoning_budget": None,
        "max_tokens": remaining,
        "extra_body": extra_body,
    }
    shape = ShapeSettings(
        thinking=False,
        client_split=call.shape.client_split,
        max_tokens=remaining,
        reasoning_budget=call.budget,
    )
    second_call = Call(
        thinking=False, budget=None, budget_mode=None, max_tokens=remaining, shape=shape
    )
    return [*messages, partial], second_kwargs, second_call


def join_phases(first: ChatResult, second: ChatResult, call: Call) -> ChatResult:
    """One answer from the two phases of a client-side budget."""
    one = first.generations[0].message
    two = second.generations[0].message
    assert isinstance(one, AIMessage)  # noqa: S101 - _shape_result only makes AIMessages
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
            "reasoning_budget": {"mode": "client", "budget": call.budget, "phases": 2},
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
