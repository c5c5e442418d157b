"""The step log: every finished step of a run, kept outside the graph state.

The model is sent its whole history (as NVIDIA's harness sends it, up to a text budget), but
a checkpointer writes every changed channel at every step, so a history held in the state
would make each checkpoint bigger than the last. Finished steps are written here instead,
one JSON record per step (:class:`~.state.StepRecord`, already masked), laid out like the
run's screenshots (same folders or store namespaces per ``<thread>/<episode>``): a
LangGraph ``BaseStore`` (the LangGraph server provides one) or a folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from langchain_nemotron_omni.agents.computer_use.screenshots import session_parts

if TYPE_CHECKING:
    from langgraph.store.base import BaseStore

    from langchain_nemotron_omni.agents.computer_use.state import StepRecord

NAMESPACE = ("nemotron_omni", "computer_use", "steps")
SEARCH_LIMIT = 100_000


class StepLog(Protocol):
    """Keeps a run's finished steps and reads them back in order."""

    def write(self, session: str, record: StepRecord) -> None:
        """Keep ``record`` (replacing an earlier record of the same step)."""
        ...

    def read(self, session: str, before: int) -> list[StepRecord]:
        """The records of steps ``1 .. before - 1`` that exist, oldest first."""
        ...


class DirectoryStepLog:
    """Records as JSON files: ``<root>/<session>/step-0001.json``."""

    def __init__(self, root: str | Path) -> None:
        """Keep files under ``root`` (created on first write)."""
        self.root = Path(root)

    def write(self, session: str, record: StepRecord) -> None:
        """Write the record's file (readable by the user only, like the screenshots)."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder = self._folder(session)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / f"step-{record['step']:04d}.json"
        path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")

    def read(self, session: str, before: int) -> list[StepRecord]:
        """Read the records back."""
        folder = self._folder(session)
        records = []
        for step in range(1, before):
            path = folder / f"step-{step:04d}.json"
            if path.is_file():
                records.append(cast("StepRecord", json.loads(path.read_text(encoding="utf-8"))))
        return records

    def _folder(self, session: str) -> Path:
        return self.root.joinpath(*session_parts(session))


class BaseStoreStepLog:
    """Records in a LangGraph ``BaseStore``, under ``NAMESPACE + (session,)``."""

    def __init__(self, store: BaseStore) -> None:
        """Use ``store`` (for example ``runtime.store`` in a node)."""
        self.store = store

    def write(self, session: str, record: StepRecord) -> None:
        """Put the record."""
        value = cast("dict[str, Any]", record)
        self.store.put(_namespace(session), f"step-{record['step']:04d}", value, index=False)

    def read(self, session: str, before: int) -> list[StepRecord]:
        """Get the records back (one search, however many there are)."""
        # Not limited to ``before - 1``: a session's later steps from an earlier run
        # may still be there, and the order of search results is not defined.
        items = self.store.search(_namespace(session), limit=SEARCH_LIMIT)
        records = [cast("StepRecord", item.value) for item in items]
        return sorted((r for r in records if r["step"] < before), key=lambda r: r["step"])


def _namespace(session: str) -> tuple[str, ...]:
    return (*NAMESPACE, *session_parts(session))
