"""The servers :class:`FakeNemotronServer` imitates, and how each one differs: one row each.

Every difference between the imitated servers lives in this table: which reasoning and
tool-call parsers run, which fields the answers name, which requests are refused and how, and
how answers are laid out on the wire. The rest of ``langchain_nemotron_omni.testing`` reads
the row of its flavor and never compares flavor names. ``docs/fake-server.md`` describes the
flavors for users.

The hosted front-ends (NVIDIA's API catalog, OpenRouter) are a second, smaller table: each
sits in front of a vLLM backend, translates its own request fields and renames answer fields
(:meth:`Flavor.behind` gives the row a client sees through one).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

FlavorName = Literal["vllm", "vllm-0.15", "vllm-0.11", "sglang", "raw"]
Hosted = Literal["nvidia", "openrouter"]

ReasoningParser = Literal["nemotron_v3", "nemotron_3"]
"""``nemotron_v3``: vLLM's classic parser (a DeepSeek-R1 subclass, 0.17.1-0.23).
``nemotron_3``: SGLang's detector, which also ends the thought at ``<tool_call>``."""

ToolParser = Literal["vllm", "sglang"]
"""The ``qwen3_coder`` tool parser as vLLM 0.20 (classic) or SGLang 0.5.23 runs it."""

Continuation = Literal["assistant_turn", "after_generation_prompt"]
"""How ``continue_final_message`` continues the last assistant message.

``assistant_turn`` (vLLM, through ``transformers``): the template renders the message and the
prompt is cut right after its content. ``after_generation_prompt`` (SGLang): the generation
prompt is always added, the message is dropped and its content appended after that prompt."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """How one server family lays its answers out: key order, ids and error bodies."""

    completion_fields: tuple[str, ...]
    """Top-level keys of a non-streamed answer, in order (keys without a value are null)."""
    choice_fields: tuple[str, ...]
    """Keys of a non-streamed choice, in order."""
    message_head: tuple[str, ...]
    """Message keys before the reasoning fields (the flavor's ``reasoning_fields`` follow)."""
    message_tail: tuple[str, ...]
    """Message keys after the reasoning fields."""
    indexed_message_tool_calls: bool
    """Message tool calls carry ``index`` and are ``null`` (not ``[]``) when there are none."""
    first_chunk_fields: tuple[str, ...]
    """Keys of the choice of the ``role: assistant`` chunk a stream starts with."""
    delta_chunk_fields: tuple[str, ...]
    """Keys of the choice of every later chunk that carries no finish reason."""
    final_chunk_fields: tuple[str, ...]
    """Keys of the choice of the chunk that carries ``finish_reason``."""
    stop_field: str
    """Where the matched stop string goes (``stop_reason`` or ``matched_stop``)."""
    chunk_usage_null: bool
    """Every chunk without usage says ``"usage": null``."""
    request_id_prefix: str
    request_id_bytes: int
    """The answer id is the prefix plus this many random bytes in hex."""
    non_streamed_call_ids: Literal["chatcmpl-tool", "call"]
    """Ids of non-streamed tool calls: ``chatcmpl-tool-<16 hex>`` or ``call_<24 hex>``
    (streamed calls are ``call_<24 hex>`` everywhere)."""
    error_shape: Literal["nested", "flat"]
    """``{"error": {...}}`` (vLLM) or ``{"object": "error", ...}`` (SGLang)."""
    owned_by: str
    model_permissions: bool
    """``GET /v1/models`` cards carry ``parent`` and a ``permission`` list."""


VLLM_ENVELOPE = Envelope(
    completion_fields=(
        "id", "object", "created", "model", "choices", "service_tier", "system_fingerprint",
        "usage", "prompt_logprobs", "prompt_token_ids", "kv_transfer_params",
    ),
    choice_fields=("index", "message", "logprobs", "finish_reason", "stop_reason", "token_ids"),
    message_head=(
        "role", "content", "refusal", "annotations", "audio", "function_call", "tool_calls",
    ),
    message_tail=(),
    indexed_message_tool_calls=False,
    first_chunk_fields=("index", "delta", "logprobs", "finish_reason"),
    delta_chunk_fields=("index", "delta", "logprobs", "finish_reason", "token_ids"),
    final_chunk_fields=(
        "index", "delta", "logprobs", "finish_reason", "stop_reason", "token_ids",
    ),
    stop_field="stop_reason",
    chunk_usage_null=False,
    request_id_prefix="chatcmpl-",
    request_id_bytes=8,
    non_streamed_call_ids="chatcmpl-tool",
    error_shape="nested",
    owned_by="vllm",
    model_permissions=True,
)  # fmt: skip

SGLANG_ENVELOPE = Envelope(
    completion_fields=("id", "object", "created", "model", "choices", "usage"),
    choice_fields=("index", "message", "logprobs", "finish_reason", "matched_stop"),
    message_head=("role", "content"),
    message_tail=("tool_calls",),
    indexed_message_tool_calls=True,
    first_chunk_fields=("index", "delta", "logprobs", "finish_reason", "matched_stop"),
    delta_chunk_fields=("index", "delta", "logprobs", "finish_reason", "matched_stop"),
    final_chunk_fields=("index", "delta", "logprobs", "finish_reason", "matched_stop"),
    stop_field="matched_stop",
    chunk_usage_null=True,
    request_id_prefix="",
    request_id_bytes=16,
    non_streamed_call_ids="call",
    error_shape="flat",
    owned_by="sglang",
    model_permissions=False,
)


@dataclass(frozen=True, slots=True)
class Flavor:
    """One imitated server: what it parses, names, validates and streams."""

    name: FlavorName
    imitates: str
    """The server and flags this row stands for."""

    # -- what it parses ------------------------------------------------------------------------
    reasoning_parser: ReasoningParser | None
    """``None``: no reasoning parser; the thought stays in ``content``."""
    tool_parser: ToolParser | None
    """``None``: no tool parser; ``tool_choice: "auto"`` with tools is refused."""
    length_becomes_tool_calls: bool
    """A reply cut by ``max_tokens`` after a call began finishes with ``tool_calls``."""

    # -- what it names -------------------------------------------------------------------------
    reasoning_fields: tuple[str, ...]
    """Message and delta fields that carry the reasoning (all the same value)."""
    history_reasoning_fields: tuple[str, ...]
    """Assistant-history fields the server reads reasoning from; the first one set wins."""
    delta_null_fields: tuple[str, ...]
    """Delta fields present on every streamed delta, ``null`` when they carry nothing."""
    envelope: Envelope

    # -- what it validates ---------------------------------------------------------------------
    known_fields: frozenset[str]
    """Request fields the server knows; others are ignored (and listed in
    ``ChatRequest.ignored_fields``)."""
    part_types: frozenset[str]
    """Content-part types accepted in messages."""
    validator_errors: Literal["pydantic", "plain"]
    """``pydantic``: model-validator failures answer ``type: "Bad Request"`` with pydantic's
    ``"Value error, "`` prefix (vLLM); ``plain``: a bare 400 message (SGLang)."""
    checks_tool_usage: bool
    """vLLM's request validators: ``tools: []``, malformed tools, ``tool_choice`` rules,
    ``continue_final_message`` with ``add_generation_prompt``."""
    checks_tool_pairing: bool
    """Tool results must answer the latest assistant calls by id (SGLang)."""
    checks_media: bool
    """Media URLs are checked (scheme, base64, local path) and tool messages take text only."""
    refuses_request_chat_template: bool
    """A ``chat_template`` in the request is refused (no ``--trust-request-chat-template``)."""
    continuation: Continuation
    reasoning_effort_none_disables_thinking: bool
    """``reasoning_effort: "none"`` sets ``enable_thinking: false`` unless the request says."""
    context_error: str
    """The context-length refusal; formatted with ``limit``, ``total``, ``prompt``, ``out``."""
    context_error_param: str | None

    # -- derived -------------------------------------------------------------------------------

    @property
    def enforces_thinking_budget(self) -> bool:
        """``thinking_token_budget`` is known and a reasoning parser can end the thought."""
        return "thinking_token_budget" in self.known_fields and self.reasoning_parser is not None

    @property
    def refuses_thinking_budget(self) -> bool:
        """``thinking_token_budget`` is known but there is no reasoning config to apply it."""
        return "thinking_token_budget" in self.known_fields and self.reasoning_parser is None

    @property
    def message_fields(self) -> tuple[str, ...]:
        """Keys of a non-streamed message, in order."""
        env = self.envelope
        return env.message_head + self.reasoning_fields + env.message_tail

    def behind(self, hosted: Hosted | None) -> Flavor:
        """This row as a client sees it through a hosted front-end (itself for ``None``)."""
        if hosted is None:
            return self
        front = HOSTED_FRONT_ENDS[hosted]
        return replace(self, reasoning_fields=front.reasoning_fields)


# Fields of vLLM 0.20's ChatCompletionRequest (``chat_completion/protocol.py``).
_VLLM_020_FIELDS = frozenset(
    {
        "messages", "model", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs",
        "max_tokens", "max_completion_tokens", "n", "presence_penalty", "response_format",
        "seed", "stop", "stream", "stream_options", "temperature", "top_p", "tools",
        "tool_choice", "reasoning_effort", "thinking_token_budget", "include_reasoning",
        "parallel_tool_calls", "user", "use_beam_search", "top_k", "min_p",
        "repetition_penalty", "length_penalty", "stop_token_ids", "include_stop_str_in_output",
        "ignore_eos", "min_tokens", "skip_special_tokens", "spaces_between_special_tokens",
        "truncate_prompt_tokens", "prompt_logprobs", "allowed_token_ids", "bad_words", "echo",
        "add_generation_prompt", "continue_final_message", "add_special_tokens", "documents",
        "chat_template", "chat_template_kwargs", "media_io_kwargs", "mm_processor_kwargs",
        "structured_outputs", "priority", "request_id", "logits_processors",
        "return_tokens_as_token_ids", "return_token_ids", "cache_salt", "kv_transfer_params",
        "vllm_xargs", "repetition_detection",
    }
)  # fmt: skip
# Before 0.19 there was no thinking_token_budget; 0.11 still had the guided_* fields.
_VLLM_015_FIELDS = _VLLM_020_FIELDS - {"thinking_token_budget", "repetition_detection"}
_VLLM_011_FIELDS = _VLLM_015_FIELDS | {
    "guided_json", "guided_regex", "guided_choice", "guided_grammar", "guided_decoding_backend",
    "guided_whitespace_pattern", "structural_tag",
}  # fmt: skip
# SGLang 0.5.x ChatCompletionRequest (``sglang/srt/entrypoints/openai/protocol.py``).
_SGLANG_FIELDS = frozenset(
    {
        "messages", "model", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs",
        "max_tokens", "max_completion_tokens", "n", "presence_penalty", "response_format",
        "seed", "stop", "stream", "stream_options", "temperature", "top_p", "user", "tools",
        "tool_choice", "parallel_tool_calls", "reasoning_effort", "top_k", "min_p", "min_tokens",
        "regex", "ebnf", "json_schema", "repetition_penalty", "stop_token_ids", "no_stop_trim",
        "ignore_eos", "continue_final_message", "skip_special_tokens", "lora_path",
        "session_params", "separate_reasoning", "stream_reasoning", "chat_template_kwargs",
        "rid", "return_hidden_states", "custom_logit_processor", "custom_params",
        "bootstrap_host", "bootstrap_port", "bootstrap_room", "priority", "cache_salt",
    }
)  # fmt: skip

# ``MM_PARSER_MAP`` keys (vLLM 0.20); SGLang takes fewer.
_VLLM_PART_TYPES = frozenset(
    {
        "text", "input_text", "output_text", "refusal", "thinking", "image_url", "input_image",
        "image_embeds", "image_pil", "audio_url", "input_audio", "audio_embeds", "video_url",
    }
)  # fmt: skip
_SGLANG_PART_TYPES = frozenset(
    {"text", "thinking", "image_url", "video_url", "audio_url", "input_audio"}
)

_VLLM_CONTEXT_ERROR = (
    "This model's maximum context length is {limit} tokens. However, you requested {out} "
    "output tokens and your prompt contains {prompt} input tokens, for a total of {total} "
    "tokens. Please reduce the length of the input prompt or the number of requested output "
    "tokens."
)
_SGLANG_CONTEXT_ERROR = (
    "Requested token count exceeds the model's maximum context length of {limit} tokens. You "
    "requested a total of {total} tokens: {prompt} tokens from the input messages and {out} "
    "tokens for the completion. Please reduce the number of tokens in the input messages or "
    "the completion to fit within the limit."
)

VLLM = Flavor(
    name="vllm",
    imitates=(
        "vLLM 0.20 (0.16 and later) with --reasoning-parser nemotron_v3 "
        "--tool-call-parser qwen3_coder --enable-auto-tool-choice"
    ),
    reasoning_parser="nemotron_v3",
    tool_parser="vllm",
    length_becomes_tool_calls=True,
    reasoning_fields=("reasoning",),
    # 0.16-0.21 read only `reasoning`; a `reasoning_content` key is ignored.
    history_reasoning_fields=("reasoning",),
    delta_null_fields=(),
    envelope=VLLM_ENVELOPE,
    known_fields=_VLLM_020_FIELDS,
    part_types=_VLLM_PART_TYPES,
    validator_errors="pydantic",
    checks_tool_usage=True,
    checks_tool_pairing=False,
    checks_media=True,
    refuses_request_chat_template=True,
    continuation="assistant_turn",
    reasoning_effort_none_disables_thinking=False,
    context_error=_VLLM_CONTEXT_ERROR,
    context_error_param="input_tokens",
)

FLAVOR_TABLE: dict[FlavorName, Flavor] = {
    "vllm": VLLM,
    "vllm-0.15": replace(
        VLLM,
        name="vllm-0.15",
        imitates="vLLM 0.12-0.15 with the same parsers (the nano_v3 plugin before 0.17.1)",
        # A deprecation validator copies `reasoning` into `reasoning_content` on every
        # message and delta, so content deltas carry `reasoning_content: null` too.
        reasoning_fields=("reasoning", "reasoning_content"),
        history_reasoning_fields=("reasoning", "reasoning_content"),
        delta_null_fields=("reasoning_content",),
        known_fields=_VLLM_015_FIELDS,
    ),
    "vllm-0.11": replace(
        VLLM,
        name="vllm-0.11",
        imitates="vLLM 0.11 and earlier with the same parsers",
        reasoning_fields=("reasoning_content",),
        history_reasoning_fields=("reasoning_content",),
        known_fields=_VLLM_011_FIELDS,
    ),
    "sglang": Flavor(
        name="sglang",
        imitates="SGLang 0.5.23 with --reasoning-parser nemotron_3 --tool-call-parser qwen3_coder",
        reasoning_parser="nemotron_3",
        tool_parser="sglang",
        length_becomes_tool_calls=False,
        reasoning_fields=("reasoning_content",),
        history_reasoning_fields=("reasoning_content",),
        delta_null_fields=("role", "content", "reasoning_content", "tool_calls"),
        envelope=SGLANG_ENVELOPE,
        known_fields=_SGLANG_FIELDS,
        part_types=_SGLANG_PART_TYPES,
        validator_errors="plain",
        checks_tool_usage=False,
        checks_tool_pairing=True,
        checks_media=False,
        refuses_request_chat_template=False,
        continuation="after_generation_prompt",
        reasoning_effort_none_disables_thinking=True,
        context_error=_SGLANG_CONTEXT_ERROR,
        context_error_param=None,
    ),
    "raw": replace(
        VLLM,
        name="raw",
        imitates="vLLM 0.20 started without a reasoning or tool-call parser",
        reasoning_parser=None,
        tool_parser=None,
        length_becomes_tool_calls=False,
        reasoning_fields=(),
    ),
}

FLAVORS: tuple[FlavorName, ...] = tuple(FLAVOR_TABLE)


def get_flavor(name: str) -> Flavor:
    """Look a flavor up by name.

    Raises:
        ValueError: Unknown flavor (the message lists the valid names).
    """
    try:
        return FLAVOR_TABLE[name]  # type: ignore[index]
    except KeyError:
        msg = f"unknown flavor {name!r}; choose one of {', '.join(FLAVORS)}"
        raise ValueError(msg) from None


@dataclass(frozen=True, slots=True)
class HostedFrontEnd:
    """A hosted API in front of a vLLM backend: what it translates and renames."""

    name: Hosted
    backend: FlavorName
    reasoning_fields: tuple[str, ...]
    """Answer fields carrying the reasoning, as the front-end passes them on."""
    list_content_refused_roles: frozenset[str]
    """Roles whose list (multi-part) content the front-end refuses."""
    budget_fields: tuple[str, ...]
    """Request fields (dotted paths) forwarded as ``thinking_token_budget``; later ones win.
    Each is removed from what the backend sees."""
    budget_minimum: int | None
    """Budgets below this are not forwarded (NVIDIA: ``-1`` means no budget)."""
    thinking_field: str | None
    """A request field (dotted path) forwarded as ``chat_template_kwargs.enable_thinking``."""
    consumed_fields: tuple[str, ...]
    """Top-level fields the front-end removes before forwarding."""


HOSTED_FRONT_ENDS: dict[Hosted, HostedFrontEnd] = {
    # NVIDIA's API reference for the model: list content only on user turns; a top-level
    # `reasoning_budget` (also read from chat_template_kwargs), -1 for none.
    "nvidia": HostedFrontEnd(
        name="nvidia",
        backend="vllm",
        reasoning_fields=("reasoning_content",),
        list_content_refused_roles=frozenset({"system", "assistant"}),
        budget_fields=("reasoning_budget", "chat_template_kwargs.reasoning_budget"),
        budget_minimum=0,
        thinking_field=None,
        consumed_fields=("reasoning_budget",),
    ),
    # OpenRouter's reasoning-tokens guide: `reasoning: {enabled, max_tokens}` in,
    # `reasoning` out.
    "openrouter": HostedFrontEnd(
        name="openrouter",
        backend="vllm",
        reasoning_fields=("reasoning",),
        list_content_refused_roles=frozenset(),
        budget_fields=("reasoning.max_tokens",),
        budget_minimum=None,
        thinking_field="reasoning.enabled",
        consumed_fields=("reasoning",),
    ),
}

HOSTED: tuple[Hosted, ...] = tuple(HOSTED_FRONT_ENDS)
