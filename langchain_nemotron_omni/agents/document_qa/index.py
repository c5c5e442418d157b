"""Each document's text, outline and search index, built once and kept by content hash.

Reading the text layer of every page is the slow part of a first question on a long PDF;
a second question on the same file must not do it again, in this process or the next. So the
extracted pages are kept under the SHA-256 of the file's bytes:

- in memory (an LRU of ready indexes) for this process;
- on disk (``index_dir``, one small gzipped JSON file per document) for the command line;
- in the LangGraph store (namespace ``("nemotron_omni", "document_index")``) for a served
  graph, so every worker of a deployment shares them.

The FTS5 index is rebuilt from the stored pages in milliseconds (``search.py``). The lookup
order and the writing are ``stored.py``'s, shared with the page images.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.agents.document_qa.search import PageSearch, section_titles
from langchain_nemotron_omni.agents.document_qa.stored import PREFIX, Place, Source, StoredCache
from langchain_nemotron_omni.media.pdf import LockedLRU, OutlineEntry, file_key

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from langgraph.store.base import BaseStore

    from langchain_nemotron_omni.agents.document_qa.documents import Document

STORE_NAMESPACE = (PREFIX, "document_index")
_FORMAT = 3
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class DocumentIndex:
    """A document's pages as text, its outline, and a ranked search over them."""

    digest: str
    texts: tuple[str, ...]
    outline: tuple[OutlineEntry, ...]
    search: PageSearch

    @classmethod
    def build(cls, digest: str, texts: list[str], outline: list[OutlineEntry]) -> DocumentIndex:
        """Index extracted pages."""
        heads = section_titles(len(texts), [(e.title, e.level, e.page, e.top) for e in outline])
        return cls(digest, tuple(texts), tuple(outline), PageSearch(texts, heads))

    def to_json(self) -> dict[str, Any]:
        """What is stored: the pages and the outline (the FTS index is rebuilt from them)."""
        return {
            "format": _FORMAT,
            "texts": list(self.texts),
            "outline": [[e.title, e.level, e.page, e.top] for e in self.outline],
        }

    @classmethod
    def from_json(cls, digest: str, value: Mapping[str, Any]) -> DocumentIndex | None:
        """The index stored as :meth:`to_json` wrote it (None for another format)."""
        if value.get("format") != _FORMAT:
            return None
        outline = [
            OutlineEntry(
                str(t), int(lv), None if p is None else int(p), None if y is None else float(y)
            )
            for t, lv, p, y in value["outline"]
        ]
        return cls.build(digest, [str(t) for t in value["texts"]], outline)


def content_digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _IndexCodec:
    """Indexes in the store under ``STORE_NAMESPACE`` and in the folder, by content hash."""

    def place(self, digest: str) -> Place:
        return Place(STORE_NAMESPACE, digest)

    def dump(self, _digest: str, value: DocumentIndex) -> dict[str, Any]:
        return value.to_json()

    def load(self, digest: str, value: Mapping[str, Any]) -> DocumentIndex | None:
        return DocumentIndex.from_json(digest, value)


class IndexCache:
    """Finds or builds the index of a document: memory, then store or disk, then extraction.

    Args:
        directory: Folder for index files (the command line's cache); None for none.
        size: Indexes kept in memory.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None, size: int = 16) -> None:
        """Create the cache (the folder is made on first write)."""
        self._cache: StoredCache[str, DocumentIndex] = StoredCache(
            _IndexCodec(), LockedLRU(size), "extracted", directory
        )
        self._digests: LockedLRU[str] = LockedLRU(256)

    def digest(self, path: Path) -> str:
        """The content hash of ``path`` (hashed once per version of the file)."""
        return self._digests.get(file_key(path), lambda: content_digest(path))

    def get(
        self,
        path: Path,
        doc: Document,
        store: BaseStore | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[DocumentIndex, Source]:
        """The document's index, and where it came from."""
        digest = self.digest(path)
        return self._cache.get(digest, store, lambda: _extract(digest, doc, progress))


def _extract(
    digest: str, doc: Document, progress: Callable[[int, int], None] | None
) -> DocumentIndex:
    total = doc.page_count
    texts = []
    for index in range(total):
        texts.append(doc.text(index))
        if progress is not None and ((index + 1) % 25 == 0 or index + 1 == total):
            progress(index + 1, total)
    return DocumentIndex.build(digest, texts, doc.outline())


def default_index_dir() -> Path:
    """Where the command line keeps index files: ``$XDG_CACHE_HOME/nemotron-omni/doc-index``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nemotron-omni" / "doc-index"
