"""The deployable template (``graphs/document_qa.py``) under a real ``langgraph dev``.

The server reads documents from ``NEMOTRON_OMNI_DOCS_ROOT`` and reaches the model through
``NEMOTRON_OMNI_BASE_URL``; here that is a fake vLLM server in this process, started with a
served model name (``--served-model-name nemotron``, which the deployment names in
``NEMOTRON_OMNI_MODEL``), answering with the demo model, which decides from the tool results
it is sent.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from langgraph_sdk import get_sync_client

from langchain_nemotron_omni.agents.document_qa.demo import demo_responder
from langchain_nemotron_omni.testing import FakeNemotronServer
from tests.document_qa_pdfs import FACT_QUESTION, SCANNED_QUESTION, make_report
from tests.integration.langgraph_dev import langgraph_dev

if TYPE_CHECKING:
    from collections.abc import Iterator

    from langgraph_sdk.client import SyncLangGraphClient

SERVED_NAME = "nemotron"


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[SyncLangGraphClient, FakeNemotronServer]]:
    root = tmp_path_factory.mktemp("served_docs")
    make_report(root / "report.pdf", pages=60)
    (tmp_path_factory.mktemp("outside") / "secret.txt").write_text("not yours")
    with FakeNemotronServer(demo_responder, model=SERVED_NAME) as server:
        env = {
            "NEMOTRON_OMNI_BASE_URL": server.base_url,
            "NEMOTRON_OMNI_PROVIDER": "vllm",
            "NEMOTRON_OMNI_MODEL": SERVED_NAME,
            "NEMOTRON_OMNI_DOCS_ROOT": str(root),
        }
        with langgraph_dev(env=env) as url:
            yield get_sync_client(url=url, timeout=60), server


def _wait(
    client: SyncLangGraphClient, question: str, documents: list[str], **context: Any
) -> tuple[str, Any]:
    inputs: dict[str, Any] = {"question": question, "documents": documents}
    thread = client.threads.create()
    result = client.runs.wait(
        thread["thread_id"],
        "document_qa",
        input=inputs,
        context=context,
        raise_error=False,
    )
    return thread["thread_id"], result


def test_served_graph_answers_with_citations(
    served: tuple[SyncLangGraphClient, FakeNemotronServer],
) -> None:
    client, server = served
    before = len(server.requests)
    _, result = _wait(client, FACT_QUESTION, ["report.pdf"], budget_tokens=25_000)
    assert isinstance(result, dict)
    assert result["found"] is True
    assert "48,213 tonnes" in result["answer"]
    [citation] = result["citations"]
    layout_fact = int(60 * 0.62)
    assert (citation["page"], citation["index"], citation["label"]) == (
        layout_fact + 1,
        layout_fact,
        str(layout_fact - 3),
    )
    assert result["tokens"]["budget"] == 25_000
    assert 0 < result["tokens"]["total"] <= 25_000
    assert result["mode"] == "tools"
    assert len(server.requests) - before == result["tokens"]["calls"]
    assert {r.body["model"] for r in server.requests[before:]} == {SERVED_NAME}


def test_served_demo_answers_a_one_word_question_from_the_page_it_read(
    served: tuple[SyncLangGraphClient, FakeNemotronServer],
) -> None:
    # The first demo read this page, then said the document does not say: a question with
    # one content word never seemed answered to it.
    client, _ = served
    _, result = _wait(client, "What about aluminium?", ["report.pdf"])
    assert result["found"] is True
    assert "48,213 tonnes of recycled aluminium" in result["answer"]
    [citation] = result["citations"]
    assert (citation["index"], citation["seen"]) == (int(60 * 0.62), True)


def test_served_graph_streams_progress_per_tool_call(
    served: tuple[SyncLangGraphClient, FakeNemotronServer],
) -> None:
    client, _ = served
    thread = client.threads.create()
    inputs: dict[str, Any] = {"question": FACT_QUESTION, "documents": ["report.pdf"]}
    events = [
        part.data
        for part in client.runs.stream(
            thread["thread_id"],
            "document_qa",
            input=inputs,
            stream_mode="custom",
        )
        if part.event == "custom"
    ]
    tools = [e for e in events if e["event"] == "tool"]
    assert [e["tool"] for e in tools] == ["search_text", "read_page_text", "answer"]
    assert tools[1]["pages"] == [int(60 * 0.62) + 1]
    assert 0 < tools[1]["tokens"] <= tools[2]["tokens"]
    assert [e["source"] for e in events if e["event"] == "index"] in (["store"], ["memory"])
    models = [e for e in events if e["event"] == "model"]
    assert [e["step"] for e in models] == [1, 2, 3]


def test_served_state_holds_page_references_not_images(
    served: tuple[SyncLangGraphClient, FakeNemotronServer],
) -> None:
    client, server = served
    thread_id, result = _wait(client, SCANNED_QUESTION, ["report.pdf"])
    assert result["citations"][0]["page"] == 58  # the scan, found through the outline
    # The model did get the page image...
    last = server.requests[-1].messages[-1]
    assert any(part.get("type") == "image_url" for part in last["content"])
    # ...but the thread's stored state only has a reference to it.
    state = json.dumps(client.threads.get_state(thread_id)["values"])
    assert "base64" not in state
    assert '"page_refs": [{"doc": 1, "page": 57' in state


def test_served_graph_refuses_paths_outside_its_root(
    served: tuple[SyncLangGraphClient, FakeNemotronServer],
) -> None:
    client, server = served
    before = len(server.requests)
    for path in ["../outside0/secret.txt", "/etc/hostname"]:
        thread_id, result = _wait(client, FACT_QUESTION, [path])
        run = client.runs.list(thread_id)[0]
        assert run["status"] == "error", result
        assert result["__error__"]["error"] == "DocumentPathError"
    assert len(server.requests) == before


def test_bad_context_is_refused(served: tuple[SyncLangGraphClient, FakeNemotronServer]) -> None:
    client, server = served
    before = len(server.requests)
    thread_id, result = _wait(client, FACT_QUESTION, ["report.pdf"], budget_tokens=-5)
    assert client.runs.list(thread_id)[0]["status"] == "error"
    # The server shows the error type, not its message.
    assert result == {
        "__error__": {"error": "SettingsError", "message": "An internal error occurred"}
    }
    assert len(server.requests) == before
