"""PDFium primitives under the PDF layer: the one lock, and rendering pages to JPEG or PNG.

PDFium is not thread-safe, and pypdfium2 leaves serialising calls to its users: every use of
PDFium in this package (the media layer's page images, the document-QA agent's reading) holds
:data:`PDFIUM_LOCK`. Long documents are rendered in worker processes instead, each with its own
PDFium. The worker is this small module run as a program, so a worker imports only it,
pypdfium2 and Pillow (about 0.15 s), not the rest of the package or the caller's program.

Page images are JPEG by default: at quality 90 without chroma subsampling text stays as legible
as in a PNG of the same page, at about the same size, for a fifth of the encoding time (see
``docs/document-qa.md``).
"""

from __future__ import annotations

import io
import math
import os
import pickle
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
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


def _in_workers(  # noqa: PLR0913, PLR0917
    source: str,
    password: str | None,
    chunks: list[list[int]],
    dpi: float,
    max_pixels: int,
    fmt: ImageFormat,
) -> list[PageImage] | None:
    """Render each chunk in a fresh ``python -m langchain_nemotron_omni._pdfium`` process.

    Plain subprocesses rather than ``multiprocessing``: a spawned pool re-imports the caller's
    main module in every worker (seconds for an application; breaks scripts without a main
    guard), and forking a threaded process (a LangGraph server) is unsafe. A worker imports
    only this module, pypdfium2 and Pillow. Returns None when a worker fails (the caller then
    renders in-process, with the error it raises there).
    """
    processes = []
    for chunk in chunks:
        job = pickle.dumps((source, password, chunk, dpi, max_pixels, fmt))
        process = subprocess.Popen(  # noqa: S603  # this interpreter, this module
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        processes.append((process, job))
    with ThreadPoolExecutor(len(processes)) as threads:
        outputs = list(threads.map(lambda pj: pj[0].communicate(pj[1])[0], processes))
    if any(process.returncode for process, _ in processes):
        return None
    # Plain tuples: in the worker this module is __main__, so its classes do not unpickle.
    return [PageImage(*fields) for output in outputs for fields in pickle.loads(output)]  # noqa: S301


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
        source: The PDF's path (workers reopen it) or bytes (rendered in this process).
        indices: 0-based pages, in the order wanted.
        dpi: Resolution.
        max_pixels: Pixel budget per page.
        fmt: ``"jpeg"`` or ``"png"``.
        password: The PDF's password, if any.
        workers: Processes to use (default: the usable CPUs); 1 renders in this process.
    """
    workers = worker_count() if workers is None else workers
    if workers > 1 and len(indices) >= PARALLEL_MIN_PAGES and isinstance(source, str):
        size = math.ceil(len(indices) / workers)
        chunks = [list(indices[i : i + size]) for i in range(0, len(indices), size)]
        images = _in_workers(source, password, chunks, dpi, max_pixels, fmt)
        if images is not None:
            return images
    return _render_pages(source, password, indices, dpi, max_pixels, fmt)


def _worker() -> None:
    """A worker process: one job on stdin, its page images on stdout (both pickled)."""
    source, password, indices, dpi, max_pixels, fmt = pickle.load(sys.stdin.buffer)  # noqa: S301
    images = _render_pages(source, password, indices, dpi, max_pixels, fmt)
    fields = [(i.data, i.mime, i.width, i.height, i.dpi) for i in images]
    sys.stdout.buffer.write(pickle.dumps(fields))


if __name__ == "__main__":
    _worker()
