"""The tools and the request builder, without a model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from langchain_core.messages import HumanMessage, ToolMessage

from langchain_nemotron_omni.agents.document_qa.documents import DocumentCache
from langchain_nemotron_omni.agents.document_qa.index import IndexCache
from langchain_nemotron_omni.agents.document_qa.library import Library
from langchain_nemotron_omni.agents.document_qa.model_input import (
    estimate_stored,
    expand,
    page_message,
)
from langchain_nemotron_omni.agents.document_qa.page_images import page_image_cache
from langchain_nemotron_omni.agents.document_qa.state import DocQASettings, PageRef
from langchain_nemotron_omni.agents.document_qa.tokens import estimate_messages
from langchain_nemotron_omni.agents.document_qa.tools import ToolRunner, tool_schemas
from tests.document_qa_pdfs import ReportLayout, make_report

if TYPE_CHECKING:
    from langchain_core.messages import ToolCall

SETTINGS = DocQASettings()


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Library, ReportLayout]:
    root = tmp_path_factory.mktemp("tools")
    layout = make_report(root / "report.pdf", pages=30)
    return Library.open(
        ["report.pdf"],
        root,
        cache=DocumentCache(),
        renders=page_image_cache(),
        indexes=IndexCache(),
    ), layout


def _run(library: Library, name: str, room: int = 100_000, **args: Any) -> Any:
    call: ToolCall = {"name": name, "args": args, "id": "c1", "type": "tool_call"}
    return ToolRunner(library, SETTINGS, room).run(call)


def test_schemas_name_every_tool() -> None:
    names = [t["function"]["name"] for t in tool_schemas(SETTINGS)]
    assert names == ["outline", "search_text", "read_page_text", "view_pages", "zoom", "answer"]


def test_outline_lists_entries_with_page_numbers_and_labels(
    library: tuple[Library, ReportLayout],
) -> None:
    lib, layout = library
    text = _run(lib, "outline").message.content
    assert "Printed page labels: pages 1-4 print i to iv; pages 5-30 print 1 to 26." in text
    title = f"Page {layout.table + 1} (label {layout.label(layout.table)})"
    assert f"- Table 2: Revenue by region -> {title}" in text


def test_search_reports_pages_snippets_and_regions(library: tuple[Library, ReportLayout]) -> None:
    lib, layout = library
    text = _run(lib, "search_text", query="Nordics revenue").message.content
    first = text.splitlines()[1]
    assert first.startswith(
        f"- Page {layout.table + 1} (label {layout.label(layout.table)}): matched nordics"
    )
    assert "near bbox [" in first
    assert "Nordics 41.2 47.9" in first
    nothing = _run(lib, "search_text", query="inspection certificate").message.content
    assert "outline entry 'Appendix C: Inspection certificate (scan)'" in nothing


def test_read_page_text_marks_the_page_seen_and_explains_scans(
    library: tuple[Library, ReportLayout],
) -> None:
    lib, layout = library
    outcome = _run(lib, "read_page_text", page=layout.table + 1)
    assert outcome.seen == [f"1:{layout.table}"]
    assert outcome.message.content.startswith(
        f"Page {layout.table + 1} (label {layout.label(layout.table)}) text:\n"
    )
    scan = _run(lib, "read_page_text", page=str(layout.scanned + 1)).message.content
    assert "has no text layer" in scan
    assert "view_pages" in scan


@pytest.mark.parametrize(
    ("name", "args", "error"),
    [
        ("read_page_text", {"page": 31}, "page 31 does not exist; report.pdf has pages 1-30"),
        ("read_page_text", {"page": "ten"}, "page must be an integer"),
        ("view_pages", {"pages": [1, 2, 3, 4, 5]}, "at most 4 pages per call"),
        ("view_pages", {"pages": []}, "pages is empty"),
        ("zoom", {"page": 1, "bbox": [0.5, 0.5, 0.5, 0.9]}, "has no area"),
        ("zoom", {"page": 1, "bbox": [0, 1]}, "bbox must be four numbers"),
        ("outline", {"doc": 2}, "doc=2 does not exist"),
        ("search_text", {"query": " "}, "query is empty"),
        ("fly", {}, "there is no tool named 'fly'"),
    ],
)
def test_bad_arguments_are_told_to_the_model(
    library: tuple[Library, ReportLayout], name: str, args: dict[str, Any], error: str
) -> None:
    outcome = _run(library[0], name, **args)
    assert isinstance(outcome.message, ToolMessage)
    assert isinstance(outcome.message.content, str)
    assert outcome.message.content.startswith("Error: ")
    assert error in outcome.message.content
    assert outcome.refs == []


def test_view_pages_returns_references_and_a_short_text(
    library: tuple[Library, ReportLayout],
) -> None:
    lib, _ = library
    outcome = _run(lib, "view_pages", pages="[5, 6, 5]", dpi=100)
    assert [r["page"] for r in outcome.refs] == [4, 5]
    assert {r["dpi"] for r in outcome.refs} == {100}
    assert outcome.message.content == (
        "Showing Page 5 (label 1), Page 6 (label 2) at 100 dpi (about 1,828 tokens); "
        "the images follow."
    )
    assert "base64" not in str(outcome.message.content)


def test_view_pages_refuses_what_the_budget_cannot_hold(
    library: tuple[Library, ReportLayout],
) -> None:
    lib, _ = library
    outcome = _run(lib, "view_pages", room=3000, pages=[1, 2])
    assert outcome.refs == []
    assert (
        "would cost about 3,788 tokens per request, but only about 3,000 remain"
        in outcome.message.content
    )
    assert _run(lib, "view_pages", room=3000, pages=[1]).refs


def test_zoom_renders_a_region_sharper_and_gives_its_text(
    library: tuple[Library, ReportLayout],
) -> None:
    lib, layout = library
    outcome = _run(lib, "zoom", page=layout.table + 1, bbox=[0.0, 0.1, 1.0, 0.4])
    [ref] = outcome.refs
    assert ref["box"] == [0.0, 0.1, 1.0, 0.4]
    assert ref["dpi"] > SETTINGS.dpi
    assert "Nordics 41.2 47.9" in outcome.message.content
    [rendered], _ = lib.images([ref])
    assert rendered.width * rendered.height == pytest.approx(SETTINGS.zoom_pixels, rel=0.01)


def test_answer_arguments_are_coerced(library: tuple[Library, ReportLayout]) -> None:
    lib, _ = library
    answer = _run(lib, "answer", answer="42", pages="12, 14", found="false").answer
    assert (answer.answer, answer.pages, answer.found) == ("42", ["12", "14"], False)
    assert _run(lib, "answer", answer="x", pages=[3]).answer.found is True
    assert _run(lib, "answer", answer="x").answer.found is False


def _refs(*pages: int) -> list[PageRef]:
    return [{"doc": 1, "page": p, "dpi": 72, "box": None} for p in pages]


def test_expand_sends_only_the_newest_images(library: tuple[Library, ReportLayout]) -> None:
    lib, _ = library
    stored = [
        HumanMessage("question"),
        page_message("first", _refs(0, 1)),
        page_message("second", _refs(2)),
    ]
    request = expand(stored, lib, window=2)
    assert request[0] is stored[0]
    first, second = request[1].content, request[2].content
    assert isinstance(first, list)
    assert isinstance(second, list)
    assert [p["type"] for p in first if isinstance(p, dict)] == [
        "text",
        "text",
        "text",
        "image_url",
    ]
    assert "image no longer shown" in str(first[1])
    assert first[2] == {"type": "text", "text": "Page 2 (label ii):"}
    assert [p["type"] for p in second if isinstance(p, dict)] == ["text", "text", "image_url"]
    assert "page_refs" not in request[1].additional_kwargs
    assert (
        len(
            [
                p
                for m in expand(stored, lib, window=None)
                for p in m.content
                if isinstance(p, dict) and p.get("type") == "image_url"
            ]
        )
        == 3
    )


def test_stored_estimate_matches_the_rendered_request(
    library: tuple[Library, ReportLayout],
) -> None:
    lib, _ = library
    stored = [
        HumanMessage("question " * 20),
        page_message("pages", _refs(0, 1, 2), after="now answer"),
    ]
    for window in (None, 1, 0):
        planned = estimate_stored(stored, lib, window)
        sent = estimate_messages(expand(stored, lib, window))
        assert planned.images == sent.images
        assert planned.image_count == sent.image_count
        assert abs(planned.text - sent.text) <= 5
