"""Request checks and normalisation, in the order vLLM 0.20 (or SGLang) applies them.

Each failure raises :class:`RequestError` carrying the HTTP status, message, error ``type`` and
``param`` the real server would send (``wire-format.md`` sections 3, 3.1, 3.2, 2.5).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from langchain_nemotron_omni.testing._template import TemplateMessage

if TYPE_CHECKING:
    from langchain_nemotron_omni.testing._parsing import FlavorName

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
KNOWN_FIELDS: dict[str, frozenset[str]] = {
    "vllm": _VLLM_020_FIELDS,
    "raw": _VLLM_020_FIELDS,
    "vllm-0.15": _VLLM_015_FIELDS,
    "vllm-0.11": _VLLM_011_FIELDS,
    "sglang": _SGLANG_FIELDS,
}

# Variables the Nano template reads, plus the HF ``apply_chat_template`` parameters vLLM lets
# through; anything else in ``chat_template_kwargs`` is dropped silently.
_TEMPLATE_VARS = frozenset({"enable_thinking", "truncate_history_thinking"})
_HF_BASE_PARAMS = frozenset(
    {
        "conversation", "tools", "documents", "chat_template", "add_generation_prompt",
        "continue_final_message", "tokenize", "padding", "truncation", "max_length",
        "return_tensors", "return_dict", "return_assistant_tokens_mask", "tokenizer_kwargs",
    }
)  # fmt: skip

# ``MM_PARSER_MAP`` keys (vLLM 0.20) and what each one becomes in the prompt text.
_TEXT_PARTS = frozenset({"text", "input_text", "output_text", "refusal"})
_MEDIA_PARTS: dict[str, str] = {
    "image_url": "image",
    "input_image": "image",
    "image_embeds": "image",
    "image_pil": "image",
    "audio_url": "audio",
    "input_audio": "audio",
    "audio_embeds": "audio",
    "video_url": "video",
}
_VLLM_PART_TYPES = _TEXT_PARTS | {"thinking"} | _MEDIA_PARTS.keys()
_SGLANG_PART_TYPES = frozenset(
    {"text", "thinking", "image_url", "video_url", "audio_url", "input_audio"}
)
PLACEHOLDERS: dict[str, str] = {"image": "<image>", "video": "<video>", "audio": "<so_embedding>"}


class RequestError(Exception):
    """A request the imitated server refuses, with the error body's fields."""

    def __init__(
        self, status: int, message: str, *, type_: str | None = None, param: str | None = None
    ) -> None:
        """Store the fields; ``type_`` defaults to the type the server uses for ``status``."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_ or error_type(status)
        self.param = param


def error_type(status: int) -> str:
    """Return vLLM's error ``type`` for an HTTP status (``BadRequestError``, ...)."""
    from http import HTTPStatus  # noqa: PLC0415  # only needed on error paths

    try:
        name = HTTPStatus(status).phrase.replace(" ", "").replace("-", "")
    except ValueError:
        return "Error"
    return name if name.endswith("Error") else name + "Error"


def _pydantic_error(flavor: FlavorName, message: str, param: str | None = None) -> RequestError:
    # vLLM raises these inside pydantic validators, so FastAPI's validation handler answers with
    # type "Bad Request" and pydantic's "Value error, " prefix. SGLang reports them plainly.
    if flavor == "sglang":
        return RequestError(400, message, param=param)
    return RequestError(400, f"Value error, {message}", type_="Bad Request", param=param)


@dataclass(slots=True)
class NormalizedRequest:
    """What the server needs from a valid request."""

    messages: list[TemplateMessage]
    tools: list[dict[str, Any]]
    media: dict[str, int]
    request_enable_thinking: bool | None
    enable_thinking: bool
    truncate_history_thinking: bool
    add_generation_prompt: bool
    continue_final_message: bool
    stream: bool
    include_usage: bool
    continuous_usage_stats: bool
    max_tokens: int | None
    stop: list[str]
    include_stop_str_in_output: bool
    thinking_token_budget: int | None
    include_reasoning: bool
    ignored_fields: tuple[str, ...] = field(default=())
    assistant_prefix: str = ""
    """SGLang's continue_final_message: text appended after the generation prompt."""


def _expect(body: dict[str, Any], key: str, kinds: tuple[type, ...], what: str) -> Any:
    value = body.get(key)
    if value is None:
        return None
    # bool is an int subclass; integer fields must not accept true/false.
    if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
        msg = f"1 validation error for ChatCompletionRequest\n{key}\n  Input should be {what}"
        raise RequestError(400, msg, type_="Bad Request", param=key)
    return value


def effective_template_kwargs(
    body: dict[str, Any], flavor: FlavorName, defaults: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request's ``chat_template_kwargs`` and their merge over the server defaults."""
    raw = body.get("chat_template_kwargs")
    request_kwargs = dict(raw) if isinstance(raw, dict) else {}
    if flavor == "sglang" and body.get("reasoning_effort") == "none":
        # SGLang's protocol validator: ctk.setdefault("enable_thinking", False).
        request_kwargs.setdefault("enable_thinking", False)
    return request_kwargs, {**defaults, **request_kwargs}


def check_request(  # noqa: C901, PLR0912, PLR0915  # one linear pass, in the server's order
    body: dict[str, Any],
    *,
    flavor: FlavorName,
    served_models: tuple[str, ...],
    default_chat_template_kwargs: dict[str, Any],
    allowed_local_media_path: Path | None,
) -> NormalizedRequest:
    """Validate a chat-completions body the way the flavor does and normalise it.

    Raises:
        RequestError: The error the real server would answer with.
    """
    messages = body.get("messages")
    if not isinstance(messages, list):
        problem = "Input should be a valid list" if "messages" in body else "Field required"
        msg = f"1 validation error for ChatCompletionRequest\nmessages\n  {problem}"
        raise RequestError(400, msg, type_="Bad Request", param="messages")
    stream = bool(_expect(body, "stream", (bool,), "a valid boolean"))
    max_tokens = _expect(body, "max_completion_tokens", (int,), "a valid integer")
    if max_tokens is None:
        max_tokens = _expect(body, "max_tokens", (int,), "a valid integer")
    raw_stop = _expect(body, "stop", (str, list), "a valid string or list of strings")
    stop = [raw_stop] if isinstance(raw_stop, str) else list(raw_stop or [])
    if not all(isinstance(s, str) for s in stop):
        raise RequestError(
            400,
            "1 validation error for ChatCompletionRequest\nstop\n  Input should be a valid string",
            type_="Bad Request",
            param="stop",
        )
    tools = _expect(body, "tools", (list,), "a valid list")
    stream_options = _expect(body, "stream_options", (dict,), "a valid dictionary") or {}
    ctk = _expect(body, "chat_template_kwargs", (dict,), "a valid dictionary")
    known = KNOWN_FIELDS[flavor]
    budget = None
    if "thinking_token_budget" in known:
        budget = _expect(body, "thinking_token_budget", (int,), "a valid integer")

    # Model validators (mode="before"), in declaration order.
    if body.get("stream_options") and not body.get("stream"):
        raise _pydantic_error(
            flavor, "Stream options can only be defined when `stream=True`.", "stream_options"
        )
    if flavor != "sglang":
        _check_tool_usage(body, flavor)
        if body.get("continue_final_message") and body.get("add_generation_prompt"):
            raise _pydantic_error(
                flavor,
                "Cannot set both `continue_final_message` and `add_generation_prompt` to True.",
            )
    add_generation_prompt = body.get("add_generation_prompt", True) is not False
    continue_final_message = bool(body.get("continue_final_message"))

    # Serving layer.
    model = body.get("model")
    if model is not None and model not in served_models:
        raise RequestError(
            404, f"The model `{model}` does not exist.", type_="NotFoundError", param="model"
        )
    if flavor == "raw" and tools and body.get("tool_choice", "auto") == "auto":
        raise RequestError(
            400,
            '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be '
            "set",
        )
    if flavor == "sglang":
        _check_tool_pairing(messages)
    if flavor != "sglang":
        if body.get("chat_template") is not None or (ctk or {}).get("chat_template") is not None:
            raise RequestError(
                400,
                "Chat template is passed with request, but --trust-request-chat-template is not "
                "set. Refused request with untrusted chat template.",
            )
        unexpected = {"chat_template", "tokenize"} & (ctk or {}).keys()
        if unexpected:
            raise RequestError(
                400, f"Found unexpected chat template kwargs from request: {unexpected}"
            )

    media: dict[str, int] = {"image": 0, "video": 0, "audio": 0}
    converter = _ContentConverter(flavor, allowed_local_media_path, media)
    normalized = [_normalize_message(m, i, flavor, converter) for i, m in enumerate(messages)]
    if continue_final_message and add_generation_prompt and flavor != "sglang":
        # Only an explicit add_generation_prompt=true is caught by the validator; the default
        # reaches transformers, which refuses the combination.
        raise RequestError(
            400,
            "continue_final_message and add_generation_prompt are not compatible. Use "
            "continue_final_message when you want the model to continue the final message, and "
            "add_generation_prompt when you want to add a header that will prompt it to start a "
            "new assistant message instead.",
        )
    if not normalized:
        raise RequestError(400, "list object has no element 0")
    assistant_prefix = ""
    if flavor == "sglang":
        # SGLang always adds the generation prompt; to continue, it drops the final assistant
        # message and appends its content (not its reasoning) after that prompt.
        add_generation_prompt = True
        if continue_final_message and normalized[-1].role == "assistant":
            assistant_prefix = normalized.pop().content
        continue_final_message = False

    request_kwargs, kwargs = effective_template_kwargs(body, flavor, default_chat_template_kwargs)
    ignored = [k for k in body if k not in known]
    ignored += [
        f"chat_template_kwargs.{k}"
        for k in request_kwargs
        if k not in _TEMPLATE_VARS and k not in _HF_BASE_PARAMS
    ]
    raw_thinking = request_kwargs.get("enable_thinking")
    if max_tokens is not None and max_tokens < 1:
        raise RequestError(400, f"max_tokens must be at least 1, got {max_tokens}.")
    if flavor == "raw" and body.get("thinking_token_budget") is not None:
        raise RequestError(
            400,
            "thinking_token_budget is set but reasoning_config is not configured. Please set "
            "--reasoning-config to use thinking_token_budget.",
        )
    return NormalizedRequest(
        messages=normalized,
        tools=list(tools or []),
        media=media,
        request_enable_thinking=raw_thinking if isinstance(raw_thinking, bool) else None,
        enable_thinking=bool(kwargs.get("enable_thinking", True)),
        truncate_history_thinking=bool(kwargs.get("truncate_history_thinking", True)),
        add_generation_prompt=add_generation_prompt,
        continue_final_message=continue_final_message,
        stream=stream,
        include_usage=bool(stream_options.get("include_usage")),
        continuous_usage_stats=bool(stream_options.get("continuous_usage_stats")),
        max_tokens=max_tokens,
        stop=[s for s in stop if s],
        include_stop_str_in_output=bool(body.get("include_stop_str_in_output"))
        and "include_stop_str_in_output" in known,
        thinking_token_budget=budget,
        include_reasoning=body.get("include_reasoning", True) is not False
        or "include_reasoning" not in known,
        ignored_fields=tuple(ignored),
        assistant_prefix=assistant_prefix,
    )


def _check_tool_usage(body: dict[str, Any], flavor: FlavorName) -> None:
    tools = body.get("tools")
    if tools == []:
        raise _pydantic_error(
            flavor,
            "tools must not be an empty array. Either provide at least one tool or omit the "
            "field entirely.",
            "tools",
        )
    for tool in tools or []:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise _pydantic_error(
                flavor, "each tool must be {'type': 'function', 'function': {'name': ...}}", "tools"
            )
        if tool.get("type", "function") != "function":
            raise _pydantic_error(flavor, "tool type must be 'function'", "tools")
    choice = body.get("tool_choice", "auto" if tools else "none")
    if choice is None or choice == "none":
        return
    if not tools:
        raise _pydantic_error(
            flavor, "When using `tool_choice`, `tools` must be set.", "tool_choice"
        )
    if isinstance(choice, dict):
        _check_named_choice(choice, tools, flavor)
    elif choice not in {"auto", "required"}:
        raise _pydantic_error(
            flavor,
            f'Invalid value for `tool_choice`: {choice}! Only named tools, "none", "auto" or '
            '"required" are supported.',
            "tool_choice",
        )


def _check_named_choice(
    choice: dict[str, Any], tools: list[dict[str, Any]], flavor: FlavorName
) -> None:
    fn = choice.get("function")
    name = fn.get("name") if isinstance(fn, dict) else None
    if not isinstance(name, str) or not name:
        raise _pydantic_error(
            flavor,
            "Invalid `name` in `function` in `tool_choice`! Correct usage: "
            '`{"type": "function", "function": {"name": "my_function"}}`',
            "tool_choice.function.name",
        )
    if all(t["function"]["name"] != name for t in tools):
        raise _pydantic_error(
            flavor,
            "The tool specified in `tool_choice` does not match any of the specified `tools`",
            "tool_choice",
        )


def _check_tool_pairing(messages: list[Any]) -> None:
    # SGLang 0.5.23 pairs tool results with the latest assistant calls by id.
    pending: list[Any] = []
    for msg in messages:
        if not isinstance(msg, dict):
            continue
        if msg.get("role") == "tool":
            call_id = msg.get("tool_call_id")
            if call_id not in pending:
                raise RequestError(
                    400, f"tool_call_id '{call_id}' does not match an unanswered tool call."
                )
            pending.remove(call_id)
            continue
        if pending:
            raise RequestError(400, f"Tool calls {pending!r} have no tool message answering them.")
        if msg.get("role") == "assistant":
            pending = [tc.get("id") for tc in msg.get("tool_calls") or [] if isinstance(tc, dict)]


def history_reasoning(msg: dict[str, Any], flavor: FlavorName) -> Any:
    """The reasoning of an assistant history message, from the field the flavor reads."""
    if flavor in {"vllm", "raw"}:
        return msg.get("reasoning")  # 0.16-0.21: a reasoning_content key is ignored
    if flavor == "vllm-0.15":
        value = msg.get("reasoning")
        return value if value is not None else msg.get("reasoning_content")
    return msg.get("reasoning_content")


def _normalize_message(
    msg: Any, index: int, flavor: FlavorName, converter: _ContentConverter
) -> TemplateMessage:
    if not isinstance(msg, dict) or not isinstance(msg.get("role"), str):
        msg_ = f"messages.{index}.role\n  Field required"
        raise RequestError(
            400,
            f"1 validation error for ChatCompletionRequest\n{msg_}",
            type_="Bad Request",
            param="messages",
        )
    role = msg["role"]
    if role == "tool" and flavor != "sglang":
        _reject_tool_media(msg.get("content"), index)
    content = converter.flatten(msg.get("content"))
    if role != "assistant":
        return TemplateMessage(role=role, content=content)
    calls: list[tuple[str, dict[str, Any]]] = []
    raw_calls = msg.get("tool_calls")
    for tc in raw_calls if isinstance(raw_calls, list) else []:
        fn = tc.get("function") if isinstance(tc, dict) else None
        if not isinstance(fn, dict) or tc.get("type", "function") != "function":
            raise RequestError(
                400,
                f"messages[{index}].tool_calls: each entry must be "
                "{'type': 'function', 'function': {'name', 'arguments'}}",
            )
        args = fn.get("arguments")
        if isinstance(args, str) and args:
            # vLLM json-loads the OpenAI string form because the template iterates a dict.
            try:
                args = json.loads(args)
            except json.JSONDecodeError as exc:
                raise RequestError(400, str(exc)) from exc
        elif args is None or args == "":
            args = {}
        if not isinstance(args, dict):
            raise RequestError(
                400,
                f"messages[{index}].tool_calls: arguments must be a JSON object, "
                f"got {type(args).__name__}",
            )
        calls.append((str(fn.get("name")), args))
    reasoning = history_reasoning(msg, flavor)
    return TemplateMessage(
        role=role,
        content=content,
        reasoning=reasoning if isinstance(reasoning, str) else None,
        tool_calls=calls,
    )


_MEDIA_PART_TYPES = frozenset({"image_url", "video_url", "audio_url", "input_audio"})


def _reject_tool_media(content: Any, index: int) -> None:
    # vLLM's tool-message content is text only (vllm-project/vllm#43203): media parts there
    # fail request parsing.
    if not isinstance(content, list):
        return
    for part in content:
        if isinstance(part, dict) and part.get("type") in _MEDIA_PART_TYPES:
            raise RequestError(
                400,
                f"messages[{index}]: tool message content supports text parts only, "
                f"got a {part.get('type')!r} part",
            )


class _ContentConverter:
    """Flattens list content into text plus media placeholders, as vLLM's string format does."""

    def __init__(
        self, flavor: FlavorName, allowed_local_media_path: Path | None, media: dict[str, int]
    ) -> None:
        self.flavor: FlavorName = flavor
        self.allowed = allowed_local_media_path
        self.media = media
        self.part_types = _SGLANG_PART_TYPES if flavor == "sglang" else _VLLM_PART_TYPES

    def flatten(self, content: Any) -> str:
        if content is None:
            return ""
        if isinstance(content, str):
            return content
        if not isinstance(content, list):
            raise RequestError(
                400,
                "1 validation error for ChatCompletionRequest\nmessages.content\n"
                "  Input should be a valid string or a list of content parts",
                type_="Bad Request",
                param="messages",
            )
        texts: list[str] = []
        counts: dict[str, int] = {}
        for part in content:
            if isinstance(part, str):
                texts.append(part)
                continue
            kind = self._part(part, texts)
            if kind is not None:
                placeholder = PLACEHOLDERS[kind]
                counts[placeholder] = counts.get(placeholder, 0) + 1
                self.media[kind] += 1
        text = "\n".join(texts)
        # Placeholders the text does not already hold go first, one per line.
        missing = [p for p, n in counts.items() for _ in range(n - text.count(p))]
        return "\n".join([*missing, text]) if missing else text

    def _part(self, part: Any, texts: list[str]) -> str | None:
        if not isinstance(part, dict):
            raise RequestError(400, f"Invalid content part: {part!r}")
        part_type = part.get("type")
        if part_type is None:
            # vLLM accepts {"image_url": ...} without a type and infers it from the key.
            part_type = next((k for k in part if k in self.part_types), None)
        if not isinstance(part_type, str):
            raise RequestError(400, "Invalid 'type' field in multimodal part.")
        if part_type not in self.part_types:
            allowed = ", ".join(sorted(self.part_types))
            raise RequestError(
                400,
                f"Unknown part type: {part_type}. This server accepts content parts of type "
                f"{allowed}.",
            )
        if part_type in _TEXT_PARTS:
            value = part.get("text", part.get("refusal", ""))
            texts.append(value if isinstance(value, str) else str(value))
            return None
        if part_type == "thinking":
            return None
        if self.flavor != "sglang":
            self._check_media(part_type, part)
        return _MEDIA_PARTS[part_type]

    def _check_media(self, part_type: str, part: dict[str, Any]) -> None:
        if part_type in {"image_embeds", "audio_embeds", "image_pil"}:
            return
        url: Any
        if part_type == "input_audio":
            audio = part.get("input_audio")
            if not isinstance(audio, dict):
                raise RequestError(400, "input_audio must be {'data': <base64>, 'format': ...}")
            # vLLM turns it into this data URL before loading it.
            url = f"data:audio/{audio.get('format')};base64,{audio.get('data')}"
        else:
            value = part.get(part_type, part.get("image_url"))
            url = value.get("url") if isinstance(value, dict) else value
        if url is None and part.get("uuid") is not None:
            return  # a cached media item referenced by uuid alone
        if not isinstance(url, str):
            raise RequestError(400, f"{part_type} must carry a 'url' string")
        check_media_url(url, self.allowed)


def check_media_url(url: str, allowed_local_media_path: Path | None) -> None:
    """Check a media URL like vLLM's ``MediaConnector.load_from_url``, without fetching it."""
    scheme = urlparse(url).scheme.lower()
    if scheme in {"http", "https"}:
        return  # no network here: accepted as if fetched
    if scheme == "data":
        spec, sep, data = url[5:].partition(",")
        if not sep or ";" not in spec:
            raise RequestError(400, "not enough values to unpack (expected 2, got 1)")
        _, encoding = spec.split(";", 1)
        if encoding != "base64":
            raise RequestError(501, "Only base64 data URLs are supported for now.")
        try:
            base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise RequestError(400, f"Invalid base64 data in data URL: {exc}") from exc
        return
    if scheme == "file":
        if allowed_local_media_path is None:
            raise RequestError(500, "Cannot load local files without --allowed-local-media-path.")
        path = Path(unquote(urlparse(url).path)).resolve()
        root = allowed_local_media_path.resolve()
        if not path.is_relative_to(root):
            raise RequestError(
                400,
                f"The file path {path} must be a subpath of `--allowed-local-media-path {root}`.",
            )
        if not path.is_file():
            raise RequestError(500, f"[Errno 2] No such file or directory: '{path}'")
        return
    raise RequestError(400, "The URL must be either a HTTP, data or file URL.")
