"""The graphs on the production Agent Server: PostgreSQL + Redis, two worker processes.

Driven with ``langgraph-sdk`` as any client would: both graphs answer, an interrupted run
is resumed after the server restarted, a run whose workers were killed mid-way is taken up
again and finishes, screenshots and page images are in the PostgreSQL-backed store (a
restarted server sends a document's pages without rendering them), and the deployment's
rules on keys and files hold as they do under ``langgraph dev``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from langgraph_sdk import get_sync_client

from langchain_nemotron_omni.agents.document_qa.index import STORE_NAMESPACE
from langchain_nemotron_omni.agents.document_qa.page_images import STORE_PREFIX
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer
from tests.capture_server import CaptureServer
from tests.computer_use_support import Site, serve_site
from tests.document_qa_pdfs import FACT_QUESTION
from tests.integration.agent_server import AgentServer, postgres, redis
from tests.integration.served_graphs import (
    PASSWORD_TASK,
    REPORT_PAGES,
    SECRETS,
    BothGraphs,
    check_keys_stay_with_their_endpoints,
    check_message_files,
    deployment_env,
    inputs,
    wait,
)

if TYPE_CHECKING:
    from pathlib import Path

    from langgraph_sdk.client import SyncLangGraphClient

pytestmark = [pytest.mark.browser, pytest.mark.deployment]


class Gate:
    """Holds one model request (the one :meth:`arm` names) until it is released."""

    def __init__(self) -> None:
        self.model = BothGraphs()
        self._lock = threading.Lock()
        self._match: str | None = None
        self._calls = 0
        self._at = 0
        self.reached = threading.Event()
        self.release = threading.Event()

    def arm(self, text: str, call: int) -> None:
        """Hold the ``call``-th request whose messages contain ``text``."""
        with self._lock:
            self._match, self._calls, self._at = text, 0, call
            self.reached, self.release = threading.Event(), threading.Event()

    def __call__(self, request: ChatRequest) -> str:
        with self._lock:
            reached, release = self.reached, self.release
            hold = self._match is not None and self._match in json.dumps(request.messages)
            if hold:
                self._calls += 1
                hold = self._calls == self._at
                if hold:
                    self._match = None
        if hold:
            reached.set()
            release.wait(60)
        return self.model(request)


@dataclass
class HeldRun:
    """A document-QA run stopped in its second model call."""

    thread: str
    run_id: str
    first_request: int


def hold_a_run(deployment: Deployment) -> HeldRun:
    """Start a run and wait until its second model call is held by the gate."""
    client, model, gate = deployment.client, deployment.model, deployment.gate
    gate.arm(FACT_QUESTION, call=2)
    thread = client.threads.create()["thread_id"]
    first_request = len(model.requests)
    # Durability "sync": each step's checkpoint is written before the next step starts (the
    # server's default, "async", writes it meanwhile, so a crash may cost the last steps).
    run = client.runs.create(
        thread,
        "document_qa",
        input=inputs("document_qa"),
        context={"budget_tokens": 25_000},
        durability="sync",
    )
    assert gate.reached.wait(60), "the run never reached its second model call"
    return HeldRun(thread, run["run_id"], first_request)


def check_taken_up(deployment: Deployment, held: HeldRun) -> None:
    """The held run finished after the restart, from where it was."""
    client, model = deployment.client, deployment.model
    result = client.runs.join(held.thread, held.run_id)
    assert client.runs.get(held.thread, held.run_id)["status"] == "success", result
    assert "48,213 tonnes" in result["answer"]
    assert result["citations"]
    calls = [
        r.messages for r in model.requests[held.first_request :] if FACT_QUESTION in str(r.messages)
    ]
    # It went on from its last checkpoint: the call made before the restart was not made
    # again; the one in flight was.
    assert calls.count(calls[0]) == 1
    assert calls.count(calls[1]) == 2
    assert result["tokens"]["calls"] == len(calls) - 1


def ask_with_every_page(client: SyncLangGraphClient) -> dict[str, int]:
    """A question on the report in one call with every page; where its page images came from.

    The deployment's default budget fits the whole report (its tests of the tool loop ask
    with a smaller one).
    """
    thread = client.threads.create()["thread_id"]
    parts = client.runs.stream(
        thread, "document_qa", input=inputs("document_qa"), stream_mode="custom"
    )
    events = [part.data for part in parts if part.event == "custom"]
    [images] = [event for event in events if event["event"] == "images"]
    return {source: images[source] for source in ("memory", "store", "rendered")}


def report_digest(deployment: Deployment) -> str:
    return hashlib.sha256((deployment.docs / "report.pdf").read_bytes()).hexdigest()


@dataclass
class Deployment:
    server: AgentServer
    client: SyncLangGraphClient
    model: FakeNemotronServer
    gate: Gate
    side: CaptureServer
    elsewhere: CaptureServer
    site: Site
    docs: Path


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    docs = tmp_path_factory.mktemp("docs")
    logs = tmp_path_factory.mktemp("agent_server_logs")
    gate = Gate()
    with (
        postgres() as database_uri,
        redis() as redis_uri,
        FakeNemotronServer(gate, api_key=SECRETS["VLLM_API_KEY"]) as model,
        CaptureServer() as side,
        CaptureServer() as elsewhere,
        serve_site() as site,
    ):
        server = AgentServer(
            database_uri=database_uri,
            redis_uri=redis_uri,
            env=deployment_env(model, side, docs),
            log_dir=logs,
        )
        server.migrate()
        server.start()
        try:
            client = get_sync_client(url=server.url, timeout=60)
            yield Deployment(server, client, model, gate, side, elsewhere, site, docs)
        finally:
            gate.release.set()
            server.stop()


def test_both_graphs_answer_on_postgres(deployment: Deployment) -> None:
    client = deployment.client
    _, status, answer = wait(client, "document_qa", {"budget_tokens": 25_000})
    assert status == "success", answer
    assert "48,213 tonnes" in answer["answer"]
    assert answer["citations"]
    # The document's index is in the Postgres store, shared by every worker.
    [index] = client.store.search_items(list(STORE_NAMESPACE))["items"]
    assert index["key"] == report_digest(deployment)
    # Asked with every page in one call: the page images go to the store too, one item a
    # page, JPEG in base64...
    first = ask_with_every_page(client)
    assert sum(first.values()) == REPORT_PAGES
    namespace = [*STORE_PREFIX, report_digest(deployment)]
    pages = client.store.search_items(namespace, limit=100)["items"]
    assert sorted(int(item["key"]) for item in pages) == list(range(REPORT_PAGES))
    assert all(item["value"]["data"].startswith("/9j/") for item in pages)
    # ...and the next question, on either worker, renders none of them.
    assert ask_with_every_page(client)["rendered"] == 0
    _, status, result = wait(client, "computer_use", {"max_steps": 1})
    assert status == "success", result
    assert result["outcome"]["reason"] == "step_limit"
    assert {a["graph_id"] for a in client.assistants.search()} == {"computer_use", "document_qa"}


def test_a_restart_loses_nothing(deployment: Deployment) -> None:
    client, site = deployment.client, deployment.site
    # One run waits at an approval prompt, another is in the middle of a model call.
    thread = client.threads.create()["thread_id"]
    context: dict[str, Any] = {
        "start_url": site.url,
        "allowed_domains": ["127.0.0.1"],
        "viewport_width": 800,
        "viewport_height": 600,
    }
    paused = client.runs.wait(
        thread, "computer_use", input={"task": PASSWORD_TASK}, context=context
    )
    assert isinstance(paused, dict)
    (pending,) = paused["__interrupt__"]
    assert pending["value"]["reason"] == "types into a password field"
    before = client.threads.get_state(thread)
    ask_with_every_page(client)  # the report's page images are in the store
    held = hold_a_run(deployment)

    # A rolling restart: SIGTERM, the held call answers while the workers shut down.
    threading.Timer(1.0, deployment.gate.release.set).start()
    deployment.server.restart()

    check_taken_up(deployment, held)
    # The restarted workers remember no page, and render none: the store has them all.
    assert ask_with_every_page(client) == {"memory": 0, "store": REPORT_PAGES, "rendered": 0}
    after = client.threads.get_state(thread)
    assert after["values"] == before["values"]
    assert after["next"] == before["next"]
    assert [i["value"] for i in after["interrupts"]] == [pending["value"]]
    # Resumed with the command alone, in a new browser that shows the screen the approval
    # was given for: the run goes on where it stopped, with the settings it started with.
    final = client.runs.wait(thread, "computer_use", command={"resume": {"approve": True}})
    assert isinstance(final, dict)
    assert final["outcome"] == {
        "status": "success",
        "answer": "typed",
        "reason": "terminated",
        "steps": 2,
    }
    assert final["settings"]["allowed_domains"] == ["127.0.0.1"]
    # Every screenshot, from before and after the restart, is in the Postgres store; the
    # checkpoints hold references only.
    namespace = ["nemotron_omni", "computer_use", "screenshots", thread]
    stored = client.store.search_items(namespace, limit=100)
    shots = {item["key"]: item["value"]["png"] for item in stored["items"]}
    steps = final["outcome"]["steps"]
    approval = pending["value"]["screenshot"].rsplit("/", 1)[1]
    assert sorted(shots) == sorted([approval, *(f"step-{n:04d}" for n in range(1, steps + 1))])
    assert all(png.startswith("iVBORw0KGgo") for png in shots.values())
    assert {ref["ref"].rsplit("/", 1)[1] for ref in final["screenshots"]} <= set(shots)
    for checkpoint in client.threads.get_history(thread, limit=100):
        assert "iVBORw0KGgo" not in json.dumps(checkpoint["values"])


def test_a_crash_mid_run_loses_nothing(deployment: Deployment) -> None:
    held = hold_a_run(deployment)
    deployment.server.restart(crash=True)  # every worker killed at once
    deployment.gate.release.set()
    check_taken_up(deployment, held)


def test_runs_cannot_send_the_deployments_keys_elsewhere(deployment: Deployment) -> None:
    check_keys_stay_with_their_endpoints(
        deployment.client, deployment.model, deployment.side, deployment.elsewhere
    )


def test_messages_cannot_make_the_server_read_files(deployment: Deployment) -> None:
    # No NEMOTRON_OMNI_LOCAL_FILES here: a server reads no local file a message names.
    check_message_files(deployment.client, deployment.model, media_root=None)
