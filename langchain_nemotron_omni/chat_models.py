"""``ChatNemotronOmni``: NVIDIA Nemotron 3 Nano Omni as a LangChain chat model."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict
from functools import partial
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal, Self

import httpx
import openai
from langchain_core.callbacks.manager import ahandle_event, handle_event
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda, RunnableMap, RunnablePassthrough
from langchain_openai.chat_models.base import BaseChatOpenAI
from pydantic import Field, PrivateAttr, SecretStr, model_validator

# Imported for its side effect: registers the "nemotron" content-block translator.
import langchain_nemotron_omni.translator  # noqa: F401
from langchain_nemotron_omni._budget import (
    Call,
    first_phase,
    join_phases,
    second_phase,
    second_phase_from_stream,
)
from langchain_nemotron_omni._payload import (
    add_system_text,
    deep_merge,
    echo_reasoning,
    effective_thinking,
    flatten_text_content,
    keeps_all_thinking,
    lift_extensions,
    move_tool_media,
    thinking_body,
)
from langchain_nemotron_omni._served_models import aexplain_not_found, explain_not_found
from langchain_nemotron_omni._shaping import (
    MODEL_PROVIDER,
    REASONING_KEY,
    ShapeSettings,
    StreamShaper,
    shape_message,
)
from langchain_nemotron_omni._version import __version__
from langchain_nemotron_omni.errors import (
    MissingAPIKeyError,
    StreamInterruptedError,
)
from langchain_nemotron_omni.fal import (
    FAL_QUEUE_URL,
    FalQueue,
    FalRequest,
    FalUpdate,
)
from langchain_nemotron_omni.fal import build_request as build_fal_request
from langchain_nemotron_omni.fal import output_text as fal_output_text
from langchain_nemotron_omni.media import MediaOptions, media_request_fields, prepare_messages
from langchain_nemotron_omni.profiles import get_profile
from langchain_nemotron_omni.providers import (
    BASE_URL_ENV,
    PROVIDERS,
    ProviderName,
    ProviderSpec,
    resolve_provider,
)
from langchain_nemotron_omni.reasoning.fields import reasoning_of
from langchain_nemotron_omni.structured_output import (
    ParseTarget,
    StructuredMethod,
    is_model_class,
    parse_structured_message,
    parse_target,
    response_format_for,
)
from langchain_nemotron_omni.tools.choice import (
    AUTO_TOOL_CHOICE_ERROR,
    calls_forced_tool,
    chunk_calls,
    force_instruction,
    forced_by,
    forced_tool,
    insist,
    joined_result,
    tool_choice_error,
)
from langchain_nemotron_omni.tools.render import render_tool_call_xml, render_tools_prompt

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )
    from langchain_core.language_models import LangSmithParams, LanguageModelInput
    from langchain_core.language_models.model_profile import ModelProfile

BudgetMode = Literal["auto", "server", "client"]
_DEFAULT_MEDIA = MediaOptions()
FAL_QUEUE_EVENT = "fal_queue_update"
"""Name of the LangChain custom event carrying fal queue progress (status, position, logs)."""


class ChatNemotronOmni(BaseChatOpenAI):
    """NVIDIA Nemotron 3 Nano Omni (and the text-only Nemotron 3 Nano) in LangChain.

    Works with vLLM, SGLang and NIM servers and with NVIDIA's API catalog, OpenRouter and
    haimaker. Unlike ``ChatOpenAI`` it keeps the model's reasoning (as
    ``additional_kwargs["reasoning_content"]`` and a ``reasoning`` content block), sends the
    reasoning of a tool loop back to the server, switches thinking explicitly on every
    request, and caps the thought with ``reasoning_budget``.

    Example:
        .. code-block:: python

            from langchain_nemotron_omni import ChatNemotronOmni

            llm = ChatNemotronOmni(base_url="http://localhost:8000/v1", model="nemotron")
            reply = llm.invoke("Why is the sky blue?")
            reply.additional_kwargs["reasoning_content"]  # the thought
            reply.content  # the answer
    """

    provider: ProviderName | None = None
    """Where the model is served; picked from the environment when unset (see README)."""
    model_name: str = Field(default="", alias="model")
    """Model id; defaults to the provider's id for Nemotron 3 Nano Omni."""
    thinking: bool = True
    """Let the model reason before answering. Sent explicitly on every request."""
    reasoning_budget: int | None = Field(default=None, ge=0)
    """Most tokens the thought may take; then the thought is closed and the answer follows."""
    reasoning_budget_mode: BudgetMode = "auto"
    """``server``: the provider's budget field. ``client``: stop at the budget, close the
    thought, continue the answer in a second request. ``auto``: server where the provider
    has a budget control, else client."""
    reasoning_parser: Literal["server", "client"] = "server"
    """``client`` for a server started without ``--reasoning-parser``: the ``<think>``
    markup then arrives in the text and is split here."""
    tool_parser: Literal["auto", "server", "client"] = "auto"
    """``server``: the server turns the model's XML into ``tool_calls``. ``client``: tools
    are written into the system prompt and calls parsed here (servers without
    ``--tool-call-parser``). ``auto``: server, switching to client for good if the server
    answers that it has no tool parser."""
    media: MediaOptions | None = None
    """How media is checked and sent (``MediaOptions``): transport (inline or ``file://``),
    PDF rendering, video ``fps``/``num_frames``, ``use_audio_in_video``, size and duration
    limits. ``None`` means the defaults."""
    top_k: int | None = None
    """Sample from the ``k`` most likely tokens (vLLM/SGLang extension)."""
    min_p: float | None = None
    """Minimum token probability relative to the most likely one (vLLM/SGLang extension)."""
    repetition_penalty: float | None = None
    """Penalty for repeated tokens, 1.0 is none (vLLM/SGLang extension)."""
    stream_usage: bool | None = True
    """Ask for token usage at the end of each stream (on by default, unlike ``ChatOpenAI``)."""

    @model_validator(mode="before")
    @classmethod
    def _fill_from_provider(cls, values: Any) -> Any:
        """Resolve the provider, then its base URL, API key and model id."""
        if not isinstance(values, dict):
            return values
        base_url = values.get("base_url") or values.get("openai_api_base")
        spec = resolve_provider(values.get("provider"), base_url=base_url)
        values["provider"] = spec.name
        if not base_url:
            values["base_url"] = os.environ.get(BASE_URL_ENV) or spec.base_url
        if not (values.get("model") or values.get("model_name")):
            values["model"] = spec.default_model
        if values.get("api_key") is None and values.get("openai_api_key") is None:
            key = os.environ.get(spec.key_env) if spec.key_env else None
            if key is None and spec.key_required:
                msg = (
                    f"provider={spec.name!r} needs an API key: set {spec.key_env} in the "
                    "environment or pass api_key=..."
                )
                raise MissingAPIKeyError(msg)
            # Local servers usually run without --api-key; the SDK still wants a value.
            # Never fall back to OPENAI_API_KEY: it must not leak to another server.
            values["api_key"] = key or "EMPTY"
        return values

    _tools_on_client: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _set_nemotron_omni_version(self) -> Self:
        self._add_version("langchain-nemotron-omni", __version__)
        return self

    @property
    def spec(self) -> ProviderSpec:
        """The provider table entry for this model."""
        # A table lookup, not a private attribute: pydantic's private-attribute access is
        # slow enough to show on every streamed chunk.
        return PROVIDERS[self.provider or "vllm"]

    @property
    def _llm_type(self) -> str:
        return "nemotron-omni"

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Map the API key to the provider's environment variable for serialization."""
        return {"openai_api_key": self.spec.key_env or "VLLM_API_KEY"}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """This model can be serialized with ``langchain_core.load.dumpd``."""
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """The import path used by ``langchain_core.load``."""
        return ["langchain_nemotron_omni", "chat_models"]

    def _resolve_model_profile(self) -> ModelProfile | None:
        return get_profile(self.model_name, provider=self.provider)

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = self.provider or "vllm"
        return params

    def _use_responses_api(self, payload: dict[str, Any]) -> bool:  # noqa: ARG002
        # Nemotron servers speak Chat Completions; never route to the Responses API.
        return False

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: StructuredMethod = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Answers shaped by ``schema`` (a Pydantic class, TypedDict or JSON schema).

        ``json_schema`` (default) constrains decoding with the server's structured outputs,
        ``json_mode`` asks for any JSON object, ``function_calling`` forces a tool call. The
        JSON is read from the answer, never from the thought, so reasoning can stay on; an
        answer that does not fit raises ``StructuredOutputError`` showing the raw text
        (or, with ``include_raw=True``, is returned as ``parsing_error``).
        """
        if method == "function_calling":
            return super().with_structured_output(
                schema, method="function_calling", include_raw=include_raw, strict=strict, **kwargs
            )
        if method == "json_mode":
            response_format: dict[str, Any] = {"type": "json_object"}
        elif schema is None:
            msg = "with_structured_output(method='json_schema') needs a schema."
            raise ValueError(msg)
        else:
            response_format = response_format_for(schema, strict=strict)
        target: ParseTarget = schema if is_model_class(schema) else "json"  # type: ignore[assignment]
        llm = self.bind(
            response_format=response_format,
            ls_structured_output_format={
                "kwargs": {"method": method, "strict": strict},
                "schema": response_format.get("json_schema", {}).get("schema"),
            },
            **kwargs,
        )
        parser = RunnableLambda(partial(parse_structured_message, target=target))
        if not include_raw:
            return llm | parser
        with_parsed = RunnablePassthrough.assign(
            parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
        )
        without = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=llm) | with_parsed.with_fallbacks(
            [without], exception_key="parsing_error"
        )

    # ----------------------------------------------------------------- request side

    def _user_extra_body(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """``extra_body`` as the user set it: constructor first, then the call."""
        base = deep_merge(self.model_kwargs.get("extra_body") or {}, self.extra_body or {})
        return deep_merge(base, kwargs.get("extra_body") or {})

    def _resolve_call(self, kwargs: Mapping[str, Any]) -> Call:
        thinking = bool(kwargs.get("thinking", self.thinking))
        budget = kwargs.get("reasoning_budget", self.reasoning_budget)
        lifted = {
            key: kwargs[key] for key in ("chat_template_kwargs", "reasoning") if key in kwargs
        }
        user_extra = deep_merge(lifted, self._user_extra_body(kwargs))
        thinking = effective_thinking(self.spec, user_extra, thinking)
        mode: Literal["server", "client"] | None = None
        if budget is not None and thinking:
            server_ok = self.spec.budget_control is not None
            if self.reasoning_budget_mode == "server" or (
                self.reasoning_budget_mode == "auto" and server_ok
            ):
                mode = "server"
            else:
                mode = "client"
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        tools = kwargs.get("tools")
        shape = ShapeSettings(
            thinking=thinking,
            client_split=self.reasoning_parser == "client",
            max_tokens=max_tokens,
            reasoning_budget=budget,
            parse_as=parse_target(kwargs.get("response_format")),
            tools=tuple(tools) if tools and kwargs.get("tool_choice") != "none" else None,
        )
        return Call(
            thinking=thinking, budget=budget, budget_mode=mode, max_tokens=max_tokens, shape=shape
        )

    def _get_request_payload(
        self,
        input_: LanguageModelInput,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        call = self._resolve_call(kwargs)
        for key in ("thinking", "reasoning_budget"):
            kwargs.pop(key, None)
        call_extra = kwargs.pop("extra_body", None) or {}
        # Media first: LangChain's own conversion raises on video blocks and audio URLs.
        messages = prepare_messages(
            self._convert_input(input_).to_messages(),
            provider=self.spec,
            options=self.media_options,
            model=self.model_name,
        )
        payload = super()._get_request_payload(messages, stop=stop, **kwargs)
        user_extra = deep_merge(payload.pop("extra_body", None) or {}, call_extra)
        if (response_format := payload.pop("response_format", None)) is not None:
            # Sent in the body, so the SDK does not parse raw content (thought included);
            # the answer is parsed after shaping instead.
            user_extra["response_format"] = response_format_for(response_format, strict=None)
        lift_extensions(payload)
        user_extra = deep_merge(payload.pop("extra_body", None) or {}, user_extra)
        sampling = {
            "top_k": self.top_k,
            "min_p": self.min_p,
            "repetition_penalty": self.repetition_penalty,
        }
        ours = {key: value for key, value in sampling.items() if value is not None}
        server_budget = call.budget if call.budget_mode == "server" else None
        ours = deep_merge(
            ours, thinking_body(self.spec, thinking=call.thinking, server_budget=server_budget)
        )
        ours = deep_merge(ours, media_request_fields(self.media_options, messages))
        payload["extra_body"] = deep_merge(ours, user_extra)
        if payload.get("max_tokens") is None:
            payload.pop("max_tokens", None)
        echo_reasoning(
            self.spec,
            messages,
            payload["messages"],
            all_turns=keeps_all_thinking(payload["extra_body"]),
        )
        payload["messages"] = move_tool_media(payload["messages"])
        if self.spec.flatten_non_user_content:
            flatten_text_content(payload["messages"])
        if payload.get("tools") and self.renders_tools:
            self._tools_into_prompt(payload)
        return payload

    @property
    def media_options(self) -> MediaOptions:
        """The media options in force (the defaults when ``media`` is unset)."""
        return self.media or _DEFAULT_MEDIA

    @property
    def renders_tools(self) -> bool:
        """Whether tools are written into the prompt here instead of sent as ``tools``."""
        return self.tool_parser == "client" or self._tools_on_client

    @staticmethod
    def _tools_into_prompt(payload: dict[str, Any]) -> None:
        tools = payload.pop("tools")
        choice = payload.pop("tool_choice", None)
        payload.pop("parallel_tool_calls", None)
        if choice == "none":
            return
        text = render_tools_prompt(tools)
        if forced := forced_tool(choice):
            text = f"{text}\n\n{force_instruction(forced)}"
        add_system_text(payload["messages"], text)

    def _switch_to_client_tools(
        self, error: openai.BadRequestError, kwargs: Mapping[str, Any]
    ) -> bool:
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

    def _parent_generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        run_manager: CallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> ChatResult:
        try:
            return super()._generate(messages, stop, run_manager, **kwargs)
        except openai.BadRequestError as error:
            if not self._switch_to_client_tools(error, kwargs):
                raise
        except openai.NotFoundError as error:
            raise explain_not_found(error, self.root_client, self.model_name) from error
        return super()._generate(messages, stop, run_manager, **kwargs)

    async def _parent_agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        run_manager: AsyncCallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> ChatResult:
        try:
            return await super()._agenerate(messages, stop, run_manager, **kwargs)
        except openai.BadRequestError as error:
            if not self._switch_to_client_tools(error, kwargs):
                raise
        except openai.NotFoundError as error:
            raise await aexplain_not_found(
                error, self.root_async_client, self.model_name
            ) from error
        return await super()._agenerate(messages, stop, run_manager, **kwargs)

    # ---------------------------------------------------------------- response side

    def _create_chat_result(
        self,
        response: dict[str, Any] | openai.BaseModel,
        generation_info: dict[str, Any] | None = None,
    ) -> ChatResult:
        result = super()._create_chat_result(response, generation_info)
        # Read the reasoning straight off the response: the parent already paid for one
        # model_dump(), a second would double the cost of every call.
        choices = (
            response.get("choices")
            if isinstance(response, dict)
            else getattr(response, "choices", None)
        )
        for generation, choice in zip(result.generations, choices or [], strict=False):
            fields = _message_fields(choice)
            reasoning = reasoning_of(fields)
            if reasoning is not None:
                generation.message.additional_kwargs[REASONING_KEY] = reasoning
            generation.message.response_metadata["model_provider"] = MODEL_PROVIDER
        if result.llm_output is not None:
            result.llm_output["model_provider"] = MODEL_PROVIDER
        return result

    def _convert_chunk_to_generation_chunk(
        self,
        chunk: dict[str, Any],
        default_chunk_class: type,
        base_generation_info: dict[str, Any] | None,
    ) -> ChatGenerationChunk | None:
        generation_chunk = super()._convert_chunk_to_generation_chunk(
            chunk, default_chunk_class, base_generation_info
        )
        if generation_chunk is None:
            return None
        choices = chunk.get("choices")
        if choices and (reasoning := reasoning_of(choices[0].get("delta") or {})):
            generation_chunk.message.additional_kwargs[REASONING_KEY] = reasoning
        generation_chunk.message.response_metadata["model_provider"] = MODEL_PROVIDER
        return generation_chunk

    def _shape_result(self, result: ChatResult, call: Call) -> ChatResult:
        for generation in result.generations:
            if isinstance(generation.message, AIMessage):
                finish = (generation.generation_info or {}).get("finish_reason")
                shape_message(generation.message, call.shape, finish)
        return result

    # -------------------------------------------------------------- invoke / stream

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        forced = forced_by(kwargs)
        result = self._generate_once(messages, stop, run_manager, **kwargs)
        if forced is None or calls_forced_tool(result, forced):
            return result
        # vLLM's qwen3_coder parser ignores forced tool choice: ask once more, explicitly.
        retry = self._generate_once(insist(messages, forced), stop, run_manager, **kwargs)
        if calls_forced_tool(retry, forced):
            return retry
        raise tool_choice_error(forced, retry)

    def _generate_once(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if not self.spec.openai_compatible:
            return self._fal_generate(messages, run_manager, kwargs)
        call = self._resolve_call(kwargs)
        if call.budget_mode != "client":
            return self._shape_result(
                self._parent_generate(messages, stop, run_manager, kwargs), call
            )
        first_kwargs, first_call = first_phase(kwargs, call)
        first = self._shape_result(
            self._parent_generate(messages, stop, run_manager, first_kwargs), first_call
        )
        plan = second_phase(self.spec, messages, first, kwargs, call)
        if plan is None:
            return first
        second_messages, second_kwargs, second_call = plan
        second = self._shape_result(
            self._parent_generate(second_messages, stop, run_manager, second_kwargs), second_call
        )
        return join_phases(first, second, call)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        forced = forced_by(kwargs)
        result = await self._agenerate_once(messages, stop, run_manager, **kwargs)
        if forced is None or calls_forced_tool(result, forced):
            return result
        retry = await self._agenerate_once(insist(messages, forced), stop, run_manager, **kwargs)
        if calls_forced_tool(retry, forced):
            return retry
        raise tool_choice_error(forced, retry)

    async def _agenerate_once(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if not self.spec.openai_compatible:
            return await self._afal_generate(messages, run_manager, kwargs)
        call = self._resolve_call(kwargs)
        if call.budget_mode != "client":
            result = await self._parent_agenerate(messages, stop, run_manager, kwargs)
            return self._shape_result(result, call)
        first_kwargs, first_call = first_phase(kwargs, call)
        first = self._shape_result(
            await self._parent_agenerate(messages, stop, run_manager, first_kwargs), first_call
        )
        plan = second_phase(self.spec, messages, first, kwargs, call)
        if plan is None:
            return first
        second_messages, second_kwargs, second_call = plan
        second = self._shape_result(
            await self._parent_agenerate(second_messages, stop, run_manager, second_kwargs),
            second_call,
        )
        return join_phases(first, second, call)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        forced = forced_by(kwargs)
        if forced is None:
            yield from self._stream_once(messages, stop, run_manager, **kwargs)
            return
        # Held back until the forced call shows up, so a reply that ignores the forcing is
        # replaced by the retry rather than shown and then contradicted.
        for attempt in (messages, insist(messages, forced)):
            held: list[ChatGenerationChunk] = []
            stream = self._stream_once(attempt, stop, run_manager, **kwargs)
            for chunk in stream:
                held.append(chunk)
                if chunk_calls(chunk, forced):
                    yield from held
                    yield from stream
                    return
        raise tool_choice_error(forced, joined_result(held))

    def _stream_once(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if not self.spec.openai_compatible:
            # fal's queue has no token stream: the whole reply arrives as one chunk.
            yield _as_chunk(self._fal_generate(messages, run_manager, kwargs))
            return
        call = self._resolve_call(kwargs)
        if call.budget_mode != "client":
            shaper = StreamShaper(call.shape)
            yield from self._shaped_stream(messages, stop, run_manager, kwargs, shaper)
            return
        first_kwargs, first_call = first_phase(kwargs, call)
        shaper = StreamShaper(first_call.shape, continues=True)
        yield from self._shaped_stream(messages, stop, run_manager, first_kwargs, shaper)
        if plan := second_phase_from_stream(self.spec, messages, shaper, kwargs, call):
            second_messages, second_kwargs, second_call = plan
            shaper = StreamShaper(second_call.shape)
            yield from self._shaped_stream(
                second_messages, stop, run_manager, second_kwargs, shaper
            )

    def _shaped_stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        run_manager: CallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
        shaper: StreamShaper,
    ) -> Iterator[ChatGenerationChunk]:
        # Callbacks get the shaped chunks, so run_manager is not handed to the parent.
        received = 0
        try:
            for raw in self._parent_stream(messages, stop, kwargs):
                received += 1
                chunk = shaper.process(raw)
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
        except (openai.APIConnectionError, httpx.TransportError) as error:
            if not received:
                raise
            raise self._interrupted(received, shaper) from error
        self._check_finished(received, shaper)
        if (tail := shaper.finish()) is not None:
            if run_manager:
                run_manager.on_llm_new_token(tail.text, chunk=tail)
            yield tail

    def _parent_stream(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> Iterator[ChatGenerationChunk]:
        try:
            stream = super()._stream(messages, stop, None, **kwargs)
            first = next(stream, None)
        except openai.BadRequestError as error:
            if not self._switch_to_client_tools(error, kwargs):
                raise
            stream = super()._stream(messages, stop, None, **kwargs)
            first = next(stream, None)
        except openai.NotFoundError as error:
            raise explain_not_found(error, self.root_client, self.model_name) from error
        if first is not None:
            yield first
            yield from stream

    async def _parent_astream(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> AsyncIterator[ChatGenerationChunk]:
        try:
            stream = super()._astream(messages, stop, None, **kwargs)
            first = await anext(stream, None)
        except openai.BadRequestError as error:
            if not self._switch_to_client_tools(error, kwargs):
                raise
            stream = super()._astream(messages, stop, None, **kwargs)
            first = await anext(stream, None)
        except openai.NotFoundError as error:
            raise await aexplain_not_found(
                error, self.root_async_client, self.model_name
            ) from error
        if first is not None:
            yield first
            async for chunk in stream:
                yield chunk

    def _interrupted(self, received: int, shaper: StreamShaper) -> StreamInterruptedError:
        got = sum(len(t) for t in (*shaper.reasoning_text, *shaper.content_text))
        return StreamInterruptedError(
            f"The stream from {self.openai_api_base} broke off after {received} chunks "
            f"({got} characters of thought and answer) before the server finished it. "
            "The partial reply was not returned as an answer; retry the call."
        )

    def _check_finished(self, received: int, shaper: StreamShaper) -> None:
        if received and shaper.finish_reason is None:
            raise self._interrupted(received, shaper)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        forced = forced_by(kwargs)
        if forced is None:
            async for chunk in self._astream_once(messages, stop, run_manager, **kwargs):
                yield chunk
            return
        for attempt in (messages, insist(messages, forced)):
            held: list[ChatGenerationChunk] = []
            stream = self._astream_once(attempt, stop, run_manager, **kwargs)
            async for chunk in stream:
                held.append(chunk)
                if chunk_calls(chunk, forced):
                    for earlier in held:
                        yield earlier
                    async for rest in stream:
                        yield rest
                    return
        raise tool_choice_error(forced, joined_result(held))

    async def _astream_once(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        if not self.spec.openai_compatible:
            yield _as_chunk(await self._afal_generate(messages, run_manager, kwargs))
            return
        call = self._resolve_call(kwargs)
        if call.budget_mode != "client":
            shaper = StreamShaper(call.shape)
            async for chunk in self._ashaped_stream(messages, stop, run_manager, kwargs, shaper):
                yield chunk
            return
        first_kwargs, first_call = first_phase(kwargs, call)
        shaper = StreamShaper(first_call.shape, continues=True)
        async for chunk in self._ashaped_stream(messages, stop, run_manager, first_kwargs, shaper):
            yield chunk
        if plan := second_phase_from_stream(self.spec, messages, shaper, kwargs, call):
            second_messages, second_kwargs, second_call = plan
            shaper = StreamShaper(second_call.shape)
            async for chunk in self._ashaped_stream(
                second_messages, stop, run_manager, second_kwargs, shaper
            ):
                yield chunk

    async def _ashaped_stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        run_manager: AsyncCallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
        shaper: StreamShaper,
    ) -> AsyncIterator[ChatGenerationChunk]:
        received = 0
        try:
            async for raw in self._parent_astream(messages, stop, kwargs):
                received += 1
                chunk = shaper.process(raw)
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
        except (openai.APIConnectionError, httpx.TransportError) as error:
            if not received:
                raise
            raise self._interrupted(received, shaper) from error
        self._check_finished(received, shaper)
        if (tail := shaper.finish()) is not None:
            if run_manager:
                await run_manager.on_llm_new_token(tail.text, chunk=tail)
            yield tail

    # ------------------------------------------------------------------------ fal.ai

    def _fal_request(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> FalRequest:
        call = self._resolve_call(kwargs)
        tools = kwargs.get("tools")
        choice = kwargs.get("tool_choice")
        tools_prompt = None
        if tools and choice != "none":
            # fal has no tool parameter: tools go into the system prompt in the model's own
            # format and calls are parsed back from the text.
            tools_prompt = render_tools_prompt(tools)
            if forced := forced_tool(choice):
                tools_prompt = f"{tools_prompt}\n\n{force_instruction(forced)}"
        return build_fal_request(
            messages,
            thinking=call.thinking,
            max_tokens=call.max_tokens,
            temperature=kwargs.get("temperature", self.temperature),
            top_p=kwargs.get("top_p", self.top_p),
            tools_prompt=tools_prompt,
            render_tool_calls=_tool_calls_xml,
        )

    def _fal_queue(self) -> FalQueue:
        key = self.openai_api_key
        secret = key.get_secret_value() if isinstance(key, SecretStr) else ""
        timeout = self.request_timeout if isinstance(self.request_timeout, float | int) else 600.0
        return FalQueue(
            api_key=secret,
            base_url=self.openai_api_base or FAL_QUEUE_URL,
            timeout=float(timeout),
            max_retries=self.max_retries if self.max_retries is not None else 2,
        )

    def _fal_result(self, result: Mapping[str, Any], kwargs: dict[str, Any]) -> ChatResult:
        call = self._resolve_call(kwargs)
        message = AIMessage(
            content=fal_output_text(result),
            response_metadata={"model_name": self.model_name, "model_provider": MODEL_PROVIDER},
        )
        # fal reports no finish reason; a reply that came back whole is taken as finished.
        shape_message(message, call.shape, "stop")
        generation = ChatGeneration(message=message, generation_info={"finish_reason": "stop"})
        return ChatResult(generations=[generation], llm_output={"model_provider": MODEL_PROVIDER})

    def _fal_generate(
        self,
        messages: list[BaseMessage],
        run_manager: CallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> ChatResult:
        request = self._fal_request(messages, kwargs)

        def report(update: FalUpdate) -> None:
            if run_manager:
                args, details = _queue_event(run_manager, update)
                handle_event(*args, **details)

        result = self._fal_queue().run(self.model_name, request, report)
        return self._fal_result(result, kwargs)

    async def _afal_generate(
        self,
        messages: list[BaseMessage],
        run_manager: AsyncCallbackManagerForLLMRun | None,
        kwargs: dict[str, Any],
    ) -> ChatResult:
        request = self._fal_request(messages, kwargs)

        async def report(update: FalUpdate) -> None:
            if run_manager:
                args, details = _queue_event(run_manager, update)
                await ahandle_event(*args, **details)

        result = await self._fal_queue().arun(self.model_name, request, report)
        return self._fal_result(result, kwargs)


def _queue_event(
    run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun, update: FalUpdate
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The ``handle_event`` arguments that deliver a fal queue update as a custom event.

    Run managers do not forward custom events themselves; their handlers do.
    """
    args = (
        run_manager.handlers,
        "on_custom_event",
        "ignore_custom_event",
        FAL_QUEUE_EVENT,
        asdict(update),
    )
    details = {
        "run_id": run_manager.run_id,
        "tags": run_manager.tags,
        "metadata": run_manager.metadata,
    }
    return args, details


def _tool_calls_xml(message: AIMessage) -> str:
    """An assistant turn's tool calls written as the model writes them (for fal's transcript)."""
    return "".join(render_tool_call_xml(call["name"], call["args"]) for call in message.tool_calls)


def _as_chunk(result: ChatResult) -> ChatGenerationChunk:
    """A whole reply as the single chunk of a stream."""
    message = result.generations[0].message
    chunk = AIMessageChunk(
        content=message.content,
        additional_kwargs=message.additional_kwargs,
        response_metadata=message.response_metadata,
        id=message.id,
    )
    return ChatGenerationChunk(message=chunk, generation_info=result.generations[0].generation_info)


def _message_fields(choice: Any) -> Mapping[str, Any]:
    """The message of a response choice as a mapping (unknown fields included)."""
    if isinstance(choice, Mapping):
        return choice.get("message") or {}
    message = getattr(choice, "message", None)
    if message is None:
        return {}
    return {**(message.model_extra or {}), **message.__dict__}


__all__ = ["ChatNemotronOmni"]
