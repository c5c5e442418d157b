"""Tokens per question on a 300-page PDF: the document-QA agent against sending every page.

The baseline is the MMLongBench-Doc way: every page rendered at 144 dpi and sent in one
request (here about 570k tokens, twice the model's 262k context). The agent runs against the
fake vLLM server with scripted models that decide from what each request shows them (the
demo model, and the test suite's chart reader that zooms). Tokens are what the agent charged
(per call, the larger of the server's count and the client estimate: images at pixels/1024).
Also times the PDF work: text extraction, search, and rendering a page at several dpi.

    uv run python bench/document_qa_tokens.py [--pages 300] [--budget 60000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.document_qa import DocQASettings, create_document_qa_agent
from langchain_nemotron_omni.agents.document_qa.demo import demo_responder
from langchain_nemotron_omni.agents.document_qa.documents import DocumentCache
from langchain_nemotron_omni.agents.document_qa.index import IndexCache
from langchain_nemotron_omni.agents.document_qa.library import Library
from langchain_nemotron_omni.agents.document_qa.page_images import page_image_cache
from langchain_nemotron_omni.media.pdf import PdfDocument
from langchain_nemotron_omni.testing import FakeNemotronServer

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_nemotron_omni.testing import ChatRequest

# The fixtures live with the tests (reportlab is a test dependency); run from a checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests import document_qa_pdfs as pdfs
from tests.integration.document_qa_responders import chart_responder

TARGET = 0.10


def _questions() -> list[tuple[str, str, Callable[[ChatRequest], str]]]:
    return [
        ("fact in running text", pdfs.FACT_QUESTION, demo_responder),
        ("value in a table", pdfs.TABLE_QUESTION, demo_responder),
        ("value in a chart (zoom)", pdfs.CHART_QUESTION, chart_responder),
        ("scanned page (view)", pdfs.SCANNED_QUESTION, demo_responder),
        ("not in the document", pdfs.MISSING_QUESTION, demo_responder),
    ]


def bench_tokens(root: Path, budget: int) -> list[dict[str, Any]]:
    rows = []
    for name, question, responder in _questions():
        with FakeNemotronServer(responder) as server:
            llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
            agent = create_document_qa_agent(
                llm, allowed_root=root, settings=DocQASettings(budget_tokens=budget)
            )
            start = time.perf_counter()
            result = agent.invoke({"question": question, "documents": ["report.pdf"]})
            elapsed = time.perf_counter() - start
            images = sum(
                1
                for request in server.requests[-1:]
                for message in request.messages
                if isinstance(message.get("content"), list)
                for part in message["content"]
                if part.get("type") == "image_url"
            )
        tokens = result["tokens"]
        pages = ", ".join(str(c["page"]) for c in result["citations"]) or "-"
        rows.append(
            {
                "question": name,
                "tokens": tokens["total"],
                "baseline": tokens["all_pages"],
                "calls": tokens["calls"],
                "images": images,
                "cited": pages,
                "found": result["found"],
                "seconds": elapsed,
            }
        )
    return rows


def bench_pdf(path: Path, samples: int) -> list[tuple[str, float]]:
    doc = PdfDocument(path)
    try:
        start = time.perf_counter()
        for index in range(doc.page_count):
            doc.text(index)
        timings = [("text layer, per page", (time.perf_counter() - start) / doc.page_count)]
        library = Library.open(
            [str(path)],
            path.parent,
            cache=DocumentCache(),
            renders=page_image_cache(),
            indexes=IndexCache(),
        )
        start = time.perf_counter()
        library.load_indexes()
        timings.append((f"index {doc.page_count} pages (text + FTS5)", time.perf_counter() - start))
        start = time.perf_counter()
        library.search("recycled aluminium Halvorsen", None, 8)
        timings.append((f"search_text over {doc.page_count} pages", time.perf_counter() - start))
        step = max(doc.page_count // samples, 1)
        indices = list(range(0, doc.page_count, step))[:samples]
        for dpi in (72, 144, 200):
            times = []
            for index in indices:
                start = time.perf_counter()
                doc.render(index, dpi)
                times.append(time.perf_counter() - start)
            timings.append((f"render + JPEG at {dpi} dpi, per page", statistics.median(times)))
        start = time.perf_counter()
        doc.render(indices[1], 288, (0.05, 0.25, 0.95, 0.65))
        timings.append(("zoom (region at 288 dpi)", time.perf_counter() - start))
    finally:
        doc.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--budget", type=int, default=60_000)
    parser.add_argument("--samples", type=int, default=20, help="pages timed per dpi")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        start = time.perf_counter()
        pdfs.make_report(root / "report.pdf", pages=args.pages)
        made = time.perf_counter() - start
        rows = bench_tokens(root, args.budget)
        timings = bench_pdf(root / "report.pdf", args.samples)

    print(
        f"{args.pages}-page report (made in {made:.1f} s), budget {args.budget:,} tokens/question"
    )
    print(f"baseline: every page at 144 dpi in one request = {rows[0]['baseline']:,} tokens\n")
    head = (
        f"| {'question':<26} | {'tokens':>7} | {'% of baseline':>13} "
        "| calls | images | cited | found | time |"
    )
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for row in rows:
        share = row["tokens"] / row["baseline"]
        mark = "ok" if share <= TARGET else "OVER"
        print(
            f"| {row['question']:<26} | {row['tokens']:>7,} | {share:>9.2%} {mark:>3} |"
            f" {row['calls']:>5} | {row['images']:>6} | {row['cited']:>5} |"
            f" {row['found']!s:>5} | {row['seconds']:>3.1f}s |"
        )
    mean = statistics.mean(r["tokens"] for r in rows)
    print(
        f"\nmean {mean:,.0f} tokens/question = {mean / rows[0]['baseline']:.2%} of the baseline"
        f" (target <= {TARGET:.0%})\n"
    )
    print("| PDF work (pypdfium2)              | time     |")
    print("|-----------------------------------|----------|")
    for name, seconds in timings:
        print(f"| {name:<33} | {seconds * 1000:>6.1f} ms |")


if __name__ == "__main__":
    main()
