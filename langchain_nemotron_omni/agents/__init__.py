"""Agents built on Nemotron 3 Nano Omni (LangGraph graphs with a factory each).

Imported on first use, so reaching one agent does not load the other's dependencies
(Playwright for computer use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_nemotron_omni._lazy import lazy_attributes

if TYPE_CHECKING:
    from langchain_nemotron_omni.agents.computer_use import create_computer_use_agent
    from langchain_nemotron_omni.agents.document_qa import create_document_qa_agent

_LAZY = {
    "create_computer_use_agent": "langchain_nemotron_omni.agents.computer_use",
    "create_document_qa_agent": "langchain_nemotron_omni.agents.document_qa",
}

__all__ = ["create_computer_use_agent", "create_document_qa_agent"]


__getattr__ = lazy_attributes(__name__, _LAZY, globals())
