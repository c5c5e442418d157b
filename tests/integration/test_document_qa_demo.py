"""The demo model (``nemotron-omni doc-qa`` without an endpoint) on real manuals.

It must answer from the pages it read: cite a page it read, quote a line of it, and say
"not found" only when nothing it read holds the question's words. R's manuals come from
Debian's ``r-doc-pdf`` (installed by ``scripts/test``); the questions are the retrieval
benchmark's, plus three that the first demo read the right page for and then answered "the
document does not say" (a one-word question, one whose first page held one of its words,
one about a page with text that it tried to view as a scan).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.document_qa import DocQASettings, create_document_qa_agent
from langchain_nemotron_omni.agents.document_qa.demo import DEMO_PREFIX, demo_responder
from langchain_nemotron_omni.media.pdf import PdfDocument
from langchain_nemotron_omni.testing import FakeNemotronServer
from tests.integration.document_qa_responders import calls

if TYPE_CHECKING:
    from collections.abc import Iterator

MANUALS = Path("/usr/share/R/doc/manual")
QUESTIONS = Path(__file__).resolve().parents[2] / "bench" / "data" / "retrieval_questions.jsonl"
ONCE_UNANSWERED = [
    ("R-admin.pdf", "Does R need Java?"),
    ("R-admin.pdf", "What is the default for R_RD4PDF?"),
    ("R-FAQ.pdf", "How do I cite R?"),
]
CASES = ONCE_UNANSWERED + [
    (row["document"], row["question"])
    for row in map(json.loads, QUESTIONS.read_text().splitlines())
    if row["document"] == "R-admin.pdf"
]


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Any, FakeNemotronServer]]:
    with FakeNemotronServer(demo_responder) as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
        agent = create_document_qa_agent(
            llm, allowed_root=MANUALS, settings=DocQASettings(direct_max_pages=0)
        )
        yield agent, server


@pytest.fixture(scope="module")
def texts() -> dict[str, list[str]]:
    out = {}
    for name in {document for document, _ in CASES}:
        with PdfDocument(MANUALS / name) as pdf:
            out[name] = [pdf.text(i) for i in range(pdf.page_count)]
    return out


@pytest.mark.parametrize(("document", "question"), CASES)
def test_the_demo_answers_from_the_pages_it_read(
    demo: tuple[Any, FakeNemotronServer],
    texts: dict[str, list[str]],
    document: str,
    question: str,
) -> None:
    agent, server = demo
    before = len(server.requests)
    result = agent.invoke({"question": question, "documents": [document]})
    assert result["found"] is True, result["answer"]
    [citation] = result["citations"]
    assert citation["seen"] is True
    line = result["answer"].removeprefix(DEMO_PREFIX)
    assert line in texts[document][citation["index"]].splitlines()
    # Pages with a text layer are read, never looked at as if they were scans.
    made = calls(server.requests[-1])
    viewed = [p for name, args in made if name == "view_pages" for p in args["pages"]]
    assert all(not texts[document][page - 1] for page in viewed)
    assert len(server.requests) - before == result["tokens"]["calls"] <= 4
