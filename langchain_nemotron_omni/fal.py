"""fal.ai's queue API for Nemotron 3 Nano Omni (not OpenAI-compatible).

fal serves the model as two endpoints taking one prompt, an optional system prompt, a
``reasoning_mode`` (``think`` / ``no_think``) and, for ``/video``, one ``video_url``. A request
is submitted to a queue, its status polled (with logs) until it completes, then its result
fetched. This module speaks that protocol with ``httpx`` and turns a LangChain conversation
into fal's single prompt, refusing with a clear error what cannot be expressed there.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_nemotron_omni.errors import NemotronOmniError

FAL_QUEUE_URL = "https://queue.fal.run"
VIDEO_SUBPATH = "/video"
_TERMINAL_ERRORS = {"FAILED", "CANCELED", "CANCELLED", "ERROR"}
_RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
_OUTPUT_KEYS = ("output", "text", "response", "content")


class FalError(NemotronOmniError):
    """fal refused or failed a request; the message carries fal's own words."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        """Record the HTTP status (if any) beside the message."""
        super().__init__(message)
        self.status_code = status_code


class FalAuthenticationError(FalError):
    """fal rejected the key (``FAL_KEY``)."""


class FalTimeoutError(FalError, TimeoutError):
    """The request did not finish in time; it was cancelled on fal's side."""


class FalInputError(NemotronOmniError):
    """The conversation holds something fal's single-prompt endpoints cannot take."""


@dataclass(frozen=True)
class FalUpdate:
    """One observation of a queued request, passed to progress callbacks."""

    request_id: str
    status: str
    queue_position: int | None = None
    logs: tuple[str, ...] = ()


@dataclass(frozen=True)
class FalRequest:
    """What to send: the endpoint path under the model id, and the input object."""

    subpath: str
    payload: dict[str, Any]


@dataclass
class _Submitted:
    request_id: str
    status_url: str
    response_url: str
    cancel_url: str
    seen_logs: int = 0
    updates: list[FalUpdate] = field(default_factory=list)


def _text_of(message: BaseMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    parts: list[str] = []
    for part in message.content:
        if isinstance(part, str):
            parts.append(part)
        elif part.get("type") == "text":
            parts.append(str(part.get("text", "")))
    return "".join(parts)


def _videos_of(message: BaseMessage, position: int) -> list[str]:
    """Video URLs in a message; any other media is refused (fal takes text and one video)."""
    if isinstance(message.content, str):
        return []
    videos: list[str] = []
    for part in message.content:
        if isinstance(part, str) or part.get("type") in {"text", "reasoning"}:
            continue
        kind = part.get("type")
        if kind == "video_url":
            video = part.get("video_url")
            url = video.get("url") if isinstance(video, Mapping) else video
            videos.append(str(url))
        elif kind == "video" and part.get("url"):
            videos.append(str(part["url"]))
        elif kind == "video" and part.get("base64"):
            mime = part.get("mime_type", "video/mp4")
            videos.append(f"data:{mime};base64,{part['base64']}")
        else:
            msg = (
                f"Message {position + 1} holds a {kind!r} part, but fal's Nemotron endpoints "
                "take text and one video only. Send images and audio through another provider "
                "(vllm, nim, nvidia, openrouter)."
            )
            raise FalInputError(msg)
    return videos


def _transcript_line(message: BaseMessage) -> str:
    if isinstance(message, HumanMessage):
        return f"User: {_text_of(message)}"
    if isinstance(message, ToolMessage):
        return f"<tool_response>\n{_text_of(message)}\n</tool_response>"
    if isinstance(message, AIMessage):
        return f"Assistant: {_text_of(message)}"
    return f"{message.type}: {_text_of(message)}"


def build_request(  # noqa: PLR0913 - each argument is one of fal's input fields
    messages: Sequence[BaseMessage],
    *,
    thinking: bool,
    max_tokens: int | None,
    temperature: float | None,
    top_p: float | None,
    tools_prompt: str | None = None,
    render_tool_calls: Callable[[AIMessage], str] | None = None,
) -> FalRequest:
    """Express a LangChain conversation as one fal request.

    System messages become ``system_prompt`` (with the tools block appended when tools are
    bound); earlier turns become a transcript above the last user message; one video goes
    to the ``/video`` endpoint as ``video_url``.

    Raises:
        FalInputError: More than one video, media fal cannot take, or no user message.
    """
    system = [_text_of(m) for m in messages if isinstance(m, SystemMessage)]
    turns = [m for m in messages if not isinstance(m, SystemMessage)]
    videos = [url for i, m in enumerate(messages) for url in _videos_of(m, i)]
    if len(videos) > 1:
        msg = (
            f"fal's video endpoint takes one video per request; this conversation has "
            f"{len(videos)}. Ask about one video at a time."
        )
        raise FalInputError(msg)
    if not turns:
        msg = "fal needs a user message to send as the prompt; the conversation has none."
        raise FalInputError(msg)
    lines = []
    for message in turns[:-1]:
        line = _transcript_line(message)
        if isinstance(message, AIMessage) and message.tool_calls and render_tool_calls:
            line = f"{line}\n{render_tool_calls(message)}".rstrip()
        lines.append(line)
    last = turns[-1]
    prompt = _text_of(last) if isinstance(last, HumanMessage) else _transcript_line(last)
    if lines:
        history = "\n\n".join(lines)
        prompt = f"Conversation so far:\n{history}\n\nUser: {prompt}"
    payload: dict[str, Any] = {
        "prompt": prompt,
        "reasoning_mode": "think" if thinking else "no_think",
    }
    system_prompt = "\n\n".join(part for part in (*system, tools_prompt or "") if part)
    if system_prompt:
        payload["system_prompt"] = system_prompt
    sampling = {"max_tokens": max_tokens, "temperature": temperature, "top_p": top_p}
    payload.update({key: value for key, value in sampling.items() if value is not None})
    if videos:
        payload["video_url"] = videos[0]
        return FalRequest(subpath=VIDEO_SUBPATH, payload=payload)
    return FalRequest(subpath="", payload=payload)


def output_text(result: Mapping[str, Any]) -> str:
    """The model's text in a fal result (fal names the field ``output``)."""
    for key in _OUTPUT_KEYS:
        value = result.get(key)
        if isinstance(value, str):
            return value
    msg = f"fal returned a result without a text field (keys: {sorted(result)})."
    raise FalError(msg)


def _error_from(response: httpx.Response) -> FalError:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    detail = body.get("detail", body) if isinstance(body, Mapping) else body
    message = f"fal answered {response.status_code}: {detail}"
    if response.status_code in {401, 403}:
        return FalAuthenticationError(
            f"{message}. Check FAL_KEY (fal expects 'Authorization: Key <FAL_KEY>').",
            status_code=response.status_code,
        )
    return FalError(message, status_code=response.status_code)


def _backoff(attempt: int) -> float:
    return min(0.5 * 2.0**attempt, 8.0)


def _retry_after(response: httpx.Response, attempt: int) -> float:
    header = str(response.headers.get("retry-after", ""))
    try:
        return min(float(header), 60.0) if header else _backoff(attempt)
    except ValueError:
        return _backoff(attempt)


class FalQueue:
    """A client for fal's queue: submit, poll status (with logs), fetch, cancel on timeout."""

    def __init__(  # noqa: PLR0913 - plain connection settings
        self,
        *,
        api_key: str,
        base_url: str = FAL_QUEUE_URL,
        timeout: float = 600.0,
        max_retries: int = 2,
        poll_interval: float = 0.25,
        max_poll_interval: float = 2.0,
    ) -> None:
        """Configure the client; no connection is made until a request is run."""
        self._base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Key {api_key}"}
        self._timeout = timeout
        self._max_retries = max_retries
        self._poll = poll_interval
        self._max_poll = max_poll_interval

    def __repr__(self) -> str:
        """Show where requests go, never the key."""
        return f"FalQueue(base_url={self._base_url!r})"

    def run(
        self,
        model: str,
        request: FalRequest,
        on_update: Callable[[FalUpdate], None] | None = None,
    ) -> dict[str, Any]:
        """Submit, wait and return fal's result object."""
        deadline = time.monotonic() + self._timeout
        with httpx.Client(headers=self._headers, timeout=self._timeout) as client:
            submitted = self._submit(client, model, request)
            delay = self._poll
            while True:
                update = self._status(client, submitted)
                if on_update:
                    on_update(update)
                if update.status == "COMPLETED":
                    return self._result(client, submitted)
                if time.monotonic() + delay > deadline:
                    self._cancel(client, submitted)
                    raise self._timed_out(submitted, update)
                time.sleep(delay)
                delay = min(delay * 1.5, self._max_poll)

    async def arun(
        self,
        model: str,
        request: FalRequest,
        on_update: Callable[[FalUpdate], Any] | None = None,
    ) -> dict[str, Any]:
        """:meth:`run` for asyncio; ``on_update`` may be a coroutine function."""
        deadline = time.monotonic() + self._timeout
        async with httpx.AsyncClient(headers=self._headers, timeout=self._timeout) as client:
            submitted = await self._asubmit(client, model, request)
            delay = self._poll
            while True:
                response = await client.get(self._status_url(submitted))
                update = self._parse_status(submitted, response)
                if on_update and asyncio.iscoroutine(result := on_update(update)):
                    await result
                if update.status == "COMPLETED":
                    return self._parse_result(await client.get(submitted.response_url))
                if time.monotonic() + delay > deadline:
                    await client.put(submitted.cancel_url)
                    raise self._timed_out(submitted, update)
                await asyncio.sleep(delay)
                delay = min(delay * 1.5, self._max_poll)

    # -- protocol steps ----------------------------------------------------------------

    def _submit(self, client: httpx.Client, model: str, request: FalRequest) -> _Submitted:
        url = f"{self._base_url}/{model}{request.subpath}"
        for attempt in range(self._max_retries + 1):
            try:
                response = client.post(url, json=request.payload)
            except httpx.TransportError as error:
                if attempt == self._max_retries:
                    msg = f"Could not reach fal at {self._base_url}: {error}"
                    raise FalError(msg) from error
                time.sleep(_backoff(attempt))
                continue
            if response.status_code in _RETRY_STATUSES and attempt < self._max_retries:
                time.sleep(_retry_after(response, attempt))
                continue
            return self._parse_submitted(response)
        raise AssertionError  # pragma: no cover - the loop always returns or raises

    async def _asubmit(
        self, client: httpx.AsyncClient, model: str, request: FalRequest
    ) -> _Submitted:
        url = f"{self._base_url}/{model}{request.subpath}"
        for attempt in range(self._max_retries + 1):
            try:
                response = await client.post(url, json=request.payload)
            except httpx.TransportError as error:
                if attempt == self._max_retries:
                    msg = f"Could not reach fal at {self._base_url}: {error}"
                    raise FalError(msg) from error
                await asyncio.sleep(_backoff(attempt))
                continue
            if response.status_code in _RETRY_STATUSES and attempt < self._max_retries:
                await asyncio.sleep(_retry_after(response, attempt))
                continue
            return self._parse_submitted(response)
        raise AssertionError  # pragma: no cover

    def _parse_submitted(self, response: httpx.Response) -> _Submitted:
        if response.status_code >= 400:  # noqa: PLR2004
            raise _error_from(response)
        body = response.json()
        return _Submitted(
            request_id=body["request_id"],
            status_url=body["status_url"],
            response_url=body["response_url"],
            cancel_url=body["cancel_url"],
        )

    @staticmethod
    def _status_url(submitted: _Submitted) -> str:
        return f"{submitted.status_url}?logs=1"

    def _status(self, client: httpx.Client, submitted: _Submitted) -> FalUpdate:
        return self._parse_status(submitted, client.get(self._status_url(submitted)))

    def _parse_status(self, submitted: _Submitted, response: httpx.Response) -> FalUpdate:
        if response.status_code >= 400:  # noqa: PLR2004
            raise _error_from(response)
        body = response.json()
        status = str(body.get("status", ""))
        if status in _TERMINAL_ERRORS:
            msg = f"fal request {submitted.request_id} ended as {status}: {body.get('error', '')}"
            raise FalError(msg.rstrip(": "))
        logs = [str(entry.get("message", "")) for entry in body.get("logs") or []]
        new_logs = tuple(logs[submitted.seen_logs :])
        submitted.seen_logs = len(logs)
        return FalUpdate(submitted.request_id, status, body.get("queue_position"), new_logs)

    def _result(self, client: httpx.Client, submitted: _Submitted) -> dict[str, Any]:
        return self._parse_result(client.get(submitted.response_url))

    @staticmethod
    def _parse_result(response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:  # noqa: PLR2004
            raise _error_from(response)
        body = response.json()
        if not isinstance(body, dict):
            msg = f"fal returned {type(body).__name__} where a result object was expected."
            raise FalError(msg)
        return body

    def _cancel(self, client: httpx.Client, submitted: _Submitted) -> None:
        client.put(submitted.cancel_url)

    def _timed_out(self, submitted: _Submitted, update: FalUpdate) -> FalTimeoutError:
        return FalTimeoutError(
            f"fal request {submitted.request_id} was still {update.status} after "
            f"{self._timeout:g}s; it was cancelled. Raise the timeout (timeout=...) for long "
            "videos or busy queues."
        )
