"""Checks run *inside* a fresh virtual environment holding the built wheel (and nothing else).

``tests/integration/test_install.py`` runs ``python install_checks.py CHECK [ARG ...]`` with the
fresh environment's interpreter; each check prints one JSON object on stdout. Only the wheel's
own dependencies are importable here: no pytest, numpy or test helpers. Media files are made
by the calling test and passed as paths.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage
from langchain_core.messages.content import ContentBlock
from langchain_core.tools import tool

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.testing import FakeNemotronServer

WEATHER_CALL = (
    "The user wants the weather.\n</think>\n<tool_call>\n<function=get_weather>\n"
    "<parameter=city>\nParis\n</parameter>\n<parameter=days>\n2\n</parameter>\n"
    "</function>\n</tool_call>\n"
)


@tool
def get_weather(city: str, days: int = 1) -> str:
    """Forecast for a city over the next few days."""
    return f"{city}: sunny for {days} day(s)"


def _parts(server: FakeNemotronServer) -> list[dict[str, Any]]:
    """The content parts of the last user message the server received."""
    content = server.requests[-1].messages[-1]["content"]
    return content if isinstance(content, list) else [{"type": "text", "text": content}]


def _media(path: str) -> ContentBlock:
    from langchain_nemotron_omni.media import block  # noqa: PLC0415

    return block(path)


def _send(*paths: str) -> list[dict[str, Any]]:
    """Send media files in one user turn; the parts the server received (type and MIME)."""
    with FakeNemotronServer(["Seen.\n</think>\nDone."]) as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
        blocks: list[ContentBlock] = [{"type": "text", "text": "What is this?"}]
        blocks += [_media(p) for p in paths]
        llm.invoke([HumanMessage(content_blocks=blocks)])
        return [_describe(part) for part in _parts(server)]


def _describe(part: dict[str, Any]) -> dict[str, Any]:
    kind = part["type"]
    if kind == "text":
        return {"type": "text", "text": part["text"]}
    url = part[kind]["url"]
    return {"type": kind, "mime": url[5:].split(";", 1)[0] if url.startswith("data:") else url}


def _error(call: Callable[[], object]) -> dict[str, Any]:
    """The error ``call()`` raises: its class names (MRO), message and extra."""
    try:
        call()
    except Exception as error:  # noqa: BLE001 - reported to the test, which judges it
        return {
            "classes": [cls.__name__ for cls in type(error).__mro__],
            "message": str(error),
            "install": getattr(error, "install", None),
        }
    return {"classes": [], "message": "no error"}


def chat(image_path: str) -> dict[str, Any]:
    """Text with reasoning (invoke and stream), an image, and a tool call."""
    script = [
        "The user greets me.\n</think>\nHello!",
        "Streaming now.\n</think>\nStreamed answer.",
        "A blue picture.\n</think>\nIt is blue.",
        WEATHER_CALL,
    ]
    with FakeNemotronServer(script) as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
        reply = llm.invoke("Hi")
        chunks = list(llm.stream("Stream please"))
        streamed = "".join(str(chunk.content) for chunk in chunks)
        streamed_reasoning = "".join(
            str(chunk.additional_kwargs.get("reasoning_content", "")) for chunk in chunks
        )
        seen = llm.invoke([HumanMessage(content_blocks=[_media(image_path)])])
        image_parts = [_describe(p) for p in server.requests[2].messages[-1]["content"]]
        call = llm.bind_tools([get_weather]).invoke("Weather in Paris for two days?")
    return {
        "answer": reply.content,
        "reasoning": reply.additional_kwargs.get("reasoning_content"),
        "streamed": streamed,
        "streamed_reasoning": streamed_reasoning,
        "image_answer": seen.content,
        "image_parts": image_parts,
        "tool_calls": [{"name": c["name"], "args": c["args"]} for c in call.tool_calls],
    }


def send(*paths: str) -> dict[str, Any]:
    """The parts a user turn holding ``paths`` becomes on the wire."""
    return {"parts": _send(*paths)}


def missing(*paths: str) -> dict[str, Any]:
    """The error for each file whose feature is not installed, and for the agents."""
    errors = {Path(p).name: _error(functools.partial(_send, p)) for p in paths}

    def import_doc_qa() -> None:
        import langchain_nemotron_omni.agents.document_qa  # noqa: F401, PLC0415

    def import_computer_use() -> None:
        from langchain_nemotron_omni.agents.computer_use import (  # noqa: PLC0415
            create_computer_use_agent,
        )

        del create_computer_use_agent

    errors["agents"] = _error(import_doc_qa)
    errors["computer_use"] = _error(import_computer_use)
    return errors


CHECKS: dict[str, Callable[..., dict[str, Any]]] = {"chat": chat, "send": send, "missing": missing}

if __name__ == "__main__":
    name, *args = sys.argv[1:]
    sys.stdout.write(json.dumps(CHECKS[name](*args)) + "\n")
