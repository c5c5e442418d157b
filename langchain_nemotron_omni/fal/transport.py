"""fal as a transport of its own: a request plan sent through fal's queue, the reply back.

The chat model picks this transport once, when it is built for ``provider="fal"``; the rest
of a call (the request plan, the attempts, the shaping of the reply, the tools package) is
the same as for every other provider. fal has no tool parameter, so bound tools are written
into the system prompt in the model's own format and calls are parsed back from the text.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Final

from langchain_core.callbacks.manager import ahandle_event, handle_event
from langchain_core.messages import AIMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatResult

from langchain_nemotron_omni.fal.prompt import FalRequest, build_request
from langchain_nemotron_omni.fal.queue import FAL_QUEUE_URL, FalQueue, FalResult, FalSettings
from langchain_nemotron_omni.reply.render import MODEL_PROVIDER
from langchain_nemotron_omni.tools.choice import force_instruction
from langchain_nemotron_omni.tools.render import render_tool_call_xml, render_tools_prompt

if TYPE_CHECKING:
    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )
    from langchain_core.language_models import BaseChatModel

    from langchain_nemotron_omni.fal.queue import FalUpdate
    from langchain_nemotron_omni.request.attempts import Attempt

FAL_QUEUE_EVENT: Final = "fal_queue_update"
"""Name of the LangChain custom event carrying fal queue progress (status, position, logs)."""


class FalTransport:
    """Sends attempts through fal's queue, over connections pooled per model instance."""

    def __init__(self) -> None:
        """Connections open on the first request."""
        self._queue = FalQueue()

    def __repr__(self) -> str:
        """The transport holds no key (each request carries the model's)."""
        return "FalTransport()"

    def result(
        self,
        model: BaseChatModel,
        attempt: Attempt,
        settings: FalSettings,
        run_manager: CallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> ChatResult:
        """Run one attempt; the reply as it came, not yet shaped."""

        def report(update: FalUpdate) -> None:
            if run_manager:
                args, details = _queue_event(run_manager, update)
                handle_event(*args, **details)

        request = _request(attempt, kwargs, model)
        return _chat_result(self._queue.run(settings, _model_id(model), request, report), model)

    async def aresult(
        self,
        model: BaseChatModel,
        attempt: Attempt,
        settings: FalSettings,
        run_manager: AsyncCallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> ChatResult:
        """:meth:`result` for asyncio."""

        async def report(update: FalUpdate) -> None:
            if run_manager:
                args, details = _queue_event(run_manager, update)
                await ahandle_event(*args, **details)

        request = _request(attempt, kwargs, model)
        result = await self._queue.arun(settings, _model_id(model), request, report)
        return _chat_result(result, model)


def fal_settings(
    api_key: str, base_url: str | None, timeout: object, max_retries: int | None
) -> FalSettings:
    """Queue settings from the chat model's connection fields."""
    return FalSettings(
        api_key=api_key,
        base_url=base_url or FAL_QUEUE_URL,
        timeout=float(timeout) if isinstance(timeout, float | int) else 600.0,
        max_retries=max_retries if max_retries is not None else 2,
    )


def _model_id(model: BaseChatModel) -> str:
    return str(getattr(model, "model_name", ""))


def _request(attempt: Attempt, kwargs: dict[str, Any], model: BaseChatModel) -> FalRequest:
    plan = attempt.plan
    tools_prompt = None
    tools = kwargs.get("tools")
    if tools and plan.tools is not None:
        # fal has no tool parameter: tools go into the system prompt in the model's own
        # format and calls are parsed back from the text.
        tools_prompt = render_tools_prompt(tools)
        if plan.forced:
            tools_prompt = f"{tools_prompt}\n\n{force_instruction(plan.forced)}"
    return build_request(
        attempt.messages,
        thinking=plan.thinking,
        max_tokens=plan.max_tokens,
        temperature=kwargs.get("temperature", getattr(model, "temperature", None)),
        top_p=kwargs.get("top_p", getattr(model, "top_p", None)),
        tools_prompt=tools_prompt,
        render_tool_calls=_tool_calls_xml,
    )


def _chat_result(result: FalResult, model: BaseChatModel) -> ChatResult:
    usage: UsageMetadata | None = None
    if result.input_tokens is not None and result.output_tokens is not None:
        usage = UsageMetadata(
            input_tokens=result.input_tokens,
            output_tokens=result.output_tokens,
            total_tokens=result.input_tokens + result.output_tokens,
        )
    finish = result.finish_reason or "stop"
    message = AIMessage(
        content=result.output,
        usage_metadata=usage,
        response_metadata={
            "model_name": _model_id(model),
            "model_provider": MODEL_PROVIDER,
            "finish_reason": finish,
        },
    )
    generation = ChatGeneration(message=message, generation_info={"finish_reason": finish})
    return ChatResult(generations=[generation], llm_output={"model_provider": MODEL_PROVIDER})


def _queue_event(
    run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun, update: FalUpdate
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The ``handle_event`` arguments that deliver a fal queue update as a custom event.

    Run managers do not forward custom events themselves; their handlers do.
    """
    args = (
        run_manager.handlers,
        "on_custom_event",
        "ignore_custom_event",
        FAL_QUEUE_EVENT,
        asdict(update),
    )
    details = {
        "run_id": run_manager.run_id,
        "tags": run_manager.tags,
        "metadata": run_manager.metadata,
    }
    return args, details


def _tool_calls_xml(message: AIMessage) -> str:
    """An assistant turn's tool calls written as the model writes them (for the transcript)."""
    return "".join(render_tool_call_xml(call["name"], call["args"]) for call in message.tool_calls)
