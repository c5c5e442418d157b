"""Where screenshots are kept, outside the graph state.

Checkpointers save every changed channel at every step, so base64 images in the messages
would make each checkpoint bigger than the last. The state keeps a reference instead:
``store:<namespace>/<key>`` for a LangGraph ``BaseStore`` (the LangGraph server provides
one), or a file path under a folder.

A run's session id is ``<thread id>/<episode>`` (see the state), and each part becomes a
namespace label or a folder: every task's screenshots stay apart, also on a reused thread.
Each screenshot is named ``<label>-<step>`` (``step-0003``; the screen an approval was asked
on is ``approval0-0003``).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from langgraph.store.base import BaseStore

STORE_PREFIX = "store:"
NAMESPACE = ("nemotron_omni", "computer_use", "screenshots")


class ScreenshotStore(Protocol):
    """Saves screenshots and loads them back by reference."""

    def save(self, png: bytes, *, session: str, step: int, label: str = "step") -> str:
        """Keep ``png`` and return its reference."""
        ...

    def load(self, ref: str) -> bytes:
        """The PNG bytes of a reference :meth:`save` returned."""
        ...


class DirectoryScreenshots:
    """Screenshots as PNG files: ``<root>/<thread>/<episode>/step-0001.png``."""

    def __init__(self, root: str | Path) -> None:
        """Keep files under ``root`` (created on first save)."""
        self.root = Path(root)

    def save(self, png: bytes, *, session: str, step: int, label: str = "step") -> str:
        """Write the file; the reference is its absolute path."""
        # Screenshots show whatever was on screen: only the user may read them.
        folder = self.root
        for part in ("", *session_parts(session)):
            folder = folder / part if part else folder
            folder.mkdir(mode=0o700, parents=not part, exist_ok=True)
        path = folder / f"{_safe(label)}-{step:04d}.png"
        path.write_bytes(png)
        return str(path.resolve())

    def load(self, ref: str) -> bytes:
        """Read the file back."""
        return Path(ref).read_bytes()

    def folder(self, session: str) -> Path:
        """Where a session's screenshots go."""
        return self.root.joinpath(*session_parts(session))


class BaseStoreScreenshots:
    """Screenshots in a LangGraph ``BaseStore`` (values must be JSON, so base64)."""

    def __init__(self, store: BaseStore) -> None:
        """Use ``store`` (for example ``runtime.store`` in a node)."""
        self.store = store

    def save(self, png: bytes, *, session: str, step: int, label: str = "step") -> str:
        """Put the image under ``NAMESPACE + (thread, episode)``."""
        namespace = (*NAMESPACE, *session_parts(session))
        key = f"{_safe(label)}-{step:04d}"
        self.store.put(namespace, key, {"png": base64.b64encode(png).decode("ascii")}, index=False)
        return STORE_PREFIX + "/".join((*namespace, key))

    def load(self, ref: str) -> bytes:
        """Get the image back.

        Raises:
            KeyError: The reference is not in this store.
        """
        *namespace, key = ref.removeprefix(STORE_PREFIX).split("/")
        item = self.store.get(tuple(namespace), key)
        if item is None:
            raise KeyError(ref)
        return base64.b64decode(item.value["png"])


class ScreenshotLoader:
    """Loads any reference: store references from the store, others from disk."""

    def __init__(self, store: BaseStore | None) -> None:
        """Resolve ``store:`` references with ``store``."""
        self._store = BaseStoreScreenshots(store) if store is not None else None

    def __call__(self, ref: str) -> bytes:
        """The PNG bytes.

        Raises:
            LookupError: A store reference without a store.
        """
        if ref.startswith(STORE_PREFIX):
            if self._store is None:
                msg = f"screenshot {ref} is in a LangGraph store, but this run has none"
                raise LookupError(msg)
            return self._store.load(ref)
        return Path(ref).read_bytes()


def _safe(name: str) -> str:
    # References are split on "/", folder names must not climb out of the root, and store
    # namespace labels may not contain dots.
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "_"


def session_parts(session: str) -> list[str]:
    """A session id's parts (``<thread>/<episode>``) as folder names / namespace labels."""
    return [_safe(part) for part in session.split("/")]
