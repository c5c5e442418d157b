"""Search over a document's pages: BM25 on FTS5, phrases, nearness, one-letter names, sections."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langchain_nemotron_omni.agents.document_qa.index import DocumentIndex
from langchain_nemotron_omni.agents.document_qa.search import (
    PageSearch,
    match_expression,
    query_terms,
    section_titles,
)
from langchain_nemotron_omni.media.pdf import OutlineEntry, PdfDocument

if TYPE_CHECKING:
    from pathlib import Path

FILLER = "The text goes on about other matters for a while, as manuals do. "
OTHER_PAGES = [FILLER * 2] * 6
"""Pages without the searched words, so that BM25 weighs rare words as in a real document."""


def test_search_ranks_stems_phrases_and_section_titles() -> None:
    texts = [
        "The annual report covers revenue.",
        "Revenue grew. The Halvorsen plant recycled aluminium.",
        "Annual report revenue revenue revenue.",
        "recycled aluminium recycled aluminium everywhere",
        "Nothing to see here.",
    ]
    assert query_terms("How much aluminium did the Halvorsen plant recycle?") == [
        "much",
        "aluminium",
        "halvorsen",
        "plant",
        "recycle",
    ]
    search = PageSearch(texts, ["", "", "", "", "Chapter 4: Plant recycling"])
    matches = search.search("How much aluminium did the Halvorsen plant recycle?", 5)
    assert matches[0].page == 1  # the rare name, and "recycle" matches "recycled" (stems)
    assert "halvorsen" in matches[0].terms
    assert 4 in [m.page for m in matches]  # found through its section title alone
    phrase = PageSearch(["the annual report", "report annual the"], ["", ""])
    ranked = phrase.search("annual report", 2)
    assert [m.page for m in ranked] == [0, 1]
    assert ranked[0].score > ranked[1].score
    assert search.search("the of and", 5) == []
    assert search.search('"unbalanced quote AND OR NEAR(', 5) == []  # no FTS syntax leaks


def test_words_near_each_other_rank_above_the_same_words_apart() -> None:
    near = "The routines supporting the distribution functions are declared in one header. "
    apart = "The distribution and its distribution files. " + FILLER + "Some routines are listed."
    # On words alone the far page wins (it says "distribution" twice)...
    search = PageSearch([apart, near + FILLER, *OTHER_PAGES], [""] * 8)
    # ...but the page holding the words together is the one about them.
    assert [m.page for m in search.search("Can I use the distribution routines?", 2)] == [1, 0]
    assert 'NEAR("distribution" "routines", 5)' in match_expression("distribution routines")


def test_one_letter_names_are_searched() -> None:
    pages = ["Link the library into a Fortran program.", "Link the library into a C program."]
    search = PageSearch([*pages, *OTHER_PAGES], [""] * 8)
    [best, other] = search.search("How do I link the library into my own C program?", 2)
    assert (best.page, other.page) == (1, 0)
    assert best.score > other.score
    assert query_terms("my own C program") == ["program"]  # listed terms stay words


def test_a_page_belongs_to_the_section_its_text_runs_on_from() -> None:
    outline = [
        ("2 Installing", 0, 0, 0.09),  # a chapter starts where a page's first line is
        ("Intel compilers", 1, 2, 0.40),
        ("macOS", 1, 3, 0.55),  # the Intel section runs on above it
        ("3 Running", 0, 4, 0.09),  # nothing runs on above a chapter's first line
        ("Options", 1, 5, None),  # no position: taken to open its page
    ]
    heads = section_titles(7, outline)
    assert heads[1] == "2 Installing"
    assert heads[3] == "macOS | Intel compilers | 2 Installing"
    assert heads[4] == "3 Running"
    assert heads[5] == "Options | 3 Running"
    assert heads[6] == "3 Running | Options"


def test_bookmarks_know_how_far_down_their_page_they_point(tmp_path: Path) -> None:
    from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415

    path = tmp_path / "marks.pdf"
    canvas = Canvas(str(path), pagesize=(612, 792))
    canvas.bookmarkPage("whole")  # "fit the page": no height
    canvas.addOutlineEntry("Whole page", "whole", level=0)
    canvas.bookmarkHorizontalAbsolute("mid", 396)
    canvas.addOutlineEntry("Half-way down", "mid", level=1)
    canvas.showPage()
    canvas.bookmarkHorizontalAbsolute("low", 198)
    canvas.addOutlineEntry("A quarter from the bottom", "low", level=0)
    canvas.showPage()
    canvas.save()
    with PdfDocument(path) as doc:
        marks = [(e.title, e.page, e.top) for e in doc.outline()]
    assert marks == [
        ("Whole page", 0, None),
        ("Half-way down", 0, pytest.approx(0.5)),
        ("A quarter from the bottom", 1, pytest.approx(0.75)),
    ]


def test_positions_survive_the_index_cache() -> None:
    outline = [OutlineEntry("A", 0, 0, 0.1), OutlineEntry("B", 1, 1, None)]
    index = DocumentIndex.build("digest", ["alpha", "beta"], outline)
    again = DocumentIndex.from_json("digest", index.to_json())
    assert again is not None
    assert again.outline == index.outline
    assert DocumentIndex.from_json("digest", {"format": 1, "texts": [], "outline": []}) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_question_is_a_valid_search(question: str) -> None:
    search = PageSearch(['Quotes " and NEAR(a b) * ^ - : {x} AND OR NOT', "plain words"], ["", ""])
    matches = search.search(question, 2)  # never an FTS5 syntax error
    assert all(0 <= m.page < 2 for m in matches)
