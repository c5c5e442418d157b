"""Evidence the document-QA agent can stand behind: indexes built once, unread pages refused,
the cited passage located on its page, progress per tool call.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
import re
from typing import TYPE_CHECKING, Any, cast

import pytest
from langgraph.store.memory import InMemoryStore
from PIL import Image

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.document_qa import DocQASettings, create_document_qa_agent
from langchain_nemotron_omni.agents.document_qa.cli import add_parser
from langchain_nemotron_omni.agents.document_qa.demo import demo_responder
from langchain_nemotron_omni.agents.document_qa.report import crop_area, write_report
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer
from tests.document_qa_pdfs import (
    FACT_QUESTION,
    FACT_SENTENCE,
    FILLER,
    MISSING_QUESTION,
    TABLE_QUESTION,
    ReportLayout,
    make_report,
    wrap,
)
from tests.integration.document_qa_responders import calls, reply, tool_call_xml, tool_results

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from langchain_nemotron_omni.agents.document_qa import OutputState

PAGE_HEIGHT = 792.0
PAGE_WIDTH = 612.0


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ReportLayout]:
    root = tmp_path_factory.mktemp("evidence")
    return root, make_report(root / "report.pdf", pages=120)


@pytest.fixture
def server() -> Iterator[Callable[[Callable[[ChatRequest], str]], FakeNemotronServer]]:
    started: list[FakeNemotronServer] = []

    def start(script: Callable[[ChatRequest], str]) -> FakeNemotronServer:
        started.append(FakeNemotronServer(script).start())
        return started[-1]

    yield start
    for each in started:
        each.stop()


def _ask(agent: Any, question: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []
    result: dict[str, Any] = {}
    for mode, chunk in agent.stream(
        {"question": question, "documents": ["report.pdf"]}, stream_mode=["custom", "values"]
    ):
        if mode == "custom":
            events.append(chunk)
        else:
            result = chunk
    return result, events


def _agent(server: FakeNemotronServer, root: Path, **kwargs: Any) -> Any:
    llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
    return create_document_qa_agent(
        llm, allowed_root=root, settings=DocQASettings(direct_max_pages=0), **kwargs
    )


def _sources(events: list[dict[str, Any]]) -> list[str]:
    return [e["source"] for e in events if e["event"] == "index"]


def test_the_index_is_built_once_and_reused(
    library: tuple[Path, ReportLayout], server: Any, tmp_path: Path
) -> None:
    root, _ = library
    fake = server(demo_responder)
    agent = _agent(fake, root, index_dir=tmp_path / "index")
    first, events = _ask(agent, FACT_QUESTION)
    assert _sources(events) == ["extracted"]
    reading = [e for e in events if e["event"] == "progress" and e["stage"] == "reading text"]
    assert reading[-1]["done"] == reading[-1]["total"] == 120
    second, events = _ask(agent, "What was the Nordics region revenue in the segment table?")
    assert _sources(events) == ["memory"]
    assert not [e for e in events if e["event"] == "progress" and e["stage"] == "reading text"]
    # A new process (a fresh agent) finds it on disk; the answer does not change.
    again, events = _ask(_agent(fake, root, index_dir=tmp_path / "index"), FACT_QUESTION)
    assert _sources(events) == ["disk"]
    assert [len(list((tmp_path / "index").iterdir()))] == [1]
    assert again["citations"] == first["citations"]
    assert second["found"] is True


def test_the_index_is_shared_through_the_langgraph_store(
    library: tuple[Path, ReportLayout], server: Any
) -> None:
    root, _ = library
    fake = server(demo_responder)
    store = InMemoryStore()
    _, events = _ask(_agent(fake, root, store=store), FACT_QUESTION)
    assert _sources(events) == ["extracted"]
    _, events = _ask(_agent(fake, root, store=store), FACT_QUESTION)  # another worker
    assert _sources(events) == ["store"]
    [item] = store.search(("nemotron_omni", "document_index"))
    assert len(item.value["texts"]) == 120


def _cite_before_reading(layout: ReportLayout) -> Callable[[ChatRequest], str]:
    page = layout.fact + 1

    def script(request: ChatRequest) -> str:
        made = [name for name, _ in calls(request)]
        if not made:  # answers at once, citing a page it never opened
            args = {"answer": "48,213 tonnes.", "pages": [page], "found": True}
            return reply("I guess.", tool_call_xml("answer", args))
        if made == ["answer"]:
            return reply("Read it first.", tool_call_xml("read_page_text", {"page": page}))
        args = {"answer": "48,213 tonnes.", "pages": [page], "found": True, "quote": FACT_SENTENCE}
        return reply("Now I have read it.", tool_call_xml("answer", args))

    return script


def test_an_unread_page_is_refused_as_evidence(
    library: tuple[Path, ReportLayout], server: Any
) -> None:
    root, layout = library
    fake = server(_cite_before_reading(layout))
    result, events = _ask(_agent(fake, root), FACT_QUESTION)
    refusal = tool_results(fake.requests[1])[0]
    assert refusal.startswith("Not recorded:")
    assert f"report.pdf p. {layout.fact + 1} (printed {layout.label(layout.fact)})" in refusal
    [citation] = result["citations"]
    assert (citation["index"], citation["seen"]) == (layout.fact, True)
    tools = [e for e in events if e["event"] == "tool"]
    assert [(e["tool"], e["pages"], e["error"]) for e in tools] == [
        ("answer", [], True),
        ("read_page_text", [layout.fact + 1], False),
        ("answer", [], False),
    ]
    assert tools[1]["tokens"] > 0  # tokens spent so far ride along


def _fact_baseline_from_top() -> float:
    """Where reportlab put the fact's first line: 11 pt text from y=700, 13.2 pt apart."""
    line = len(wrap(FILLER)) + 1
    return PAGE_HEIGHT - (700 - 13.2 * line)


@pytest.mark.parametrize("quoted", [True, False])
def test_citation_boxes_land_on_the_cited_text(
    library: tuple[Path, ReportLayout], server: Any, quoted: bool
) -> None:
    root, layout = library
    fake = server(_cite_before_reading(layout) if quoted else demo_responder)
    result, _ = _ask(_agent(fake, root), FACT_QUESTION)
    [citation] = result["citations"]
    boxes = citation["boxes"]
    assert boxes
    lines = len(wrap(FACT_SENTENCE))
    assert len(boxes) == (lines if quoted else 1)
    baseline = _fact_baseline_from_top()
    for n, (x0, y0, x1, y1) in enumerate(boxes):
        # Each box spans one 11 pt line of the fact, from the left margin.
        at = (baseline + 13.2 * n) / PAGE_HEIGHT
        assert y0 - 0.002 < at < y1 + 0.006, (n, y0, y1, at)
        assert (y1 - y0) * PAGE_HEIGHT < 14
        assert abs(x0 * PAGE_WIDTH - 72) < 2
        assert x1 > x0
    assert json.dumps(boxes)  # plain JSON in the state and the output


# -- the command line's sources --------------------------------------------------------------


def _answers_in_text_citing(read: int, cited: list[int]) -> Callable[[ChatRequest], str]:
    """Reads one page, then answers in plain text citing ``cited`` (1-based) on a Pages line."""

    def script(request: ChatRequest) -> str:
        if not calls(request):
            return reply("Read it.", tool_call_xml("read_page_text", {"page": read}))
        listed = ", ".join(map(str, cited))
        return reply("Answer.", f"The facility processed 48,213 tonnes.\nPages: {listed}")

    return script


@pytest.mark.parametrize("cites_the_read_page", [True, False])
def test_cli_never_prints_an_unread_citation_as_a_source(
    library: tuple[Path, ReportLayout], server: Any, tmp_path: Path, cites_the_read_page: bool
) -> None:
    root, layout = library
    fact, table = layout.fact + 1, layout.table + 1  # the model reads only the fact's page
    fake = server(_answers_in_text_citing(fact, [fact, table] if cites_the_read_page else [table]))
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    report = tmp_path / "report.html"
    args = parser.parse_args(
        [
            "doc-qa",
            str(root / "report.pdf"),
            FACT_QUESTION,
            *("--base-url", fake.base_url, "--model", "nemotron", "--direct-max-pages", "0"),
            *("--index-dir", str(tmp_path / "index"), "--report", str(report), "--quiet"),
        ]
    )
    out = io.StringIO()
    assert args.handler(args, out, io.StringIO()) == 0
    lines = out.getvalue().splitlines()
    fact_name = f"report.pdf p. {fact} (printed {layout.label(layout.fact)})"
    table_name = f"report.pdf p. {table} (printed {layout.label(layout.table)})"
    sources = [line for line in lines if line.startswith("Sources:")]
    assert sources == (
        [f"Sources: {fact_name}"]
        if cites_the_read_page
        else ["Sources: none (the answer was not found in the pages read)"]
    )
    unread = [line for line in lines if "never read" in line]
    assert unread == [f"Also cited, but never read by the model (not evidence): {table_name}"]
    page = report.read_text()  # the report draws only the read page, and names the other
    assert [html.unescape(h) for h in re.findall(r"<h3>([^<]+)</h3>", page)] == (
        [fact_name] if cites_the_read_page else []
    )
    assert f'class="unread">Also cited, but never read (not evidence): {table_name}' in page


# -- the report ------------------------------------------------------------------------------


def test_report_highlights_land_on_the_cited_lines(
    library: tuple[Path, ReportLayout], server: Any, tmp_path: Path
) -> None:
    root, layout = library
    fake = server(_cite_before_reading(layout))
    result, _ = _ask(_agent(fake, root), FACT_QUESTION)
    path = write_report(
        tmp_path / "report.html", FACT_QUESTION, cast("OutputState", result), [root / "report.pdf"]
    )
    page = path.read_text()
    assert "48,213 tonnes." in page
    assert f"report.pdf p. {layout.fact + 1} (printed {layout.label(layout.fact)})" in page
    marks = [
        {k: float(v) for k, v in re.findall(r"(\w+):([\d.]+)%", style)}
        for style in re.findall(r'class="mark" style="([^"]+)"', page)
    ]
    [citation] = result["citations"]
    crop = crop_area(citation["boxes"])
    assert len(marks) == len(wrap(FACT_SENTENCE))
    baseline = _fact_baseline_from_top()
    for n, mark in enumerate(marks):
        # Back from the crop's percentages to the page: the mark covers the fact's line n.
        top = crop[1] + mark["top"] / 100 * (crop[3] - crop[1])
        bottom = top + mark["height"] / 100 * (crop[3] - crop[1])
        at = (baseline + 13.2 * n) / PAGE_HEIGHT
        assert top - 0.002 < at < bottom + 0.006
        assert abs(mark["left"] / 100 * PAGE_WIDTH - 72) < 2
    [image] = re.findall(r'src="data:image/jpeg;base64,([^"]+)"', page)
    with Image.open(io.BytesIO(base64.b64decode(image))) as crop_image:
        width, height = crop_image.size
    assert abs(height / width - (crop[3] - crop[1]) * PAGE_HEIGHT / PAGE_WIDTH) < 0.01


# -- the evaluation command ------------------------------------------------------------------

_EXTRACT_PREFIX = "Below are a question about a document and a reply to it."


def _eval_model(request: ChatRequest) -> str:
    """The demo model for questions; extraction: the reply's first number, thousands joined."""
    text = request.last_user_text or ""
    if not text.startswith(_EXTRACT_PREFIX):
        return demo_responder(request)
    reply_text = text.split("\nReply: ", 1)[1]
    number = re.search(r"\d[\d,]*(?:\.\d+)?", reply_text)
    answer = number[0].replace(",", "") if number else "Fail to answer"
    return reply("Pull out the number.", f"Extracted answer: {answer}\nAnswer format: Float")


def test_evaluation_scores_a_generated_set(
    library: tuple[Path, ReportLayout], server: Any, tmp_path: Path
) -> None:
    root, layout = library
    fake = server(_eval_model)
    questions = tmp_path / "questions.jsonl"
    lines = [
        {  # MMLongBench-Doc's own field names and string-encoded lists
            "doc_id": "report.pdf",
            "question": FACT_QUESTION,
            "answer": "48213",
            "answer_format": "Int",
            "evidence_pages": f"[{layout.fact + 1}]",
        },
        {  # the demo reads the right page but answers with the wrong number: 0
            "document": "report.pdf",
            "question": TABLE_QUESTION,
            "answer": "47.9",
            "answer_format": "Float",
            "evidence_pages": [layout.table + 1, layout.fact + 1],
        },
        {
            "document": "report.pdf",
            "question": MISSING_QUESTION,
            "answer": "Not answerable",
            "answer_format": "None",
            "evidence_pages": [],
        },
    ]
    questions.write_text("".join(json.dumps(line) + "\n" for line in lines))
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(
        [
            "doc-qa-eval",
            str(questions),
            "--documents",
            str(root),
            "--base-url",
            fake.base_url,
            "--model",
            "nemotron",
            "--out",
            str(tmp_path / "rows.jsonl"),
        ]
    )
    out = io.StringIO()
    assert args.handler(args, out, io.StringIO()) == 0
    rows = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert [(r["prediction"], r["score"]) for r in rows] == [
        ("48213", 1.0),
        ("41.2", 0.0),
        ("Not answerable", 1.0),
    ]
    assert [r["evidence_recall"] for r in rows] == [1.0, 0.5, None]
    assert all(r["tokens"] > 0 for r in rows)
    # accuracy 2/3; F1: recall 1/2 (answerable), precision 1/2 (attempted) -> 1/2.
    assert "questions 3  accuracy 66.7%  F1 50.0%" in out.getvalue()
    assert "evidence-page recall 75.0%" in out.getvalue()
    extractions = [r for r in fake.requests if not r.body.get("tools")]
    assert len(extractions) == 2  # "not found" needs no extraction
