"""PDF pages as PNG images, and their text layers, with pypdfium2.

The model reads pictures, not PDF files, so a PDF is sent as one image per page. Scanned
PDFs (pages that are only images) work the same; their text layer is just empty.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni._pdfium import PDFIUM_LOCK
from langchain_nemotron_omni.media.errors import (
    CorruptMediaError,
    EncryptedPDFError,
    InvalidMediaOptionsError,
    MediaSourceError,
    MediaTooLargeError,
)
from langchain_nemotron_omni.media.options import (
    DEFAULT_PDF_DPI,
    DEFAULT_PDF_MAX_PIXELS,
    PageSelection,
)

if TYPE_CHECKING:
    from types import ModuleType

_RANGE = re.compile(r"^\s*(\d+)?\s*(-)?\s*(\d+)?\s*$")

PDFSource = str | os.PathLike[str] | bytes
"""A PDF file path or the PDF's bytes."""


@dataclass(frozen=True)
class RenderedPage:
    """One rendered page.

    Attributes:
        number: 1-based physical page number.
        label: The page label the PDF defines (``"iv"``, ``"A-3"``), or ``None``.
        png: The page as PNG bytes.
        width: Width in pixels.
        height: Height in pixels.
    """

    number: int
    label: str | None
    png: bytes
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


def _pdfium() -> ModuleType:
    # Imported on first use: it costs ~70 ms, and most requests hold no PDF.
    import pypdfium2  # type: ignore[import-untyped]  # noqa: PLC0415

    return pypdfium2  # type: ignore[no-any-return]


@contextmanager
def open_pdf(
    source: PDFSource, *, what: str | None = None, password: str | None = None
) -> Iterator[Any]:
    """Open a PDF with PDFium (holding the PDFium lock), with typed errors.

    Raises:
        MediaSourceError: The file does not exist.
        EncryptedPDFError: The PDF needs a password (or the given one is wrong).
        CorruptMediaError: The bytes are not a readable PDF.
    """
    if what is None:
        what = "the PDF" if isinstance(source, bytes) else f"'{Path(source).name}'"
    if not isinstance(source, bytes):
        path = Path(source)
        if not path.is_file():
            msg = f"{what}: no such file {path}. Check the path."
            raise MediaSourceError(msg)
        source = str(path)  # PDFium reads the file lazily
    pdfium = _pdfium()
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(source, password=password)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
                msg = (
                    f"{what} is password-protected. Pass the password, or decrypt it first "
                    "(e.g. `qpdf --decrypt --password=PASSWORD in.pdf out.pdf`)."
                )
                raise EncryptedPDFError(msg) from exc
            msg = (
                f"{what} is not a readable PDF ({exc}). The file is damaged or truncated: "
                "download or export it again."
            )
            raise CorruptMediaError(msg) from exc
        try:
            yield document
        finally:
            document.close()


def page_count(source: PDFSource, *, password: str | None = None) -> int:
    """How many pages the PDF has."""
    with open_pdf(source, password=password) as document:
        return len(document)


def page_labels(source: PDFSource, *, password: str | None = None) -> list[str | None]:
    """Each page's label (``"iv"``, ``"A-3"``), or ``None`` where the PDF defines none."""
    with open_pdf(source, password=password) as document:
        return [document.get_page_label(i) or None for i in range(len(document))]


def page_texts(
    source: PDFSource, *, pages: PageSelection | None = None, password: str | None = None
) -> list[str]:
    """The text layer of each selected page (empty for scanned pages).

    Args:
        source: A PDF path or bytes.
        pages: 1-based page selection (see :func:`parse_pages`); ``None`` for all.
        password: The PDF's password, if it has one.
    """
    with open_pdf(source, password=password) as document:
        texts = []
        for index in parse_pages(pages, len(document)):
            page = document[index]
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_bounded()
            finally:
                textpage.close()
                page.close()
            texts.append(text.replace("\r\n", "\n"))
        return texts


def render_pages(  # noqa: PLR0913
    source: PDFSource,
    *,
    pages: PageSelection | None = None,
    dpi: float = DEFAULT_PDF_DPI,
    max_pixels: int = DEFAULT_PDF_MAX_PIXELS,
    max_pages: int | None = None,
    password: str | None = None,
    what: str | None = None,
) -> list[RenderedPage]:
    """Render PDF pages to PNG images.

    Args:
        source: A PDF path or bytes.
        pages: 1-based page selection (see :func:`parse_pages`); ``None`` for all.
        dpi: Rendering resolution.
        max_pixels: Pixel budget per page; a page over it is rendered at a lower
            resolution so that it fits.
        max_pages: Refuse to render more pages than this.
        password: The PDF's password, if it has one.
        what: How to name the PDF in errors.

    Raises:
        EncryptedPDFError: The PDF needs a password.
        CorruptMediaError: The PDF cannot be read.
        MediaTooLargeError: More pages were selected than ``max_pages``.
    """
    with open_pdf(source, what=what, password=password) as document:
        name = what or "the PDF"
        indices = parse_pages(pages, len(document), what=name)
        if max_pages is not None and len(indices) > max_pages:
            msg = (
                f"{name} would become {len(indices)} page images, more than the limit of "
                f"{max_pages}. Select pages (e.g. pages='1-10'), or raise pdf_max_pages."
            )
            raise MediaTooLargeError(msg)
        return [_render(document, index, dpi, max_pixels) for index in indices]


def _render(document: Any, index: int, dpi: float, max_pixels: int) -> RenderedPage:
    page = document[index]
    try:
        width_pt, height_pt = page.get_size()
        scale = dpi / 72
        pixels = width_pt * height_pt * scale * scale
        if pixels > max_pixels:
            scale *= math.sqrt(max_pixels / pixels)
            # PDFium rounds pixel sizes up; step down until the rounded size fits.
            while math.ceil(width_pt * scale) * math.ceil(height_pt * scale) > max_pixels:
                scale *= 0.999
        bitmap = page.render(scale=scale)
        try:
            image = bitmap.to_pil()
            out = io.BytesIO()
            image.save(out, format="PNG")
        finally:
            bitmap.close()
    finally:
        page.close()
    label = document.get_page_label(index) or None
    return RenderedPage(index + 1, label, out.getvalue(), image.width, image.height)


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
