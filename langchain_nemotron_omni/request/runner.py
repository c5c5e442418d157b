"""Running one call's attempts through a transport, each reply shaped on the way out.

:class:`AttemptRunner` is the part of the chat model that talks to the server. A call's
:class:`CallRun` holds what does not depend on sync or async: the
:class:`~langchain_nemotron_omni.request.attempts.Attempts` (what the next request is), the
:class:`~langchain_nemotron_omni.reply.shaper.ReplyShaper` of the current reply, and a
forced tool call's held-back chunks. The runner's loops only move bytes: through
``BaseChatOpenAI`` for OpenAI-compatible servers, through fal's queue for fal; one sync and
one async loop, for invoke and for stream.

Two stream faults are handled here: a stream cut before its first chunk is retried like a
connection error (nothing was shown yet), and a stream that stalls or breaks off later raises
a typed error instead of handing back half an answer.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import httpx
import openai
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai.chat_models.base import BaseChatOpenAI
from pydantic import PrivateAttr, SecretStr

from langchain_nemotron_omni._served_models import aexplain_not_found, explain_not_found
from langchain_nemotron_omni.errors import StreamInterruptedError, StreamTimeoutError
from langchain_nemotron_omni.fal.transport import fal_settings
from langchain_nemotron_omni.reasoning.route import ServerSplits
from langchain_nemotron_omni.reply.render import shape_chunk, shape_result, tail_chunk
from langchain_nemotron_omni.reply.shaper import ReplyShaper
from langchain_nemotron_omni.request.attempts import Attempt, Attempts, Outcome, join_phases
from langchain_nemotron_omni.request.plan import PLAN_KEY
from langchain_nemotron_omni.tools.choice import AUTO_TOOL_CHOICE_ERROR, chunk_calls

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Sequence

    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )
    from langchain_core.messages import BaseMessage

    from langchain_nemotron_omni.fal import FalTransport
    from langchain_nemotron_omni.fal.queue import FalSettings
    from langchain_nemotron_omni.request.plan import RequestPlan

STREAM_FAULTS: Final = (openai.APIConnectionError, httpx.TransportError)
"""A connection that failed or broke off (a stalled read is one, with its own error)."""
_RETRIED: Final = (openai.BadRequestError, *STREAM_FAULTS)
"""Errors :class:`Retries` may answer with another request."""


class CallRun:
    """One call's state, whatever drives it: attempts, the current reply, held chunks."""

    def __init__(
        self, model: AttemptRunner, messages: list[BaseMessage], kwargs: dict[str, Any]
    ) -> None:
        """Plan the call; :meth:`start` gives its first attempt."""
        self._model = model
        self._attempts = Attempts(model._plan(kwargs), messages)  # noqa: SLF001
        self._forced = self._attempts.plan.forced
        self._next: Attempt | None = self._attempts.first()
        self._attempt = self._next
        self._held: list[ChatGenerationChunk] | None = None
        self._results: list[ChatResult] = []
        self.shaper: ReplyShaper | None = None
        self.received = 0

    def start(self) -> Attempt | None:
        """The attempt to send now, or ``None`` when the call is done."""
        attempt, self._next = self._next, None
        if attempt is not None:
            self._attempt = attempt
            self.shaper = ReplyShaper(attempt.plan.reply(), self._model.learned.server_splits)
            self.received = 0
            if attempt.phase != "answer":  # a new try: what a failed one showed is dropped
                self._held = [] if self._forced is not None else None
        return attempt

    def _done(self) -> None:
        assert self._attempt is not None  # noqa: S101 - set by start()
        assert self.shaper is not None  # noqa: S101
        if self._attempts.single:  # most calls: nothing about the reply asks for another
            self._next = None
            return
        self._next = self._attempts.after(self._attempt, Outcome.of(self.shaper))

    # -- invoke ----------------------------------------------------------------------------

    def replied(self, raw: ChatResult) -> None:
        """A whole reply came: shape it and decide what comes next."""
        assert self.shaper is not None  # noqa: S101 - set by start()
        shape_result(self.shaper, raw)
        answering = self._attempt is not None and self._attempt.phase == "answer"
        self._results = [*self._results, raw] if answering else [raw]
        self._done()

    def result(self) -> ChatResult:
        """The reply of the last try: one result, or the two phases of a budgeted one."""
        if len(self._results) == 2:  # noqa: PLR2004 - a budget's two phases
            first, second = self._results
            return join_phases(first, second, self._attempts.plan.budget)
        return self._results[-1]

    # -- stream ----------------------------------------------------------------------------

    def chunk(self, raw: ChatGenerationChunk) -> Sequence[ChatGenerationChunk]:
        """The chunks to show for one chunk of the server's stream."""
        assert self.shaper is not None  # noqa: S101 - set by start()
        self.received += 1
        chunk = shape_chunk(self.shaper, raw)
        if chunk is None:
            return ()
        return (chunk,) if self._held is None else self._release(chunk)

    def ended(self) -> Sequence[ChatGenerationChunk]:
        """The stream of the current attempt ended: its last chunks; the next attempt."""
        shaper = self.shaper
        assert shaper is not None  # noqa: S101 - set by start()
        if self.received and shaper.finish_reason is None:
            raise self.broken(None)
        piece = shaper.finish()
        tail = tail_chunk(
            piece,
            exhausted=shaper.exhausted and not shaper.settings.continues,
            finish_reason=shaper.reported_finish if shaper.finish_held else None,
        )
        self._done()
        if tail is None:
            return ()
        return (tail,) if self._held is None else self._release(tail)

    def _release(self, chunk: ChatGenerationChunk) -> list[ChatGenerationChunk]:
        held = self._held
        assert held is not None  # noqa: S101 - only called while chunks are held
        # Held back until the forced call shows up, so a reply that ignores the forcing is
        # replaced by the retry rather than shown and then contradicted.
        held.append(chunk)
        if not chunk_calls(chunk, self._forced or "*"):
            return []
        self._held = None
        return held

    def broken(self, error: Exception | None) -> StreamInterruptedError:
        """The typed error for a stream that stalled or broke off."""
        shaper = self.shaper
        got = sum(len(t) for t in (*shaper.reasoning_text, *shaper.content_text)) if shaper else 0
        model = self._model
        where = f"from {model.openai_api_base}"
        if isinstance(error, httpx.TimeoutException | openai.APITimeoutError):
            return StreamTimeoutError(
                f"The stream {where} timed out waiting for data (timeout={model.request_timeout})"
                f" after {self.received} chunks ({got} characters of thought and answer). The "
                "partial reply was not returned as an answer; retry, or raise timeout=."
            )
        return StreamInterruptedError(
            f"The stream {where} broke off after {self.received} chunks ({got} characters of "
            "thought and answer) before the server finished it. The partial reply was not "
            "returned as an answer; retry the call."
        )


class Retries:
    """When a request that failed before any of its reply came is made again.

    Made only once a request has failed: the usual call never needs it. Two faults call for
    another request: "no tool parser" from the server (tools then go in the prompt), and,
    for a stream, a connection that failed or broke off before its first chunk.
    """

    def __init__(self, model: AttemptRunner, kwargs: dict[str, Any], *, faults: bool) -> None:
        """``faults``: also retry connection faults, with backoff, up to ``max_retries``."""
        self._model, self._kwargs = model, kwargs
        self._left = (model.max_retries or 0) if faults else 0

    def pause_after(self, error: Exception) -> float | None:
        """Seconds to wait before asking again, or ``None`` when ``error`` is the answer."""
        model = self._model
        if isinstance(error, openai.BadRequestError):
            return 0.0 if model._no_tool_parser(error, self._kwargs) else None  # noqa: SLF001
        if isinstance(error, STREAM_FAULTS) and self._left > 0:
            pause: float = min(0.5 * 2 ** ((model.max_retries or 0) - self._left), 8.0)
            self._left -= 1
            return pause
        return None


@dataclass(slots=True)
class Learned:
    """A model's state across calls."""

    tools_on_client: bool = False
    """The server answered that it has no tool parser: tools go in the prompt from now on."""
    server_splits: ServerSplits = field(default_factory=ServerSplits)
    """Whether the server splits the thought from the answer, once a reply showed it."""
    fal: FalTransport | None = None
    """fal's transport, for a model served by fal (chosen when the model is built)."""


class AttemptRunner(BaseChatOpenAI):
    """The request loops of ``ChatNemotronOmni`` (which supplies :meth:`_plan`)."""

    tool_parser: Literal["auto", "server", "client"] = "auto"
    """``server``: the server turns the model's XML into ``tool_calls``. ``client``: tools
    are written into the system prompt and calls parsed here (servers without
    ``--tool-call-parser``). ``auto``: server, switching to client for good if the server
    answers that it has no tool parser."""

    _learned: Learned = PrivateAttr(default_factory=Learned)

    @property
    def learned(self) -> Learned:
        """What this model learned about its server, and its fal transport."""
        # Not ``self._learned``: pydantic serves private attributes from ``__getattr__``
        # after a failed lookup, about 3 us each, several times per call.
        return cast("Learned", self.__pydantic_private__["_learned"])  # type: ignore[index]

    def _plan(self, kwargs: dict[str, Any]) -> RequestPlan:
        """The plan of a call with these keywords."""
        raise NotImplementedError

    @property
    def renders_tools(self) -> bool:
        """Whether tools are written into the prompt here instead of sent as ``tools``."""
        return self.tool_parser == "client" or self.learned.tools_on_client

    def _attempt_kwargs(self, attempt: Attempt, kwargs: dict[str, Any]) -> dict[str, Any]:
        plan = attempt.plan
        if self.renders_tools and not plan.tools_in_prompt:
            plan = plan.with_tools_in_prompt()
        return {**kwargs, PLAN_KEY: plan}

    def _no_tool_parser(self, error: openai.BadRequestError, kwargs: dict[str, Any]) -> bool:
        """On "no tool parser" from the server, render tools here from now on."""
        if (
            self.tool_parser == "auto"
            and not self.learned.tools_on_client
            and kwargs.get("tools")
            and AUTO_TOOL_CHOICE_ERROR in str(error)
        ):
            self.learned.tools_on_client = True
            return True
        return False

    def _fal_settings(self) -> FalSettings:
        key = self.openai_api_key
        return fal_settings(
            key.get_secret_value() if isinstance(key, SecretStr) else "",
            self.openai_api_base,
            self.request_timeout,
            self.max_retries,
        )

    # ------------------------------------------------------------------------ invoke

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = CallRun(self, messages, kwargs)
        while (attempt := call.start()) is not None:
            call.replied(self._send(attempt, stop, run_manager, kwargs))
        return call.result()

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = CallRun(self, messages, kwargs)
        while (attempt := call.start()) is not None:
            call.replied(await self._asend(attempt, stop, run_manager, kwargs))
        return call.result()

    def _send(
        self,
        attempt: Attempt,
        stop: list[str] | None,
        run_manager: CallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> ChatResult:
        if (fal := self.learned.fal) is not None:
            return fal.result(self, attempt, self._fal_settings(), run_manager, kwargs)
        retries: Retries | None = None
        while True:
            call = self._attempt_kwargs(attempt, kwargs)  # again: tools may have moved
            try:
                return super()._generate(attempt.messages, stop, run_manager, **call)
            except openai.NotFoundError as error:
                raise explain_not_found(error, self.root_client, self.model_name) from error
            except openai.BadRequestError as error:
                retries = retries or Retries(self, kwargs, faults=False)
                if retries.pause_after(error) is None:
                    raise

    async def _asend(
        self,
        attempt: Attempt,
        stop: list[str] | None,
        run_manager: AsyncCallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> ChatResult:
        if (fal := self.learned.fal) is not None:
            return await fal.aresult(self, attempt, self._fal_settings(), run_manager, kwargs)
        retries: Retries | None = None
        while True:
            call = self._attempt_kwargs(attempt, kwargs)
            try:
                return await super()._agenerate(attempt.messages, stop, run_manager, **call)
            except openai.NotFoundError as error:
                client = self.root_async_client
                raise await aexplain_not_found(error, client, self.model_name) from error
            except openai.BadRequestError as error:
                retries = retries or Retries(self, kwargs, faults=False)
                if retries.pause_after(error) is None:
                    raise

    # ------------------------------------------------------------------------ stream

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        call = CallRun(self, messages, kwargs)
        while (attempt := call.start()) is not None:
            try:
                for raw in self._raw_chunks(attempt, stop, run_manager, kwargs):
                    for chunk in call.chunk(raw):  # runs on every token: no helpers
                        if run_manager:
                            run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                        yield chunk
            except STREAM_FAULTS as error:
                raise call.broken(error) from error
            yield from _shown(call.ended(), run_manager)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        call = CallRun(self, messages, kwargs)
        while (attempt := call.start()) is not None:
            try:
                async for raw in self._araw_chunks(attempt, stop, run_manager, kwargs):
                    for chunk in await _ashown(call.chunk(raw), run_manager):
                        yield chunk
            except STREAM_FAULTS as error:
                raise call.broken(error) from error
            for chunk in await _ashown(call.ended(), run_manager):
                yield chunk

    def _raw_chunks(
        self,
        attempt: Attempt,
        stop: list[str] | None,
        run_manager: CallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> Iterator[ChatGenerationChunk]:
        """The server's chunks for one attempt; a stream cut before its first one retried.

        Not a generator: the request is made (and retried) here, and the rest of the stream
        is handed on as it is, so its chunks pass through no extra frame of ours.
        """
        if (fal := self.learned.fal) is not None:
            # fal's queue has no token stream: the whole reply arrives as one chunk.
            settings = self._fal_settings()
            return iter((_as_chunk(fal.result(self, attempt, settings, run_manager, kwargs)),))
        retries: Retries | None = None
        while True:
            call = self._attempt_kwargs(attempt, kwargs)
            stream = super()._stream(attempt.messages, stop, None, **call)
            try:
                first = next(stream, None)
            except openai.NotFoundError as error:
                raise explain_not_found(error, self.root_client, self.model_name) from error
            except _RETRIED as error:
                retries = retries or Retries(self, kwargs, faults=True)
                pause = retries.pause_after(error)
                if pause is None:
                    raise
                if pause:  # sleep(0) would still give up the CPU
                    time.sleep(pause)
                continue
            # It came (or the stream was empty): the rest is handed on as it is.
            return iter(()) if first is None else itertools.chain((first,), stream)

    async def _araw_chunks(
        self,
        attempt: Attempt,
        stop: list[str] | None,
        run_manager: AsyncCallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> AsyncIterator[ChatGenerationChunk]:
        if (fal := self.learned.fal) is not None:
            settings = self._fal_settings()
            yield _as_chunk(await fal.aresult(self, attempt, settings, run_manager, kwargs))
            return
        retries: Retries | None = None
        while True:
            call = self._attempt_kwargs(attempt, kwargs)
            stream = super()._astream(attempt.messages, stop, None, **call)
            try:
                first = await anext(stream, None)
            except openai.NotFoundError as error:
                client = self.root_async_client
                raise await aexplain_not_found(error, client, self.model_name) from error
            except _RETRIED as error:
                retries = retries or Retries(self, kwargs, faults=True)
                pause = retries.pause_after(error)
                if pause is None:
                    raise
                if pause:  # sleep(0) would still cost a turn of the event loop
                    await asyncio.sleep(pause)
                continue
            if first is not None:
                yield first
                async for chunk in stream:
                    yield chunk
            return


def _shown(
    chunks: Sequence[ChatGenerationChunk], run_manager: CallbackManagerForLLMRun | None
) -> Sequence[ChatGenerationChunk]:
    """Chunks about to be yielded, reported to the callbacks first."""
    if run_manager:
        for chunk in chunks:
            run_manager.on_llm_new_token(chunk.text, chunk=chunk)
    return chunks


async def _ashown(
    chunks: Sequence[ChatGenerationChunk], run_manager: AsyncCallbackManagerForLLMRun | None
) -> Sequence[ChatGenerationChunk]:
    if run_manager:
        for chunk in chunks:
            await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
    return chunks


def _as_chunk(result: ChatResult) -> ChatGenerationChunk:
    """A whole reply as the single chunk of a stream."""
    message = result.generations[0].message
    chunk = AIMessageChunk(
        content=message.content,
        additional_kwargs=message.additional_kwargs,
        response_metadata=message.response_metadata,
        usage_metadata=getattr(message, "usage_metadata", None),
        id=message.id,
    )
    return ChatGenerationChunk(message=chunk, generation_info=result.generations[0].generation_info)
