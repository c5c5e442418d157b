"""Environments the agent starts are closed whenever their run no longer needs them, in
process (the served graph's lifecycle, idle limit included, is tested under ``langgraph dev``
in ``test_computer_use_server.py``).

Real Chromium, real HTTP to the scripted model; Chromium processes are counted by the tag
each test puts in the environment the browsers inherit.
"""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AbstractContextManager
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.computer_use import (
    ComputerUseSettings,
    EnvironmentLimitError,
    PlaywrightBrowser,
    SessionPool,
    create_computer_use_agent,
)
from langchain_nemotron_omni.agents.computer_use.computer import Computer
from langchain_nemotron_omni.agents.computer_use.demo import current_step
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer, HTTPFault, Reply
from langchain_nemotron_omni.tool_xml import render_tool_call_xml
from tests.computer_use_support import (
    TAG_VARIABLE,
    VIEWPORT,
    SignUp,
    Site,
    chromium_processes,
    wait_for,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def tag(monkeypatch: pytest.MonkeyPatch) -> str:
    """Browsers started in this test carry the tag in their environment."""
    value = uuid.uuid4().hex
    monkeypatch.setenv(TAG_VARIABLE, value)
    return value


def _browser(_: ComputerUseSettings) -> AbstractContextManager[Computer]:
    return PlaywrightBrowser(viewport=VIEWPORT, allowed_domains=["127.0.0.1"], settle_seconds=0.05)


def _agent(model: FakeNemotronServer, pool: SessionPool, site: Site, **settings: Any) -> Any:
    return create_computer_use_agent(
        ChatNemotronOmni(base_url=model.base_url, model="nemotron", max_retries=0),
        _browser,
        settings=ComputerUseSettings(start_url=site.url, allowed_domains=["127.0.0.1"], **settings),
        checkpointer=InMemorySaver(),
        sessions=pool,
    )


def _config(thread: str) -> Any:
    return {"configurable": {"thread_id": thread}}


def test_closed_when_the_run_ends_or_fails(site: Site, tag: str) -> None:
    pool = SessionPool(idle_seconds=60)
    with FakeNemotronServer([_done(), HTTPFault(400)]) as model:
        agent = _agent(model, pool, site)
        final = agent.invoke({"task": "Look."}, _config("ends"))
        assert final["outcome"]["status"] == "success"
        assert chromium_processes(tag) == []
        assert len(pool) == 0
        # The model endpoint fails: the run raises, and its browser is closed all the same.
        with pytest.raises(Exception, match="400"):
            agent.invoke({"task": "Look."}, _config("fails"))
        wait_for(lambda: not chromium_processes(tag), 10, "the failed run's browser closed")
    assert len(pool) == 0


def test_deleted_thread_closes_its_waiting_environment(site: Site, tag: str) -> None:
    pool = SessionPool(idle_seconds=600, check_seconds=0.2)
    with FakeNemotronServer(SignUp()) as model:
        agent = _agent(model, pool, site)
        paused = agent.invoke({"task": "Sign up."}, _config("deleted"))
        assert "__interrupt__" in paused
        assert chromium_processes(tag)
        agent.checkpointer.delete_thread("deleted")
        wait_for(lambda: not chromium_processes(tag), 10, "the deleted thread's browser closed")
    assert len(pool) == 0


async def test_cancelled_run_closes_its_environment(site: Site, tag: str) -> None:
    pool = SessionPool(idle_seconds=600)
    sign_up = SignUp()

    def script(request: ChatRequest) -> str | Reply:
        text = sign_up(request)
        return Reply(text, delay=30) if current_step(request) == 2 else text

    with FakeNemotronServer(script) as model:
        agent = _agent(model, pool, site)
        run = asyncio.create_task(agent.ainvoke({"task": "Sign up."}, _config("cancelled")))
        # The run is waiting for its second model call, which hangs.
        await asyncio.to_thread(wait_for, lambda: len(model.requests) == 2, 30, "step 2 asked")
        assert chromium_processes(tag)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        await asyncio.to_thread(
            wait_for, lambda: not chromium_processes(tag), 10, "the cancelled run's browser closed"
        )
    assert len(pool) == 0


def test_the_cap_closes_the_longest_waiting_environment_first(site: Site, tag: str) -> None:
    pool = SessionPool(idle_seconds=600, max_live=1)
    with FakeNemotronServer(SignUp()) as model:
        agent = _agent(model, pool, site)
        first = agent.invoke({"task": "Sign up."}, _config("first"))
        first_browser = set(chromium_processes(tag))
        second = agent.invoke({"task": "Sign up."}, _config("second"))
        assert "__interrupt__" in first
        assert "__interrupt__" in second
        # One browser at a time: the first run's (waiting) browser made room.
        assert len(pool) == 1
        assert first_browser.isdisjoint(chromium_processes(tag))
        # Every open environment in use by a run: a new one is refused with a clear error.
        pool.acquire(second["session"], _browser_for_nobody, owner="another run")
        with pytest.raises(EnvironmentLimitError, match="1 environments are already open"):
            agent.invoke({"task": "Sign up."}, _config("third"))
    pool.close_all()
    assert chromium_processes(tag) == []


def _done() -> str:
    return "Done.\n</think>\n" + render_tool_call_xml(
        "terminate", {"status": "success", "answer": "looked"}
    )


def _browser_for_nobody() -> AbstractContextManager[Computer]:
    msg = "the session is open: nothing is started"
    raise AssertionError(msg)
