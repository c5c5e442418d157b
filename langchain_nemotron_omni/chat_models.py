"""``ChatNemotronOmni``: NVIDIA Nemotron 3 Nano Omni as a LangChain chat model.

The class keeps to ``BaseChatOpenAI``'s hooks: it plans each call
(:mod:`langchain_nemotron_omni.request`), renders the plan into the payload, lets the parent
talk to the server, and shapes every reply, whole or streamed, with the same steps
(:mod:`langchain_nemotron_omni.reply`). fal.ai, which is not OpenAI-compatible, is a
transport of its own (:mod:`langchain_nemotron_omni.fal`), picked when the model is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from langchain_core.messages import BaseMessage
from pydantic import Field, model_validator

# Imported for its side effect: registers the "nemotron" content-block translator.
import langchain_nemotron_omni.translator  # noqa: F401
from langchain_nemotron_omni._version import __version__
from langchain_nemotron_omni.fal import FAL_QUEUE_EVENT, FalTransport
from langchain_nemotron_omni.media import MediaOptions, prepare_messages
from langchain_nemotron_omni.profiles import get_profile
from langchain_nemotron_omni.providers import (
    PROVIDERS,
    ProviderName,
    ProviderSpec,
    connection_values,
)
from langchain_nemotron_omni.reasoning.fields import reasoning_of
from langchain_nemotron_omni.reasoning.route import ReasoningParserMode
from langchain_nemotron_omni.reply.render import REASONING_KEY
from langchain_nemotron_omni.request.payload import render_payload
from langchain_nemotron_omni.request.plan import (
    OWN_KEYWORDS,
    PLAN_KEY,
    BudgetMode,
    RequestPlan,
    plan_request,
)
from langchain_nemotron_omni.request.runner import AttemptRunner
from langchain_nemotron_omni.structured_output import StructuredMethod, structured_runnable

if TYPE_CHECKING:
    import openai
    from langchain_core.language_models import LangSmithParams, LanguageModelInput
    from langchain_core.language_models.model_profile import ModelProfile
    from langchain_core.outputs import ChatGenerationChunk, ChatResult
    from langchain_core.runnables import Runnable

__all__ = ["FAL_QUEUE_EVENT", "ChatNemotronOmni"]

_DEFAULT_MEDIA = MediaOptions()


class ChatNemotronOmni(AttemptRunner):
    """NVIDIA Nemotron 3 Nano Omni (and the text-only Nemotron 3 Nano) in LangChain.

    Works with vLLM, SGLang and NIM servers and with NVIDIA's API catalog, OpenRouter,
    haimaker and fal.ai. Unlike ``ChatOpenAI`` it keeps the model's reasoning (as
    ``additional_kwargs["reasoning_content"]`` and a ``reasoning`` content block), sends the
    reasoning of a tool loop back to the server, switches thinking explicitly on every
    request, caps the thought with ``reasoning_budget``, and gives the same reply in
    ``invoke`` and ``stream``.

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
    reasoning_parser: ReasoningParserMode = "auto"
    """Who separates the thought from the answer. ``auto``: detected from the replies (a
    server without ``--reasoning-parser`` leaves ``</think>`` in the text, and the split is
    made here). ``server`` / ``client`` fix it."""
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
        return connection_values(values) if isinstance(values, dict) else values

    @model_validator(mode="after")
    def _set_nemotron_omni_version(self) -> Self:
        self._add_version("langchain-nemotron-omni", __version__)
        if not self.spec.openai_compatible:
            self.learned.fal = FalTransport()  # the transport is chosen once, here
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
        return structured_runnable(
            self, schema, method=method, include_raw=include_raw, strict=strict, **kwargs
        )

    # ----------------------------------------------------------------- request side

    @property
    def media_options(self) -> MediaOptions:
        """The media options in force (the defaults when ``media`` is unset)."""
        return self.media or _DEFAULT_MEDIA

    def _plan(self, kwargs: dict[str, Any]) -> RequestPlan:
        return plan_request(self, kwargs)

    def _get_request_payload(
        self,
        input_: LanguageModelInput,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        plan: RequestPlan = kwargs.get(PLAN_KEY) or plan_request(self, kwargs)
        for key in OWN_KEYWORDS:
            kwargs.pop(key, None)
        # Media first: LangChain's own conversion raises on video blocks and audio URLs.
        # The chat model's own loops pass a list of messages, which needs no conversion.
        given = (
            input_
            if isinstance(input_, list) and all(isinstance(m, BaseMessage) for m in input_)
            else self._convert_input(input_).to_messages()
        )
        messages = given
        if any(not isinstance(message.content, str) for message in given):  # parts: media?
            messages = prepare_messages(
                given, provider=self.spec, options=plan.media, model=self.model_name
            )
        payload = super()._get_request_payload(messages, stop=stop, **kwargs)
        return render_payload(plan, payload, messages)

    # ---------------------------------------------------------------- response side

    def _create_chat_result(
        self,
        response: dict[str, Any] | openai.BaseModel,
        generation_info: dict[str, Any] | None = None,
    ) -> ChatResult:
        result = super()._create_chat_result(response, generation_info)
        # Read the reasoning and the server's raw calls straight off the response: the
        # parent already paid for one model_dump(), a second would double every call's cost.
        choices = (
            response.get("choices")
            if isinstance(response, dict)
            else getattr(response, "choices", None)
        )
        for generation, choice in zip(result.generations, choices or [], strict=False):
            fields = _message_fields(choice)
            kwargs = generation.message.additional_kwargs
            if (reasoning := reasoning_of(fields)) is not None:
                kwargs[REASONING_KEY] = reasoning
            if calls := fields.get("tool_calls"):
                kwargs["tool_calls"] = [_as_dict(call) for call in calls]
        return result

    def _convert_chunk_to_generation_chunk(
        self,
        chunk: dict[str, Any],
        default_chunk_class: type,
        base_generation_info: dict[str, Any] | None,
    ) -> ChatGenerationChunk | None:
        choices = chunk.get("choices")
        first: dict[str, Any] = choices[0] if choices else {}
        delta: dict[str, Any] = first.get("delta") or {}
        calls = delta.get("tool_calls")
        if calls:
            # The calls are checked and re-chunked in shaping; LangChain's own conversion
            # would re-parse every argument fragment on its own first.
            delta = {key: value for key, value in delta.items() if key != "tool_calls"}
            chunk = {**chunk, "choices": [{**first, "delta": delta}, *chunk["choices"][1:]]}
        generation_chunk = super()._convert_chunk_to_generation_chunk(
            chunk, default_chunk_class, base_generation_info
        )
        if generation_chunk is not None and delta:
            kwargs = generation_chunk.message.additional_kwargs
            if reasoning := reasoning_of(delta):
                kwargs[REASONING_KEY] = reasoning
            if calls:
                kwargs["tool_calls"] = calls
        return generation_chunk


def _message_fields(choice: Any) -> dict[str, Any]:
    """The message of a response choice as a mapping (unknown fields included)."""
    if isinstance(choice, dict):
        return choice.get("message") or {}
    message = getattr(choice, "message", None)
    if message is None:
        return {}
    return {**(message.model_extra or {}), **message.__dict__}


def _as_dict(value: Any) -> dict[str, Any]:
    """A response object (an SDK model or a dict) as a dict."""
    return value if isinstance(value, dict) else value.model_dump()
