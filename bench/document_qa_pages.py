"""Page images for requests: today's path against the PNG path before it, in the same run.

On a real manual (R's "Writing R Extensions", from Debian's r-doc-pdf), the first 120 pages
(MMLongBench-Doc's page cap) at 144 dpi (its resolution):

1. Page preparation, one page made ready to send (rendered and encoded):
   - PNG as before: the media layer's path until JPEG (git 10273d9 ``media/pdf.py``):
     render, convert PDFium's BGR to a Pillow image, PNG, one page after another;
   - today, in one process: a quarter-resolution colour probe, then a greyscale render
     (a page without colour) or a 32-bit RGB one Pillow reads in place, JPEG quality 90;
   - today, in worker processes (what the agent uses for many pages).
2. The all-pages request the document-QA agent sends for 120 pages:
   - pages into the request: rendered, encoded, as data URLs (``model_input.expand``);
   - question to request: a first question on the file (its text is extracted and
     indexed), up to the request arriving at a local fake vLLM server in this process
     (the chat model checks every image; the client and the server encode and parse the
     ~40 MB JSON body).

Each figure is the best of ``--runs`` runs; the load average is printed before and after.
With ``--ocr`` (needs ``tesseract`` on the PATH, e.g. Debian's tesseract-ocr), legibility is
checked too: 12 pages spread over the document are read back by OCR from the old PNG and from
today's JPEG, and the words found are matched against the page's text layer.

    uv run python bench/document_qa_pages.py [--pdf /usr/share/R/doc/manual/R-exts.pdf] [--ocr]
"""

from __future__ import annotations

import argparse
import difflib
import io
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pypdfium2 as pdfium  # type: ignore[import-untyped,unused-ignore]

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni._pdfium import render_many, render_page, worker_count
from langchain_nemotron_omni.agents.document_qa import DocQASettings, create_document_qa_agent
from langchain_nemotron_omni.agents.document_qa.documents import DocumentCache
from langchain_nemotron_omni.agents.document_qa.index import IndexCache
from langchain_nemotron_omni.agents.document_qa.library import Library
from langchain_nemotron_omni.agents.document_qa.model_input import expand, page_message
from langchain_nemotron_omni.agents.document_qa.page_images import page_image_cache
from langchain_nemotron_omni.media.pdf import DEFAULT_MAX_PIXELS, clean_text
from langchain_nemotron_omni.testing import FakeNemotronServer

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_nemotron_omni.agents.document_qa.state import PageRef
    from langchain_nemotron_omni.testing import ChatRequest

DPI = 144
PAGES = 120
SPEEDUP_TARGET = 4.0
ALL_PAGES_TARGET = 3.0
ANSWER = (
    "<tool_call>\n<function=answer>\n<parameter=answer>\nx\n</parameter>\n"
    "<parameter=pages>\n[1]\n</parameter>\n<parameter=found>\nfalse\n</parameter>\n"
    "</function>\n</tool_call>"
)


def png_page(page: Any) -> bytes:
    """One page the way the PNG path did it: render, to Pillow, PNG."""
    width, height = page.get_size()
    scale = DPI / 72
    if width * height * scale * scale > DEFAULT_MAX_PIXELS:
        scale *= math.sqrt(DEFAULT_MAX_PIXELS / (width * height * scale * scale))
    bitmap = page.render(scale=scale)
    out = io.BytesIO()
    bitmap.to_pil().save(out, format="PNG")
    bitmap.close()
    return out.getvalue()


def png_before(pdf: Path, pages: int) -> tuple[float, int]:
    """Seconds and bytes for the PNG path as it was, one page after another."""
    start = time.perf_counter()
    document = pdfium.PdfDocument(str(pdf))
    size = 0
    for index in range(pages):
        page = document[index]
        size += len(png_page(page))
        page.close()
    document.close()
    return time.perf_counter() - start, size


_WORD = re.compile(r"[a-z0-9]+")


def ocr_match(pdf: Path, samples: int = 12) -> dict[str, float]:
    """Share of each sampled page's words that OCR reads back, per encoding (mean)."""
    document = pdfium.PdfDocument(str(pdf))
    count = len(document)
    scores: dict[str, list[float]] = {"PNG as before": [], "JPEG now": []}
    for index in sorted({round(i * (count - 1) / (samples - 1)) for i in range(samples)}):
        page = document[index]
        textpage = page.get_textpage()
        truth = _WORD.findall(clean_text(textpage.get_text_bounded()).lower())
        textpage.close()
        if len(truth) >= 30:  # pages with text to read
            for name, data in (
                ("PNG as before", png_page(page)),
                ("JPEG now", render_page(page, DPI, max_pixels=DEFAULT_MAX_PIXELS).data),
            ):
                read = subprocess.run(
                    ["tesseract", "stdin", "stdout"],  # noqa: S607
                    input=data,
                    capture_output=True,
                    check=True,
                ).stdout.decode()
                found = _WORD.findall(read.lower())
                ratio = difflib.SequenceMatcher(None, truth, found, autojunk=False).ratio()
                scores[name].append(ratio)
        page.close()
    document.close()
    return {name: sum(values) / len(values) for name, values in scores.items()}


def jpeg_now(pdf: Path, pages: int, workers: int) -> tuple[float, int]:
    """Seconds and bytes for today's path, in ``workers`` processes (1: this one)."""
    start = time.perf_counter()
    images = render_many(
        str(pdf), list(range(pages)), DPI, max_pixels=DEFAULT_MAX_PIXELS, workers=workers
    )
    return time.perf_counter() - start, sum(len(i.data) for i in images)


def into_request(pdf: Path, pages: int) -> float:
    """Seconds to turn the single call's page references into image parts (fresh caches)."""
    library = Library.open(
        [pdf.name],
        pdf.parent,
        cache=DocumentCache(),
        renders=page_image_cache(),
        indexes=IndexCache(),
    )
    refs: list[PageRef] = [
        {"doc": 1, "page": i, "dpi": float(DPI), "box": None} for i in range(pages)
    ]
    start = time.perf_counter()
    expand([page_message("Question", refs)], library, None)
    return time.perf_counter() - start


def question_to_request(pdf: Path) -> float:
    """Seconds from a first question on ``pdf`` to its all-pages request reaching the server."""
    arrived: list[float] = []

    def script(_: ChatRequest) -> str:
        arrived.append(time.perf_counter())
        return ANSWER

    with tempfile.TemporaryDirectory() as index_dir, FakeNemotronServer(script) as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
        # A long-context deployment: 120 letter pages at 144 dpi are ~230k image tokens.
        settings = DocQASettings(context_tokens=400_000, budget_tokens=1_000_000)
        agent = create_document_qa_agent(
            llm, allowed_root=pdf.parent, settings=settings, index_dir=index_dir
        )
        start = time.perf_counter()
        result = agent.invoke({"question": "What is this about?", "documents": [pdf.name]})
        assert result["mode"] == "direct", result["mode"]
        return arrived[0] - start


def best(runs: int, measure: Callable[[], Any]) -> Any:
    """The fastest of ``runs`` measurements (a tuple's first item is the seconds)."""
    results = [measure() for _ in range(runs)]
    return min(results, key=lambda r: r[0] if isinstance(r, tuple) else r)


def first_pages(source: Path, pages: int, folder: Path) -> Path:
    """A copy of the first ``pages`` pages of ``source`` (the single call takes all pages)."""
    document, copy = pdfium.PdfDocument(str(source)), pdfium.PdfDocument.new()
    copy.import_pages(document, list(range(pages)))
    path = folder / f"{source.stem}-first-{pages}.pdf"
    copy.save(str(path))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pdf", type=Path, default=Path("/usr/share/R/doc/manual/R-exts.pdf"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ocr", action="store_true", help="check legibility with tesseract")
    args = parser.parse_args()
    if args.ocr and shutil.which("tesseract") is None:
        parser.error("--ocr needs tesseract on the PATH (Debian: apt-get install tesseract-ocr)")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        pdf = first_pages(args.pdf, PAGES, Path(folder))
        render_many(str(pdf), [0, 1], DPI, max_pixels=DEFAULT_MAX_PIXELS)  # load PDFium here
        png_s, png_bytes = best(args.runs, lambda: png_before(pdf, PAGES))
        one_s, one_bytes = best(args.runs, lambda: jpeg_now(pdf, PAGES, 1))
        workers = worker_count()
        many_s, many_bytes = best(args.runs, lambda: jpeg_now(pdf, PAGES, workers))
        expand_s = best(args.runs, lambda: into_request(pdf, PAGES))
        question_s = best(args.runs, lambda: question_to_request(pdf))
        legibility = ocr_match(args.pdf) if args.ocr else {}
    load_after = os.getloadavg()
    loads = " -> ".join(", ".join(f"{v:.2f}" for v in load) for load in (load_before, load_after))
    print(f"{args.pdf.name}: first {PAGES} pages at {DPI} dpi; best of {args.runs} runs")
    print(f"load average (1, 5, 15 min): {loads}\n")
    print("| page preparation                         | ms/page | MB    |")
    print("|------------------------------------------|---------|-------|")
    for name, seconds, size in (
        ("PNG as before, one page after another", png_s, png_bytes),
        ("JPEG now, one process", one_s, one_bytes),
        (f"JPEG now, {workers} worker processes", many_s, many_bytes),
    ):
        print(f"| {name:<40} | {seconds / PAGES * 1000:7.1f} | {size / 1e6:5.1f} |")
    speedup = png_s / many_s
    verdict = "ok" if speedup >= SPEEDUP_TARGET else "BELOW"
    print(f"\nspeed-up {speedup:.1f}x (target >= {SPEEDUP_TARGET:.0f}x): {verdict}")
    ok = "ok" if expand_s < ALL_PAGES_TARGET else "OVER"
    print(
        f"all-pages request of {PAGES} pages: pages into the request {expand_s:.2f} s "
        f"(target < {ALL_PAGES_TARGET:.0f} s): {ok}; question to request {question_s:.2f} s"
    )
    if legibility:
        read = ", ".join(f"{name} {share:.1%}" for name, share in legibility.items())
        print(f"words OCR reads back (tesseract, 12 pages of {args.pdf.name}): {read}")


if __name__ == "__main__":
    main()
