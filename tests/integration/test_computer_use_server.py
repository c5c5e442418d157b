"""The ``computer_use`` template under a real ``langgraph dev``, driven with langgraph-sdk:
deployment settings, interrupts, screenshots in the store, browsers that live only as long as
runs need them, a custom stream event per step, and a remote Chromium doing the browsing.

Chromium processes are counted by a tag in the server's environment, which its browsers
inherit.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from langchain_nemotron_omni.agents.computer_use.browser import CHROMIUM_FLAGS, CHROMIUM_PATH
from langchain_nemotron_omni.agents.computer_use.demo import current_step
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer, Reply
from langchain_nemotron_omni.tool_xml import render_tool_call_xml
from tests.capture_server import CaptureServer
from tests.computer_use_support import (
    NAME_FIELD,
    SUBMIT_AFTER_SCROLL,
    TAG_VARIABLE,
    SignUp,
    Site,
    chromium_processes,
    wait_for,
)
from tests.integration.langgraph_dev import langgraph_dev, stop_process_group

pytestmark = pytest.mark.browser

IDLE_SECONDS = 8.0
CONTEXT: dict[str, Any] = {
    "allowed_domains": ["127.0.0.1"],
    "viewport_width": 800,
    "viewport_height": 600,
    "max_steps": 12,
}


class _Model:
    """Signs up; a task saying "hang" makes the model hang at step 2 (to cancel the run), one
    saying "remote" just looks at the page and ends."""

    def __init__(self) -> None:
        self.sign_up: dict[str, SignUp] = {}

    def __call__(self, request: ChatRequest) -> str | Reply:
        found = re.search(r"Sign up[^\n]*", request.prompt)
        task = found.group(0) if found else ""
        if "Grace" in task or not task:
            return _grace(request)
        reply = self.sign_up.setdefault(task, SignUp())(request)
        if "hang" in task and current_step(request) == 2:
            return Reply(reply, delay=60)
        if "remote" in task:
            return SignUp.call("I see the form.", "terminate", {"status": "success"})
        return reply


def _grace(request: ChatRequest) -> str:
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


Server = tuple[SyncLangGraphClient, FakeNemotronServer, str]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    tag = uuid.uuid4().hex
    with FakeNemotronServer(_Model()) as model:
        env = {
            "NEMOTRON_OMNI_BASE_URL": model.base_url,
            "NEMOTRON_OMNI_PROVIDER": "vllm",
            "NEMOTRON_OMNI_MODEL": "nemotron",
            "NVIDIA_API_KEY": "nvapi-deployment-secret",
            "NEMOTRON_OMNI_ENVIRONMENT_IDLE_SECONDS": str(IDLE_SECONDS),
            "NEMOTRON_OMNI_ENVIRONMENT_CHECK_SECONDS": "0.3",
            TAG_VARIABLE: tag,
        }
        with langgraph_dev(env=env) as url:
            yield get_sync_client(url=url), model, tag


def test_template_runs_under_langgraph_dev_with_an_interrupt(server: Server, site: Site) -> None:
    client, model, tag = server
    with CaptureServer() as elsewhere:
        asked = len(model.requests)
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
        assert len(model.requests) == asked + 1
        first_run = asked + 1
        thread = client.threads.create()["thread_id"]
        context = {**CONTEXT, "start_url": site.url}
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
    assert final["settings"]["max_steps"] == 12  # not the default 30
    assert final["session"].startswith(f"{thread}/")
    assert final["outcome"] == {
        "status": "success",
        "answer": "signed up",
        "reason": "terminated",
        "steps": 3,
    }
    assert "/welcome?name=Grace&password=" in site.paths
    assert state["next"] == []
    wait_for(lambda: not chromium_processes(tag), 10, "the finished run's browser closed")
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


def _start(client: SyncLangGraphClient, site: Site, task: str) -> tuple[str, dict[str, Any]]:
    thread = client.threads.create()["thread_id"]
    context = {**CONTEXT, "start_url": site.url}
    paused = client.runs.wait(thread, "computer_use", input={"task": task}, context=context)
    assert isinstance(paused, dict)
    return thread, paused


def test_run_streams_its_steps_and_a_waiting_browser_closes_when_idle(
    server: Server, site: Site
) -> None:
    client, _, tag = server
    thread = client.threads.create()["thread_id"]
    context = {**CONTEXT, "start_url": site.url}
    parts = list(
        client.runs.stream(
            thread,
            "computer_use",
            input={"task": "Sign up as Ada (idle)."},
            context=context,
            stream_mode="custom",
        )
    )
    custom = [p.data for p in parts if p.event == "custom"]
    assert [e["event"] for e in custom] == [
        "run_started",
        "step",
        "action",
        "action",
        "observation",
        "step",
        "action",  # the click into the password field; typing there needs approval
        "approval_requested",
    ]
    assert all(e["agent"] == "computer_use" and e["session"].startswith(thread) for e in custom)
    step = custom[1]
    assert step["thought"] == "Fill in the name."
    assert [a["summary"] for a in step["actions"]] == ["click at (0.312, 0.192)", "type 'Ada'"]
    assert step["screenshot"] == custom[0]["screenshot"]
    assert custom[2]["marker"] == {"kind": "click", "points": [[250, 115]]}
    assert chromium_processes(tag)
    # Nobody answers: past the idle limit the browser is closed.
    started = time.monotonic()
    wait_for(lambda: not chromium_processes(tag), IDLE_SECONDS + 10, "the idle browser closed")
    assert time.monotonic() - started > IDLE_SECONDS - 2
    # Approved later: the approval was for a screen that is gone, so the run looks again
    # on a new browser, plans the form again and asks again before typing the password.
    state = client.runs.wait(thread, "computer_use", command={"resume": {"approve": True}})
    assert isinstance(state, dict)
    asked = 1
    while "__interrupt__" in state:
        asked += 1
        state = client.runs.wait(thread, "computer_use", command={"resume": {"approve": True}})
        assert isinstance(state, dict)
    assert asked == 3  # the password (again) and the submit button
    assert state["outcome"]["status"] == "success"
    assert state["settings"]["max_steps"] == 12  # the run kept its settings
    assert "/welcome?name=Ada&password=hunter2" in site.paths
    # The run ended: its browser is closed.
    wait_for(lambda: not chromium_processes(tag), 10, "the finished run's browser closed")


def test_deleting_the_thread_closes_its_browser(server: Server, site: Site) -> None:
    client, _, tag = server
    thread, paused = _start(client, site, "Sign up (deleted).")
    assert "__interrupt__" in paused
    assert chromium_processes(tag)
    client.threads.delete(thread)
    # Well before the idle limit: the deletion closed it.
    wait_for(lambda: not chromium_processes(tag), 6, "the deleted thread's browser closed")


def test_cancelling_a_run_closes_its_browser(server: Server, site: Site) -> None:
    client, model, tag = server
    thread = client.threads.create()["thread_id"]
    context = {**CONTEXT, "start_url": site.url}
    asked = len(model.requests)
    run = client.runs.create(
        thread, "computer_use", input={"task": "Sign up (hang)."}, context=context
    )
    wait_for(lambda: len(model.requests) == asked + 2, 30, "the model asked for step 2")
    assert chromium_processes(tag)
    client.runs.cancel(thread, run["run_id"], wait=True)
    wait_for(lambda: not chromium_processes(tag), 4, "the cancelled run's browser closed")
    assert client.runs.get(thread, run["run_id"])["status"] == "interrupted"


# -- a remote Chromium --------------------------------------------------------------------------


@pytest.fixture
def remote_chromium() -> Iterator[str]:
    """A Chromium with remote debugging on loopback, as a browser service would run one."""
    with tempfile.TemporaryDirectory() as profile:
        process = subprocess.Popen(  # noqa: S603  # the system browser, fixed arguments
            [
                CHROMIUM_PATH,
                *CHROMIUM_FLAGS,
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its helper processes share a group to stop together
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            wait_for(port_file.exists, 20, "Chromium listens for DevTools")
            wait_for(lambda: bool(port_file.read_text().strip()), 5, "port written")
            yield f"http://127.0.0.1:{port_file.read_text().split()[0]}"
        finally:
            # The helpers can outlive the main process and still write to the profile,
            # which would make removing it fail: the whole group goes first.
            stop_process_group(process)


def _pages(cdp_url: str) -> list[str]:
    targets = httpx.get(f"{cdp_url}/json/list", timeout=5).json()
    return [t["url"] for t in targets if t["type"] == "page"]


def test_runs_on_a_remote_chromium_over_cdp(site: Site, remote_chromium: str) -> None:
    tag = uuid.uuid4().hex
    before = _pages(remote_chromium)
    with FakeNemotronServer(_Model()) as model:
        env = {
            "NEMOTRON_OMNI_BASE_URL": model.base_url,
            "NEMOTRON_OMNI_PROVIDER": "vllm",
            "NEMOTRON_OMNI_MODEL": "nemotron",
            "NEMOTRON_OMNI_BROWSER_CDP_URL": remote_chromium,
            TAG_VARIABLE: tag,
        }
        with langgraph_dev(env=env) as url:
            client = get_sync_client(url=url)
            # A start page of its own: other tests' browsers on this module's site
            # (an idle one reopening "/") must not count as this run's loads.
            start = f"/?remote={tag}"
            parts = client.runs.stream(
                None,
                "computer_use",
                input={"task": "Sign up (remote)."},
                context={**CONTEXT, "start_url": site.url.rstrip("/") + start},
                stream_mode=["custom", "values"],
            )
            opened: list[str] = []
            for part in parts:
                if part.event == "custom" and part.data["event"] == "run_started":
                    # The run's tab is open in the remote browser; the server runs none.
                    opened = _pages(remote_chromium)
                    assert chromium_processes(tag) == []
                if part.event == "values":
                    state = part.data
    assert any(page.startswith(site.url) for page in opened)
    assert state["outcome"]["status"] == "success"
    assert site.paths.count(start) == 1
    # The run's browser context is closed; the remote browser keeps running.
    assert _pages(remote_chromium) == before
