"""Page preparation for requests: today's JPEG path (parallel processes) against the PNG path.

On a real manual (R's "Writing R Extensions", 236 pages, from Debian's r-doc-pdf), each page
is rendered at 144 dpi (MMLongBench-Doc's resolution) and encoded for a request:

- PNG path: the way pages were prepared before (render, PNG, one page after another);
- JPEG path: render and JPEG (quality 90, no chroma subsampling), pages split between worker
  processes (PDFium is not thread-safe, so threads would not help).

Then the single-call (all-pages) request of the document-QA agent for 120 pages (the
benchmark's page cap) is prepared end to end: pages rendered and encoded, data URLs built.

    uv run python bench/document_qa_pages.py [--pdf /usr/share/R/doc/manual/R-exts.pdf]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from langchain_nemotron_omni._pdfium import render_many
from langchain_nemotron_omni.agents.document_qa.documents import DocumentCache, RenderCache
from langchain_nemotron_omni.agents.document_qa.index import IndexCache
from langchain_nemotron_omni.agents.document_qa.library import Library
from langchain_nemotron_omni.agents.document_qa.model_input import expand, page_message
from langchain_nemotron_omni.media.pdf import DEFAULT_MAX_PIXELS, PdfDocument

DPI = 144
SPEEDUP_TARGET = 4.0
ALL_PAGES_TARGET = 3.0


def png_path(pdf: Path, pages: int) -> tuple[float, int]:
    """Seconds and bytes for the PNG path, one page after another."""
    start = time.perf_counter()
    images = render_many(
        str(pdf), list(range(pages)), DPI, max_pixels=DEFAULT_MAX_PIXELS, fmt="png", workers=1
    )
    return time.perf_counter() - start, sum(len(i.data) for i in images)


def jpeg_path(pdf: Path, pages: int) -> tuple[float, int]:
    """Seconds and bytes for the JPEG path in worker processes."""
    start = time.perf_counter()
    images = render_many(str(pdf), list(range(pages)), DPI, max_pixels=DEFAULT_MAX_PIXELS)
    return time.perf_counter() - start, sum(len(i.data) for i in images)


def all_pages_request(pdf: Path, pages: int) -> float:
    """Seconds to build the agent's single-call request for ``pages`` pages (fresh caches)."""
    library = Library.open(
        [pdf.name], pdf.parent, cache=DocumentCache(), renders=RenderCache(), indexes=IndexCache()
    )
    refs = [{"doc": 1, "page": i, "dpi": float(DPI), "box": None} for i in range(pages)]
    message = page_message("Question", refs)  # type: ignore[arg-type]
    start = time.perf_counter()
    expand([message], library, None)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pdf", type=Path, default=Path("/usr/share/R/doc/manual/R-exts.pdf"))
    parser.add_argument("--pages", type=int, default=120)
    args = parser.parse_args()
    with PdfDocument(args.pdf) as doc:
        pages = min(args.pages, doc.page_count)
    render_many(str(args.pdf), [0, 1], DPI, max_pixels=DEFAULT_MAX_PIXELS)  # load PDFium here
    png_s, png_bytes = png_path(args.pdf, pages)
    jpeg_s, jpeg_bytes = jpeg_path(args.pdf, pages)
    request_s = all_pages_request(args.pdf, pages)
    speedup = png_s / jpeg_s
    print(f"{args.pdf.name}: {pages} pages at {DPI} dpi\n")
    print("| path                               | ms/page | MB    |")
    print("|------------------------------------|---------|-------|")
    for name, seconds, size in (
        ("PNG, one page after another", png_s, png_bytes),
        ("JPEG q90, worker processes", jpeg_s, jpeg_bytes),
    ):
        print(f"| {name:<34} | {seconds / pages * 1000:7.1f} | {size / 1e6:5.1f} |")
    verdict = "ok" if speedup >= SPEEDUP_TARGET else "BELOW"
    print(f"\nspeed-up {speedup:.1f}x (target >= {SPEEDUP_TARGET:.0f}x): {verdict}")
    ok = "ok" if request_s < ALL_PAGES_TARGET else "OVER"
    print(
        f"all-pages request of {pages} pages prepared in {request_s:.2f} s "
        f"(target < {ALL_PAGES_TARGET:.0f} s): {ok}"
    )


if __name__ == "__main__":
    main()
