"""Progress events both agents send to LangGraph's ``custom`` stream.

Each event is a dict ``{"agent": ..., "event": ..., **fields}``, so a client streaming with
``stream_mode="custom"`` (``langgraph-sdk``: ``stream_mode=["custom"]``) can tell the agents
and the kinds of events apart. Outside a graph run (a node called directly) events are
dropped.
"""

from __future__ import annotations

from typing import Any

from langgraph.config import get_stream_writer


def emit(agent: str, event: str, **fields: Any) -> None:
    """Send one progress event of ``agent`` to the run's custom stream."""
    try:
        writer = get_stream_writer()
    except RuntimeError:  # not inside a runnable context
        return
    writer({"agent": agent, "event": event, **fields})
