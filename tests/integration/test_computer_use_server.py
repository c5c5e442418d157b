"""The ``computer_use`` template under a real ``langgraph dev``, driven with langgraph-sdk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from langgraph_sdk import get_sync_client

from langchain_nemotron_omni.agents.computer_use.demo import current_step
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer
from langchain_nemotron_omni.tool_xml import render_tool_call_xml
from tests.capture_server import CaptureServer
from tests.computer_use_support import NAME_FIELD, SUBMIT_AFTER_SCROLL, Site, serve_site
from tests.integration.langgraph_dev import langgraph_dev

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve_site() as served:
        yield served


def _script(request: ChatRequest) -> str:
    step = current_step(request)
    scroll = {"action": "scroll", "coordinate": [0.5, 0.5],
              "scroll_parameters": {"scroll_direction": "down", "scroll_amount": 10}}  # fmt: skip
    plan: dict[int, tuple[str, dict[str, Any]]] = {
        1: ("computer", {"actions": [{"action": "left_click", "coordinate": NAME_FIELD},
                                     {"action": "type", "text": "Grace"}, scroll]}),
        2: ("computer", {"actions": [{"action": "left_click", "coordinate": SUBMIT_AFTER_SCROLL}]}),
        3: ("terminate", {"status": "success", "answer": "signed up"}),
    }  # fmt: skip
    name, args = plan[min(step, 3)]
    return f"Step {step}.\n</think>\n{render_tool_call_xml(name, args)}"


def test_template_runs_under_langgraph_dev_with_an_interrupt(site: Site) -> None:
    with FakeNemotronServer(_script) as model, CaptureServer() as elsewhere:
        deployment = {
            "NEMOTRON_OMNI_BASE_URL": model.base_url,
            "NEMOTRON_OMNI_PROVIDER": "vllm",
            "NEMOTRON_OMNI_MODEL": "nemotron",
            "NVIDIA_API_KEY": "nvapi-deployment-secret",
        }
        with langgraph_dev(env=deployment) as url:
            client = get_sync_client(url=url)
            # A run cannot point the deployment's model (and key) somewhere else: the server
            # drops context keys outside the settings' schema (and the settings class refuses
            # them in process), so the run goes to the deployment's endpoint.
            stolen = client.threads.create()["thread_id"]
            diverted = client.runs.wait(
                stolen,
                "computer_use",
                input={"task": "t"},
                context={"base_url": elsewhere.base_url, "provider": "nvidia", "max_steps": 1},
            )
            assert isinstance(diverted, dict)
            assert diverted["outcome"]["reason"] == "step_limit"
            assert len(model.requests) == 1
            first_run = 1
            thread = client.threads.create()["thread_id"]
            context: dict[str, Any] = {
                "start_url": site.url,
                "allowed_domains": ["127.0.0.1"],
                "viewport_width": 800,
                "viewport_height": 600,
            }
            paused = client.runs.wait(
                thread, "computer_use", input={"task": "Sign up as Grace."}, context=context
            )
            assert isinstance(paused, dict)
            (pending,) = paused["__interrupt__"]
            assert pending["value"]["reason"] == "submits a form"
            assert not any(p.startswith("/welcome") for p in site.paths)

            # Resumed with the command alone: the run keeps the settings it started with.
            final = client.runs.wait(thread, "computer_use", command={"resume": {"approve": True}})
            assert isinstance(final, dict)
            state = client.threads.get_state(thread)
            history = client.threads.get_history(thread, limit=100)
            refs = [shot["ref"] for shot in final["screenshots"]]
            item = client.store.get_item(
                ["nemotron_omni", "computer_use", "screenshots", *final["session"].split("/")],
                "step-0002",
            )
            requests = model.requests[first_run:]
    assert elsewhere.requests == []
    assert final["settings"]["allowed_domains"] == ["127.0.0.1"]
    assert final["settings"]["viewport_width"] == 800
    assert final["session"].startswith(f"{thread}/")
    assert final["outcome"] == {
        "status": "success",
        "answer": "signed up",
        "reason": "terminated",
        "steps": 3,
    }
    assert "/welcome?name=Grace&password=" in site.paths
    assert state["next"] == []
    # Screenshots live in the server's store; the thread's state holds references only.
    assert refs == [
        f"store:nemotron_omni/computer_use/screenshots/{final['session']}/step-000{i}"
        for i in (1, 2, 3)
    ]
    assert item is not None
    assert item["value"]["png"].startswith("iVBORw0KGgo")
    for checkpoint in history:
        serialized = json.dumps(checkpoint["values"])
        assert "iVBORw0KGgo" not in serialized
        assert len(serialized) < 20_000
    # The model got each screenshot inline, in user turns.
    assert [r.body["messages"][-1]["content"][0]["type"] for r in requests] == ["image_url"] * 3
    assert all(r.chat_template_kwargs["truncate_history_thinking"] is False for r in requests)
