"""Charge each model call to the question's token budget.

A call is charged the larger of the prompt tokens the server reports and the client's
estimate, so a budget holds even against a server that under-counts (the fake server, for
one, counts every image as 256 tokens). Completion tokens come from the server's usage, or
are estimated from the reply when it reports none.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from langchain_nemotron_omni.agents.document_qa.tokens import Calibration, Estimate, text_tokens

if TYPE_CHECKING:
    from langchain_core.messages import AIMessage

    from langchain_nemotron_omni.agents.document_qa.state import TokenUsage


def new_usage(budget: int, all_pages: int) -> TokenUsage:
    """A fresh account for one question."""
    return {
        "budget": budget,
        "prompt": 0,
        "completion": 0,
        "total": 0,
        "calls": 0,
        "reported_prompt": 0,
        "all_pages": all_pages,
    }


def reply_tokens(message: AIMessage) -> int:
    """Estimated completion tokens of a reply (thought, text and tool calls)."""
    reasoning = message.additional_kwargs.get("reasoning_content")
    calls = [{"name": c["name"], "args": c["args"]} for c in message.tool_calls]
    return (
        text_tokens(str(message.content))
        + text_tokens(reasoning if isinstance(reasoning, str) else "")
        + (text_tokens(json.dumps(calls)) if calls else 0)
    )


def charge(
    usage: TokenUsage, estimate: Estimate, calibration: Calibration, reply: AIMessage
) -> TokenUsage:
    """``usage`` after one call with prompt ``estimate`` that returned ``reply``.

    Also teaches ``calibration`` the server's count of this prompt.
    """
    meta = reply.usage_metadata
    reported = int(meta["input_tokens"]) if meta else 0
    calibration.observe(estimate, reported)
    prompt = max(reported, calibration.tokens(estimate))
    completion = int(meta["output_tokens"]) if meta else reply_tokens(reply)
    return {
        **usage,
        "prompt": usage["prompt"] + prompt,
        "completion": usage["completion"] + completion,
        "total": usage["total"] + prompt + completion,
        "calls": usage["calls"] + 1,
        "reported_prompt": usage["reported_prompt"] + reported,
    }
