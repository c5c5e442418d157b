"""A Python rendering of the Nemotron 3 Nano chat template.

It produces the same prompt text as the model's Jinja template (``docs/fake-server.md``)
for messages that were already normalised the way vLLM does before templating: content
flattened to a string with media placeholders, tool-call ``arguments`` decoded to a dict, and the
history reasoning picked from the field the server flavor reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"

_TOOL_FORMAT_INSTRUCTIONS = (
    "\n\nIf you choose to call a function ONLY reply in the following format with NO suffix:\n\n"
    "<tool_call>\n<function=example_function_name>\n<parameter=example_parameter_1>\nvalue_1\n"
    "</parameter>\n<parameter=example_parameter_2>\nThis is the value for the second parameter\n"
    "that can span\nmultiple lines\n</parameter>\n</function>\n</tool_call>\n\n<IMPORTANT>\n"
    "Reminder:\n- Function calls MUST follow the specified format: an inner <function=...>"
    "</function> block must be nested within <tool_call></tool_call> XML tags\n"
    "- Required parameters MUST be specified\n"
    "- You may provide optional reasoning for your function call in natural language BEFORE the "
    "function call, but NOT after\n"
    "- If there is no function call available, answer the question like normal with your "
    "current knowledge and do not tell the user about function calls\n</IMPORTANT>"
)


@dataclass(slots=True)
class TemplateMessage:
    """One message as the template sees it after vLLM's preprocessing."""

    role: str
    content: str
    reasoning: str | None = None
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """``(name, arguments)`` pairs; arguments already decoded to a dict."""


def _tojson(value: Any) -> str:
    # transformers' chat-template ``tojson``: ensure_ascii=False, default separators.
    return json.dumps(value, ensure_ascii=False)


def _jinja_string(value: Any) -> str:
    # Jinja's ``| string`` is Python's str(): True -> "True", None -> "None".
    return value if isinstance(value, str) else str(value)


def _is_listlike(value: Any) -> bool:
    return isinstance(value, list | tuple)


def _extra_keys(obj: Any, handled: tuple[str, ...]) -> str:
    if not isinstance(obj, dict):
        return ""
    parts: list[str] = []
    for key, value in obj.items():
        if key in handled:
            continue
        rendered = _tojson(value) if isinstance(value, dict) or _is_listlike(value) else value
        parts.append(f"\n<{key}>{_jinja_string(rendered)}</{key}>")
    return "".join(parts)


def _render_tool(tool: dict[str, Any]) -> str:
    fn = tool["function"] if isinstance(tool.get("function"), dict) else tool
    out = [f"\n<function>\n<name>{_jinja_string(fn.get('name'))}</name>"]
    if "description" in fn:
        out.append(f"\n<description>{_jinja_string(fn['description']).strip()}</description>")
    out.append("\n<parameters>")
    params = fn.get("parameters")
    if isinstance(params, dict) and isinstance(params.get("properties"), dict):
        for name, spec in params["properties"].items():
            out.append(f"\n<parameter>\n<name>{name}</name>")
            if isinstance(spec, dict):
                if "type" in spec:
                    out.append(f"\n<type>{_jinja_string(spec['type'])}</type>")
                if "description" in spec:
                    desc = _jinja_string(spec["description"]).strip()
                    out.append(f"\n<description>{desc}</description>")
                if "enum" in spec:
                    out.append(f"\n<enum>{_tojson(spec['enum'])}</enum>")
                out.append(_extra_keys(spec, ("name", "type", "description", "enum")))
            out.append("\n</parameter>")
    out.append(_extra_keys(params, ("type", "properties", "required")))
    if isinstance(params, dict) and "required" in params:
        out.append(f"\n<required>{_tojson(params['required'])}</required>")
    out.append("\n</parameters>")
    out.append(_extra_keys(fn, ("type", "name", "description", "parameters")))
    out.append("\n</function>")
    return "".join(out)


def _system_turn(system: str, tools: list[dict[str, Any]]) -> str:
    # The template always defines system_message (as "" when absent), so the turn is always emitted.
    out = ["<|im_start|>system\n", system]
    if tools:
        if system:
            out.append("\n\n")
        out.append("# Tools\n\nYou have access to the following functions:\n\n<tools>")
        out.extend(_render_tool(tool) for tool in tools)
        out.append("\n</tools>")
        out.append(_TOOL_FORMAT_INSTRUCTIONS)
    out.append("<|im_end|>\n")
    return "".join(out)


def _assistant_body(msg: TemplateMessage) -> str:
    if msg.reasoning is not None and msg.reasoning.strip():
        return f"{THINK_OPEN}\n{msg.reasoning}\n{THINK_CLOSE}\n{msg.content}"
    if THINK_OPEN not in msg.content and THINK_CLOSE not in msg.content:
        return THINK_OPEN + THINK_CLOSE + msg.content
    return msg.content


def _render_assistant(msg: TemplateMessage, *, strip_reasoning: bool) -> str:
    content = _assistant_body(msg)
    if msg.tool_calls:
        out = ["<|im_start|>assistant\n"]
        if content.strip():
            if not strip_reasoning:
                out.append(content.strip() + "\n")
            else:
                c = content
                if THINK_CLOSE in c:
                    c = c.split(THINK_CLOSE)[-1]
                elif THINK_OPEN in c:
                    c = c.split(THINK_OPEN)[0]
                c = THINK_OPEN + THINK_CLOSE + c.strip()
                out.append(c + "\n")
        else:
            out.append(THINK_OPEN + THINK_CLOSE)
        for name, arguments in msg.tool_calls:
            out.append(f"<tool_call>\n<function={name}>\n")
            for key, value in arguments.items():
                rendered = (
                    _tojson(value) if isinstance(value, dict) or _is_listlike(value) else value
                )
                out.append(f"<parameter={key}>\n{_jinja_string(rendered)}\n</parameter>\n")
            out.append("</function>\n</tool_call>\n")
        out.append("<|im_end|>\n")
        return "".join(out)
    if not strip_reasoning:
        return f"<|im_start|>assistant\n{content.strip()}<|im_end|>\n"
    c = content
    if THINK_OPEN in c and THINK_CLOSE in c:
        c = THINK_OPEN + THINK_CLOSE + c.split(THINK_CLOSE)[-1]
    return f"<|im_start|>assistant\n{c.strip()}<|im_end|>\n"


def _render_tool_result(loop: list[TemplateMessage], i: int) -> str:
    # Consecutive tool results share one user turn; the template only opens it when a previous
    # message exists (loop.previtem), so a leading tool result gets no header.
    head = "<|im_start|>user\n" if i > 0 and loop[i - 1].role != "tool" else ""
    tail = "<|im_end|>\n" if i == len(loop) - 1 or loop[i + 1].role != "tool" else ""
    return f"{head}<tool_response>\n{loop[i].content}\n</tool_response>\n{tail}"


def render_prompt(  # noqa: PLR0913  # the template's own variables
    messages: list[TemplateMessage],
    tools: list[dict[str, Any]],
    *,
    enable_thinking: bool,
    truncate_history_thinking: bool,
    add_generation_prompt: bool,
    continue_final_message: bool,
) -> str:
    r"""Render the prompt text the model sees.

    Args:
        messages: Normalised messages (see :class:`TemplateMessage`).
        tools: The request's tools (``{"type": "function", "function": {...}}`` or bare).
        enable_thinking: Chooses the generation prompt's ``<think>\n`` vs ``<think></think>``.
        truncate_history_thinking: Strip reasoning of assistant turns before the last user turn.
        add_generation_prompt: Append the assistant header (and the thinking prefill).
        continue_final_message: Cut the text right after the final message's content, the way
            ``transformers`` does, so the model continues that message.

    Returns:
        The prompt text.

    Raises:
        ValueError: ``continue_final_message`` is set and the final message is not in the text.
    """
    loop = messages
    system = ""
    if messages and messages[0].role == "system":
        system = messages[0].content
        loop = messages[1:]
    last_user = -1
    for i, m in enumerate(loop):
        if m.role == "user":
            last_user = i
    out = [_system_turn(system, tools)]
    for i, m in enumerate(loop):
        if m.role == "assistant":
            strip = truncate_history_thinking and i < last_user
            out.append(_render_assistant(m, strip_reasoning=strip))
        elif m.role == "tool":
            out.append(_render_tool_result(loop, i))
        else:
            out.append(f"<|im_start|>{m.role}\n{m.content}<|im_end|>\n")
    if add_generation_prompt:
        if enable_thinking:
            out.append("<|im_start|>assistant\n<think>\n")
        else:
            out.append("<|im_start|>assistant\n<think></think>")
    rendered = "".join(out)
    if continue_final_message and messages:
        rendered = _cut_after_final(rendered, messages[-1].content)
    return rendered


def _cut_after_final(rendered: str, final: str) -> str:
    # transformers' continue_final_message: cut right after the last occurrence of the final
    # message, keeping its leading text and dropping what the template appended (<|im_end|>).
    stripped = final.strip()
    if stripped not in rendered:
        msg = (
            "continue_final_message is set but the final message does not appear in the chat "
            "after applying the chat template! This can happen if the chat template deletes "
            "portions of the final message. Please verify the chat template and final message in "
            "your chat to ensure they are compatible."
        )
        raise ValueError(msg)
    loc = rendered.rindex(stripped)
    keep = len(final.lstrip())
    if rendered[loc : loc + keep] != final:
        keep = len(stripped)
    return rendered[: loc + keep]


def prompt_reasoning_open(prompt: str) -> bool:
    """Whether the prompt's last think tag is an open ``<think>`` (vLLM's ``is_reasoning_end``)."""
    return prompt.rfind(THINK_OPEN) > prompt.rfind(THINK_CLOSE)
