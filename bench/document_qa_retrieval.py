"""Retrieval on real manuals: does the search tool list the page that answers the question?

The questions (``bench/data/retrieval_questions.jsonl``) were written from reading the pages
of R's own manuals as Debian ships them (``r-doc-pdf``, installed by ``scripts/test``), phrased
as a user would ask, each with the page that answers it. The R-lang.pdf questions were added
later, before the ranking they measure was changed, as a check on questions no ranking was
built with. For each question three rankings list their best pages, all in this run:

- ``search_text`` as it is now (FTS5 BM25 over page text and outline sections, see
  ``docs/document-qa.md``);
- its first version (FTS5 BM25, the section titles of each page's own bookmarks, exact
  phrases only), read from git history;
- the hand-written ranking before it, read from git history.

hit@k is the share of questions whose page is among the first k listed.

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

from langchain_nemotron_omni.agents.document_qa.documents import DocumentCache
from langchain_nemotron_omni.agents.document_qa.index import IndexCache
from langchain_nemotron_omni.agents.document_qa.library import Library
from langchain_nemotron_omni.agents.document_qa.page_images import page_image_cache

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

    Ranker = Callable[[str, int], list[int]]

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "bench" / "data" / "retrieval_questions.jsonl"
SEARCH_PY = "langchain_nemotron_omni/agents/document_qa/search.py"
HAND_WRITTEN = "ca07775"
FIRST_FTS5 = "f2cca8c"
TARGET = 0.90
KS = (1, 3, 5)


def from_git(commit: str, name: str) -> ModuleType:
    """``search.py`` as it was at ``commit``, loaded as module ``name``."""
    source = subprocess.run(  # noqa: S603
        ["git", "show", f"{commit}:{SEARCH_PY}"],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location(name, file.name)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def rankers(library: Library, hand: ModuleType, first: ModuleType) -> dict[str, Ranker]:
    """The three rankings of one manual, each ``(question, k) -> 0-based pages``."""
    index = library.doc_index(1)
    texts = list(index.texts)
    heads = first.section_titles(len(texts), [(e.title, e.level, e.page) for e in index.outline])
    first_search = first.PageSearch(texts, heads)
    return {
        "search_text (now)": lambda q, k: [i for _, i in library.search(q, None, k)[1]],
        "first FTS5 version": lambda q, k: [m.page for m in first_search.search(q, k)],
        "hand-written ranking": lambda q, k: [m.page for m in hand.rank_pages(texts, q, k)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manuals", type=Path, default=Path("/usr/share/R/doc/manual"))
    args = parser.parse_args()
    questions = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line]
    hand, first = from_git(HAND_WRITTEN, "hand_written"), from_git(FIRST_FTS5, "first_fts5")
    libraries: dict[str, Library] = {}
    ranking: dict[str, dict[str, Ranker]] = {}
    hits: dict[tuple[str, str], dict[int, int]] = {}
    counts: dict[str, int] = {}
    misses = []
    start = time.perf_counter()
    for question in questions:
        name = question["document"]
        if name not in libraries:
            libraries[name] = Library.open(
                [name],
                args.manuals,
                cache=DocumentCache(),
                renders=page_image_cache(),
                indexes=IndexCache(),
            )
            ranking[name] = rankers(libraries[name], hand, first)
        gold = question["page"] - 1
        counts[name] = counts.get(name, 0) + 1
        for label, rank in ranking[name].items():
            pages = rank(question["question"], max(KS))
            for scope in (name, "all"):
                row = hits.setdefault((label, scope), dict.fromkeys(KS, 0))
                for k in KS:
                    row[k] += gold in pages[:k]
            if label == "search_text (now)" and gold not in pages:
                misses.append(
                    (name, question["page"], question["question"], [p + 1 for p in pages])
                )
    elapsed = time.perf_counter() - start
    total = len(questions)
    counts["all"] = total
    docs = ", ".join(f"{n} ({lib.docs[0].page_count} pages)" for n, lib in libraries.items())
    print(f"{total} questions on {docs}; {elapsed:.1f} s in all\n")
    print("| search               | questions            | hit@1 | hit@3 | hit@5 |")
    print("|----------------------|----------------------|-------|-------|-------|")
    labels = list(dict.fromkeys(label for label, _ in hits))
    for scope in ["all", *libraries]:
        for label in labels:
            row = hits[label, scope]
            cells = " | ".join(f"{row[k] / counts[scope]:>5.0%}" for k in KS)
            what = f"{scope} ({counts[scope]})"
            print(f"| {label:<20} | {what:<20} | {cells} |")
    share = hits["search_text (now)", "all"][5] / total
    print(f"\nhit@5 {share:.1%} (target >= {TARGET:.0%}): {'ok' if share >= TARGET else 'BELOW'}")
    for name, page, text, got in misses:
        print(f"  missed: {name} p. {page}: {text!r} -> {got}")
    sys.exit(0 if share >= TARGET else 1)


if __name__ == "__main__":
    main()
