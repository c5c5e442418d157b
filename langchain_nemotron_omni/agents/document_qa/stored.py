"""What the agent derives from a document's bytes, kept by content hash outside the process.

Two things are slow to make from a document and the same every time: its text index (every
page's text, ``index.py``) and its page images (``page_images.py``). Both go through one
:class:`StoredCache`, which looks for a value

1. in memory (a bounded LRU of this process),
2. in the LangGraph store, when the graph runs with one (every worker of a deployment, and
   the same server after a restart, share it), then in a folder, when one is given (the
   command line's index files),
3. and makes it only when none holds it, keeping it in each.

Many values (120 pages of a single call) are looked up in one store round trip and written
in another, with the store's default TTL and refresh-on-read settings (if it has any), as
``BaseStore.put`` and ``get`` would use them.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from langgraph.store.base import GetOp, Item, PutOp

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

    from langgraph.store.base import BaseStore

    from langchain_nemotron_omni.media.pdf import LockedLRU

K = TypeVar("K", bound="Hashable")
V = TypeVar("V")
K_contra = TypeVar("K_contra", contravariant=True)

PREFIX = "nemotron_omni"
"""First label of every store namespace the agents write."""

Source = Literal["memory", "disk", "store", "extracted", "rendered"]
"""Where a value came from: this process, the folder, the LangGraph store, or made now (an
index is extracted from the PDF, a page image rendered)."""


@dataclass(frozen=True)
class Place:
    """Where a value is kept outside this process.

    A store namespace and key; a folder's file is named after the key.
    """

    namespace: tuple[str, ...]
    key: str


class Codec(Protocol[K_contra, V]):
    """How one kind of value is placed and written as JSON, and read back."""

    def place(self, key: K_contra) -> Place | None:
        """Where the value of ``key`` is kept (None: in this process only)."""
        ...

    def dump(self, key: K_contra, value: V) -> dict[str, Any]:
        """The value of ``key`` as a JSON object."""
        ...

    def load(self, key: K_contra, value: Mapping[str, Any]) -> V | None:
        """The value :meth:`dump` wrote, or None.

        None when it was written in another format, or is another key's value kept in the
        same place: the value is then made again.
        """
        ...


class StoredCache(Generic[K, V]):
    """Values by key: from memory, the store or the folder, or made (see the module).

    Args:
        codec: How values are placed, written and read.
        memory: This process's cache.
        made: The source reported for a value made now.
        directory: Folder for values outside any store (None: no folder).
    """

    def __init__(
        self,
        codec: Codec[K, V],
        memory: LockedLRU[V],
        made: Source,
        directory: str | os.PathLike[str] | None = None,
    ) -> None:
        """Create the cache (the folder is made on first write)."""
        self.codec = codec
        self._memory = memory
        self._made: Source = made
        self.directory = Path(directory) if directory is not None else None

    def get(self, key: K, store: BaseStore | None, make: Callable[[], V]) -> tuple[V, Source]:
        """The value of ``key`` and where it came from (``make`` builds it when none has it)."""
        [found] = self.get_many([key], store, lambda _: [make()])
        return found

    def get_many(
        self,
        keys: Sequence[K],
        store: BaseStore | None,
        make: Callable[[list[K]], Sequence[V]],
    ) -> list[tuple[V, Source]]:
        """The values of ``keys``, each with its source.

        ``make`` is called at most once, with the keys nothing holds (in order, each once),
        and returns their values in that order.
        """
        found: dict[K, tuple[V, Source]] = {}
        for key in keys:
            if key not in found and (value := self._memory.peek(key)) is not None:
                found[key] = (value, "memory")
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        found |= self._load(missing, store)
        absent = [key for key in missing if key not in found]
        if absent:
            made = list(make(absent))
            self._save(zip(absent, made, strict=True), store)
            found |= {key: (value, self._made) for key, value in zip(absent, made, strict=True)}
        for key in missing:
            found[key] = (self._memory.put(key, found[key][0]), found[key][1])
        return [found[key] for key in keys]

    def _load(self, keys: list[K], store: BaseStore | None) -> dict[K, tuple[V, Source]]:
        places = {key: place for key in keys if (place := self.codec.place(key)) is not None}
        found: dict[K, tuple[V, Source]] = {}
        if store is not None and places:
            refresh = (store.ttl_config or {}).get("refresh_on_read", True)
            ops = [GetOp(p.namespace, p.key, refresh_ttl=refresh) for p in places.values()]
            for key, item in zip(places, store.batch(ops), strict=True):
                self._decode(found, key, item.value if isinstance(item, Item) else None, "store")
        for key, place in places.items():
            if key not in found:
                self._decode(found, key, self._read(place), "disk")
        return found

    def _decode(
        self,
        found: dict[K, tuple[V, Source]],
        key: K,
        stored: Mapping[str, Any] | None,
        source: Source,
    ) -> None:
        value = self.codec.load(key, stored) if stored is not None else None
        if value is not None:
            found[key] = (value, source)

    def _save(self, values: Iterable[tuple[K, V]], store: BaseStore | None) -> None:
        placed = [
            (place, self.codec.dump(key, value))
            for key, value in values
            if (place := self.codec.place(key)) is not None
        ]
        if store is not None and placed:
            # As BaseStore.put does: the store's default TTL, when it has one.
            ttl = (store.ttl_config or {}).get("default_ttl")
            store.batch([PutOp(p.namespace, p.key, v, index=False, ttl=ttl) for p, v in placed])
        for place, value in placed:
            self._write(place, value)

    def _file(self, place: Place) -> Path | None:
        return self.directory / f"{place.key}.json.gz" if self.directory is not None else None

    def _read(self, place: Place) -> dict[str, Any] | None:
        file = self._file(place)
        if file is None or not file.is_file():
            return None
        try:
            value = json.loads(gzip.decompress(file.read_bytes()))
        except (OSError, ValueError):  # a damaged file is made again
            return None
        return value if isinstance(value, dict) else None

    def _write(self, place: Place, value: dict[str, Any]) -> None:
        file = self._file(place)
        if file is None:
            return
        file.parent.mkdir(parents=True, exist_ok=True)
        data = gzip.compress(json.dumps(value).encode())
        # Written aside and renamed, so a reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=file.parent, delete=False) as tmp:
            tmp.write(data)
        Path(tmp.name).replace(file)
