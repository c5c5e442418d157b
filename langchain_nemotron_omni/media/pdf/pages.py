"""The media layer's PDF functions: pages as images for a request, labels, text, selections.

The model reads pictures, not PDF files, so a PDF is sent as one image per page (JPEG, see
``_pdfium``). Scanned PDFs work the same; their text layer is just empty.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni._pdfium import ImageFormat, render_many
from langchain_nemotron_omni.media.errors import InvalidMediaOptionsError, MediaTooLargeError
from langchain_nemotron_omni.media.options import (
    DEFAULT_PDF_DPI,
    DEFAULT_PDF_MAX_PIXELS,
    PageSelection,
)
from langchain_nemotron_omni.media.progress import Reporter

if TYPE_CHECKING:
    from langchain_nemotron_omni.media.pdf.document import PdfDocument

_RANGE = re.compile(r"^\s*(\d+)?\s*(-)?\s*(\d+)?\s*$")

PDFSource = str | os.PathLike[str] | bytes
"""A PDF file path or the PDF's bytes."""


@dataclass(frozen=True)
class RenderedPage:
    """One rendered page.

    Attributes:
        number: 1-based physical page number.
        label: The page label the PDF defines (``"iv"``, ``"A-3"``), or ``None``.
        data: The encoded image.
        mime: Its type (``image/jpeg`` or ``image/png``).
        width: Width in pixels.
        height: Height in pixels.
    """

    number: int
    label: str | None
    data: bytes
    mime: str
    width: int
    height: int

    @property
    def title(self) -> str:
        """How the page is introduced to the model: its label, else its number."""
        return self.label or str(self.number)


def parse_pages(
    pages: PageSelection | None, page_count: int, *, what: str = "the PDF"
) -> list[int]:
    """Turn a 1-based page selection into sorted, unique 0-based indices.

    Args:
        pages: ``None`` (all), ``3``, ``[1, 2, 5]``, ``range(1, 4)`` or ``"1-3,5,8-"``.
        page_count: Pages in the document.
        what: How to name the PDF in errors.

    Raises:
        InvalidMediaOptionsError: A malformed selection, or a page the PDF does not have.
    """
    if pages is None:
        return list(range(page_count))
    numbers: set[int] = set()
    if isinstance(pages, str):
        for piece in pages.split(","):
            match = _RANGE.match(piece)
            if not piece.strip() or match is None or not (match[1] or match[3]):
                msg = f"Bad page selection {pages!r} for {what}: use e.g. '1-3,5,8-'."
                raise InvalidMediaOptionsError(msg)
            first = int(match[1]) if match[1] else 1
            last = (int(match[3]) if match[3] else page_count) if match[2] else first
            numbers.update(range(first, last + 1))
    elif isinstance(pages, int):
        numbers.add(pages)
    else:
        numbers.update(pages)
    bad = sorted(n for n in numbers if not 1 <= n <= page_count)
    if bad:
        msg = (
            f"{what} has {page_count} page(s); page(s) {', '.join(map(str, bad))} do not exist. "
            "Pages are numbered from 1."
        )
        raise InvalidMediaOptionsError(msg)
    return sorted(n - 1 for n in numbers)


def normalize_pages(pages: PageSelection | None) -> str | list[int] | None:
    """A JSON-friendly page selection for a block's ``extras`` (strings kept, ints listed)."""
    if pages is None or isinstance(pages, str):
        return pages
    if isinstance(pages, int):
        return [pages]
    if isinstance(pages, Sequence):
        return [int(n) for n in pages]
    msg = f"pages must be an int, a list of ints, a range or a string, not {type(pages).__name__}"
    raise InvalidMediaOptionsError(msg)


def _open(source: PDFSource, **kwargs: Any) -> PdfDocument:
    """Open a PDF; pypdfium2 (the ``pdf`` extra) is imported here, on first use."""
    from langchain_nemotron_omni.media.pdf.document import PdfDocument  # noqa: PLC0415

    return PdfDocument(source, **kwargs)


def page_count(source: PDFSource, *, password: str | None = None) -> int:
    """How many pages the PDF has."""
    with _open(source, password=password) as document:
        return document.page_count


def page_labels(source: PDFSource, *, password: str | None = None) -> list[str | None]:
    """Each page's label (``"iv"``, ``"A-3"``), or ``None`` where the PDF defines none."""
    with _open(source, password=password) as document:
        return [label or None for label in document.labels]


def page_texts(
    source: PDFSource, *, pages: PageSelection | None = None, password: str | None = None
) -> list[str]:
    """The text layer of each selected page (empty for scanned pages), lines cleaned.

    Args:
        source: A PDF path or bytes.
        pages: 1-based page selection (see :func:`parse_pages`); ``None`` for all.
        password: The PDF's password, if it has one.
    """
    with _open(source, password=password) as document:
        return [document.text(i) for i in parse_pages(pages, document.page_count)]


def render_pages(  # noqa: PLR0913
    source: PDFSource,
    *,
    pages: PageSelection | None = None,
    dpi: float = DEFAULT_PDF_DPI,
    max_pixels: int = DEFAULT_PDF_MAX_PIXELS,
    max_pages: int | None = None,
    password: str | None = None,
    what: str | None = None,
    fmt: ImageFormat = "jpeg",
) -> list[RenderedPage]:
    """Render PDF pages to images (long documents in parallel worker processes).

    Args:
        source: A PDF path or bytes.
        pages: 1-based page selection (see :func:`parse_pages`); ``None`` for all.
        dpi: Rendering resolution.
        max_pixels: Pixel budget per page; a page over it is rendered at a lower
            resolution so that it fits.
        max_pages: Refuse to render more pages than this.
        password: The PDF's password, if it has one.
        what: How to name the PDF in errors.
        fmt: ``"jpeg"`` (default: as legible, much faster to encode) or ``"png"``.

    Raises:
        EncryptedPDFError: The PDF needs a password.
        CorruptMediaError: The PDF cannot be read.
        MediaTooLargeError: More pages were selected than ``max_pages``.
    """
    with _open(source, what=what, password=password) as document:
        name = what or "the PDF"
        indices = parse_pages(pages, document.page_count, what=name)
        if max_pages is not None and len(indices) > max_pages:
            msg = (
                f"{name} would become {len(indices)} page images, more than the limit of "
                f"{max_pages}. Select pages (e.g. pages='1-10'), or raise pdf_max_pages."
            )
            raise MediaTooLargeError(msg)
        labels = document.labels
        progress = Reporter(name, "rendering pages", total=len(indices), unit="pages")
        images = render_many(
            document.source,
            indices,
            dpi,
            max_pixels=max_pixels,
            fmt=fmt,
            password=password,
            on_rendered=progress.advance,
        )
        progress.finish()
    return [
        RenderedPage(i + 1, labels[i] or None, image.data, image.mime, image.width, image.height)
        for i, image in zip(indices, images, strict=True)
    ]
