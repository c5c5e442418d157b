"""Tools, calls and checks shared by the qwen3_coder XML tool-call tests (``test_tool_xml_*``)."""

from __future__ import annotations

from typing import Any

from langchain_nemotron_omni.tool_xml import ParsedText


def make_tool(name: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An OpenAI tool dict named ``name`` whose object parameters have ``properties``."""
    parameters = {"type": "object", "properties": properties, **extra}
    return {"type": "function", "function": {"name": name, "parameters": parameters}}


WEATHER = make_tool(
    "get_weather",
    {"city": {"type": "string"}, "days": {"type": "integer"}},
    required=["city"],
)
SEARCH = make_tool("search", {"query": {"type": "string"}})
WRITE_FILE = make_tool("write_file", {"path": {"type": "string"}, "content": {"type": "string"}})
TOOLS = [WEATHER, SEARCH, WRITE_FILE]

CALL = (
    "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
    "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>"
)


def call_xml(function: str, /, **params: str) -> str:
    """The qwen3_coder XML the model writes to call ``function`` with these raw values."""
    body = "".join(f"<parameter={k}>\n{v}\n</parameter>\n" for k, v in params.items())
    return f"<tool_call>\n<function={function}>\n{body}</function>\n</tool_call>"


def valid_calls(parsed: ParsedText) -> list[tuple[str, dict[str, Any]]]:
    """The (name, args) of every call, asserting none was invalid."""
    assert parsed.invalid_tool_calls == []
    return [(c["name"], c["args"]) for c in parsed.tool_calls]


def only_invalid(parsed: ParsedText) -> tuple[str | None, str | None, str | None]:
    """The (name, args, error) of the one invalid call, asserting there is nothing else."""
    assert parsed.tool_calls == []
    assert len(parsed.invalid_tool_calls) == 1
    bad = parsed.invalid_tool_calls[0]
    return bad["name"], bad["args"], bad["error"]
