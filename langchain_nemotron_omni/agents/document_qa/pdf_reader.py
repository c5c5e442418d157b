"""The PDF (and image) layer of the document-QA agent, on pypdfium2 and Pillow.

What the agent needs from a document: page count, printed page labels, the outline, each
page's text (cached), text hits with their position, and renders of a page or of a region of
it at a chosen resolution. PDFium is not thread-safe, so every call into it holds one lock;
a served graph runs nodes in a thread pool.
"""

from __future__ import annotations

import io
import math
import re
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pypdfium2 as pdfium  # type: ignore[import-untyped,unused-ignore]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped,unused-ignore]
from PIL import Image, UnidentifiedImageError

from langchain_nemotron_omni._pdfium import PDFIUM_LOCK
from langchain_nemotron_omni.agents.document_qa.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedPDFError,
    UnsupportedDocumentError,
)
from langchain_nemotron_omni.agents.document_qa.tokens import (
    MAX_IMAGE_PIXELS,
    POINTS_PER_INCH,
    render_scale,
    rendered_size,
)

if TYPE_CHECKING:
    from pathlib import Path

Box = tuple[float, float, float, float]
"""A region of a page: ``(x0, y0, x1, y1)`` in [0, 1], origin at the top left."""

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
_PASSWORD_ERRORS = {4, 5}  # FPDF_ERR_PASSWORD, FPDF_ERR_SECURITY
_SNIFF_BYTES = 1024
_IMAGE_MAX_UPSCALE = 2.0
_WHITESPACE = re.compile(r"[ \t\f\v]+")


@dataclass(frozen=True)
class OutlineEntry:
    """One bookmark of the outline; ``page`` is a 0-based index (None: no destination)."""

    title: str
    level: int
    page: int | None


@dataclass(frozen=True)
class Rendered:
    """A PNG render of a page or region."""

    png: bytes
    width: int
    height: int
    dpi: float


def normalize_box(box: Box) -> Box:
    """``box`` clamped to the page and put in order.

    Raises:
        ValueError: The box has no area.
    """
    x0, y0, x1, y1 = (min(max(float(v), 0.0), 1.0) for v in box)
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    if x1 - x0 <= 0 or y1 - y0 <= 0:
        msg = f"bbox {list(box)} has no area; give [x0, y0, x1, y1] with x0 < x1 and y0 < y1"
        raise ValueError(msg)
    return x0, y0, x1, y1


def clean_text(text: str) -> str:
    r"""Page text with ``\r\n`` line ends (PDFium's) and runs of blanks made plain."""
    lines = (_WHITESPACE.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


class Document(ABC):
    """A readable document: a PDF, or an image seen as a one-page document."""

    kind: str

    def __init__(self, path: Path) -> None:
        """Remember where the document lives."""
        self.path = path
        self.name = path.name
        stat = path.stat()
        self.key = (str(path), stat.st_mtime_ns, stat.st_size)
        """Identifies this version of the file (renders are cached under it)."""
        self._texts: dict[int, str] = {}

    @property
    @abstractmethod
    def page_count(self) -> int:
        """Number of pages."""

    @abstractmethod
    def label(self, index: int) -> str:
        """The printed page label of page ``index`` ("" when the document has none)."""

    @abstractmethod
    def page_size(self, index: int) -> tuple[float, float]:
        """Width and height of a page as displayed, in points (1/72 inch)."""

    @abstractmethod
    def outline(self) -> list[OutlineEntry]:
        """The bookmarks, in document order."""

    @abstractmethod
    def _extract_text(self, index: int) -> str: ...

    @abstractmethod
    def text_in_box(self, index: int, box: Box) -> str:
        """The text inside a region of a page."""

    @abstractmethod
    def locate(self, index: int, term: str) -> Box | None:
        """Where ``term`` first occurs on page ``index`` (case-insensitive), if anywhere."""

    @abstractmethod
    def render_size(
        self, index: int, dpi: float, box: Box | None = None, max_pixels: int = MAX_IMAGE_PIXELS
    ) -> tuple[int, int]:
        """Pixel size :meth:`render` will produce, without rendering (for cost estimates)."""

    @abstractmethod
    def render(
        self, index: int, dpi: float, box: Box | None = None, max_pixels: int = MAX_IMAGE_PIXELS
    ) -> Rendered:
        """Render a page (or the region ``box`` of it) as PNG."""

    def close(self) -> None:  # noqa: B027  # images hold nothing open
        """Release the file."""

    def text(self, index: int) -> str:
        """The page's text layer, cleaned ("" for a scan or an image)."""
        self.check_index(index)
        cached = self._texts.get(index)
        if cached is None:
            cached = self._texts[index] = clean_text(self._extract_text(index))
        return cached

    def check_index(self, index: int) -> None:
        """Raise IndexError naming the valid range when ``index`` is not a page.

        Raises:
            IndexError: The index is not a page of this document.
        """
        if not 0 <= index < self.page_count:
            msg = f"page {index + 1} does not exist; {self.name} has pages 1-{self.page_count}"
            raise IndexError(msg)


class PdfFile(Document):
    """A PDF read with pypdfium2."""

    kind = "pdf"

    def __init__(self, path: Path) -> None:
        """Open the PDF, mapping PDFium failures to typed errors.

        Raises:
            EncryptedPDFError: The PDF needs a password.
            EmptyDocumentError: The PDF has no pages.
            CorruptDocumentError: PDFium cannot parse it.
        """
        super().__init__(path)
        with PDFIUM_LOCK:
            # The raw loader, because pypdfium2 reports an empty PDF with a stale error code.
            handle = pdfium_c.FPDF_LoadDocument(_c_path(path), None)
            if not handle:
                raise _pdf_error(path, int(pdfium_c.FPDF_GetLastError()))
            if int(pdfium_c.FPDF_GetPageCount(handle)) < 1:
                pdfium_c.FPDF_CloseDocument(handle)
                raise EmptyDocumentError(path, "the PDF has no pages; export the document again")
            self._pdf: Any = pdfium.PdfDocument(handle)
            self._count = len(self._pdf)
            self._labels = [str(self._pdf.get_page_label(i)) for i in range(self._count)]

    @property
    def page_count(self) -> int:
        """Number of pages."""
        return self._count

    def label(self, index: int) -> str:
        """The printed page label ("" when the PDF defines none)."""
        self.check_index(index)
        return self._labels[index]

    def page_size(self, index: int) -> tuple[float, float]:
        """Width and height as displayed (rotation applied), in points."""
        self.check_index(index)
        with PDFIUM_LOCK:
            page = self._pdf[index]
            try:
                width, height = (float(v) for v in page.get_size())
                if int(page.get_rotation()) in {90, 270}:
                    width, height = height, width
            finally:
                page.close()
        return width, height

    def outline(self) -> list[OutlineEntry]:
        """The bookmarks with their target pages."""
        entries: list[OutlineEntry] = []
        with PDFIUM_LOCK:
            for mark in self._pdf.get_toc(max_depth=4):
                dest = mark.get_dest()
                index = dest.get_index() if dest is not None else None
                page = int(index) if index is not None else None
                entries.append(OutlineEntry(str(mark.get_title()).strip(), int(mark.level), page))
        return entries

    def _extract_text(self, index: int) -> str:
        with PDFIUM_LOCK:
            page = self._pdf[index]
            try:
                textpage = page.get_textpage()
                try:
                    return str(textpage.get_text_bounded())
                finally:
                    textpage.close()
            finally:
                page.close()

    def _page_frame(self, page: Any) -> tuple[float, float, float, float, int]:
        left, bottom, right, top = (float(v) for v in page.get_bbox())
        return left, bottom, right, top, int(page.get_rotation())

    def text_in_box(self, index: int, box: Box) -> str:
        """The text inside a region (unrotated pages; whole-page text otherwise)."""
        self.check_index(index)
        x0, y0, x1, y1 = normalize_box(box)
        with PDFIUM_LOCK:
            page = self._pdf[index]
            try:
                left, bottom, right, top, rotation = self._page_frame(page)
                textpage = page.get_textpage()
                try:
                    if rotation:
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

    def locate(self, index: int, term: str) -> Box | None:
        """Where ``term`` first occurs, as a box in [0, 1] (None on rotated pages)."""
        self.check_index(index)
        if not term.strip():
            return None
        with PDFIUM_LOCK:
            page = self._pdf[index]
            try:
                left, bottom, right, top, rotation = self._page_frame(page)
                if rotation:
                    return None
                textpage = page.get_textpage()
                try:
                    found = textpage.search(term, match_case=False).get_next()
                    if found is None:
                        return None
                    start, count = (int(v) for v in found)
                    boxes = [textpage.get_charbox(i) for i in range(start, start + count)]
                finally:
                    textpage.close()
            finally:
                page.close()
        width, height = right - left, top - bottom
        x0 = (min(float(b[0]) for b in boxes) - left) / width
        x1 = (max(float(b[2]) for b in boxes) - left) / width
        y0 = (top - max(float(b[3]) for b in boxes)) / height
        y1 = (top - min(float(b[1]) for b in boxes)) / height
        return normalize_box((x0, y0, x1, y1))

    def _scale(
        self, index: int, dpi: float, box: Box | None, max_pixels: int
    ) -> tuple[float, float, float, Box]:
        width, height = self.page_size(index)
        area = normalize_box(box) if box else (0.0, 0.0, 1.0, 1.0)
        area_w, area_h = width * (area[2] - area[0]), height * (area[3] - area[1])
        return render_scale(area_w, area_h, dpi, max_pixels), area_w, area_h, area

    def render_size(
        self, index: int, dpi: float, box: Box | None = None, max_pixels: int = MAX_IMAGE_PIXELS
    ) -> tuple[int, int]:
        """Pixel size of the render (PDFium may round a pixel differently)."""
        self.check_index(index)
        scale, area_w, area_h, _ = self._scale(index, dpi, box, max_pixels)
        return rendered_size(area_w, area_h, scale)

    def render(
        self, index: int, dpi: float, box: Box | None = None, max_pixels: int = MAX_IMAGE_PIXELS
    ) -> Rendered:
        """Render at ``dpi`` (lowered to fit ``max_pixels``), cropped to ``box`` if given."""
        self.check_index(index)
        width, height = self.page_size(index)
        scale, _, _, (x0, y0, x1, y1) = self._scale(index, dpi, box, max_pixels)
        # PDFium crops in points after rotation: (left, bottom, right, top) cut away.
        crop = (x0 * width, (1 - y1) * height, (1 - x1) * width, y0 * height)
        with PDFIUM_LOCK:
            page = self._pdf[index]
            try:
                bitmap = page.render(scale=scale, crop=crop)
                image: Image.Image = bitmap.to_pil()
            finally:
                page.close()
        return _png(image, scale * POINTS_PER_INCH)

    def close(self) -> None:
        """Close the PDF."""
        with PDFIUM_LOCK:
            self._pdf.close()


class ImageFile(Document):
    """A PNG, JPEG, GIF or TIFF file as a one-page document with no text layer."""

    kind = "image"

    def __init__(self, path: Path) -> None:
        """Read the image.

        Raises:
            CorruptDocumentError: Pillow cannot decode it.
        """
        super().__init__(path)
        try:
            with Image.open(path) as image:
                image.load()
                self._image = image.convert("RGB")
        except (UnidentifiedImageError, OSError) as error:
            raise CorruptDocumentError(
                path, f"the image could not be decoded ({error}); re-save it as PNG or JPEG"
            ) from None

    @property
    def page_count(self) -> int:
        """Always one page."""
        return 1

    def label(self, index: int) -> str:
        """Images have no page labels."""
        self.check_index(index)
        return ""

    def page_size(self, index: int) -> tuple[float, float]:
        """Its pixel size, read as points (so 72 dpi renders it at its own size)."""
        self.check_index(index)
        return float(self._image.width), float(self._image.height)

    def outline(self) -> list[OutlineEntry]:
        """Images have no outline."""
        return []

    def _extract_text(self, index: int) -> str:  # noqa: ARG002
        return ""

    def text_in_box(self, index: int, box: Box) -> str:  # noqa: ARG002
        """Images have no text layer."""
        self.check_index(index)
        return ""

    def locate(self, index: int, term: str) -> Box | None:  # noqa: ARG002
        """Nothing to find without a text layer."""
        return None

    def _crop(self, box: Box | None) -> tuple[int, int, int, int]:
        w, h = self._image.size
        x0, y0, x1, y1 = normalize_box(box) if box else (0.0, 0.0, 1.0, 1.0)
        left, top = min(round(x0 * w), w - 1), min(round(y0 * h), h - 1)
        return left, top, max(round(x1 * w), left + 1), max(round(y1 * h), top + 1)

    def render_size(
        self, index: int, dpi: float, box: Box | None = None, max_pixels: int = MAX_IMAGE_PIXELS
    ) -> tuple[int, int]:
        """Pixel size of the render: the pixels times ``dpi`` / 72, within limits.

        A whole image is never enlarged (its own resolution is all there is); a region is
        enlarged at most twice.
        """
        self.check_index(index)
        left, top, right, bottom = self._crop(box)
        width, height = right - left, bottom - top
        limit = _IMAGE_MAX_UPSCALE if box is not None else 1.0
        scale = min(dpi / POINTS_PER_INCH, limit)
        scale = min(scale, math.sqrt(max_pixels / (width * height)))
        return rendered_size(width, height, scale)

    def render(
        self, index: int, dpi: float, box: Box | None = None, max_pixels: int = MAX_IMAGE_PIXELS
    ) -> Rendered:
        """The image, or a region of it, resized to :meth:`render_size`."""
        size = self.render_size(index, dpi, box, max_pixels)
        crop = self._crop(box)
        image = self._image.crop(crop)
        if size != image.size:
            image = image.resize(size, Image.Resampling.LANCZOS)
        return _png(image, POINTS_PER_INCH * size[0] / (crop[2] - crop[0]))


def _png(image: Image.Image, dpi: float) -> Rendered:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return Rendered(buffer.getvalue(), image.width, image.height, dpi)


def _c_path(path: Path) -> bytes:
    # As pypdfium2 does: NUL-terminated UTF-8, undecodable bytes kept as they were.
    return (str(path) + "\x00").encode("utf-8", errors="surrogateescape")


def _pdf_error(path: Path, code: int) -> Exception:
    if code in _PASSWORD_ERRORS:
        return EncryptedPDFError(
            path,
            "the PDF is encrypted and needs a password; save an unencrypted copy (for example "
            "`qpdf --decrypt --password=... in.pdf out.pdf`) and ask again",
        )
    reason = {1: "unknown error", 2: "file access error", 3: "data format error"}.get(
        code, f"error {code}"
    )
    return CorruptDocumentError(
        path,
        f"PDFium could not read this PDF ({reason}); the file may be truncated or damaged. "
        "Download or export it again, or repair it (for example `qpdf in.pdf fixed.pdf`)",
    )


def open_document(path: Path) -> Document:
    """Open a PDF or image file, sniffing the type from its first bytes.

    Raises:
        EmptyDocumentError: The file has no bytes or the PDF has no pages.
        UnsupportedDocumentError: Neither a PDF nor an image.
        EncryptedPDFError: The PDF needs a password.
        CorruptDocumentError: The file cannot be parsed.
    """
    with path.open("rb") as file:
        head = file.read(_SNIFF_BYTES)
    if not head:
        raise EmptyDocumentError(path, "the file is empty (0 bytes); check the upload or copy")
    if b"%PDF-" in head:  # the spec allows junk before the header
        return PdfFile(path)
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return ImageFile(path)
    start = head[:16].decode("latin-1").encode("unicode_escape").decode()
    raise UnsupportedDocumentError(
        path,
        f"not a PDF or an image (it starts with {start!r}); convert it to PDF first "
        "(for example `libreoffice --headless --convert-to pdf FILE`)",
    )


class DocumentCache:
    """Open documents, reused across questions while the file is unchanged (LRU)."""

    def __init__(self, size: int = 8) -> None:
        """Keep at most ``size`` documents open."""
        self._size = size
        self._docs: OrderedDict[tuple[str, int, int], Document] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: Path) -> Document:
        """The open document for ``path`` (reopened when the file changed)."""
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        with self._lock:
            doc = self._docs.get(key)
            if doc is not None:
                self._docs.move_to_end(key)
                return doc
        doc = open_document(path)
        with self._lock:
            self._docs[doc.key] = doc
            while len(self._docs) > self._size:
                _, old = self._docs.popitem(last=False)
                old.close()
        return doc


class RenderCache:
    """Recent renders, so a page shown again (or re-sent in the next request) is not redrawn."""

    def __init__(self, size: int = 48) -> None:
        """Keep at most ``size`` renders."""
        self._size = size
        self._items: OrderedDict[tuple[object, ...], Rendered] = OrderedDict()
        self._lock = threading.Lock()

    def render(self, doc: Document, index: int, dpi: float, box: Box | None) -> Rendered:
        """The render of ``doc`` page ``index`` at ``dpi`` cropped to ``box``, cached."""
        key = (*doc.key, index, round(dpi, 2), box)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        rendered = doc.render(index, dpi, box)
        with self._lock:
            self._items[key] = rendered
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return rendered
