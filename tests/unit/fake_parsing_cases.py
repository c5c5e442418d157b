"""Tools, replies and stream assembly shared by the tests of the fake server's parsers
(``test_fake_parsing_*``; ``docs/fake-server.md`` says what the parsers imitate)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from langchain_nemotron_omni.testing._parsing import (
    FlavorName,
    ParsedMessage,
    StreamParser,
    parse_full,
    tokenize,
)

WEATHER_TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                "required": ["city"],
            },
        },
    }
]

CALL = (
    "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
    "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>\n"
)
PARIS_ARGS = '{"city": "Paris", "days": 3}'
VLLM_STREAM_ID = re.compile(r"call_[0-9a-f]{24}")


@dataclass
class Assembled:
    """A stream put back together the way a client does."""

    reasoning: str | None = None
    content: str | None = None
    calls: dict[int, dict[str, Any]] = field(default_factory=dict)
    finish_reason: str = ""
    deltas: list[dict[str, Any]] = field(default_factory=list)

    def arguments(self) -> list[tuple[str, str]]:
        return [(c["name"], c["arguments"]) for _, c in sorted(self.calls.items())]

    def key(self) -> tuple[Any, ...]:
        return (self.reasoning, self.content, self.arguments(), self.finish_reason)


def _reasoning_key(flavor: FlavorName) -> str:
    return "reasoning_content" if flavor in {"vllm-0.11", "sglang"} else "reasoning"


def assemble(
    chunks: list[str],
    *,
    flavor: FlavorName = "vllm",
    prompt_reasoning_open: bool = True,
    tools: list[dict[str, Any]] | None = WEATHER_TOOLS,
    truncated: bool = False,
) -> Assembled:
    parser = StreamParser(flavor=flavor, prompt_reasoning_open=prompt_reasoning_open, tools=tools)
    out = Assembled()
    for chunk in chunks:
        out.deltas.extend(parser.feed(chunk))
    trailing, out.finish_reason = parser.finish(truncated=truncated)
    out.deltas.extend(trailing)
    rkey = _reasoning_key(flavor)
    for delta in out.deltas:
        if delta.get(rkey) is not None:
            out.reasoning = (out.reasoning or "") + delta[rkey]
        if delta.get("content") is not None:
            out.content = (out.content or "") + delta["content"]
        for item in delta.get("tool_calls") or ():
            call = out.calls.setdefault(item["index"], {"name": None, "arguments": ""})
            function = item["function"]
            if function.get("name"):
                assert call["name"] is None, "the name comes once, in the header"
                call["name"] = function["name"]
                call["id"] = item["id"]
            call["arguments"] += function.get("arguments") or ""
    return out


def stream(text: str, **kwargs: Any) -> Assembled:
    return assemble(tokenize(text), **kwargs)


def full(  # noqa: PLR0913 - mirrors parse_full's keywords
    text: str,
    *,
    flavor: FlavorName = "vllm",
    request_enable_thinking: bool | None = None,
    prompt_reasoning_open: bool = True,
    tools: list[dict[str, Any]] | None = WEATHER_TOOLS,
    truncated: bool = False,
) -> ParsedMessage:
    return parse_full(
        text,
        flavor=flavor,
        request_enable_thinking=request_enable_thinking,
        prompt_reasoning_open=prompt_reasoning_open,
        tools=tools,
        truncated=truncated,
    )


def ns_calls(parsed: ParsedMessage) -> list[tuple[str, str]]:
    return [(c["function"]["name"], c["function"]["arguments"]) for c in parsed.tool_calls]
