"""A scripted model for LangChain's standard test suite: it answers from what it is sent.

It writes what Nemotron would write (a thought, ``</think>``, then an answer or qwen3_coder
XML tool calls), so the fake server's parsers, not this file, decide what the client sees.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_nemotron_omni.testing import ChatRequest

_QUOTED = re.compile(r"'([^']+)'")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _sample(schema: dict[str, Any], text: str, name: str = "") -> Any:  # noqa: PLR0911
    """A value fitting ``schema``, taken from the user's text where it can be."""
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _sample(options[0], text, name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    numbers = _NUMBER.findall(text)
    if kind == "integer":
        return int(float(numbers[0])) if numbers else 3
    if kind == "number":
        return float(numbers[0]) if numbers else 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [_sample(schema.get("items", {"type": "string"}), text, name)]
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: _sample(sub, text, key) for key, sub in properties.items()}
    quoted = _QUOTED.findall(text)
    return quoted[0] if quoted else f"a {name or 'value'} about {text[:40].strip()}"


def _render_value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def tool_call_xml(name: str, args: dict[str, Any]) -> str:
    """A tool call in the model's native format."""
    params = "".join(
        f"<parameter={key}>\n{_render_value(value)}\n</parameter>\n" for key, value in args.items()
    )
    return f"<tool_call>\n<function={name}>\n{params}</function>\n</tool_call>\n"


_PROMPT_FUNCTION = re.compile(
    r"<function>\n<name>(?P<name>[^<]+)</name>(?P<body>.*?)\n</function>", re.DOTALL
)
_PROMPT_PARAMETER = re.compile(
    r"<parameter>\n<name>(?P<name>[^<]+)</name>\n<type>(?P<type>[^<]+)</type>", re.DOTALL
)
_FORCED = re.compile(r"calling the tool `(?P<name>[^`]+)`")


def _tools_from_prompt(prompt: str) -> list[dict[str, Any]]:
    """Tools as a model sees them when they are written into the system prompt."""
    if "<tools>" not in prompt:
        return []
    tools = []
    for function in _PROMPT_FUNCTION.finditer(prompt.split("</tools>", maxsplit=1)[0]):
        properties = {
            p["name"]: {"type": p["type"].strip('"')}
            for p in _PROMPT_PARAMETER.finditer(function["body"])
        }
        parameters = {"type": "object", "properties": properties}
        tools.append({"name": function["name"], "parameters": parameters})
    return tools


def _visible_tools(request: ChatRequest) -> list[dict[str, Any]]:
    tools = [tool.get("function", tool) for tool in request.tools or []]
    return tools or _tools_from_prompt(request.prompt)


def _pick_tool(request: ChatRequest, tools: list[dict[str, Any]], text: str) -> dict[str, Any]:
    choice = request.body.get("tool_choice")
    forced = _FORCED.search(request.prompt)
    wanted = choice["function"]["name"] if isinstance(choice, dict) else None
    wanted = wanted or (forced["name"] if forced else None)
    if wanted:
        return next(tool for tool in tools if tool["name"] == wanted)
    return next((tool for tool in tools if tool["name"] in text), tools[0])


def standard_responder(request: ChatRequest) -> str:
    """Answer one request of the standard suite."""
    text = request.last_user_text or ""
    thought = f"The user wrote {len(text)} characters. I will answer directly.\n</think>\n"
    prefix = thought if request.thinking else ""
    messages = request.messages
    last_role = messages[-1]["role"] if messages else "user"
    response_format = request.body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema = response_format["json_schema"]["schema"]
        return prefix + json.dumps(_sample(schema, text), ensure_ascii=False)
    if response_format.get("type") == "json_object":
        return prefix + json.dumps({"setup": "Why did the cat sit?", "punchline": "To purr."})
    tool_choice = request.body.get("tool_choice", "auto")
    tools = _visible_tools(request)
    if tools and tool_choice != "none" and last_role != "tool":
        tool = _pick_tool(request, tools, text)
        args = _sample(tool.get("parameters") or {"type": "object"}, text)
        return prefix + tool_call_xml(tool["name"], args)
    if last_role == "tool":
        return prefix + f"The tool answered: {messages[-1].get('content')}."
    return prefix + "Hello! I am a scripted Nemotron look-alike; how can I help you?"
