"""fal.ai's queue protocol: submit, poll the status (with logs), fetch the result, cancel.

The protocol is written once, as a generator of steps (:func:`_protocol`); a sync and an
async driver carry the steps out over one pooled ``httpx`` client each, so a model instance
keeps its connections to the queue between calls. Every step is retried on a dropped
connection or a 408/429/5xx answer (``Retry-After`` honoured), the status polls included;
a request still running at the deadline is cancelled on fal's side.

``fal-client`` is not used: it reads the queue host from an environment variable once, at
import, and always speaks HTTPS to it, so neither a per-model ``base_url`` nor a local
test server can be used with it.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

import httpx

from langchain_nemotron_omni.errors import NemotronOmniError

if TYPE_CHECKING:
    from langchain_nemotron_omni.fal.prompt import FalRequest

FAL_QUEUE_URL: Final = "https://queue.fal.run"
_TERMINAL_ERRORS: Final = {"FAILED", "CANCELED", "CANCELLED", "ERROR"}
_RETRY_STATUSES: Final = {408, 429, 500, 502, 503, 504}


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


@dataclass(frozen=True)
class FalUpdate:
    """One observation of a queued request, passed to progress callbacks."""

    request_id: str
    status: str
    queue_position: int | None = None
    logs: tuple[str, ...] = ()


@dataclass(frozen=True)
class FalResult:
    """The fields of fal's result for this model (its output schema)."""

    output: str
    finish_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True)
class FalSettings:
    """Where and how one request goes."""

    api_key: str = field(repr=False)
    base_url: str = FAL_QUEUE_URL
    timeout: float = 600.0
    max_retries: int = 2
    poll_interval: float = 0.25
    max_poll_interval: float = 2.0


# -- the protocol, as steps ----------------------------------------------------------------


@dataclass(frozen=True)
class _Http:
    """One request to make: first report ``updates``, then wait ``delay`` seconds."""

    method: str
    url: str
    payload: dict[str, Any] | None = None
    delay: float = 0.0
    updates: tuple[FalUpdate, ...] = ()


_Reply = httpx.Response | httpx.TransportError | None
_Protocol = Generator[_Http, _Reply, FalResult]


def _backoff(attempt: int) -> float:
    return min(0.5 * 2.0**attempt, 8.0)


def _retry_after(response: httpx.Response, attempt: int) -> float:
    header = str(response.headers.get("retry-after", ""))
    try:
        return min(float(header), 60.0) if header else _backoff(attempt)
    except ValueError:
        return _backoff(attempt)


def _send(settings: FalSettings, http: _Http) -> Generator[_Http, _Reply, httpx.Response]:
    """One HTTP step, retried on a dropped connection or a retryable status."""
    for attempt in range(settings.max_retries + 1):
        reply = yield http
        last = attempt == settings.max_retries
        if isinstance(reply, httpx.TransportError):
            if last:
                msg = f"Could not reach fal at {settings.base_url}: {reply}"
                raise FalError(msg) from reply
            http = replace(http, delay=_backoff(attempt), updates=())
            continue
        assert reply is not None  # noqa: S101 - the drivers answer every _Http
        if reply.status_code in _RETRY_STATUSES and not last:
            http = replace(http, delay=_retry_after(reply, attempt), updates=())
            continue
        if reply.status_code >= 400:  # noqa: PLR2004
            raise _error_from(reply)
        return reply
    raise AssertionError  # pragma: no cover - the loop returns or raises


def _protocol(settings: FalSettings, model: str, request: FalRequest) -> _Protocol:
    """Submit, poll until done (reporting each status), fetch; cancel at the deadline."""
    deadline = time.monotonic() + settings.timeout
    url = f"{settings.base_url.rstrip('/')}/{model}{request.subpath}"
    body = _json((yield from _send(settings, _Http("POST", url, request.payload))))
    try:
        request_id = str(body["request_id"])
        status_url, response_url = str(body["status_url"]), str(body["response_url"])
        cancel_url = str(body["cancel_url"])
    except KeyError as missing:
        msg = f"fal's queue answered the submission without {missing} (keys: {sorted(body)})."
        raise FalError(msg) from None
    delay, seen_logs = settings.poll_interval, 0
    poll = _Http("GET", f"{status_url}?logs=1")
    while True:
        status = _json((yield from _send(settings, poll)))
        update, seen_logs = _update(request_id, status, seen_logs)
        if update.status == "COMPLETED":
            fetch = _Http("GET", response_url, updates=(update,))
            return _result(_json((yield from _send(settings, fetch))))
        if time.monotonic() + delay > deadline:
            yield from _send(settings, _Http("PUT", cancel_url, updates=(update,)))
            msg = (
                f"fal request {request_id} was still {update.status} after "
                f"{settings.timeout:g}s; it was cancelled. Raise the timeout (timeout=...) for "
                "long videos or busy queues."
            )
            raise FalTimeoutError(msg)
        # Each status is reported as soon as it is known, then the next poll waits.
        poll = replace(poll, delay=delay, updates=(update,))
        delay = min(delay * 1.5, settings.max_poll_interval)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        msg = f"fal answered {response.status_code} with something other than a JSON object."
        raise FalError(msg, status_code=response.status_code)
    return body


def _update(request_id: str, body: Mapping[str, Any], seen_logs: int) -> tuple[FalUpdate, int]:
    status = str(body.get("status", ""))
    if status in _TERMINAL_ERRORS:
        msg = f"fal request {request_id} ended as {status}: {body.get('error', '')}"
        raise FalError(msg.rstrip(": "))
    logs = [str(entry.get("message", "")) for entry in body.get("logs") or []]
    position = body.get("queue_position")
    update = FalUpdate(
        request_id, status, position if isinstance(position, int) else None, tuple(logs[seen_logs:])
    )
    return update, len(logs)


def _result(body: Mapping[str, Any]) -> FalResult:
    """The result object fal defines: ``output`` (the text), ``finish_reason``, ``usage``."""
    output = body.get("output")
    if not isinstance(output, str):
        msg = f"fal returned a result without its 'output' text (keys: {sorted(body)})."
        raise FalError(msg)
    finish = body.get("finish_reason")
    usage = body.get("usage")
    usage = usage if isinstance(usage, Mapping) else {}
    tokens = {key: usage.get(key) for key in ("input_tokens", "output_tokens")}
    return FalResult(
        output=output,
        finish_reason=finish if isinstance(finish, str) else None,
        **{key: value if isinstance(value, int) else None for key, value in tokens.items()},
    )


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


# -- the drivers ---------------------------------------------------------------------------


class FalQueue:
    """Runs fal requests over pooled connections: one client, one per event loop for async."""

    def __init__(self) -> None:
        """No connection is made until a request runs."""
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]
        self._async = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        """No key to show: keys travel with each request."""
        return "FalQueue()"

    def _sync_client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client()
            return self._client

    def _async_client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._async.get(loop)
            if client is None:
                client = self._async[loop] = httpx.AsyncClient()
            return client

    def run(
        self,
        settings: FalSettings,
        model: str,
        request: FalRequest,
        on_update: Callable[[FalUpdate], None] | None = None,
    ) -> FalResult:
        """Submit, wait and return fal's result."""
        client, steps = self._sync_client(), _protocol(settings, model, request)
        report = on_update or _ignore
        reply: _Reply = None
        while not isinstance(step := _advance(steps, reply), FalResult):
            for update in step.updates:
                report(update)
            time.sleep(step.delay)
            try:
                reply = client.request(step.method, step.url, **_options(settings, step))
            except httpx.TransportError as error:
                reply = error
        return step

    async def arun(
        self,
        settings: FalSettings,
        model: str,
        request: FalRequest,
        on_update: Callable[[FalUpdate], Any] | None = None,
    ) -> FalResult:
        """:meth:`run` for asyncio; ``on_update`` may be a coroutine function."""
        client, steps = self._async_client(), _protocol(settings, model, request)
        report = on_update or _ignore
        reply: _Reply = None
        while not isinstance(step := _advance(steps, reply), FalResult):
            for update in step.updates:
                if asyncio.iscoroutine(reported := report(update)):
                    await reported
            await asyncio.sleep(step.delay)
            try:
                reply = await client.request(step.method, step.url, **_options(settings, step))
            except httpx.TransportError as error:
                reply = error
        return step


def _advance(steps: _Protocol, reply: _Reply) -> _Http | FalResult:
    """The protocol's next request, or its result."""
    try:
        return steps.send(reply)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def _ignore(update: FalUpdate) -> None:
    """No one is listening for progress."""


def _options(settings: FalSettings, step: _Http) -> dict[str, Any]:
    options: dict[str, Any] = {
        "headers": {"Authorization": f"Key {settings.api_key}"},
        "timeout": settings.timeout,
    }
    if step.payload is not None:
        options["json"] = step.payload
    return options
