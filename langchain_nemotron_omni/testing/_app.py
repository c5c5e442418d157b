r"""The request logic of the fake server, independent of the HTTP plumbing.

Emulation choices (the real server needs a GPU; these keep the fake fast and deterministic):

* Prompt tokens: ``len(tokenize(prompt))`` of the rendered prompt plus a fixed cost per media
  item, :data:`MEDIA_TOKEN_COST` (256 per image, 2048 per video, 512 per audio clip).
* ``thinking_token_budget=N`` (``vllm`` flavor only, and only when the prompt leaves ``<think>``
  open): when the scripted reasoning (the text before its ``</think>``) has more than ``N``
  tokens, the first ``N`` are kept, then ``"\n</think>"`` is forced, then the scripted text after
  its own ``</think>`` follows. The ``raw`` flavor (no reasoning parser) refuses the field.
* ``stop`` strings cut the text at the earliest match (``stop_reason`` = the string), then
  ``max_tokens``/``max_completion_tokens`` keeps the first N tokens (``finish_reason: length``).
* ``completion_tokens`` is the number of tokens emitted (no eos token is counted).
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.testing import _parsing
from langchain_nemotron_omni.testing._hosted import Hosted, to_backend, to_client
from langchain_nemotron_omni.testing._script import ChatRequest, HTTPFault, ScriptItem, check_item
from langchain_nemotron_omni.testing._template import prompt_reasoning_open, render_prompt
from langchain_nemotron_omni.testing._validation import (
    NormalizedRequest,
    RequestError,
    check_request,
    effective_template_kwargs,
    error_type,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path

    from langchain_nemotron_omni.testing._parsing import FlavorName

MEDIA_TOKEN_COST: Mapping[str, int] = {"image": 256, "video": 2048, "audio": 512}
"""Prompt tokens counted per media item on top of its placeholder text."""

_SERVED_ROOT = "nvidia/Nemotron-3-Nano-Omni-30B-A3B-Reasoning-BF16"
_STATUS_CODES = frozenset(int(s) for s in HTTPStatus)


def dumps(obj: Any) -> str:
    """Serialise like pydantic's ``model_dump_json`` / starlette's JSONResponse."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def status_phrase(status: int) -> str:
    """The reason phrase of an HTTP status ("" when unknown)."""
    return HTTPStatus(status).phrase if status in _STATUS_CODES else ""


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
    reasoning_open: bool
    request_id: str
    created: int
    model: str
    """The name answered with: the requested served name, else the first one."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The server flags the app imitates."""

    flavor: FlavorName
    models: tuple[str, ...]
    """Served model names (``--served-model-name a b``); the first is the default."""
    max_model_len: int
    api_key: str | None
    default_chat_template_kwargs: dict[str, Any]
    allowed_local_media_path: Path | None
    hosted: Hosted | None = None
    """A hosted API's front-end in front of the backend (its field names and checks)."""


class App:
    """Script, records, validation and response bodies; thread-safe."""

    def __init__(
        self, settings: Settings, script: Callable[[ChatRequest], ScriptItem] | list[ScriptItem]
    ) -> None:
        """Hold the settings and the script (a callable or a list of items)."""
        self.settings = settings
        self.flavor: FlavorName = settings.flavor
        self.lock = threading.Lock()
        self.responder = script if callable(script) else None
        self.items: list[ScriptItem] = [] if callable(script) else script
        self.served = 0
        self.requests: list[ChatRequest] = []
        self.errors: list[str] = []

    # -- script and records ------------------------------------------------------------------

    def add(self, items: list[ScriptItem]) -> None:
        """Append items to a list script."""
        if self.responder is not None:
            msg = "this server is driven by a callable script; add() needs a list script"
            raise TypeError(msg)
        with self.lock:
            self.items.extend(items)

    def remaining(self) -> int:
        """Unconsumed items of a list script."""
        with self.lock:
            return 0 if self.responder is not None else len(self.items) - self.served

    def next_item(self, request: ChatRequest) -> ScriptItem | RequestError:
        """The next scripted answer, or the exhaustion error."""
        if self.responder is not None:
            return check_item(self.responder(request))
        with self.lock:
            if self.served < len(self.items):
                self.served += 1
                return self.items[self.served - 1]
            served = self.served
        return RequestError(
            500,
            f"FakeNemotronServer script exhausted after {served} replies; add more items",
        )

    def record_error(self, text: str) -> None:
        """Keep the traceback of a failure of our own."""
        with self.lock:
            self.errors.append(text)

    def authorized(self, header: str | None) -> bool:
        """Whether the Authorization header carries the API key (when one is set)."""
        key = self.settings.api_key
        return key is None or header == f"Bearer {key}"

    # -- bodies ------------------------------------------------------------------------------

    def error_body(
        self, status: int, message: str, type_: str | None = None, param: str | None = None
    ) -> dict[str, Any]:
        """The flavor's error shape: vLLM nested under "error", SGLang flat."""
        info = {"message": message, "type": type_ or error_type(status), "param": param}
        if self.flavor == "sglang":
            return {"object": "error", **info, "code": status}
        return {"error": {**info, "code": status}}

    def fault_body(self, fault: HTTPFault) -> dict[str, Any]:
        """The default body of a scripted fault."""
        message = f"{status_phrase(fault.status)} (scripted HTTPFault {fault.status})".strip()
        return self.error_body(fault.status, message)

    def models_body(self) -> dict[str, Any]:
        """``GET /v1/models``: one card per served name."""
        created = int(time.time())
        return {
            "object": "list",
            "data": [self._card(name, created) for name in self.settings.models],
        }

    def _card(self, name: str, created: int) -> dict[str, Any]:
        card: dict[str, Any] = {
            "id": name,
            "object": "model",
            "created": created,
            "owned_by": "sglang" if self.flavor == "sglang" else "vllm",
            "root": _SERVED_ROOT,
            "max_model_len": self.settings.max_model_len,
        }
        if self.flavor != "sglang":
            card["parent"] = None
            card["permission"] = [
                {
                    "id": f"modelperm-{os.urandom(16).hex()}",
                    "object": "model_permission",
                    "created": created,
                    "allow_create_engine": False,
                    "allow_sampling": True,
                    "allow_logprobs": True,
                    "allow_search_indices": False,
                    "allow_view": True,
                    "allow_fine_tuning": False,
                    "organization": "*",
                    "group": None,
                    "is_blocking": False,
                }
            ]
        return card

    # -- requests ----------------------------------------------------------------------------

    def accept(
        self, body: dict[str, Any], headers: dict[str, str], path: str
    ) -> tuple[ChatRequest, Turn | RequestError]:
        """Validate and render the request; it is recorded either way."""
        s = self.settings
        request: ChatRequest | None = None
        try:
            norm = check_request(
                to_backend(body, s.hosted),
                flavor=self.flavor,
                served_models=s.models,
                default_chat_template_kwargs=s.default_chat_template_kwargs,
                allowed_local_media_path=s.allowed_local_media_path,
            )
            try:
                prompt = (
                    render_prompt(
                        norm.messages,
                        norm.tools,
                        enable_thinking=norm.enable_thinking,
                        truncate_history_thinking=norm.truncate_history_thinking,
                        add_generation_prompt=norm.add_generation_prompt,
                        continue_final_message=norm.continue_final_message,
                    )
                    + norm.assistant_prefix
                )
            except ValueError as exc:  # jinja/transformers errors become 400 in vLLM
                raise RequestError(400, str(exc)) from exc
            prompt_tokens = len(_parsing.tokenize(prompt)) + sum(
                MEDIA_TOKEN_COST[kind] * n for kind, n in norm.media.items()
            )
            request = ChatRequest(
                body=body,
                headers=headers,
                path=path,
                prompt=prompt,
                thinking=norm.enable_thinking,
                prompt_tokens=prompt_tokens,
                ignored_fields=norm.ignored_fields,
            )
            self._check_context(prompt_tokens, norm.max_tokens)
        except RequestError as exc:
            if request is None:  # refused before rendering
                _, kwargs = effective_template_kwargs(
                    body, self.flavor, s.default_chat_template_kwargs
                )
                request = ChatRequest(
                    body=body,
                    headers=headers,
                    path=path,
                    prompt="",
                    thinking=bool(kwargs.get("enable_thinking", True)),
                )
            with self.lock:
                self.requests.append(request)
            return request, exc
        with self.lock:
            self.requests.append(request)
        sglang = self.flavor == "sglang"
        return request, Turn(
            request=request,
            norm=norm,
            reasoning_open=prompt_reasoning_open(prompt),
            # SGLang ids are bare uuid hex; vLLM's are "chatcmpl-" + 16 hex.
            request_id=os.urandom(16).hex() if sglang else f"chatcmpl-{os.urandom(8).hex()}",
            created=int(time.time()),
            model=body["model"] if isinstance(body.get("model"), str) else s.models[0],
        )

    def _check_context(self, prompt_tokens: int, max_tokens: int | None) -> None:
        out = max_tokens or 0
        limit = self.settings.max_model_len
        if prompt_tokens + out <= limit and prompt_tokens < limit:
            return
        if self.flavor == "sglang":
            msg = (
                f"Requested token count exceeds the model's maximum context length of {limit} "
                f"tokens. You requested a total of {prompt_tokens + out} tokens: {prompt_tokens} "
                f"tokens from the input messages and {out} tokens for the completion. Please "
                "reduce the number of tokens in the input messages or the completion to fit "
                "within the limit."
            )
            raise RequestError(400, msg)
        msg = (
            f"This model's maximum context length is {limit} tokens. However, you requested "
            f"{out} output tokens and your prompt contains {prompt_tokens} input tokens, for a "
            f"total of {prompt_tokens + out} tokens. Please reduce the length of the input "
            "prompt or the number of requested output tokens."
        )
        raise RequestError(400, msg, param="input_tokens")

    # -- generation --------------------------------------------------------------------------

    def generate(self, text: str, turn: Turn) -> Generation:
        """Apply the budget, stop strings and max_tokens to the scripted text."""
        norm = turn.norm
        budget = norm.thinking_token_budget
        if self.flavor == "vllm" and budget is not None and budget >= 0 and turn.reasoning_open:
            text = apply_thinking_budget(text, budget)
        stop_reason: str | None = None
        hits = [(text.find(s), s) for s in norm.stop if s in text]
        if hits:
            pos, stop_reason = min(hits, key=lambda hit: hit[0])
            text = text[: pos + (len(stop_reason) if norm.include_stop_str_in_output else 0)]
        tokens = _parsing.tokenize(text)
        limit = norm.max_tokens
        if limit is None:  # vLLM's default: whatever the context has left
            limit = max(self.settings.max_model_len - turn.request.prompt_tokens, 0)
        truncated = len(tokens) > limit
        if truncated:
            tokens = tokens[:limit]
            stop_reason = None
        return Generation(tokens, truncated, stop_reason)

    def usage(self, turn: Turn, completion: int, *, details: bool) -> dict[str, Any]:
        """The usage object (``prompt_tokens_details: null`` in non-streaming bodies)."""
        prompt = turn.request.prompt_tokens
        usage: dict[str, Any] = {
            "prompt_tokens": prompt,
            "total_tokens": prompt + completion,
            "completion_tokens": completion,
        }
        if details:
            usage["prompt_tokens_details"] = None
        return usage

    def completion(self, gen: Generation, turn: Turn) -> dict[str, Any]:
        """The non-streaming ``chat.completion`` body."""
        norm = turn.norm
        parsed = _parsing.parse_full(
            "".join(gen.tokens),
            flavor=self.flavor,
            request_enable_thinking=norm.request_enable_thinking,
            prompt_reasoning_open=turn.reasoning_open,
            tools=_parsed_tools(norm.tools, turn.request.body),
            truncated=gen.truncated,
        )
        message = to_client(_parsing.message_fields(parsed, self.flavor), self.settings.hosted)
        if not norm.include_reasoning:
            for key in ("reasoning", "reasoning_content"):
                if key in message:
                    message[key] = None
        head = {
            "id": turn.request_id,
            "object": "chat.completion",
            "created": turn.created,
            "model": turn.model,
        }
        choice: dict[str, Any] = {
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": parsed.finish_reason,
        }
        usage = self.usage(turn, len(gen.tokens), details=True)
        if self.flavor == "sglang":
            choice["matched_stop"] = gen.stop_reason
            return {**head, "choices": [choice], "usage": usage}
        choice["stop_reason"] = gen.stop_reason
        choice["token_ids"] = None
        return {
            **head,
            "choices": [choice],
            "service_tier": None,
            "system_fingerprint": None,
            "usage": usage,
            "prompt_logprobs": None,
            "prompt_token_ids": None,
            "kv_transfer_params": None,
        }

    def stream_events(self, gen: Generation, turn: Turn) -> Iterator[bytes]:
        """The SSE events of one answer, without the final ``[DONE]``."""
        norm = turn.norm
        chunks = Chunks(self, turn)
        yield chunks.first()
        parser = _parsing.StreamParser(
            flavor=self.flavor,
            prompt_reasoning_open=turn.reasoning_open,
            tools=_parsed_tools(norm.tools, turn.request.body),
        )
        for token in gen.tokens:
            chunks.emitted += 1
            for delta in parser.feed(token):
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


class Chunks:
    """Serialises the ``chat.completion.chunk`` events of one stream in the flavor's shape."""

    def __init__(self, app: App, turn: Turn) -> None:
        """Prepare the envelope shared by every chunk of the stream."""
        self.app = app
        self.turn = turn
        self.flavor = app.flavor
        self.sglang = app.flavor == "sglang"
        self.prefix = (
            f'data: {{"id":"{turn.request_id}","object":"chat.completion.chunk",'
            f'"created":{turn.created},"model":{dumps(turn.model)},"choices":['
        ).encode()
        self.continuous = turn.norm.include_usage and turn.norm.continuous_usage_stats
        self.emitted = 0

    def _event(self, choice: dict[str, Any] | None, usage: dict[str, Any] | None = None) -> bytes:
        tail = "]"
        if usage is not None:
            tail += ',"usage":' + dumps(usage)
        elif self.continuous:
            tail += ',"usage":' + dumps(self.app.usage(self.turn, self.emitted, details=False))
        elif self.sglang:
            tail += ',"usage":null'
        body = "" if choice is None else dumps(choice)
        return self.prefix + (body + tail + "}\n\n").encode()

    def _choice(self, delta: dict[str, Any]) -> dict[str, Any]:
        choice: dict[str, Any] = {"index": 0, "delta": delta, "logprobs": None}
        choice["finish_reason"] = None
        if self.sglang:
            choice["matched_stop"] = None
        return choice

    def first(self) -> bytes:
        """The ``role: assistant`` chunk every stream starts with."""
        delta: dict[str, Any] = {"role": "assistant", "content": ""}
        if self.flavor == "vllm-0.15":
            delta["reasoning_content"] = None  # its deprecation validator sets it on every delta
        elif self.sglang:
            delta.update(reasoning_content=None, tool_calls=None)
        return self._event(self._choice(delta))

    def delta(self, delta: dict[str, Any]) -> bytes:
        """One parser delta."""
        choice = self._choice(to_client(delta, self.app.settings.hosted))
        if not self.sglang:
            choice["token_ids"] = None
        return self._event(choice)

    def final(
        self, delta: dict[str, Any] | None, finish_reason: str, stop_reason: str | None
    ) -> bytes:
        """The chunk carrying ``finish_reason`` (and possibly the last delta)."""
        delta = None if delta is None else to_client(delta, self.app.settings.hosted)
        choice = self._choice(self._empty_delta() if delta is None else delta)
        choice["finish_reason"] = finish_reason
        if self.sglang:
            choice["matched_stop"] = stop_reason
        else:
            choice["stop_reason"] = stop_reason
            choice["token_ids"] = None
        return self._event(choice)

    def usage(self, completion_tokens: int) -> bytes:
        """The ``choices: []`` chunk with the totals (``stream_options.include_usage``)."""
        return self._event(None, self.app.usage(self.turn, completion_tokens, details=False))

    def _empty_delta(self) -> dict[str, Any]:
        if self.flavor == "vllm-0.15":
            return {"reasoning_content": None}
        if self.sglang:
            return {"role": None, "content": None, "reasoning_content": None, "tool_calls": None}
        return {}


def without_reasoning(delta: dict[str, Any]) -> dict[str, Any]:
    """A delta without its reasoning (``include_reasoning: false``); {} when nothing is left."""
    kept = {k: v for k, v in delta.items() if k not in {"reasoning", "reasoning_content"}}
    return kept if any(v is not None for v in kept.values()) else {}


def apply_thinking_budget(text: str, budget: int) -> str:
    """Force ``</think>`` after ``budget`` reasoning tokens (see the module docstring)."""
    reasoning, sep, rest = text.partition("</think>")
    tokens = _parsing.tokenize(reasoning)
    if len(tokens) <= budget:
        return text
    return "".join(tokens[:budget]) + "\n</think>" + (rest if sep else "")


def _parsed_tools(tools: Any, body: dict[str, Any]) -> Any:
    # vLLM runs the tool parser only when tool_choice is "auto" (explicit or by default):
    # with "none" the model's XML stays in the content.
    if body.get("tool_choice") == "none":
        return None
    return tools or None
