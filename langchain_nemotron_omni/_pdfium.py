"""PDFium primitives under the PDF layer: the one lock, and rendering pages to JPEG or PNG.

PDFium is not thread-safe, and pypdfium2 leaves serialising calls to its users: every use of
PDFium in this package (the media layer's page images, the document-QA agent's reading) holds
:data:`PDFIUM_LOCK`. Long documents are rendered in worker processes instead, each with its own
PDFium. The worker lives in this small module so that a spawned worker imports only it,
pypdfium2 and Pillow (about 0.15 s), not the rest of the package.

Page images are JPEG by default: at quality 90 without chroma subsampling text stays as legible
as in a PNG of the same page, at about the same size, for a fifth of the encoding time (see
``docs/document-qa.md``).
"""

from __future__ import annotations

import io
import math
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PIL import Image

PDFIUM_LOCK = threading.RLock()
"""Held around every call into PDFium in this process."""

ImageFormat = Literal["jpeg", "png"]
JPEG_QUALITY = 90
POINTS_PER_INCH = 72.0
PARALLEL_MIN_PAGES = 12
"""Fewer pages than this render in-process: a worker's start-up would cost more than it saves."""

Box = tuple[float, float, float, float]
"""A region of a page: ``(x0, y0, x1, y1)`` in [0, 1] of its width and height, from the top left."""

FULL_PAGE: Box = (0.0, 0.0, 1.0, 1.0)


@dataclass(frozen=True)
class PageImage:
    """An encoded render of a page (or of a region of one)."""

    data: bytes
    mime: str
    width: int
    height: int
    dpi: float
    """Resolution actually used (lowered when the page would exceed the pixel budget)."""

    @property
    def nbytes(self) -> int:
        """Memory held, for size-bounded caches."""
        return len(self.data)


def render_scale(width_pt: float, height_pt: float, dpi: float, max_pixels: int) -> float:
    """Pixels per point for ``dpi``, lowered so the area stays within ``max_pixels``."""
    scale = dpi / POINTS_PER_INCH
    pixels = width_pt * height_pt * scale * scale
    if max_pixels > 0 and pixels > max_pixels:
        scale *= math.sqrt(max_pixels / pixels)
        # PDFium rounds each side up; step down until the rounded size fits.
        while math.ceil(width_pt * scale) * math.ceil(height_pt * scale) > max_pixels:
            scale *= 0.999
    return scale


def encode(image: Image.Image, fmt: ImageFormat) -> tuple[bytes, str]:
    """The image as JPEG (quality 90, no chroma subsampling) or PNG bytes, and its MIME type."""
    out = io.BytesIO()
    if fmt == "jpeg":
        image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
        return out.getvalue(), "image/jpeg"
    image.save(out, format="PNG")
    return out.getvalue(), "image/png"


def displayed_size(page: Any) -> tuple[float, float]:
    """Width and height of a pypdfium2 page as displayed (rotation applied), in points."""
    width, height = (float(v) for v in page.get_size())
    if int(page.get_rotation()) in {90, 270}:
        width, height = height, width
    return width, height


def render_page(
    page: Any,
    dpi: float,
    box: Box | None = None,
    *,
    max_pixels: int,
    fmt: ImageFormat = "jpeg",
) -> PageImage:
    """Render a pypdfium2 page (or its region ``box``) and encode it; the caller holds the lock."""
    width, height = displayed_size(page)
    x0, y0, x1, y1 = box or FULL_PAGE
    scale = render_scale(width * (x1 - x0), height * (y1 - y0), dpi, max_pixels)
    # PDFium crops in points after rotation: (left, bottom, right, top) cut away.
    crop = (x0 * width, (1 - y1) * height, (1 - x1) * width, y0 * height)
    bitmap = page.render(scale=scale, crop=crop)
    try:
        image = bitmap.to_pil()
    finally:
        bitmap.close()
    data, mime = encode(image, fmt)
    return PageImage(data, mime, image.width, image.height, scale * POINTS_PER_INCH)


def _render_pages(  # noqa: PLR0913, PLR0917  # a process-pool task: positional
    source: str | bytes,
    password: str | None,
    indices: Sequence[int],
    dpi: float,
    max_pixels: int,
    fmt: ImageFormat,
) -> list[PageImage]:
    """Open the PDF and render ``indices`` (in a worker process, or in-process under the lock)."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415

    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(source, password=password)
        try:
            out = []
            for index in indices:
                page = document[index]
                try:
                    out.append(render_page(page, dpi, max_pixels=max_pixels, fmt=fmt))
                finally:
                    page.close()
            return out
        finally:
            document.close()


_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool(workers: int) -> ProcessPoolExecutor:
    global _POOL  # noqa: PLW0603  # one pool per process, started on first use
    with _POOL_LOCK:
        if _POOL is None:
            # spawn: forking a process that runs threads (a LangGraph server) is unsafe.
            context = multiprocessing.get_context("spawn")
            _POOL = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        return _POOL


def worker_count() -> int:
    """Processes used for long documents: the CPUs this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def render_many(  # noqa: PLR0913
    source: str | bytes,
    indices: Sequence[int],
    dpi: float,
    *,
    max_pixels: int,
    fmt: ImageFormat = "jpeg",
    password: str | None = None,
    workers: int | None = None,
) -> list[PageImage]:
    """Render whole pages ``indices`` of a PDF, in worker processes when there are many.

    Args:
        source: The PDF's path (workers reopen it) or bytes.
        indices: 0-based pages, in the order wanted.
        dpi: Resolution.
        max_pixels: Pixel budget per page.
        fmt: ``"jpeg"`` or ``"png"``.
        password: The PDF's password, if any.
        workers: Processes to use (default: the usable CPUs); 1 renders in this process.
    """
    workers = worker_count() if workers is None else workers
    if workers <= 1 or len(indices) < PARALLEL_MIN_PAGES:
        return _render_pages(source, password, indices, dpi, max_pixels, fmt)
    chunk = math.ceil(len(indices) / workers)
    pool = _pool(workers)
    futures = [
        pool.submit(_render_pages, source, password, indices[i : i + chunk], dpi, max_pixels, fmt)
        for i in range(0, len(indices), chunk)
    ]
    return [image for future in futures for image in future.result()]
