"""The package's one PDF layer (pypdfium2): page images, text and where it is, labels, outline.

- :class:`PdfDocument`: an open PDF (pages, printed labels, an outline of any depth, text,
  where a passage sits on its page, renders of a page or region as JPEG or PNG).
- :func:`render_pages`, :func:`page_texts`, :func:`page_labels`, :func:`page_count`: the
  media layer's functions behind ``pdf(...)`` blocks.
- :class:`LockedLRU`: the bounded caches of open documents and renders.
"""

from __future__ import annotations

from langchain_nemotron_omni._pdfium import Box, ImageFormat, PageImage
from langchain_nemotron_omni.media.pdf.cache import LockedLRU, file_key
from langchain_nemotron_omni.media.pdf.document import (
    DEFAULT_MAX_PIXELS,
    OutlineEntry,
    PdfDocument,
    clean_text,
    normalize_box,
)
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

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "Box",
    "ImageFormat",
    "LockedLRU",
    "OutlineEntry",
    "PDFSource",
    "PageImage",
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
