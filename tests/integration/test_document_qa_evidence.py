"""Evidence the document-QA agent can stand behind: indexes built once, unread pages refused,
the cited passage located on its page, progress per tool call.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from langgraph.store.memory import InMemoryStore

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.document_qa import DocQASettings, create_document_qa_agent
from langchain_nemotron_omni.agents.document_qa.demo import demo_responder
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer
from tests.document_qa_pdfs import (
    FACT_QUESTION,
    FACT_SENTENCE,
    FILLER,
    ReportLayout,
    make_report,
    wrap,
)
from tests.integration.document_qa_responders import calls, reply, tool_call_xml, tool_results

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

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
