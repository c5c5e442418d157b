"""Page images rendered once per deployment: kept in the LangGraph store by content hash.

A second worker (or the same server after a restart: a fresh agent on the same store) asks
about the same PDF and sends the same pages without rendering them; the store holds at most
``stored_pages`` images per document, and never hands out another page's image.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

import pytest
from langgraph.store.memory import InMemoryStore

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.document_qa import create_document_qa_agent
from langchain_nemotron_omni.agents.document_qa.demo import demo_responder
from langchain_nemotron_omni.agents.document_qa.page_images import STORE_PREFIX
from langchain_nemotron_omni.testing import FakeNemotronServer
from tests.document_qa_pdfs import FACT_QUESTION, make_report

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PAGES = 14
"""More than the pages rendered in this process alone: the first question uses workers."""
_DATA_URL = re.compile(r"data:image/jpeg;base64,[A-Za-z0-9+/=]+")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("page_images")
    make_report(root / "report.pdf", pages=PAGES)
    return root / "report.pdf"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeNemotronServer]:
    with FakeNemotronServer(demo_responder) as server:
        yield server


def _worker(fake: FakeNemotronServer, report: Path, store: InMemoryStore, **kwargs: Any) -> Any:
    """A new agent: what another worker process, or a restarted server, starts with."""
    llm = ChatNemotronOmni(base_url=fake.base_url, model="nemotron")
    return create_document_qa_agent(llm, allowed_root=report.parent, store=store, **kwargs)


def _ask(agent: Any, fake: FakeNemotronServer) -> tuple[dict[str, int], list[str]]:
    """The question's ``images`` event, and the page images its request carried."""
    before = len(fake.requests)
    events = [
        chunk
        for chunk in agent.stream(
            {"question": FACT_QUESTION, "documents": ["report.pdf"]}, stream_mode="custom"
        )
        if chunk["event"] == "images"
    ]
    [request] = fake.requests[before:]  # the single call: every page, once
    [event] = events
    return {k: event[k] for k in ("memory", "store", "rendered")}, _DATA_URL.findall(
        str(request.messages)
    )


def _stored(store: InMemoryStore, report: Path) -> dict[str, int]:
    digest = hashlib.sha256(report.read_bytes()).hexdigest()
    items = store.search((*STORE_PREFIX, digest), limit=1000)
    return {item.key: item.value["page"] for item in items}


def test_a_second_worker_sends_the_pages_without_rendering_them(
    fake: FakeNemotronServer, report: Path
) -> None:
    store = InMemoryStore()
    first = _worker(fake, report, store)
    counts, images = _ask(first, fake)
    assert counts == {"memory": 0, "store": 0, "rendered": PAGES}
    assert len(images) == PAGES
    assert _stored(store, report) == {str(page): page for page in range(PAGES)}
    # The same worker again: from its memory.
    assert _ask(first, fake) == ({"memory": PAGES, "store": 0, "rendered": 0}, images)
    # Another worker, or the server after a restart: from the store, nothing rendered.
    assert _ask(_worker(fake, report, store), fake) == (
        {"memory": 0, "store": PAGES, "rendered": 0},
        images,
    )


def test_a_long_document_fills_at_most_its_share_of_the_store(
    fake: FakeNemotronServer, report: Path
) -> None:
    store = InMemoryStore()
    _, images = _ask(_worker(fake, report, store, stored_pages=5), fake)
    # Page N went to slot N % 5; the last page written to a slot holds it.
    assert _stored(store, report) == {"0": 10, "1": 11, "2": 12, "3": 13, "4": 9}
    counts, again = _ask(_worker(fake, report, store, stored_pages=5), fake)
    assert counts == {"memory": 0, "store": 5, "rendered": PAGES - 5}
    assert again == images  # the pages whose slot holds another page were drawn again
