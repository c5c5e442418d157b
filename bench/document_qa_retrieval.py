"""Retrieval on real manuals: does the search tool list the page that answers the question?

The questions (``bench/data/retrieval_questions.jsonl``) were written from reading the pages
of R's own manuals as Debian ships them (``r-doc-pdf``, installed by ``scripts/test``), phrased
as a user would ask, each with the page that answers it. For each question the search tool
(``search_text``: BM25 on SQLite FTS5 over page text and outline section titles) and the old
hand-written ranking (the version before it, read from git history in the same run) list their
best pages; hit@k is the share of questions whose page is among the first k.

    uv run python bench/document_qa_retrieval.py [--manuals /usr/share/R/doc/manual]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_nemotron_omni.agents.document_qa.documents import DocumentCache, RenderCache
from langchain_nemotron_omni.agents.document_qa.index import IndexCache
from langchain_nemotron_omni.agents.document_qa.library import Library

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "bench" / "data" / "retrieval_questions.jsonl"
OLD_SEARCH = "ca07775:langchain_nemotron_omni/agents/document_qa/search.py"
TARGET = 0.90
KS = (1, 3, 5)


def old_search() -> ModuleType:
    """The hand-written ranking this benchmark replaced, loaded from git history."""
    source = subprocess.run(  # noqa: S603
        ["git", "show", OLD_SEARCH],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location("old_search", file.name)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_search"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def listed_pages(library: Library, question: str, limit: int) -> list[int]:
    """0-based pages the search tool lists for a question, best first."""
    _, pages = library.search(question, None, limit)
    return [index for _, index in pages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manuals", type=Path, default=Path("/usr/share/R/doc/manual"))
    args = parser.parse_args()
    questions = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line]
    old = old_search()
    libraries: dict[str, Library] = {}
    new_hits = dict.fromkeys(KS, 0)
    old_hits = dict.fromkeys(KS, 0)
    misses = []
    start = time.perf_counter()
    for question in questions:
        name = question["document"]
        if name not in libraries:
            libraries[name] = Library.open(
                [name],
                args.manuals,
                cache=DocumentCache(),
                renders=RenderCache(),
                indexes=IndexCache(),
            )
            libraries[name].load_indexes()
        library = libraries[name]
        gold = question["page"] - 1
        new = listed_pages(library, question["question"], max(KS))
        texts = list(library.doc_index(1).texts)
        previous = [m.page for m in old.rank_pages(texts, question["question"], max(KS))]
        for k in KS:
            new_hits[k] += gold in new[:k]
            old_hits[k] += gold in previous[:k]
        if gold not in new:
            misses.append((name, question["page"], question["question"], [p + 1 for p in new]))
    elapsed = time.perf_counter() - start
    total = len(questions)
    docs = ", ".join(f"{n} ({lib.docs[0].page_count} pages)" for n, lib in libraries.items())
    print(f"{total} questions on {docs}; {elapsed:.1f} s in all\n")
    print("| search                            | hit@1 | hit@3 | hit@5 |")
    print("|-----------------------------------|-------|-------|-------|")
    for label, hits in (
        ("search_text (FTS5 BM25 + outline)", new_hits),
        ("old hand-written ranking", old_hits),
    ):
        cells = " | ".join(f"{hits[k] / total:>5.0%}" for k in KS)
        print(f"| {label:<33} | {cells} |")
    share = new_hits[5] / total
    print(f"\nhit@5 {share:.1%} (target >= {TARGET:.0%}): {'ok' if share >= TARGET else 'BELOW'}")
    for name, page, text, got in misses:
        print(f"  missed: {name} p. {page}: {text!r} -> {got}")
    sys.exit(0 if share >= TARGET else 1)


if __name__ == "__main__":
    main()
