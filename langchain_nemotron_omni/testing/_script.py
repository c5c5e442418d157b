"""The script vocabulary of the fake server: replies, faults, and the requests scripts see."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from langchain_nemotron_omni.testing._template import prompt_reasoning_open


@dataclass(frozen=True, slots=True)
class Reply:
    """A scripted answer with optional timing and stream faults.

    Attributes:
        text: The raw model output after the prefill (reasoning, ``</think>``, answer, calls).
        delay: Seconds to wait before answering (before the status line is sent).
        chunk_delay: Seconds to wait after each SSE event (a slow stream).
        cut_after_chunks: Streaming: close the connection abruptly after this many SSE events,
            mid-body, without ``[DONE]`` and without ending the chunked body (if the stream is
            shorter, it is cut just before ``[DONE]``). Non-streaming: close the connection
            without answering.
        error_after_chunks: Streaming: after this many SSE events send
            ``data: {"error": ...}`` then ``data: [DONE]``, as vLLM does for a failure after
            the first chunk. Non-streaming: answer 500 with ``error_message``.
        error_message: The message of that error.
        stream_interval: Engine steps per streamed delta, as vLLM's ``--stream-interval``:
            the parsers see the text of that many tokens at once (1: every token).
    """

    text: str
    delay: float = 0.0
    chunk_delay: float = 0.0
    cut_after_chunks: int | None = None
    error_after_chunks: int | None = None
    error_message: str = "Internal server error: generation failed (scripted fault)"
    stream_interval: int = 1

    def __post_init__(self) -> None:
        """Reject impossible settings early, where the script is written."""
        if self.delay < 0 or self.chunk_delay < 0:
            msg = "Reply delay and chunk_delay must be >= 0"
            raise ValueError(msg)
        for name in ("cut_after_chunks", "error_after_chunks"):
            value = getattr(self, name)
            if value is not None and value < 0:
                msg = f"Reply.{name} must be >= 0, got {value}"
                raise ValueError(msg)
        if self.stream_interval < 1:
            msg = f"Reply.stream_interval must be >= 1, got {self.stream_interval}"
            raise ValueError(msg)
        if self.cut_after_chunks is not None and self.error_after_chunks is not None:
            msg = "Reply takes cut_after_chunks or error_after_chunks, not both"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class HTTPFault:
    """A scripted HTTP error answer.

    Attributes:
        status: The HTTP status code.
        body: A JSON object, or raw text sent as ``text/plain``; ``None`` sends the flavor's
            error shape for ``status`` (vLLM nested ``{"error": {...}}``, SGLang flat).
        headers: Extra response headers (e.g. ``Retry-After``).
    """

    status: int
    body: Mapping[str, Any] | str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Only error statuses make sense as faults."""
        if not 400 <= self.status <= 599:  # noqa: PLR2004
            msg = f"HTTPFault status must be 4xx or 5xx, got {self.status}"
            raise ValueError(msg)


def rate_limited(retry_after: float = 1.0) -> HTTPFault:
    """A 429 answer with a ``Retry-After`` header of ``retry_after`` seconds."""
    return HTTPFault(429, headers={"Retry-After": f"{retry_after:g}"})


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """A chat-completions request as the server received it.

    Attributes:
        body: The JSON body.
        headers: Request headers, lower-cased names; credentials are redacted.
        path: The request path.
        prompt: The rendered chat-template text ("" when the request was refused before
            rendering).
        thinking: The effective ``enable_thinking`` (request kwargs over server defaults,
            default True).
        prompt_tokens: The prompt-token estimate used for usage and the context check.
        ignored_fields: Top-level fields the flavor does not know, and
            ``chat_template_kwargs.<name>`` entries the template does not read.
    """

    body: dict[str, Any]
    headers: dict[str, str]
    path: str
    prompt: str
    thinking: bool
    prompt_tokens: int = 0
    ignored_fields: tuple[str, ...] = ()

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The request's messages as sent."""
        messages = self.body.get("messages")
        return messages if isinstance(messages, list) else []

    @property
    def tools(self) -> list[dict[str, Any]] | None:
        """The request's tools, or None."""
        tools = self.body.get("tools")
        return tools if isinstance(tools, list) else None

    @property
    def stream(self) -> bool:
        """Whether an SSE stream was requested."""
        return self.body.get("stream") is True

    @property
    def chat_template_kwargs(self) -> dict[str, Any]:
        """The request's own ``chat_template_kwargs`` (without server defaults)."""
        kwargs = self.body.get("chat_template_kwargs")
        return kwargs if isinstance(kwargs, dict) else {}

    @property
    def prompt_reasoning_open(self) -> bool:
        """Whether the prompt ends inside ``<think>`` (the model's output starts as reasoning)."""
        return prompt_reasoning_open(self.prompt)

    @property
    def last_user_text(self) -> str | None:
        """The text of the last user message (text parts joined by newlines), or None."""
        for msg in reversed(self.messages):
            if isinstance(msg, dict) and msg.get("role") == "user":
                content = msg.get("content")
                if isinstance(content, str):
                    return content
                if isinstance(content, list):
                    return "\n".join(
                        p["text"]
                        for p in content
                        if isinstance(p, dict) and isinstance(p.get("text"), str)
                    )
                return ""
        return None


ScriptItem: TypeAlias = str | Reply | HTTPFault
Script: TypeAlias = Sequence[ScriptItem] | Callable[[ChatRequest], ScriptItem]


def echo_reply(request: ChatRequest) -> str:
    """A responder that reasons briefly and quotes the last user message back."""
    answer = f'You said: "{request.last_user_text or ""}"'
    if request.prompt_reasoning_open:
        return f"The user wants their message echoed back.\n</think>\n{answer}"
    return answer


def check_item(item: object) -> ScriptItem:
    if not isinstance(item, str | Reply | HTTPFault):
        msg = f"script items must be str, Reply or HTTPFault, got {type(item).__name__}"
        raise TypeError(msg)
    return item
