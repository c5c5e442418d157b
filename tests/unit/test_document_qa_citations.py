"""What the model cites becomes page citations with numbers, indices and printed labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from langchain_nemotron_omni.agents.document_qa.citations import (
    format_citations,
    pages_from_text,
    resolve_citations,
    says_not_found,
    split_page_list,
)
from langchain_nemotron_omni.agents.document_qa.documents import DocumentCache
from langchain_nemotron_omni.agents.document_qa.index import IndexCache
from langchain_nemotron_omni.agents.document_qa.library import Library
from langchain_nemotron_omni.agents.document_qa.page_images import page_image_cache
from tests.document_qa_pdfs import make_deck, make_report


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("cite")
    make_report(root / "report.pdf", pages=12)  # labels i-iv, then 1-8
    make_deck(root / "deck.pdf")  # labels S-1..S-6
    return Library.open(
        ["report.pdf", "deck.pdf"],
        root,
        cache=DocumentCache(),
        renders=page_image_cache(),
        indexes=IndexCache(),
    )


@pytest.mark.parametrize(
    ("text", "pages"),
    [
        ("The answer is 42.\nPages: 12, 14", [12, 14]),
        ("Answer.\npages: 3-5 and 9", [3, 4, 5, 9]),
        ("Answer.\n**Pages:** 7", [7]),
        ("Not in the document.\nPages: none", []),
        ("See page 12 and pages 14, 15.", [12, 14, 15]),
        ("As p. 3 shows", [3]),
        ("Two lines.\nPages: 1\nPages: 2", [2]),
        ("Front matter.\nPages: iv, 2", ["iv", 2]),
        ("No pages mentioned at all.", []),
    ],
)
def test_pages_are_read_from_plain_text(text: str, pages: list[int | str]) -> None:
    assert pages_from_text(text) == pages


def test_long_ranges_are_not_expanded() -> None:
    assert split_page_list("1-500") == ["1-500"]
    assert split_page_list("4 & 5; 6") == ["4", "5", "6"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It is 42.\nPages: 3", False),
        ("The answer was not found in the pages read.\nPages: none", True),
        ("The document does not mention the CEO.", True),
        ("Pages: none", True),
    ],
)
def test_not_found_is_recognised(text: str, expected: bool) -> None:
    assert says_not_found(text) is expected


def test_numbers_labels_and_documents_resolve(library: Library) -> None:
    seen = {"1:5"}
    citations = resolve_citations(library, [6, "iii", "2:S-3", "deck.pdf:1", "p. 7"], seen)
    assert [(c["doc"], c["page"], c["index"], c["label"]) for c in citations] == [
        (1, 6, 5, "2"),
        (1, 3, 2, "iii"),
        (2, 3, 2, "S-3"),
        (2, 1, 0, "S-1"),
        (1, 11, 10, "7"),  # the page printed 7, not the 7th page
    ]
    assert [c["seen"] for c in citations] == [True, False, False, False, False]
    assert citations[2]["document"] == "deck.pdf"


def test_unknown_pages_and_repeats_are_dropped(library: Library) -> None:
    items: list[object] = [0, 13, "3:1", "xyz", True, "2:7", 6, 6.0]
    assert [(c["doc"], c["page"]) for c in resolve_citations(library, items, set())] == [(1, 6)]


@pytest.mark.parametrize(
    ("cited", "doc", "index", "label"),
    [
        ("8", 1, 11, "8"),  # printed 8 is the 12th page: roman front matter comes first
        ("iv", 1, 3, "iv"),
        ("IV", 1, 3, "iv"),
        (8, 1, 7, "4"),  # an integer is a page number
        ("2:S-6", 2, 5, "S-6"),  # a prefixed label of the second document
        ("deck.pdf:S-2", 2, 1, "S-2"),
        ("2:5", 2, 4, "S-5"),  # no page of the deck is printed "5": its 5th page
        ("#8", 1, 7, "4"),  # "#N" is a page number too
        ("2:#3", 2, 2, "S-3"),
    ],
)
def test_printed_labels_resolve_through_the_label_table(
    library: Library, cited: object, doc: int, index: int, label: str
) -> None:
    [citation] = resolve_citations(library, [cited], set())
    assert (citation["doc"], citation["index"], citation["label"]) == (doc, index, label)


def test_citations_print_number_and_label(library: Library) -> None:
    citations = resolve_citations(library, [6, "2:1"], set())
    assert format_citations(citations) == "report.pdf p. 6 (printed 2); deck.pdf p. 1 (printed S-1)"


def test_a_plain_labelled_page_prints_once(tmp_path: Path) -> None:
    from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415

    canvas = Canvas(str(tmp_path / "plain.pdf"))
    for _ in range(2):
        canvas.drawString(72, 700, "text")
        canvas.showPage()
    canvas.save()
    plain = Library.open(
        ["plain.pdf"],
        tmp_path,
        cache=DocumentCache(),
        renders=page_image_cache(),
        indexes=IndexCache(),
    )
    citations = resolve_citations(plain, [2], set())
    assert citations[0]["label"] == ""
    assert format_citations(citations) == "plain.pdf p. 2"
