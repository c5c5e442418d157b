"""One open PDF: pages, printed labels, outline, text, text positions and page images.

Everything the package reads from a PDF goes through :class:`PdfDocument` (the media layer's
page images and the document-QA agent alike). Each call holds the PDFium lock for as long as
it talks to PDFium, so a document can be shared between threads.
"""

from __future__ import annotations

import ctypes
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from langchain_nemotron_omni._pdfium import (
    FULL_PAGE,
    PDFIUM_LOCK,
    Box,
    ImageFormat,
    PageImage,
    displayed_size,
    render_page,
    render_scale,
)
from langchain_nemotron_omni.extras import require
from langchain_nemotron_omni.media.errors import (
    CorruptMediaError,
    EncryptedPDFError,
    MediaSourceError,
    MissingMediaDependencyError,
)
from langchain_nemotron_omni.media.pdf.paged import OutlineEntry, PagedDocument, normalize_box

if TYPE_CHECKING:
    import os

# The ``pdf`` extra; without it this module (loaded on first use) names the pip install line.
pdfium = require(
    "pypdfium2", extra="pdf", purpose="Reading PDFs", error=MissingMediaDependencyError
)
pdfium_c = require(
    "pypdfium2.raw", extra="pdf", purpose="Reading PDFs", error=MissingMediaDependencyError
)

_WHITESPACE = re.compile(r"[ \t\f\v]+")
_PASSWORD_ERRORS = {4, 5}  # FPDF_ERR_PASSWORD, FPDF_ERR_SECURITY


def _dest_top(dest: Any, extent: tuple[float, float] | None) -> float | None:
    """How far down its page a destination points (0 = top, 1 = bottom), if it says."""
    if extent is None:
        return None
    mode, view = dest.get_view()
    y: float | None = None
    if mode == pdfium_c.PDFDEST_VIEW_XYZ:
        has_x, has_y, has_zoom = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        x, top, zoom = pdfium_c.FS_FLOAT(), pdfium_c.FS_FLOAT(), pdfium_c.FS_FLOAT()
        if (
            pdfium_c.FPDFDest_GetLocationInPage(dest.raw, has_x, has_y, has_zoom, x, top, zoom)
            and has_y.value
        ):
            y = float(top.value)
    elif mode in {pdfium_c.PDFDEST_VIEW_FITH, pdfium_c.PDFDEST_VIEW_FITBH} and view:
        y = float(view[0])
    elif mode == pdfium_c.PDFDEST_VIEW_FITR and len(view) == 4:  # noqa: PLR2004
        y = float(view[3])
    bottom, top_edge = extent
    if y is None or top_edge <= bottom:
        return None
    return min(max((top_edge - y) / (top_edge - bottom), 0.0), 1.0)


_SOFT_HYPHEN = "\x02"
"""What PDFium puts where a word was hyphenated across a line break ("dis\x02advantage")."""


def clean_text(text: str) -> str:
    r"""Page text with PDFium's line ends and runs of blanks made plain, hyphenated words whole.

    A word broken at a line end comes back joined, with ``\x02`` where the hyphen was: it is
    dropped, so "disadvantage" reads (and is searched) as one word. A word with a hyphen of its
    own broken there ("Unix-alikes") loses it too; typeset text has far fewer of those.
    """
    text = text.replace(_SOFT_HYPHEN, "").replace("\r\n", "\n").replace("\r", "\n")
    lines = (_WHITESPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


class PdfDocument(PagedDocument):
    """A PDF opened with pypdfium2 (from a path or bytes), with typed errors.

    Raises (on opening):
        MediaSourceError: No file at the path.
        EncryptedPDFError: The PDF needs a password (or the given one is wrong).
        CorruptMediaError: PDFium cannot parse the file.
    """

    kind = "pdf"

    def __init__(
        self,
        source: str | os.PathLike[str] | bytes,
        *,
        what: str | None = None,
        password: str | None = None,
    ) -> None:
        """Open the PDF (see the class docstring for the errors)."""
        self.path = None if isinstance(source, bytes) else Path(source)
        self.name = self.path.name if self.path is not None else "the PDF"
        self.what = what or (f"'{self.name}'" if self.path is not None else "the PDF")
        if self.path is not None and not self.path.is_file():
            msg = f"{self.what}: no such file {self.path}. Check the path."
            raise MediaSourceError(msg)
        self.source: str | bytes = source if isinstance(source, bytes) else str(self.path)
        self.password = password
        with PDFIUM_LOCK:
            self._pdf: Any = self._load()
            self.page_count = len(self._pdf)
            if self.page_count < 1:
                self._pdf.close()
                msg = f"{self.what} has no pages; export the document again."
                raise CorruptMediaError(msg)
            self.labels = [str(self._pdf.get_page_label(i) or "") for i in range(self.page_count)]
        self._texts: dict[int, str] = {}
        self._outline: list[OutlineEntry] | None = None

    def _load(self) -> Any:
        if isinstance(self.source, bytes):
            try:
                return pdfium.PdfDocument(self.source, password=self.password)
            except pdfium.PdfiumError as exc:
                raise self._open_error(getattr(exc, "err_code", None), exc) from None
        # The raw loader for files: pypdfium2 refuses a PDF without pages with PDFium's
        # last error code, which is stale (an earlier file's "password" error, say).
        path = (self.source + "\x00").encode("utf-8", errors="surrogateescape")
        password = None if self.password is None else self.password.encode() + b"\x00"
        handle = pdfium_c.FPDF_LoadDocument(path, password)
        if not handle:
            code = int(pdfium_c.FPDF_GetLastError())
            raise self._open_error(code, f"PDFium error {code}")
        return pdfium.PdfDocument(handle)

    def _open_error(self, code: int | None, exc: object) -> Exception:
        if code in _PASSWORD_ERRORS:
            msg = (
                f"{self.what} is password-protected. Pass the password, or decrypt it first "
                "(e.g. `qpdf --decrypt --password=PASSWORD in.pdf out.pdf`)."
            )
            return EncryptedPDFError(msg)
        msg = (
            f"{self.what} is not a readable PDF ({exc}). The file is damaged or truncated: "
            "download or export it again, or repair it (e.g. `qpdf in.pdf fixed.pdf`)."
        )
        return CorruptMediaError(msg)

    def __enter__(self) -> Self:
        """Use as a context manager that closes the PDF."""
        return self

    def __exit__(self, *_: object) -> None:
        """Close the PDF."""
        self.close()

    def close(self) -> None:
        """Release PDFium's handle."""
        with PDFIUM_LOCK:
            self._pdf.close()

    def page_size(self, index: int) -> tuple[float, float]:
        """Width and height as displayed (rotation applied), in points."""
        self.check_index(index)
        with PDFIUM_LOCK:
            page = self._pdf[index]
            try:
                return displayed_size(page)
            finally:
                page.close()

    # -- outline ---------------------------------------------------------------------------

    def outline(self) -> list[OutlineEntry]:
        """Every bookmark, depth first, whatever the depth (cycles are cut, silently)."""
        if self._outline is not None:
            return self._outline
        entries: list[OutlineEntry] = []
        seen: set[int] = set()
        heights: dict[int, tuple[float, float] | None] = {}
        with PDFIUM_LOCK:
            # An explicit stack instead of recursion: no depth limit, no warnings.
            stack: list[tuple[Any, int]] = [(self._first_child(None), 0)]
            while stack:
                mark, level = stack.pop()
                if not mark:
                    continue
                address = ctypes.addressof(mark.contents)
                if address in seen:
                    continue
                seen.add(address)
                entries.append(self._entry(mark, level, heights))
                stack.append((pdfium_c.FPDFBookmark_GetNextSibling(self._pdf, mark), level))
                stack.append((self._first_child(mark), level + 1))
        self._outline = entries
        return entries

    def _first_child(self, mark: Any) -> Any:
        return pdfium_c.FPDFBookmark_GetFirstChild(self._pdf, mark)

    def _entry(
        self, mark: Any, level: int, heights: dict[int, tuple[float, float] | None]
    ) -> OutlineEntry:
        bookmark = pdfium.PdfBookmark(mark, self._pdf, level)
        dest = bookmark.get_dest()
        index = dest.get_index() if dest is not None else None
        title = " ".join(str(bookmark.get_title()).split())
        if index is None:
            return OutlineEntry(title, level, None)
        index = int(index)
        if index not in heights:
            heights[index] = self._vertical_extent(index)
        return OutlineEntry(title, level, index, _dest_top(dest, heights[index]))

    def _vertical_extent(self, index: int) -> tuple[float, float] | None:
        """The page's (bottom, top) in PDF units; None for a rotated page."""
        page = self._pdf[index]
        try:
            if int(page.get_rotation()):
                return None
            _, bottom, _, top = (float(v) for v in page.get_bbox())
            return bottom, top
        finally:
            page.close()

    # -- text ------------------------------------------------------------------------------

    def text(self, index: int) -> str:
        """The page's text layer, cleaned ("" for a scanned page); kept once read."""
        self.check_index(index)
        cached = self._texts.get(index)
        if cached is None:
            with PDFIUM_LOCK:
                page = self._pdf[index]
                try:
                    textpage = page.get_textpage()
                    try:
                        raw = str(textpage.get_text_bounded())
                    finally:
                        textpage.close()
                finally:
                    page.close()
            cached = self._texts[index] = clean_text(raw)
        return cached

    def text_in_box(self, index: int, box: Box) -> str:
        """The text inside a region (the whole page's text on rotated pages)."""
        self.check_index(index)
        x0, y0, x1, y1 = normalize_box(box)
        with PDFIUM_LOCK:
            page = self._pdf[index]
            try:
                left, bottom, right, top = (float(v) for v in page.get_bbox())
                textpage = page.get_textpage()
                try:
                    if int(page.get_rotation()):
                        return clean_text(str(textpage.get_text_bounded()))
                    width, height = right - left, top - bottom
                    text = textpage.get_text_bounded(
                        left=left + x0 * width,
                        bottom=top - y1 * height,
                        right=left + x1 * width,
                        top=top - y0 * height,
                    )
                    return clean_text(str(text))
                finally:
                    textpage.close()
            finally:
                page.close()

    def find(self, index: int, needle: str) -> list[Box]:
        """Where ``needle`` first occurs on the page (case-insensitive): one box per line.

        Boxes are PDFium's text rectangles in [0, 1] from the top left, empty when the text
        is not on the page (or the page is rotated).
        """
        self.check_index(index)
        if not needle.strip():
            return []
        with PDFIUM_LOCK:
            page = self._pdf[index]
            try:
                if int(page.get_rotation()):
                    return []
                left, bottom, right, top = (float(v) for v in page.get_bbox())
                textpage = page.get_textpage()
                try:
                    found = textpage.search(needle.strip(), match_case=False).get_next()
                    if found is None:
                        return []
                    start, count = (int(v) for v in found)
                    rects = [
                        textpage.get_rect(i) for i in range(textpage.count_rects(start, count))
                    ]
                finally:
                    textpage.close()
            finally:
                page.close()
        width, height = right - left, top - bottom
        boxes = []
        for r_left, r_bottom, r_right, r_top in rects:
            try:
                boxes.append(
                    normalize_box(
                        (
                            (r_left - left) / width,
                            (top - r_top) / height,
                            (r_right - left) / width,
                            (top - r_bottom) / height,
                        )
                    )
                )
            except ValueError:  # a zero-width rectangle (a space at a line end)
                continue
        return boxes

    # -- images ----------------------------------------------------------------------------

    def _size(self, index: int, dpi: float, area: Box | None, max_pixels: int) -> tuple[int, int]:
        width, height = self.page_size(index)
        x0, y0, x1, y1 = area or FULL_PAGE
        area_w, area_h = width * (x1 - x0), height * (y1 - y0)
        scale = render_scale(area_w, area_h, dpi, max_pixels)
        return max(1, round(area_w * scale)), max(1, round(area_h * scale))

    def _draw(
        self, index: int, dpi: float, area: Box | None, max_pixels: int, fmt: ImageFormat
    ) -> PageImage:
        with PDFIUM_LOCK:
            page = self._pdf[index]
            try:
                return render_page(page, dpi, area, max_pixels=max_pixels, fmt=fmt)
            finally:
                page.close()
