"""Agents built on Nemotron 3 Nano Omni (LangGraph graphs with a factory each).

Imported on first use, so reaching one agent does not load the other's dependencies
(Playwright for computer use). Both are LangGraph graphs: LangGraph comes with the ``agents``
extra (the chat model does not need it), and without it importing anything here raises
:class:`~langchain_nemotron_omni.extras.MissingExtraError` naming that extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_nemotron_omni._lazy import lazy_attributes
from langchain_nemotron_omni.extras import require

require("langgraph", extra="agents", purpose="The agents")

if TYPE_CHECKING:
    from langchain_nemotron_omni.agents.computer_use import create_computer_use_agent
    from langchain_nemotron_omni.agents.document_qa import create_document_qa_agent

_LAZY = {
    "create_computer_use_agent": "langchain_nemotron_omni.agents.computer_use",
    "create_document_qa_agent": "langchain_nemotron_omni.agents.document_qa",
}

__all__ = ["create_computer_use_agent", "create_document_qa_agent"]


__getattr__ = lazy_attributes(__name__, _LAZY, globals())
