"""The documents of one question: opened inside the allowed root, described for the model.

Everything the tools tell the model about pages (names, costs, outline, hits, text) is
worded here, so the tool loop and the single-call path describe pages the same way.
"""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import TYPE_CHECKING

from langchain_nemotron_omni._pdfium import PARALLEL_MIN_PAGES, render_many
from langchain_nemotron_omni.agents.document_qa.page_images import ImageKey
from langchain_nemotron_omni.agents.document_qa.page_labels import describe_labels, page_title
from langchain_nemotron_omni.agents.document_qa.paths import resolve_document
from langchain_nemotron_omni.agents.document_qa.search import query_terms
from langchain_nemotron_omni.agents.document_qa.tokens import image_tokens, text_tokens
from langchain_nemotron_omni.media.pdf import DEFAULT_MAX_PIXELS

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from langgraph.store.base import BaseStore

    from langchain_nemotron_omni.agents.document_qa.documents import Document, DocumentCache
    from langchain_nemotron_omni.agents.document_qa.index import DocumentIndex, IndexCache
    from langchain_nemotron_omni.agents.document_qa.page_images import PageImageCache
    from langchain_nemotron_omni.agents.document_qa.state import DocumentInfo, PageRef
    from langchain_nemotron_omni.agents.document_qa.stored import Source
    from langchain_nemotron_omni.media.pdf import PageImage

_MAX_LISTED_PAGES = 20
_MAX_OUTLINE = 80


class ToolInputError(Exception):
    """A tool was called with arguments that do not fit the documents; told to the model."""


class Library:
    """The opened documents of a question, numbered from 1."""

    def __init__(
        self,
        paths: Sequence[Path],
        docs: Sequence[Document],
        renders: PageImageCache,
        indexes: IndexCache,
        store: BaseStore | None = None,
    ) -> None:
        """Wrap already opened documents (``paths[i]`` is where ``docs[i]`` was read from)."""
        self.paths = list(paths)
        self.docs = list(docs)
        self._renders = renders
        self._indexes = indexes
        self._store = store

    @classmethod
    def open(  # noqa: PLR0913
        cls,
        paths: Sequence[str],
        root: str | os.PathLike[str],
        *,
        cache: DocumentCache,
        renders: PageImageCache,
        indexes: IndexCache,
        store: BaseStore | None = None,
    ) -> Library:
        """Resolve every path inside ``root`` and open it.

        Raises:
            DocumentError: A path is outside the root, missing, or not a readable document.
        """
        resolved = [resolve_document(path, root) for path in paths]
        return cls(resolved, [cache.get(path) for path in resolved], renders, indexes, store)

    def load_indexes(
        self, progress: Callable[[int, int], None] | None = None
    ) -> list[tuple[str, int, Source]]:
        """Make sure every document has its index; (name, pages, where it came from) each."""
        return [
            (doc.name, doc.page_count, self._index_of(n, progress)[1])
            for n, doc in enumerate(self.docs, start=1)
        ]

    def _index_of(
        self, number: int, progress: Callable[[int, int], None] | None = None
    ) -> tuple[DocumentIndex, Source]:
        return self._indexes.get(
            self.paths[number - 1], self.docs[number - 1], self._store, progress
        )

    def doc_index(self, number: int) -> DocumentIndex:
        """The text index of document ``number``."""
        return self._index_of(number)[0]

    def text(self, number: int, index: int) -> str:
        """Page ``index``'s text, from the index (never extracted twice)."""
        return self.doc_index(number).texts[index]

    # -- addressing -------------------------------------------------------------------------

    def doc(self, number: int | None) -> Document:
        """Document ``number`` (1-based; None means the first).

        Raises:
            ToolInputError: No such document.
        """
        number = 1 if number is None else number
        if not 1 <= number <= len(self.docs):
            msg = f"doc={number} does not exist; documents are numbered 1-{len(self.docs)}"
            raise ToolInputError(msg)
        return self.docs[number - 1]

    def index(self, number: int | None, page: int) -> tuple[Document, int]:
        """Document and 0-based index of 1-based ``page`` of document ``number``.

        Raises:
            ToolInputError: No such document or page.
        """
        doc = self.doc(number)
        if not 1 <= page <= doc.page_count:
            msg = f"page {page} does not exist; {doc.name} has pages 1-{doc.page_count}"
            raise ToolInputError(msg)
        return doc, page - 1

    def page_name(self, number: int, index: int) -> str:
        """``Page 12 (label 8)``, prefixed with the file name when there are several."""
        doc = self.doc(number)
        title = page_title(index + 1, doc.label(index))
        return f"{doc.name}: {title}" if len(self.docs) > 1 else title

    def infos(self) -> list[DocumentInfo]:
        """The documents as stored in the state."""
        return [
            {"doc": n, "name": d.name, "path": str(path), "kind": d.kind, "pages": d.page_count}
            for n, (d, path) in enumerate(zip(self.docs, self.paths, strict=True), start=1)
        ]

    # -- costs ------------------------------------------------------------------------------

    def image_cost(
        self, number: int, index: int, dpi: float, box: Sequence[float] | None = None
    ) -> int:
        """Estimated tokens of a page image (or of its region ``box``) at ``dpi``."""
        area = (box[0], box[1], box[2], box[3]) if box else None
        return image_tokens(*self.doc(number).render_size(index, dpi, area))

    def all_pages_cost(self, dpi: float) -> int:
        """Estimated tokens of every page of every document as an image, plus its title."""
        return sum(
            self.image_cost(n, i, dpi) + text_tokens(self.page_name(n, i) + ":")
            for n, doc in enumerate(self.docs, start=1)
            for i in range(doc.page_count)
        )

    def page_count(self) -> int:
        """Pages in all documents."""
        return sum(doc.page_count for doc in self.docs)

    # -- descriptions for the model ---------------------------------------------------------

    def overview(self, dpi: float) -> str:
        """One paragraph per document: pages, labels, outline, scans, and what pages cost."""
        lines = []
        for number, doc in enumerate(self.docs, start=1):
            pages = doc.page_count
            texts = self.doc_index(number).texts
            blank = [i + 1 for i, text in enumerate(texts) if not text]
            facts = [f"{pages} page{'s' if pages != 1 else ''} ({doc.kind})"]
            if labels := describe_labels([doc.label(i) for i in range(pages)]):
                facts.append(f"printed page labels: {labels}")
            if outline := self.doc_index(number).outline:
                facts.append(f"an outline of {len(outline)} entries (call outline)")
            if blank:
                listed = ", ".join(map(str, blank[:_MAX_LISTED_PAGES]))
                more = f" and {len(blank) - _MAX_LISTED_PAGES} more" if len(blank) > 20 else ""  # noqa: PLR2004
                facts.append(
                    f"no text layer on page(s) {listed}{more} (scans or figures: view them)"
                )
            image = self.image_cost(number, 0, dpi)
            text = sum(text_tokens(t) for t in texts) // max(pages - len(blank), 1)
            facts.append(
                f"a page costs about {image:,} tokens as a {dpi:g} dpi image and about "
                f"{text:,} tokens as text"
            )
            lines.append(f"doc={number}: {doc.name}: " + "; ".join(facts) + ".")
        return "\n".join(lines)

    def outline_text(self, number: int | None) -> str:
        """The outline of a document with page numbers and labels."""
        doc = self.doc(number)
        n = 1 if number is None else number
        entries = self.doc_index(n).outline
        head = f"{doc.name}: {doc.page_count} pages."
        labels = describe_labels([doc.label(i) for i in range(doc.page_count)])
        if labels:
            head += f" Printed page labels: {labels}."
        if not entries:
            return head + " The document has no outline; use search_text to find pages."
        rows = [
            "  " * entry.level
            + f"- {entry.title}"
            + (f" -> {self.page_name(n, entry.page)}" if entry.page is not None else "")
            for entry in entries[:_MAX_OUTLINE]
        ]
        more = (
            f"\n({len(entries) - _MAX_OUTLINE} more entries)" if len(entries) > _MAX_OUTLINE else ""
        )
        return head + " Outline:\n" + "\n".join(rows) + more

    def search(
        self, query: str, number: int | None, limit: int
    ) -> tuple[str, list[tuple[int, int]]]:
        """Ranked text hits (and matching outline entries) as text, and the pages listed.

        Raises:
            ToolInputError: An empty query or a bad document number.
        """
        if not query.strip():
            msg = "query is empty; give words that should appear on the page"
            raise ToolInputError(msg)
        numbers = [number] if number is not None else range(1, len(self.docs) + 1)
        found: list[tuple[float, int, int, str, tuple[str, ...]]] = []
        outline_rows: list[str] = []
        terms = query_terms(query)
        for n in numbers:
            self.doc(n)
            index = self.doc_index(n)
            found += [
                (m.score, n, m.page, m.snippet, m.terms) for m in index.search.search(query, limit)
            ]
            outline_rows += [
                f"- outline entry '{entry.title}' -> {self.page_name(n, entry.page)}"
                for entry in index.outline
                if entry.page is not None and any(t in entry.title.lower() for t in terms)
            ]
        found.sort(key=lambda hit: -hit[0])
        hits = found[:limit]
        rows = []
        for _, n, page, text, matched in hits:
            where = self._doc(n).find(page, matched[0]) if matched else []
            box = f" near bbox [{', '.join(f'{v:.2f}' for v in where[0])}]" if where else ""
            rows.append(f'- {self.page_name(n, page)}: matched {", ".join(matched)}{box}: "{text}"')
        if not rows and not outline_rows:
            empty = (
                f"No page's text matches {query!r}. Pages without a text layer (scans, figures) "
                "cannot be searched: check the outline or view such pages."
            )
            return empty, []
        parts = []
        if rows:
            parts.append(f"Pages matching {query!r}, best first:\n" + "\n".join(rows))
        if outline_rows:
            parts.append("Outline entries matching:\n" + "\n".join(outline_rows[:10]))
        return "\n".join(parts), [(n, page) for _, n, page, _, _ in hits]

    def _doc(self, number: int) -> Document:
        return self.docs[number - 1]

    def page_text(self, number: int | None, page: int, max_chars: int) -> tuple[str, int]:
        """The text of a page for the model (cut at ``max_chars``), and its 0-based index.

        Raises:
            ToolInputError: No such document or page.
        """
        _doc, index = self.index(number, page)
        n = 1 if number is None else number
        text = self.text(n, index)
        name = self.page_name(n, index)
        if not text:
            return (
                f"{name} has no text layer (a scan or a figure). Call view_pages to see it.",
                index,
            )
        cut = ""
        if len(text) > max_chars:
            text, cut = (
                text[:max_chars],
                f"\n[cut at {max_chars} characters; zoom to read the rest]",
            )
        return f"{name} text:\n{text}{cut}", index

    def images(self, refs: Sequence[PageRef]) -> tuple[list[PageImage], Counter[Source]]:
        """The renders of ``refs`` in order, and how many came from where.

        Each is taken from memory, else from the LangGraph store (one round trip for them
        all), else rendered (and kept in both): many whole pages of a PDF (the single call
        sends up to 120) by several processes at once, since PDFium is not thread-safe.
        """
        out: list[PageImage | None] = [None] * len(refs)
        sources: Counter[Source] = Counter()
        for number in sorted({ref["doc"] for ref in refs}):
            doc = self.doc(number)
            digest = self._indexes.digest(self.paths[number - 1])
            mine = [(i, ref) for i, ref in enumerate(refs) if ref["doc"] == number]
            keys = [_image_key(digest, ref) for _, ref in mine]
            found = self._renders.get_many(keys, self._store, partial(self._render, number, doc))
            for (i, _), (image, source) in zip(mine, found, strict=True):
                out[i] = image
                sources[source] += 1
        return [image for image in out if image is not None], sources

    def _render(self, number: int, doc: Document, keys: list[ImageKey]) -> list[PageImage]:
        """Render ``keys`` of document ``number``: many whole PDF pages in worker processes."""
        done: dict[ImageKey, PageImage] = {}
        if doc.kind == "pdf":
            by_dpi: dict[float, list[ImageKey]] = {}
            for key in keys:
                if key.box is None:
                    by_dpi.setdefault(key.dpi, []).append(key)
            for dpi, group in by_dpi.items():
                if len(group) >= PARALLEL_MIN_PAGES:
                    pages = [key.page for key in group]
                    path = str(self.paths[number - 1])
                    images = render_many(path, pages, dpi, max_pixels=DEFAULT_MAX_PIXELS)
                    done |= dict(zip(group, images, strict=True))
        return [
            done[key] if key in done else doc.render(key.page, key.dpi, key.box) for key in keys
        ]


def _image_key(digest: str, ref: PageRef) -> ImageKey:
    box = ref["box"]
    area = (box[0], box[1], box[2], box[3]) if box else None
    return ImageKey(digest, ref["page"], round(float(ref["dpi"]), 2), area)
