"""Open documents and page images, kept for reuse (bounded LRU caches on ``cachetools``).

An agent asks about the same document again and again, and re-sends the pages it viewed on
every turn; these caches keep each document open once per version of the file and each
render encoded once, within a size bound, safely across threads.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from cachetools import LRUCache

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable
    from pathlib import Path

V = TypeVar("V")

DEFAULT_RENDER_BYTES = 96 * 1024 * 1024


def file_key(path: Path) -> tuple[str, int, int]:
    """Identifies one version of a file: its path, modification time and size."""
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


class _LRU(LRUCache[Any, V]):
    """cachetools' LRU, telling its owner about each value it pushes out (to close files)."""

    def __init__(
        self, maxsize: int, getsizeof: Callable[[V], int] | None, on_evict: Callable[[V], None]
    ) -> None:
        super().__init__(maxsize=maxsize, getsizeof=getsizeof)
        self._on_evict = on_evict

    def popitem(self) -> tuple[Any, V]:
        key, value = super().popitem()
        self._on_evict(value)
        return key, value


class LockedLRU(Generic[V]):
    """A thread-safe LRU cache that builds missing values with a function.

    Args:
        maxsize: Capacity, in entries (or in bytes with ``getsizeof``).
        getsizeof: Size of a value (default: 1 per entry).
        on_evict: Called with each value pushed out (to close files).
    """

    def __init__(
        self,
        maxsize: int,
        getsizeof: Callable[[V], int] | None = None,
        on_evict: Callable[[V], None] | None = None,
    ) -> None:
        """Create an empty cache."""
        self._cache = _LRU(maxsize, getsizeof, on_evict or (lambda _: None))
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], V]) -> V:
        """The value for ``key``, built (outside the lock) and stored when missing."""
        found = self.peek(key)
        return found if found is not None else self.put(key, build())

    def peek(self, key: Hashable) -> V | None:
        """The value for ``key`` (now the most recently used), or None."""
        with self._lock:
            return self._cache.get(key)

    def put(self, key: Hashable, value: V) -> V:
        """Keep ``value`` unless ``key`` is held already; the value held is returned."""
        with self._lock:
            if key in self._cache:  # built twice at once: keep the first
                return self._cache[key]
            # A value larger than the whole cache is used, not kept.
            with contextlib.suppress(ValueError):
                self._cache[key] = value
        return value
