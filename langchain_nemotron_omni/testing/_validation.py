"""Request checks and normalisation, in the order vLLM 0.20 (or SGLang) applies them.

Each failure raises :class:`RequestError` carrying the HTTP status, message, error ``type`` and
``param`` the real server would send. Which checks run is read from the flavor's row in
:mod:`langchain_nemotron_omni.testing.flavors`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.testing._content import ContentConverter, reject_tool_media
from langchain_nemotron_omni.testing._errors import RequestError, reject_field, validator_error
from langchain_nemotron_omni.testing._template import TemplateMessage

if TYPE_CHECKING:
    from pathlib import Path

    from langchain_nemotron_omni.testing.flavors import Flavor

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


@dataclass(slots=True)
class NormalizedRequest:
    """What the server needs from a valid request."""

    messages: list[TemplateMessage]
    tools: list[dict[str, Any]]
    media: dict[str, int]
    request_kwargs: dict[str, Any]
    """The request's own ``chat_template_kwargs`` (the parsers read these, not the merge)."""
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

    @property
    def request_enable_thinking(self) -> bool | None:
        """``enable_thinking`` exactly as the request sent it (``None`` when absent)."""
        value = self.request_kwargs.get("enable_thinking")
        return value if isinstance(value, bool) else None

    @property
    def force_nonempty_content(self) -> bool:
        """The request's ``chat_template_kwargs.force_nonempty_content`` is true.

        The reasoning parsers read it from the request (the template ignores it).
        """
        return self.request_kwargs.get("force_nonempty_content") is True


def _expect(body: dict[str, Any], key: str, kinds: tuple[type, ...], what: str) -> Any:
    value = body.get(key)
    if value is None:
        return None
    # bool is an int subclass; integer fields must not accept true/false.
    if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
        reject_field(key, f"Input should be {what}")
    return value


def effective_template_kwargs(
    body: dict[str, Any], flavor: Flavor, defaults: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request's ``chat_template_kwargs`` and their merge over the server defaults."""
    raw = body.get("chat_template_kwargs")
    request_kwargs = dict(raw) if isinstance(raw, dict) else {}
    if flavor.reasoning_effort_none_disables_thinking and body.get("reasoning_effort") == "none":
        # SGLang's protocol validator: ctk.setdefault("enable_thinking", False).
        request_kwargs.setdefault("enable_thinking", False)
    return request_kwargs, {**defaults, **request_kwargs}


def check_request(  # noqa: C901, PLR0912, PLR0915  # one linear pass, in the server's order
    body: dict[str, Any],
    *,
    flavor: Flavor,
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
        reject_field("messages", problem)
    stream = bool(_expect(body, "stream", (bool,), "a valid boolean"))
    max_tokens = _expect(body, "max_completion_tokens", (int,), "a valid integer")
    if max_tokens is None:
        max_tokens = _expect(body, "max_tokens", (int,), "a valid integer")
    raw_stop = _expect(body, "stop", (str, list), "a valid string or list of strings")
    stop = [raw_stop] if isinstance(raw_stop, str) else list(raw_stop or [])
    if not all(isinstance(s, str) for s in stop):
        reject_field("stop", "Input should be a valid string")
    tools = _expect(body, "tools", (list,), "a valid list")
    stream_options = _expect(body, "stream_options", (dict,), "a valid dictionary") or {}
    ctk = _expect(body, "chat_template_kwargs", (dict,), "a valid dictionary")
    known = flavor.known_fields
    budget = None
    if "thinking_token_budget" in known:
        budget = _expect(body, "thinking_token_budget", (int,), "a valid integer")

    # Model validators (mode="before"), in declaration order.
    if body.get("stream_options") and not body.get("stream"):
        raise validator_error(
            flavor, "Stream options can only be defined when `stream=True`.", "stream_options"
        )
    if flavor.checks_tool_usage:
        _check_tool_usage(body, flavor)
        if body.get("continue_final_message") and body.get("add_generation_prompt"):
            raise validator_error(
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
    if flavor.tool_parser is None and tools and body.get("tool_choice", "auto") == "auto":
        raise RequestError(
            400,
            '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be '
            "set",
        )
    if flavor.checks_tool_pairing:
        _check_tool_pairing(messages)
    if flavor.refuses_request_chat_template:
        _check_request_template(ctk or {}, body)

    converter = ContentConverter(flavor, allowed_local_media_path)
    normalized = [_normalize_message(m, i, flavor, converter) for i, m in enumerate(messages)]
    assistant_prefix = ""
    if flavor.continuation == "assistant_turn":
        if continue_final_message and add_generation_prompt:
            # Only an explicit add_generation_prompt=true is caught by the validator; the
            # default reaches transformers, which refuses the combination.
            raise RequestError(
                400,
                "continue_final_message and add_generation_prompt are not compatible. Use "
                "continue_final_message when you want the model to continue the final message, "
                "and add_generation_prompt when you want to add a header that will prompt it to "
                "start a new assistant message instead.",
            )
        if not normalized:
            raise RequestError(400, "list object has no element 0")
    else:
        if not normalized:
            raise RequestError(400, "list object has no element 0")
        # The generation prompt is always added; to continue, the final assistant message is
        # dropped and its content (not its reasoning) appended after that prompt.
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
    if max_tokens is not None and max_tokens < 1:
        raise RequestError(400, f"max_tokens must be at least 1, got {max_tokens}.")
    if flavor.refuses_thinking_budget and body.get("thinking_token_budget") is not None:
        raise RequestError(
            400,
            "thinking_token_budget is set but reasoning_config is not configured. Please set "
            "--reasoning-config to use thinking_token_budget.",
        )
    return NormalizedRequest(
        messages=normalized,
        tools=list(tools or []),
        media=converter.media,
        request_kwargs=request_kwargs,
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


def _check_request_template(ctk: dict[str, Any], body: dict[str, Any]) -> None:
    if body.get("chat_template") is not None or ctk.get("chat_template") is not None:
        raise RequestError(
            400,
            "Chat template is passed with request, but --trust-request-chat-template is not "
            "set. Refused request with untrusted chat template.",
        )
    unexpected = {"chat_template", "tokenize"} & ctk.keys()
    if unexpected:
        raise RequestError(400, f"Found unexpected chat template kwargs from request: {unexpected}")


def _check_tool_usage(body: dict[str, Any], flavor: Flavor) -> None:
    tools = body.get("tools")
    if tools == []:
        raise validator_error(
            flavor,
            "tools must not be an empty array. Either provide at least one tool or omit the "
            "field entirely.",
            "tools",
        )
    for tool in tools or []:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise validator_error(
                flavor, "each tool must be {'type': 'function', 'function': {'name': ...}}", "tools"
            )
        if tool.get("type", "function") != "function":
            raise validator_error(flavor, "tool type must be 'function'", "tools")
    choice = body.get("tool_choice", "auto" if tools else "none")
    if choice is None or choice == "none":
        return
    if not tools:
        raise validator_error(
            flavor, "When using `tool_choice`, `tools` must be set.", "tool_choice"
        )
    if isinstance(choice, dict):
        _check_named_choice(choice, tools, flavor)
    elif choice not in {"auto", "required"}:
        raise validator_error(
            flavor,
            f'Invalid value for `tool_choice`: {choice}! Only named tools, "none", "auto" or '
            '"required" are supported.',
            "tool_choice",
        )


def _check_named_choice(
    choice: dict[str, Any], tools: list[dict[str, Any]], flavor: Flavor
) -> None:
    fn = choice.get("function")
    name = fn.get("name") if isinstance(fn, dict) else None
    if not isinstance(name, str) or not name:
        raise validator_error(
            flavor,
            "Invalid `name` in `function` in `tool_choice`! Correct usage: "
            '`{"type": "function", "function": {"name": "my_function"}}`',
            "tool_choice.function.name",
        )
    if all(t["function"]["name"] != name for t in tools):
        raise validator_error(
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


def history_reasoning(msg: dict[str, Any], flavor: Flavor) -> Any:
    """The reasoning of an assistant history message, from the fields the flavor reads."""
    for name in flavor.history_reasoning_fields:
        value = msg.get(name)
        if value is not None:
            return value
    return None


def _normalize_message(
    msg: Any, index: int, flavor: Flavor, converter: ContentConverter
) -> TemplateMessage:
    if not isinstance(msg, dict) or not isinstance(msg.get("role"), str):
        reject_field(f"messages.{index}.role", "Field required")
    role = msg["role"]
    if role == "tool" and flavor.checks_media:
        reject_tool_media(msg.get("content"), index)
    content = converter.flatten(msg.get("content"))
    if role != "assistant":
        return TemplateMessage(role=role, content=content)
    reasoning = history_reasoning(msg, flavor)
    return TemplateMessage(
        role=role,
        content=content,
        reasoning=reasoning if isinstance(reasoning, str) else None,
        tool_calls=_history_calls(msg.get("tool_calls"), index),
    )


def _history_calls(raw_calls: Any, index: int) -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = []
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
    return calls
