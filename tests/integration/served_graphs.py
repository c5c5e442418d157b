"""What any server running the graphs must guarantee, checked the same way on each.

``langgraph dev`` (in memory) and the production Agent Server (PostgreSQL + Redis) both run
these checks through ``langgraph-sdk``: a run's context cannot send the deployment's keys
anywhere but where the deployment configured them, and a message cannot make the server
read a file it was not allowed to.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.agents.computer_use.demo import current_step
from langchain_nemotron_omni.agents.document_qa.demo import demo_responder
from tests import media_samples as ms
from tests.computer_use_support import PASSWORD_FIELD, SignUp
from tests.document_qa_pdfs import FACT_QUESTION, make_report

if TYPE_CHECKING:
    from pathlib import Path

    from langgraph_sdk.client import SyncLangGraphClient

    from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer
    from tests.capture_server import CaptureServer

SECRETS = {
    "VLLM_API_KEY": "vllm-key-of-the-default-endpoint",
    "NVIDIA_API_KEY": "nvapi-key-of-the-deployment",
    "OPENROUTER_API_KEY": "sk-or-key-of-the-deployment",
}
"""Keys in the deployment's environment: the first belongs to the default endpoint."""
SIDE_KEY = "key-of-the-side-endpoint"
REPORT_PAGES = 12
GRAPHS = ("computer_use", "document_qa")


PASSWORD_TASK = "Put the password in."


def type_a_password(request: ChatRequest) -> str:
    """Step 1 types into the password field (an approval is asked), step 2 ends the run.

    The screen it is asked on is the start page as any new browser shows it, so the approval
    still holds when the run resumes in another worker, or after a restart, with a new
    browser.
    """
    if current_step(request) == 1:
        actions = [
            {"action": "left_click", "coordinate": PASSWORD_FIELD},
            {"action": "type", "text": "hunter2"},
        ]
        return SignUp.call("The password field.", "computer", {"actions": actions})
    return SignUp.call("Done.", "terminate", {"status": "success", "answer": "typed"})


class BothGraphs:
    """The model behind the default endpoint: signs up on the test site (one script per
    task) for ``computer_use``, reads as the demo model for ``document_qa``."""

    def __init__(self) -> None:
        self.sign_ups: dict[str, SignUp] = {}
        self._lock = threading.Lock()

    def __call__(self, request: ChatRequest) -> str:
        tools = {str((t.get("function") or t).get("name")) for t in request.tools or []}
        if "computer" not in tools:
            return demo_responder(request)
        if PASSWORD_TASK in request.prompt:
            return type_a_password(request)
        task = re.search(r"Sign up[^\n]*", request.prompt)
        with self._lock:
            script = self.sign_ups.setdefault(task.group(0) if task else "", SignUp())
        return script(request)


def deployment_env(
    model: FakeNemotronServer, side: CaptureServer, docs_root: Path
) -> dict[str, str]:
    """The deployment's settings: a default endpoint, one named endpoint, stray keys."""
    make_report(docs_root / "report.pdf", pages=REPORT_PAGES)
    side_endpoint = {
        "base_url": side.base_url,
        "provider": "vllm",
        "model": "nemotron",
        "api_key_env": "SIDE_KEY",
    }
    return {
        "NEMOTRON_OMNI_BASE_URL": model.base_url,
        "NEMOTRON_OMNI_PROVIDER": "vllm",
        "NEMOTRON_OMNI_MODEL": "nemotron",
        "NEMOTRON_OMNI_ENDPOINTS": json.dumps({"side": side_endpoint}),
        "NEMOTRON_OMNI_DOCS_ROOT": str(docs_root),
        "SIDE_KEY": SIDE_KEY,
        **SECRETS,
    }


def inputs(graph: str) -> dict[str, Any]:
    """A small run of each graph."""
    if graph == "computer_use":
        return {"task": "Look at the page."}
    return {"question": FACT_QUESTION, "documents": ["report.pdf"]}


def wait(
    client: SyncLangGraphClient,
    graph: str,
    context: dict[str, Any] | None = None,
    thread: str | None = None,
    **kwargs: Any,
) -> tuple[str, str, Any]:
    """Run ``graph`` to its end on ``thread`` (a new one by default).

    Returns:
        The thread id, the run's status and its result (``{"__error__": ...}`` on error).
    """
    thread = thread or client.threads.create()["thread_id"]
    kwargs.setdefault("input", inputs(graph))
    result = client.runs.wait(thread, graph, context=context, raise_error=False, **kwargs)
    status = client.runs.list(thread, limit=1)[0]["status"]
    return thread, status, result


def check_keys_stay_with_their_endpoints(
    client: SyncLangGraphClient,
    model: FakeNemotronServer,
    side: CaptureServer,
    elsewhere: CaptureServer,
) -> None:
    """Whatever a run's context names, each key goes only where the deployment sent it."""
    for graph in GRAPHS:
        # A URL, a provider, a key, headers: the server drops what is not in the schema,
        # and the run goes to the deployment's default endpoint.
        before = len(model.requests)
        stolen = {
            "base_url": elsewhere.base_url,
            "provider": "nvidia",
            "api_key": "whatever",
            "default_headers": {"x-exfiltrate": "1"},
            "max_steps": 1,
        }
        _, status, result = wait(client, graph, stolen)
        assert status == "success", result
        assert len(model.requests) > before
        # A named endpoint gets its own key, and no other.
        before = len(side.requests)
        _, status, result = wait(client, graph, {"endpoint": "side", "max_steps": 1})
        assert len(side.requests) > before, (status, result)
        # An endpoint the deployment does not list is refused before any request.
        sent = len(model.requests) + len(side.requests)
        _, status, result = wait(client, graph, {"endpoint": "elsewhere"})
        assert status == "error"
        assert result["__error__"]["error"] == "EndpointNotAllowedError"
        assert len(model.requests) + len(side.requests) == sent
    assert elsewhere.requests == []
    assert {r["headers"]["authorization"] for r in side.requests} == {f"Bearer {SIDE_KEY}"}
    assert not any(side.seen(secret) for secret in SECRETS.values())


def check_message_files(
    client: SyncLangGraphClient, model: FakeNemotronServer, media_root: Path | None
) -> None:
    """A file a message names is read only under the deployment's media folder.

    Anyone who may update a thread can put a message in it; here one naming a local file
    is added while a run waits before its model call.
    """
    targets = ["file:///etc/passwd"]
    if media_root is not None:
        (media_root / "chart.png").write_bytes(ms.image_bytes("PNG"))
        targets.append((media_root / "chart.png").as_uri())
    for url in targets:
        thread, status, paused = wait(client, "document_qa", interrupt_before=["call_model"])
        assert status == "success", paused
        assert client.threads.get_state(thread)["next"] == ["call_model"]
        message = {
            "role": "user",
            "content": [{"type": "text", "text": "See this."}, {"type": "image", "url": url}],
        }
        client.threads.update_state(thread, {"messages": [message]})
        before = len(model.requests)
        _, status, result = wait(client, "document_qa", thread=thread, input=None)
        if url == targets[0]:
            assert status == "error"
            assert result["__error__"]["error"] == "LocalFileRefusedError"
            assert len(model.requests) == before
        else:
            assert status == "success", result
            sent = model.requests[before].messages[-1]["content"]
            [image] = [p for p in sent if p.get("type") == "image_url"]
            data = image["image_url"]["url"].partition(",")[2]
            assert base64.b64decode(data) == ms.image_bytes("PNG")
    assert not any("root:x:" in json.dumps(r.body) for r in model.requests)
