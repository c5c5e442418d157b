"""Knowing when a run of the graph ends, however it ends, so its environment can be closed.

A graph's nodes only run while the run is going well: nothing runs in the graph when a node
fails, when a LangGraph server cancels the run (``runs.cancel``, a ``multitask_strategy``
interrupt or rollback), or when the run stops at an interrupt. What a graph does see, on
every path, is its own run's callbacks: LangGraph reports the run's end to the callback
handlers of the graph's config (``on_chain_end``; ``on_chain_error`` with the node's error,
or with ``asyncio.CancelledError`` when the server cancels the run's task; a server
cancellation does not stop a sync node already running in its thread, but the run's end is
reported at once).

:class:`RunWatch` is such a handler. It follows each run's tree of child runs, so a node can
ask which run it belongs to (:meth:`RunWatch.current_run`), and tells the session pool when
that run ends: its sessions are freed (the run stopped at an interrupt or finished) or
closed (the run failed or was cancelled). A node still running for a run that already
ended gets no environment (:class:`~.errors.RunEndedError`), so a cancelled run cannot
start a browser nobody will close.
"""

# ruff: noqa: ARG002  # callback handlers take LangChain's fixed signatures

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import BaseCallbackHandler
from langgraph.config import get_config
from langgraph.errors import GraphBubbleUp

from langchain_nemotron_omni.agents.computer_use.errors import RunEndedError

if TYPE_CHECKING:
    from uuid import UUID

    from langchain_nemotron_omni.agents.computer_use.sessions import SessionPool


class RunWatch(BaseCallbackHandler):
    """Follows the graph's runs and frees or closes their sessions when they end."""

    # Dispatched to a worker thread under an async run: the pool's lock must never block the
    # server's event loop.
    run_inline = False

    def __init__(self, pool: SessionPool) -> None:
        """Report run ends to ``pool``."""
        self.pool = pool
        self._lock = threading.Lock()
        self._root_of: dict[UUID, UUID] = {}

    # -- what nodes ask ------------------------------------------------------------------------

    def current_run(self) -> UUID | None:
        """The run (root run id) the calling node belongs to.

        Returns:
            None outside a traced graph run (a node called directly: no lifecycle).

        Raises:
            RunEndedError: The node's run has already ended (it was cancelled while the
                node was running).
        """
        try:
            manager = get_config().get("callbacks")
        except RuntimeError:
            return None
        node_run = getattr(manager, "parent_run_id", None)
        if node_run is None or self not in getattr(manager, "handlers", ()):
            return None  # not a run this handler follows
        with self._lock:
            root = self._root_of.get(node_run)
        if root is None:
            msg = "this run has ended (it was cancelled or failed); its environment is closed"
            raise RunEndedError(msg)
        return root

    # -- callbacks -----------------------------------------------------------------------------

    def _started(self, run_id: UUID, parent_run_id: UUID | None) -> None:
        with self._lock:
            # The first run this handler sees of a tree is the graph's own run (the handler
            # sits in the graph's config), whether or not the graph is someone's subgraph.
            root = self._root_of.get(parent_run_id) if parent_run_id else None
            self._root_of[run_id] = root or run_id

    def _ended(self, run_id: UUID, *, failed: bool) -> None:
        with self._lock:
            root = self._root_of.pop(run_id, None)
            if root != run_id:
                return
            # The run is over: forget its children (a cancelled run never reports theirs).
            for child in [k for k, v in self._root_of.items() if v == run_id]:
                del self._root_of[child]
        self.pool.release(run_id, close=failed)

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """A run of the graph, or a node or chain inside it, started."""
        self._started(run_id, parent_run_id)

    def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Model calls are children too (anything they start must not look like a new run)."""
        self._started(run_id, parent_run_id)

    def on_llm_start(
        self,
        serialized: dict[str, Any] | None,
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """As :meth:`on_chat_model_start`."""
        self._started(run_id, parent_run_id)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """A run ended normally: finished, or stopped at an interrupt (its sessions wait)."""
        self._ended(run_id, failed=False)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """A run failed or was cancelled: its sessions are closed.

        An interrupt travels up as an error through the node it stopped; it only ends that
        node's run, never the graph's (the graph's run ends normally).
        """
        self._ended(run_id, failed=not isinstance(error, GraphBubbleUp))

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """A model call ended."""
        self._ended(run_id, failed=False)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """A model call failed (its node decides what that means for the run)."""
        self._ended(run_id, failed=False)
