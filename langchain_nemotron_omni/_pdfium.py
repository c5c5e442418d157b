"""PDFium primitives under the PDF layer: the one lock, and rendering pages to JPEG or PNG.

PDFium is not thread-safe, and pypdfium2 leaves serialising calls to its users: every use of
PDFium in this package (the media layer's page images, the document-QA agent's reading) holds
:data:`PDFIUM_LOCK`. Long documents are rendered in worker processes too, each with its own
PDFium, while this process renders its share. The worker is this small module run as a
program, so a worker imports only it, pypdfium2 and Pillow (about 0.15 s), not the rest of the
package or the caller's program.

Page images are JPEG by default, at quality 90 (colour pages without chroma subsampling): text
reads as well as in a PNG of the same page (OCR finds the same words), at about the same size,
for a fraction of the encoding time. A page with no colour at all is encoded as a greyscale
JPEG, a third of the data to compress. Pages are drawn straight into a 32-bit RGB buffer that
Pillow reads in place, so no pixel is copied between rendering and encoding. See
``docs/document-qa.md``.
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
    from collections.abc import Callable, Sequence

    from PIL import Image

PDFIUM_LOCK = threading.RLock()
"""Held around every call into PDFium in this process."""

ImageFormat = Literal["jpeg", "png"]
JPEG_QUALITY = 90
_PROBE_SHRINK = 4
"""The colour probe renders a page at a quarter of the resolution asked for."""
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


def colourless(image: Image.Image) -> bool:
    """Whether an image shows no colour (every pixel grey, or the image is greyscale)."""
    if image.mode in {"1", "L", "LA", "I", "F", "I;16"}:
        return True
    saturation = image.convert("RGB").convert("HSV").getchannel(1)
    return int(saturation.getextrema()[1]) == 0  # type: ignore[arg-type]


def encode(image: Image.Image, fmt: ImageFormat) -> tuple[bytes, str]:
    """The image as JPEG (quality 90; greyscale when it has no colour) or PNG, and its MIME type."""
    if fmt == "jpeg" and image.mode != "L" and colourless(image):
        image = image.convert("L")
    return _save(image, fmt)


def _save(image: Image.Image, fmt: ImageFormat) -> tuple[bytes, str]:
    out = io.BytesIO()
    if fmt == "jpeg":
        if image.mode not in {"L", "RGB", "RGBX"}:
            image = image.convert("RGB")
        # subsampling=0: colour edges as sharp as the luma (it is ignored for greyscale).
        image.save(out, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
        return out.getvalue(), "image/jpeg"
    (image.convert("RGB") if image.mode == "RGBX" else image).save(out, format="PNG")
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
    import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415

    # A page with no colour is drawn and encoded as greyscale (a third of the pixels). A
    # render at a quarter of the resolution (a sixteenth of the work) tells: PDFium draws
    # even a hairline or a 6 pt word at least a pixel wide, in its colour.
    grey = fmt == "jpeg" and _page_colourless(page, scale / _PROBE_SHRINK, crop, pdfium_c)
    if grey:
        bitmap = page.render(scale=scale, crop=crop, grayscale=True)
    else:  # 32-bit RGBX: Pillow reads the buffer in place (BGR or 24-bit RGB is copied)
        bitmap = page.render(
            scale=scale,
            crop=crop,
            rev_byteorder=True,
            force_bitmap_format=pdfium_c.FPDFBitmap_BGRx,
        )
    try:
        image = bitmap.to_pil()
        data, mime = _save(image, fmt)  # before the buffer under the image is freed
    finally:
        bitmap.close()
    return PageImage(data, mime, image.width, image.height, scale * POINTS_PER_INCH)


def _page_colourless(page: Any, scale: float, crop: tuple[float, ...], pdfium_c: Any) -> bool:
    bitmap = page.render(
        scale=scale, crop=crop, rev_byteorder=True, force_bitmap_format=pdfium_c.FPDFBitmap_BGRx
    )
    try:
        return colourless(bitmap.to_pil())
    finally:
        bitmap.close()


def _render_pages(  # noqa: PLR0913, PLR0917  # a worker's job: positional
    source: str | bytes,
    password: str | None,
    indices: Sequence[int],
    dpi: float,
    max_pixels: int,
    fmt: ImageFormat,
    on_page: Callable[[int], None] | None = None,
) -> list[PageImage]:
    """Open the PDF and render ``indices``, taking the lock page by page (others may cut in).

    ``on_page(n)`` is told each time ``n`` pages are done.
    """
    import pypdfium2 as pdfium  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415

    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(source, password=password)
    try:
        out = []
        for index in indices:
            with PDFIUM_LOCK:
                page = document[index]
                try:
                    out.append(render_page(page, dpi, max_pixels=max_pixels, fmt=fmt))
                finally:
                    page.close()
            if on_page is not None:
                on_page(len(out))
        return out
    finally:
        with PDFIUM_LOCK:
            document.close()


def _start_worker(job: tuple[object, ...]) -> tuple[subprocess.Popen[bytes], bytes]:
    """A ``python -m langchain_nemotron_omni._pdfium`` process for one job (not yet sent)."""
    process = subprocess.Popen(  # noqa: S603  # this interpreter, this module
        [sys.executable, "-m", __name__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    return process, pickle.dumps(job)


def _in_workers(  # noqa: PLR0913, PLR0917
    source: str,
    password: str | None,
    chunks: list[list[int]],
    dpi: float,
    max_pixels: int,
    fmt: ImageFormat,
) -> list[PageImage]:
    """Render the first chunk here and each other one in a fresh worker process, at once.

    Plain subprocesses rather than ``multiprocessing``: a spawned pool re-imports the caller's
    main module in every worker (seconds for an application; breaks scripts without a main
    guard), and forking a threaded process (a LangGraph server) is unsafe. A worker imports
    only this module, pypdfium2 and Pillow (about 0.15 s), so this process renders its share
    while they start. A chunk whose worker fails is rendered here, with the error it raises.
    """
    started = [_start_worker((source, password, c, dpi, max_pixels, fmt)) for c in chunks[1:]]
    with ThreadPoolExecutor(max(len(started), 1)) as threads:
        outputs = threads.map(lambda pj: pj[0].communicate(pj[1])[0], started)
        images = _render_pages(source, password, chunks[0], dpi, max_pixels, fmt)
        for chunk, (process, _), output in zip(chunks[1:], started, outputs, strict=True):
            if process.returncode:
                images += _render_pages(source, password, chunk, dpi, max_pixels, fmt)
            else:  # plain tuples: in a worker this module is __main__ (its classes won't load)
                images += [PageImage(*fields) for fields in pickle.loads(output)]  # noqa: S301
    return images


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
    on_rendered: Callable[[int], None] | None = None,
) -> list[PageImage]:
    """Render whole pages ``indices`` of a PDF, in worker processes when there are many.

    Args:
        source: The PDF's path (workers reopen it) or bytes (rendered in this process).
        indices: 0-based pages, in the order wanted.
        dpi: Resolution.
        max_pixels: Pixel budget per page.
        fmt: ``"jpeg"`` or ``"png"``.
        password: The PDF's password, if any.
        workers: Processes to use, this one included (default: the usable CPUs); 1 renders
            in this process only.
        on_rendered: Told how many pages are done as they finish (per page in this process;
            once, at the end, when worker processes render them).
    """
    workers = worker_count() if workers is None else workers
    if workers > 1 and len(indices) >= PARALLEL_MIN_PAGES and isinstance(source, str):
        size = math.ceil(len(indices) / workers)
        chunks = [list(indices[i : i + size]) for i in range(0, len(indices), size)]
        images = _in_workers(source, password, chunks, dpi, max_pixels, fmt)
        if on_rendered is not None:
            on_rendered(len(images))
        return images
    return _render_pages(source, password, indices, dpi, max_pixels, fmt, on_rendered)


def _worker() -> None:
    """A worker process: one job on stdin, its page images on stdout (both pickled)."""
    source, password, indices, dpi, max_pixels, fmt = pickle.load(sys.stdin.buffer)  # noqa: S301
    images = _render_pages(source, password, indices, dpi, max_pixels, fmt)
    fields = [(i.data, i.mime, i.width, i.height, i.dpi) for i in images]
    sys.stdout.buffer.write(pickle.dumps(fields))


if __name__ == "__main__":
    _worker()
