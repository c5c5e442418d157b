r"""The answers of the fake server: engine steps, the JSON body, and the SSE chunks.

Emulation choices (the real server needs a GPU; these keep the fake fast and deterministic):

* ``thinking_token_budget=N`` (flavors that know the field and run a reasoning parser, and only
  when the prompt leaves ``<think>`` open): when the scripted reasoning (the text before its
  ``</think>``) has more than ``N`` tokens, the first ``N`` are kept, then ``"\n</think>"`` is
  forced, then the scripted text after its own ``</think>`` follows.
* ``stop`` strings cut the text at the earliest match (``stop_reason`` = the string), then
  ``max_tokens``/``max_completion_tokens`` keeps the first N tokens (``finish_reason: length``).
* ``completion_tokens`` is the number of tokens emitted (no eos token is counted).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.testing import _parsing

if TYPE_CHECKING:
    from collections.abc import Iterator

    from langchain_nemotron_omni.testing._script import ChatRequest
    from langchain_nemotron_omni.testing._validation import NormalizedRequest
    from langchain_nemotron_omni.testing.flavors import Flavor


def dumps(obj: Any) -> str:
    """Serialise like pydantic's ``model_dump_json`` / starlette's JSONResponse."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


@dataclass(slots=True)
class Generation:
    """The engine steps one answer emits."""

    tokens: list[str]
    truncated: bool
    stop_reason: str | None


@dataclass(slots=True)
class Turn:
    """Everything one accepted request needs to produce its answer."""

    request: ChatRequest
    norm: NormalizedRequest
    flavor: Flavor
    """The flavor as the client sees it (through a hosted front-end, if any)."""
    reasoning_open: bool
    request_id: str
    created: int
    model: str
    """The name answered with: the requested served name, else the first one."""


def apply_thinking_budget(text: str, budget: int) -> str:
    """Force ``</think>`` after ``budget`` reasoning tokens (see the module docstring)."""
    reasoning, sep, rest = text.partition("</think>")
    tokens = _parsing.tokenize(reasoning)
    if len(tokens) <= budget:
        return text
    return "".join(tokens[:budget]) + "\n</think>" + (rest if sep else "")


def generate(text: str, turn: Turn, *, max_model_len: int) -> Generation:
    """Apply the budget, stop strings and max_tokens to the scripted text."""
    norm = turn.norm
    budget = norm.thinking_token_budget
    enforced = turn.flavor.enforces_thinking_budget and turn.reasoning_open
    if enforced and budget is not None and budget >= 0:
        text = apply_thinking_budget(text, budget)
    stop_reason: str | None = None
    hits = [(text.find(s), s) for s in norm.stop if s in text]
    if hits:
        pos, stop_reason = min(hits, key=lambda hit: hit[0])
        text = text[: pos + (len(stop_reason) if norm.include_stop_str_in_output else 0)]
    tokens = _parsing.tokenize(text)
    limit = norm.max_tokens
    if limit is None:  # vLLM's default: whatever the context has left
        limit = max(max_model_len - turn.request.prompt_tokens, 0)
    truncated = len(tokens) > limit
    if truncated:
        tokens = tokens[:limit]
        stop_reason = None
    return Generation(tokens, truncated, stop_reason)


def usage(turn: Turn, completion: int, *, details: bool) -> dict[str, Any]:
    """The usage object (``prompt_tokens_details: null`` in non-streaming bodies)."""
    prompt = turn.request.prompt_tokens
    body: dict[str, Any] = {
        "prompt_tokens": prompt,
        "total_tokens": prompt + completion,
        "completion_tokens": completion,
    }
    if details:
        body["prompt_tokens_details"] = None
    return body


def parsed_tools(norm: NormalizedRequest, body: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The tools the tool parser sees: none unless ``tool_choice`` is ``auto``."""
    # vLLM runs the tool parser only when tool_choice is "auto" (explicit or by default):
    # with "none" the model's XML stays in the content.
    if body.get("tool_choice") == "none":
        return None
    return norm.tools or None


def completion_body(gen: Generation, turn: Turn) -> dict[str, Any]:
    """The non-streaming ``chat.completion`` body."""
    norm, flavor = turn.norm, turn.flavor
    parsed = _parsing.parse_full(
        "".join(gen.tokens),
        flavor=flavor,
        request_enable_thinking=norm.request_enable_thinking,
        prompt_reasoning_open=turn.reasoning_open,
        tools=parsed_tools(norm, turn.request.body),
        truncated=gen.truncated,
        force_nonempty_content=norm.force_nonempty_content,
    )
    message = _parsing.message_fields(parsed, flavor)
    if not norm.include_reasoning:
        for key in flavor.reasoning_fields:
            message[key] = None
    env = flavor.envelope
    choice_values = {
        "index": 0,
        "message": message,
        "finish_reason": parsed.finish_reason,
        env.stop_field: gen.stop_reason,
    }
    values = {
        "id": turn.request_id,
        "object": "chat.completion",
        "created": turn.created,
        "model": turn.model,
        "choices": [{key: choice_values.get(key) for key in env.choice_fields}],
        "usage": usage(turn, len(gen.tokens), details=True),
    }
    return {key: values.get(key) for key in env.completion_fields}


def stream_events(gen: Generation, turn: Turn, *, interval: int = 1) -> Iterator[bytes]:
    """The SSE events of one answer, without the final ``[DONE]``.

    ``interval`` engine steps go into each delta (vLLM's ``--stream-interval``).
    """
    norm = turn.norm
    chunks = Chunks(turn)
    yield chunks.first()
    parser = _parsing.StreamParser(
        flavor=turn.flavor,
        prompt_reasoning_open=turn.reasoning_open,
        tools=parsed_tools(norm, turn.request.body),
        force_nonempty_content=norm.force_nonempty_content,
    )
    tokens = gen.tokens
    for start in range(0, len(tokens), interval):
        step = tokens[start : start + interval]
        chunks.emitted += len(step)
        for delta in parser.feed("".join(step)):
            kept = delta if norm.include_reasoning else without_reasoning(delta)
            if kept:
                yield chunks.delta(kept)
    trailing, finish_reason = parser.finish(truncated=gen.truncated)
    if not norm.include_reasoning:
        trailing = [d for d in map(without_reasoning, trailing) if d]
    for delta in trailing[:-1]:
        yield chunks.delta(delta)
    yield chunks.final(trailing[-1] if trailing else None, finish_reason, gen.stop_reason)
    if norm.include_usage:
        yield chunks.usage(len(gen.tokens))


def without_reasoning(delta: dict[str, Any]) -> dict[str, Any]:
    """A delta without its reasoning (``include_reasoning: false``); {} when nothing is left."""
    kept = {k: v for k, v in delta.items() if k not in {"reasoning", "reasoning_content"}}
    return kept if any(v is not None for v in kept.values()) else {}


class Chunks:
    """Serialises the ``chat.completion.chunk`` events of one stream in the flavor's shape."""

    def __init__(self, turn: Turn) -> None:
        """Prepare the envelope shared by every chunk of the stream."""
        self.turn = turn
        self.flavor = turn.flavor
        self.envelope = turn.flavor.envelope
        self.prefix = (
            f'data: {{"id":"{turn.request_id}","object":"chat.completion.chunk",'
            f'"created":{turn.created},"model":{dumps(turn.model)},"choices":['
        ).encode()
        self.continuous = turn.norm.include_usage and turn.norm.continuous_usage_stats
        self.emitted = 0

    def _event(self, choice: dict[str, Any] | None, usage_: dict[str, Any] | None = None) -> bytes:
        tail = "]"
        if usage_ is not None:
            tail += ',"usage":' + dumps(usage_)
        elif self.continuous:
            tail += ',"usage":' + dumps(usage(self.turn, self.emitted, details=False))
        elif self.envelope.chunk_usage_null:
            tail += ',"usage":null'
        body = "" if choice is None else dumps(choice)
        return self.prefix + (body + tail + "}\n\n").encode()

    def _choice(self, fields: tuple[str, ...], values: dict[str, Any]) -> dict[str, Any]:
        values = {"index": 0, **values}
        return {key: values.get(key) for key in fields}

    def first(self) -> bytes:
        """The ``role: assistant`` chunk every stream starts with."""
        delta = _parsing.delta_fields(self.flavor, {"role": "assistant", "content": ""})
        return self._event(self._choice(self.envelope.first_chunk_fields, {"delta": delta}))

    def delta(self, delta: dict[str, Any]) -> bytes:
        """One parser delta."""
        return self._event(self._choice(self.envelope.delta_chunk_fields, {"delta": delta}))

    def final(
        self, delta: dict[str, Any] | None, finish_reason: str, stop_reason: str | None
    ) -> bytes:
        """The chunk carrying ``finish_reason`` (and possibly the last delta)."""
        values = {
            "delta": _parsing.delta_fields(self.flavor, {}) if delta is None else delta,
            "finish_reason": finish_reason,
            self.envelope.stop_field: stop_reason,
        }
        return self._event(self._choice(self.envelope.final_chunk_fields, values))

    def usage(self, completion_tokens: int) -> bytes:
        """The ``choices: []`` chunk with the totals (``stream_options.include_usage``)."""
        return self._event(None, usage(self.turn, completion_tokens, details=False))
