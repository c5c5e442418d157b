"""Running one call's attempts through a transport, each reply shaped on the way out.

:class:`AttemptRunner` is the part of the chat model that talks to the server: it takes the
call's :class:`~langchain_nemotron_omni.request.attempts.Attempts`, sends each one (through
``BaseChatOpenAI`` for OpenAI-compatible servers, through fal's queue for fal), shapes the
reply with a :class:`~langchain_nemotron_omni.reply.shaper.ReplyShaper`, and lets the
attempts decide what comes next: one sync and one async loop, for invoke and for stream.

Two stream faults are handled here: a stream cut before its first chunk is retried like a
connection error (nothing was shown yet), and a stream that stalls or breaks off later raises
a typed error instead of handing back half an answer.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, Literal

import httpx
import openai
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai.chat_models.base import BaseChatOpenAI
from pydantic import PrivateAttr, SecretStr

from langchain_nemotron_omni.errors import StreamInterruptedError, StreamTimeoutError
from langchain_nemotron_omni.fal import FalTransport
from langchain_nemotron_omni.fal.transport import fal_settings
from langchain_nemotron_omni.reasoning.route import ServerSplits
from langchain_nemotron_omni.reply.render import shape_chunk, shape_result, tail_chunk
from langchain_nemotron_omni.reply.shaper import ReplyShaper
from langchain_nemotron_omni.request.attempts import Attempt, Attempts, Outcome, join_phases
from langchain_nemotron_omni.request.plan import PLAN_KEY
from langchain_nemotron_omni.tools.choice import AUTO_TOOL_CHOICE_ERROR, chunk_calls

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )
    from langchain_core.messages import BaseMessage

    from langchain_nemotron_omni.fal.queue import FalSettings
    from langchain_nemotron_omni.request.plan import RequestPlan


class AttemptRunner(BaseChatOpenAI):
    """The request loops of ``ChatNemotronOmni`` (which supplies :meth:`_plan`)."""

    tool_parser: Literal["auto", "server", "client"] = "auto"
    """``server``: the server turns the model's XML into ``tool_calls``. ``client``: tools
    are written into the system prompt and calls parsed here (servers without
    ``--tool-call-parser``). ``auto``: server, switching to client for good if the server
    answers that it has no tool parser."""

    _tools_on_client: bool = PrivateAttr(default=False)
    _server_splits: ServerSplits = PrivateAttr(default_factory=ServerSplits)
    _fal: FalTransport | None = PrivateAttr(default=None)

    def _plan(self, kwargs: dict[str, Any]) -> RequestPlan:
        """The plan of a call with these keywords."""
        raise NotImplementedError

    @property
    def renders_tools(self) -> bool:
        """Whether tools are written into the prompt here instead of sent as ``tools``."""
        return self.tool_parser == "client" or self._tools_on_client

    def _attempt_kwargs(self, attempt: Attempt, kwargs: dict[str, Any]) -> dict[str, Any]:
        plan = attempt.plan
        if self.renders_tools and not plan.tools_in_prompt:
            plan = plan.with_tools_in_prompt()
        return {**kwargs, PLAN_KEY: plan}

    def _no_tool_parser(self, error: openai.BadRequestError, kwargs: dict[str, Any]) -> bool:
        """On "no tool parser" from the server, render tools here from now on."""
        if (
            self.tool_parser == "auto"
            and not self._tools_on_client
            and kwargs.get("tools")
            and AUTO_TOOL_CHOICE_ERROR in str(error)
        ):
            self._tools_on_client = True
            return True
        return False

    # ------------------------------------------------------------------------ invoke

    def _fal_settings(self) -> FalSettings:
        key = self.openai_api_key
        return fal_settings(
            key.get_secret_value() if isinstance(key, SecretStr) else "",
            self.openai_api_base,
            self.request_timeout,
            self.max_retries,
        )

    def _reply(self, attempt: Attempt) -> ReplyShaper:
        return ReplyShaper(attempt.plan.reply(), self._server_splits)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        attempts = Attempts(self._plan(kwargs), messages)
        attempt: Attempt | None = attempts.first()
        results: list[ChatResult] = []
        while attempt is not None:
            if self._fal is not None:
                raw = self._fal.result(self, attempt, self._fal_settings(), run_manager, kwargs)
            else:
                call = self._attempt_kwargs(attempt, kwargs)
                try:
                    raw = super()._generate(attempt.messages, stop, run_manager, **call)
                except openai.BadRequestError as error:
                    if not self._no_tool_parser(error, kwargs):
                        raise
                    call = self._attempt_kwargs(attempt, kwargs)
                    raw = super()._generate(attempt.messages, stop, run_manager, **call)
            results, attempt = self._after(attempts, attempt, raw, results)
        return _joined(results, attempts.plan.budget)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        attempts = Attempts(self._plan(kwargs), messages)
        attempt: Attempt | None = attempts.first()
        results: list[ChatResult] = []
        while attempt is not None:
            if self._fal is not None:
                settings = self._fal_settings()
                raw = await self._fal.aresult(self, attempt, settings, run_manager, kwargs)
            else:
                call = self._attempt_kwargs(attempt, kwargs)
                try:
                    raw = await super()._agenerate(attempt.messages, stop, run_manager, **call)
                except openai.BadRequestError as error:
                    if not self._no_tool_parser(error, kwargs):
                        raise
                    call = self._attempt_kwargs(attempt, kwargs)
                    raw = await super()._agenerate(attempt.messages, stop, run_manager, **call)
            results, attempt = self._after(attempts, attempt, raw, results)
        return _joined(results, attempts.plan.budget)

    def _after(
        self, attempts: Attempts, attempt: Attempt, raw: ChatResult, results: list[ChatResult]
    ) -> tuple[list[ChatResult], Attempt | None]:
        """Shape an attempt's reply; the results of the current try and the next attempt."""
        shaper = self._reply(attempt)
        shape_result(shaper, raw)
        following = attempts.after(attempt, Outcome.of(shaper))
        results = [*results, raw] if attempt.phase == "answer" else [raw]
        return results, following

    # ------------------------------------------------------------------------ stream

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        attempts = Attempts(self._plan(kwargs), messages)
        forced = attempts.plan.forced
        attempt: Attempt | None = attempts.first()
        held: list[ChatGenerationChunk] | None = None
        while attempt is not None:
            if attempt.phase != "answer":  # a new try: what a failed one showed is dropped
                held = [] if forced is not None else None
            shaper = self._reply(attempt)
            for chunk in self._shaped(attempt, shaper, stop, run_manager, kwargs):
                if held is not None:
                    # Held back until the forced call shows up, so a reply that ignores the
                    # forcing is replaced by the retry rather than shown and contradicted.
                    held.append(chunk)
                    if not chunk_calls(chunk, forced or "*"):
                        continue
                    ready, held = held, None
                else:
                    ready = [chunk]
                for out in ready:
                    if run_manager:
                        run_manager.on_llm_new_token(out.text, chunk=out)
                    yield out
            attempt = attempts.after(attempt, Outcome.of(shaper))

    def _shaped(
        self,
        attempt: Attempt,
        shaper: ReplyShaper,
        stop: list[str] | None,
        run_manager: CallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> Iterator[ChatGenerationChunk]:
        received = 0
        try:
            for raw in self._raw_chunks(attempt, stop, run_manager, kwargs):
                received += 1
                if (chunk := shape_chunk(shaper, raw)) is not None:
                    yield chunk
        except (openai.APIConnectionError, httpx.TransportError) as error:
            raise self._broken(received, shaper, error) from error
        if received and shaper.finish_reason is None:
            raise self._broken(received, shaper, None)
        if (tail := tail_chunk(shaper.finish(), exhausted=_exhausted(shaper))) is not None:
            yield tail

    def _raw_chunks(
        self,
        attempt: Attempt,
        stop: list[str] | None,
        run_manager: CallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> Iterator[ChatGenerationChunk]:
        """The server's chunks for one attempt, a stream cut before its first one retried."""
        if self._fal is not None:
            # fal's queue has no token stream: the whole reply arrives as one chunk.
            settings = self._fal_settings()
            yield _as_chunk(self._fal.result(self, attempt, settings, run_manager, kwargs))
            return
        tries = (self.max_retries or 0) + 1
        for number in range(tries):
            call = self._attempt_kwargs(attempt, kwargs)
            stream = super()._stream(attempt.messages, stop, None, **call)
            try:
                first = next(stream, None)
            except openai.BadRequestError as error:
                if not self._no_tool_parser(error, kwargs):
                    raise
                continue
            except (openai.APIConnectionError, httpx.TransportError):
                if number + 1 == tries:
                    raise
                time.sleep(min(0.5 * 2**number, 8.0))
                continue
            if first is not None:
                yield first
                yield from stream
            return

    def _broken(
        self, received: int, shaper: ReplyShaper, error: Exception | None
    ) -> StreamInterruptedError:
        got = sum(len(t) for t in (*shaper.reasoning_text, *shaper.content_text))
        where = f"from {self.openai_api_base}"
        if isinstance(error, httpx.TimeoutException | openai.APITimeoutError):
            return StreamTimeoutError(
                f"The stream {where} timed out waiting for data (timeout={self.request_timeout})"
                f" after {received} chunks ({got} characters of thought and answer). The "
                "partial reply was not returned as an answer; retry, or raise timeout=."
            )
        return StreamInterruptedError(
            f"The stream {where} broke off after {received} chunks ({got} characters of "
            "thought and answer) before the server finished it. The partial reply was not "
            "returned as an answer; retry the call."
        )

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        attempts = Attempts(self._plan(kwargs), messages)
        forced = attempts.plan.forced
        attempt: Attempt | None = attempts.first()
        held: list[ChatGenerationChunk] | None = None
        while attempt is not None:
            if attempt.phase != "answer":
                held = [] if forced is not None else None
            shaper = self._reply(attempt)
            async for chunk in self._ashaped(attempt, shaper, stop, run_manager, kwargs):
                if held is not None:
                    held.append(chunk)
                    if not chunk_calls(chunk, forced or "*"):
                        continue
                    ready, held = held, None
                else:
                    ready = [chunk]
                for out in ready:
                    if run_manager:
                        await run_manager.on_llm_new_token(out.text, chunk=out)
                    yield out
            attempt = attempts.after(attempt, Outcome.of(shaper))

    async def _ashaped(
        self,
        attempt: Attempt,
        shaper: ReplyShaper,
        stop: list[str] | None,
        run_manager: AsyncCallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> AsyncIterator[ChatGenerationChunk]:
        received = 0
        try:
            async for raw in self._araw_chunks(attempt, stop, run_manager, kwargs):
                received += 1
                if (chunk := shape_chunk(shaper, raw)) is not None:
                    yield chunk
        except (openai.APIConnectionError, httpx.TransportError) as error:
            raise self._broken(received, shaper, error) from error
        if received and shaper.finish_reason is None:
            raise self._broken(received, shaper, None)
        if (tail := tail_chunk(shaper.finish(), exhausted=_exhausted(shaper))) is not None:
            yield tail

    async def _araw_chunks(
        self,
        attempt: Attempt,
        stop: list[str] | None,
        run_manager: AsyncCallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> AsyncIterator[ChatGenerationChunk]:
        if self._fal is not None:
            settings = self._fal_settings()
            yield _as_chunk(await self._fal.aresult(self, attempt, settings, run_manager, kwargs))
            return
        tries = (self.max_retries or 0) + 1
        for number in range(tries):
            call = self._attempt_kwargs(attempt, kwargs)
            stream = super()._astream(attempt.messages, stop, None, **call)
            try:
                first = await anext(stream, None)
            except openai.BadRequestError as error:
                if not self._no_tool_parser(error, kwargs):
                    raise
                continue
            except (openai.APIConnectionError, httpx.TransportError):
                if number + 1 == tries:
                    raise
                await asyncio.sleep(min(0.5 * 2**number, 8.0))
                continue
            if first is not None:
                yield first
                async for chunk in stream:
                    yield chunk
            return


def _exhausted(shaper: ReplyShaper) -> bool:
    return shaper.exhausted and not shaper.settings.continues


def _joined(results: list[ChatResult], budget: int | None) -> ChatResult:
    """The reply of the last try: one result, or the two phases of a budgeted one."""
    return join_phases(results[0], results[1], budget) if len(results) == 2 else results[-1]  # noqa: PLR2004


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
