"""A bounded, thread-safe LRU for checked and encoded media (on ``cachetools``).

An agent re-sends its whole history on every turn; keyed by content hash, each screenshot is
decoded, converted and base64-encoded once per process instead of once per turn.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from cachetools import LRUCache

if TYPE_CHECKING:
    from collections.abc import Hashable

DEFAULT_CACHE_BYTES = 256 * 1024 * 1024


class Sized(Protocol):
    """A cached value that knows how much memory it holds."""

    @property
    def nbytes(self) -> int:
        """Approximate memory held, in bytes."""
        ...


@dataclass(frozen=True)
class CacheStats:
    """Counters of a :class:`MediaCache`."""

    hits: int
    misses: int
    entries: int
    nbytes: int
    max_bytes: int


def _nbytes(value: Sized) -> int:
    return value.nbytes


class MediaCache:
    """Least-recently-used values with a total size budget, counting hits and misses.

    Values bigger than the whole budget are not stored (a 200 MB video would evict
    everything and then be evicted itself).
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        """Create an empty cache holding at most ``max_bytes`` (by the values' ``nbytes``)."""
        self.max_bytes = max_bytes
        self._items: LRUCache[Hashable, Sized] = LRUCache(max_bytes, getsizeof=_nbytes)
        self._hits = 0
        self._misses = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Sized | None:
        """The value for ``key`` (now the most recently used), or ``None``."""
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self._misses += 1
            else:
                self._hits += 1
            return value

    def put(self, key: Hashable, value: Sized) -> None:
        """Store ``value``, evicting the least recently used values to stay in budget."""
        with self._lock, contextlib.suppress(ValueError):  # larger than the budget: not kept
            self._items[key] = value

    def clear(self) -> None:
        """Drop every value and reset the counters."""
        with self._lock:
            self._items.clear()
            self._hits = self._misses = 0

    def stats(self) -> CacheStats:
        """Current counters."""
        with self._lock:
            return CacheStats(
                hits=self._hits,
                misses=self._misses,
                entries=len(self._items),
                nbytes=int(self._items.currsize),
                max_bytes=self.max_bytes,
            )


MEDIA_CACHE = MediaCache()
"""The process-wide cache used by :func:`~langchain_nemotron_omni.media.prepare_messages`."""
