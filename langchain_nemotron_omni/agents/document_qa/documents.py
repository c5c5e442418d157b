"""The documents the agent reads: PDFs (through the package's one PDF layer) and images.

A PDF is a :class:`~langchain_nemotron_omni.media.pdf.PdfDocument`; an image file is an
:class:`ImageDocument`, a one-page document without text. Both answer the same questions
(:class:`~langchain_nemotron_omni.media.pdf.PagedDocument`), so the tools never ask which
kind they hold. Open documents are kept in a bounded LRU cache, shared by the questions an
agent answers (page images: ``page_images.py``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PIL import Image, UnidentifiedImageError

from langchain_nemotron_omni._pdfium import FULL_PAGE, POINTS_PER_INCH, encode
from langchain_nemotron_omni.agents.document_qa.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedPDFError,
    UnsupportedDocumentError,
)
from langchain_nemotron_omni.media.errors import CorruptMediaError
from langchain_nemotron_omni.media.errors import EncryptedPDFError as MediaEncryptedError
from langchain_nemotron_omni.media.pdf import (
    Box,
    ImageFormat,
    LockedLRU,
    OutlineEntry,
    PagedDocument,
    PageImage,
    PdfDocument,
    file_key,
)

if TYPE_CHECKING:
    from pathlib import Path

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
_SNIFF_BYTES = 1024
_IMAGE_MAX_UPSCALE = 2.0


Document = PagedDocument
"""What the agent reads: a :class:`PdfDocument` or an :class:`ImageDocument`."""


class ImageDocument(PagedDocument):
    """A PNG, JPEG, GIF, TIFF or WebP file as a one-page document with no text layer."""

    kind = "image"
    page_count = 1
    labels = [""]  # noqa: RUF012  # read-only, like a PDF's label list

    def __init__(self, path: Path) -> None:
        """Read the image.

        Raises:
            CorruptDocumentError: Pillow cannot decode it.
        """
        self.path = path
        self.name = path.name
        try:
            with Image.open(path) as image:
                image.load()
                self._image = image.convert("RGB")
        except (UnidentifiedImageError, OSError) as error:
            raise CorruptDocumentError(
                path, f"the image could not be decoded ({error}); re-save it as PNG or JPEG"
            ) from None

    def page_size(self, index: int) -> tuple[float, float]:
        """Its pixel size, read as points (so 72 dpi renders it at its own size)."""
        self.check_index(index)
        return float(self._image.width), float(self._image.height)

    def outline(self) -> list[OutlineEntry]:
        """Images have no outline."""
        return []

    def text(self, index: int) -> str:
        """Images have no text layer."""
        self.check_index(index)
        return ""

    def text_in_box(self, index: int, box: Box) -> str:  # noqa: ARG002
        """Images have no text layer."""
        self.check_index(index)
        return ""

    def find(self, index: int, needle: str) -> list[Box]:  # noqa: ARG002
        """Nothing to find without a text layer."""
        self.check_index(index)
        return []

    def _crop(self, area: Box | None) -> tuple[int, int, int, int]:
        w, h = self._image.size
        x0, y0, x1, y1 = area or FULL_PAGE
        left, top = min(round(x0 * w), w - 1), min(round(y0 * h), h - 1)
        return left, top, max(round(x1 * w), left + 1), max(round(y1 * h), top + 1)

    def _size(self, index: int, dpi: float, area: Box | None, max_pixels: int) -> tuple[int, int]:  # noqa: ARG002  # one page
        """The pixels times ``dpi`` / 72, within limits.

        A whole image is never enlarged (its own resolution is all there is); a region is
        enlarged at most twice.
        """
        left, top, right, bottom = self._crop(area)
        width, height = right - left, bottom - top
        limit = _IMAGE_MAX_UPSCALE if area is not None else 1.0
        scale = min(dpi / POINTS_PER_INCH, limit, math.sqrt(max_pixels / (width * height)))
        return max(1, round(width * scale)), max(1, round(height * scale))

    def _draw(
        self, index: int, dpi: float, area: Box | None, max_pixels: int, fmt: ImageFormat
    ) -> PageImage:
        """The image, or a region of it, resized to :meth:`render_size`."""
        size = self._size(index, dpi, area, max_pixels)
        crop = self._crop(area)
        image = self._image.crop(crop)
        if size != image.size:
            image = image.resize(size, Image.Resampling.LANCZOS)
        data, mime = encode(image, fmt)
        return PageImage(
            data, mime, size[0], size[1], POINTS_PER_INCH * size[0] / (crop[2] - crop[0])
        )

    def close(self) -> None:
        """Nothing is held open."""


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
        try:
            pdf = PdfDocument(path)
        except MediaEncryptedError as error:
            raise EncryptedPDFError(path, str(error)) from None
        except CorruptMediaError as error:
            if "has no pages" in str(error):
                raise EmptyDocumentError(path, str(error)) from None
            raise CorruptDocumentError(path, str(error)) from None
        if pdf.page_count < 1:
            pdf.close()
            raise EmptyDocumentError(path, "the PDF has no pages; export the document again")
        return pdf
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return ImageDocument(path)
    start = head[:16].decode("latin-1").encode("unicode_escape").decode()
    raise UnsupportedDocumentError(
        path,
        f"not a PDF or an image (it starts with {start!r}); convert it to PDF first "
        "(for example `libreoffice --headless --convert-to pdf FILE`)",
    )


class DocumentCache:
    """Open documents, reused across questions while the file is unchanged (LRU, closes)."""

    def __init__(self, size: int = 8) -> None:
        """Keep at most ``size`` documents open."""
        self._docs: LockedLRU[Document] = LockedLRU(size, on_evict=lambda doc: doc.close())

    def get(self, path: Path) -> Document:
        """The open document for ``path`` (reopened when the file changed)."""
        return self._docs.get(file_key(path), lambda: open_document(path))
