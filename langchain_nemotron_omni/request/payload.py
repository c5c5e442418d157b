"""A request plan rendered into the Chat Completions body the provider will read.

``BaseChatOpenAI`` builds a payload for OpenAI. :func:`render_payload` turns it into what a
Nemotron server expects: server extensions moved into ``extra_body`` (the ``openai`` SDK
rejects unknown keyword arguments), thinking and budget in the provider's form, media
options, the reasoning of the current tool loop sent back under the field name the server
reads, tools written into the prompt where the server has no tool parser. Every decision
was made in the plan; this module only writes it down.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from langchain_nemotron_omni.media import media_request_fields
from langchain_nemotron_omni.reasoning.fields import message_reasoning
from langchain_nemotron_omni.request.plan import deep_merge
from langchain_nemotron_omni.structured_output import response_format_for
from langchain_nemotron_omni.tools.choice import force_instruction
from langchain_nemotron_omni.tools.render import render_tools_prompt

if TYPE_CHECKING:
    from langchain_nemotron_omni.providers import ProviderSpec
    from langchain_nemotron_omni.request.plan import RequestPlan


@cache
def _sdk_create_parameters() -> frozenset[str]:
    """Keyword arguments ``openai``'s ``chat.completions.create`` accepts."""
    from openai.resources.chat.completions import Completions  # noqa: PLC0415

    return frozenset(inspect.signature(Completions.create).parameters) - {"self"}


def lift_extensions(payload: dict[str, Any]) -> dict[str, Any]:
    """Move top-level keys the ``openai`` SDK does not know into ``extra_body``.

    Server extensions given through ``model_kwargs`` or ``.bind()`` (``chat_template_kwargs``,
    ``top_k``, ``media_io_kwargs``...) would otherwise crash the SDK call.
    """
    known = _sdk_create_parameters()
    lifted = {key: payload.pop(key) for key in list(payload) if key not in known}
    if lifted:
        payload["extra_body"] = deep_merge(lifted, payload.get("extra_body") or {})
    return payload


def thinking_body(
    spec: ProviderSpec, *, thinking: bool, server_budget: int | None
) -> dict[str, Any]:
    """The ``extra_body`` fragment that switches thinking and sets a server-side budget."""
    if spec.thinking_control == "openrouter_reasoning":
        reasoning: dict[str, Any] = {"enabled": thinking}
        if thinking and server_budget is not None:
            reasoning["max_tokens"] = server_budget
        return {"reasoning": reasoning}
    body: dict[str, Any] = {"chat_template_kwargs": {"enable_thinking": thinking}}
    if thinking and server_budget is not None:
        if spec.budget_control == "thinking_token_budget":
            body["thinking_token_budget"] = server_budget
        elif spec.budget_control == "reasoning_budget":
            body["reasoning_budget"] = server_budget
    return body


def keeps_all_thinking(extra_body: Mapping[str, Any]) -> bool:
    """Whether the request asks the template to keep the reasoning of every turn."""
    kwargs = extra_body.get("chat_template_kwargs")
    return isinstance(kwargs, Mapping) and kwargs.get("truncate_history_thinking") is False


def echo_reasoning(
    spec: ProviderSpec,
    messages: Sequence[BaseMessage],
    payload_messages: list[dict[str, Any]],
    *,
    all_turns: bool = False,
) -> None:
    """Send back the reasoning of the current tool loop, in place.

    Only assistant turns after the last user message are echoed: the chat template drops
    earlier reasoning (``truncate_history_thinking``, on by default), so sending it would
    waste bandwidth. With ``all_turns`` (the request turned that truncation off) every
    turn's reasoning goes back. The field names are the ones this provider reads.
    """
    if not spec.reasoning_fields_out:
        return
    for index in range(len(messages) - 1, -1, -1):  # from the end: the loop is at the end
        message = messages[index]
        if isinstance(message, HumanMessage) and not all_turns:
            return
        if not isinstance(message, AIMessage):
            continue
        reasoning = message_reasoning(message)
        if reasoning is None:
            continue
        for field_name in spec.reasoning_fields_out:
            payload_messages[index][field_name] = reasoning


def flatten_text_content(payload_messages: list[dict[str, Any]]) -> None:
    """Join list content of system and assistant turns into a string, in place.

    NVIDIA's hosted API accepts list content only on user turns.
    """
    for entry in payload_messages:
        content = entry.get("content")
        if entry.get("role") in {"system", "developer", "assistant"} and isinstance(content, list):
            entry["content"] = "".join(
                part.get("text", "") if isinstance(part, dict) else str(part) for part in content
            )


_MEDIA_PARTS = frozenset({"image_url", "video_url", "audio_url", "input_audio"})


def move_tool_media(payload_messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Move media out of tool results into a user turn right after them.

    vLLM rejects images in ``role: tool`` messages, and the chat template groups
    consecutive tool results into one turn, so the media of a whole group of results follows
    that group, labelled with the call it came from. Text stays in the tool result.
    """
    out: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    for position, entry in enumerate(payload_messages):
        content = entry.get("content")
        if entry.get("role") == "tool" and isinstance(content, list):
            media = [p for p in content if isinstance(p, dict) and p.get("type") in _MEDIA_PARTS]
            if media:
                texts = [
                    str(p.get("text", ""))
                    for p in content
                    if isinstance(p, dict) and p not in media
                ]
                label = f"Media returned by tool call {entry.get('tool_call_id', '?')}:"
                entry = {**entry, "content": "\n".join(texts) or "(media follows)"}  # noqa: PLW2901
                pending.extend([{"type": "text", "text": label}, *media])
        out.append(entry)
        following = payload_messages[position + 1] if position + 1 < len(payload_messages) else {}
        if pending and following.get("role") != "tool":
            out.append({"role": "user", "content": pending})
            pending = []
    return out


def add_system_text(payload_messages: list[dict[str, Any]], text: str) -> None:
    """Append ``text`` to the first system message (created if missing), in place."""
    if payload_messages and payload_messages[0].get("role") == "system":
        first = payload_messages[0]
        content = first.get("content")
        if isinstance(content, list):
            content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        first["content"] = f"{content}\n\n{text}" if content else text
    else:
        payload_messages.insert(0, {"role": "system", "content": text})


def render_payload(
    plan: RequestPlan, payload: dict[str, Any], messages: Sequence[BaseMessage]
) -> dict[str, Any]:
    """Turn ``BaseChatOpenAI``'s payload for ``messages`` into the request ``plan`` describes."""
    spec = plan.spec
    if (response_format := payload.pop("response_format", None)) is not None:
        # Sent in the body, so the SDK does not parse raw content (thought included); the
        # answer is parsed after shaping instead.
        payload["extra_body"] = deep_merge(
            payload.get("extra_body") or {},
            {"response_format": response_format_for(response_format, strict=None)},
        )
    lift_extensions(payload)
    ours = deep_merge(
        plan.sampling,
        thinking_body(spec, thinking=plan.thinking, server_budget=plan.server_budget),
    )
    ours = deep_merge(ours, media_request_fields(plan.media, messages))
    sent = deep_merge(payload.pop("extra_body", None) or {}, plan.extra_body)
    payload["extra_body"] = deep_merge(ours, sent)
    if plan.max_tokens is None:
        payload.pop("max_tokens", None)
    else:
        payload["max_tokens"] = plan.max_tokens
    echo_reasoning(
        spec, messages, payload["messages"], all_turns=keeps_all_thinking(payload["extra_body"])
    )
    payload["messages"] = move_tool_media(payload["messages"])
    if spec.flatten_non_user_content:
        flatten_text_content(payload["messages"])
    if payload.get("tools") and plan.tools_in_prompt:
        _tools_into_prompt(payload, plan)
    return payload


def _tools_into_prompt(payload: dict[str, Any], plan: RequestPlan) -> None:
    tools = payload.pop("tools")
    payload.pop("tool_choice", None)
    payload.pop("parallel_tool_calls", None)
    if plan.tools is None:  # tool_choice="none": the model is not told about the tools
        return
    text = render_tools_prompt(tools)
    if plan.forced:
        text = f"{text}\n\n{force_instruction(plan.forced)}"
    add_system_text(payload["messages"], text)
