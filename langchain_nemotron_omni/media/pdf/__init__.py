"""The package's one PDF layer (pypdfium2): page images, text and where it is, labels, outline.

- :class:`PagedDocument`: what every document of pages offers (the agent reads image files
  as one-page documents too).
- :class:`PdfDocument`: an open PDF (pages, printed labels, an outline of any depth, text,
  where a passage sits on its page, renders of a page or region as JPEG or PNG).
- :func:`render_pages`, :func:`page_texts`, :func:`page_labels`, :func:`page_count`: the
  media layer's functions behind ``pdf(...)`` blocks.
- :class:`LockedLRU`: the bounded caches of open documents and renders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_nemotron_omni._lazy import lazy_attributes
from langchain_nemotron_omni._pdfium import Box, ImageFormat, PageImage
from langchain_nemotron_omni.media.pdf.pages import (
    PDFSource,
    RenderedPage,
    normalize_pages,
    page_count,
    page_labels,
    page_texts,
    parse_pages,
    render_pages,
)

if TYPE_CHECKING:
    from langchain_nemotron_omni.media.pdf.cache import LockedLRU, file_key
    from langchain_nemotron_omni.media.pdf.document import PdfDocument, clean_text
    from langchain_nemotron_omni.media.pdf.paged import (
        DEFAULT_MAX_PIXELS,
        OutlineEntry,
        PagedDocument,
        normalize_box,
    )

# Imported on first use: the document needs pypdfium2 (the ``pdf`` extra), and the media
# layer imports this package in every install.
_CACHE = "langchain_nemotron_omni.media.pdf.cache"
_DOCUMENT = "langchain_nemotron_omni.media.pdf.document"
_PAGED = "langchain_nemotron_omni.media.pdf.paged"
_LAZY = {
    "LockedLRU": _CACHE,
    "file_key": _CACHE,
    "DEFAULT_MAX_PIXELS": _PAGED,
    "OutlineEntry": _PAGED,
    "PagedDocument": _PAGED,
    "PdfDocument": _DOCUMENT,
    "clean_text": _DOCUMENT,
    "normalize_box": _PAGED,
}

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "Box",
    "ImageFormat",
    "LockedLRU",
    "OutlineEntry",
    "PDFSource",
    "PageImage",
    "PagedDocument",
    "PdfDocument",
    "RenderedPage",
    "clean_text",
    "file_key",
    "normalize_box",
    "normalize_pages",
    "page_count",
    "page_labels",
    "page_texts",
    "parse_pages",
    "render_pages",
]


__getattr__ = lazy_attributes(__name__, _LAZY, globals())
