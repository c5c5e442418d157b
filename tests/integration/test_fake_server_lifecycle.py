"""Running FakeNemotronServer: auth, /models and /health, keep-alive, parallel requests,
scripts, start and stop, the pytest fixtures, and ``python -m langchain_nemotron_omni.testing``."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import openai
import pytest

from langchain_nemotron_omni.testing import (
    FLAVORS,
    ChatRequest,
    FakeNemotronServer,
    HTTPFault,
    Reply,
)
from tests.integration.fake_server_http import NO_THINK, PNG_URL, THOUGHT, USER, post

pytest_plugins = ["pytester"]

if TYPE_CHECKING:
    from langchain_nemotron_omni.testing.pytest_plugin import FakeNemotronFactory


# -- auth, models, health -------------------------------------------------------------------------


def test_api_key_is_required_and_never_shown(fake_nemotron_factory: FakeNemotronFactory) -> None:
    server = fake_nemotron_factory([THOUGHT], api_key="s3cret-key")
    assert "s3cret" not in repr(server)
    assert repr(server) == f"FakeNemotronServer(flavor='vllm', base_url='{server.base_url}')"
    url = f"{server.base_url}/chat/completions"
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = httpx.post(url, json={"messages": USER}, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"error": "Unauthorized"}
    assert httpx.get(f"{server.base_url}/models").status_code == 401
    assert httpx.get(server.base_url.removesuffix("/v1") + "/health").status_code == 200
    client = openai.OpenAI(base_url=server.base_url, api_key="s3cret-key", max_retries=0)
    assert client.chat.completions.create(model="nemotron", messages=USER).choices
    (request,) = server.requests
    assert request.headers["authorization"] == "<redacted>"
    assert "s3cret" not in repr(request)


def test_models_endpoint(fake_nemotron_factory: FakeNemotronFactory) -> None:
    server = fake_nemotron_factory(model="nano-omni", max_model_len=4096)
    client = openai.OpenAI(base_url=server.base_url, api_key="x")
    (card,) = client.models.list().data
    assert card.id == "nano-omni"
    assert card.owned_by == "vllm"
    assert card.model_extra is not None
    assert card.model_extra["max_model_len"] == 4096
    health = httpx.get(server.base_url.removesuffix("/v1") + "/health")
    assert health.status_code == 200
    assert health.content == b""
    assert httpx.get(server.base_url.removesuffix("/v1") + "/nope").status_code == 404


def test_keep_alive_reuses_one_connection(server: FakeNemotronServer) -> None:
    server.add("one", "two")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    body = json.dumps({"messages": USER, "chat_template_kwargs": {"enable_thinking": False}})
    sockets = []
    for expected in ("one", "two"):
        conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
        sockets.append(conn.sock)
        response = conn.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["choices"][0]["message"]["content"] == expected
    assert sockets[0] is sockets[1]
    conn.close()


# -- concurrency, scripts, fixtures ---------------------------------------------------------------


def test_twenty_parallel_requests(server: FakeNemotronServer) -> None:
    answers = [f"Answer number {i}." for i in range(20)]
    server.add(*answers)
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)

    def ask(i: int) -> str:
        stream = i % 2 == 1
        kwargs: dict[str, Any] = {"extra_body": NO_THINK}
        if stream:
            parts = client.chat.completions.create(
                model="nemotron",
                messages=USER,
                stream=True,
                **kwargs,
            )
            return "".join(c.choices[0].delta.content or "" for c in parts if c.choices)
        reply = client.chat.completions.create(model="nemotron", messages=USER, **kwargs)
        return reply.choices[0].message.content or ""

    barrier = threading.Barrier(20)

    def ask_together(i: int) -> str:
        barrier.wait(timeout=10)
        return ask(i)

    with ThreadPoolExecutor(max_workers=20) as pool:
        got = list(pool.map(ask_together, range(20)))
    assert sorted(got) == sorted(answers)
    assert len(server.requests) == 20
    assert server.remaining == 0
    assert server.errors == []


def test_callable_script_sees_the_request() -> None:
    seen: list[ChatRequest] = []

    def respond(request: ChatRequest) -> str:
        seen.append(request)
        return f"Echo: {request.last_user_text}"

    with FakeNemotronServer(respond, flavor="raw") as server:
        content = [
            {"type": "text", "text": "look"},
            {"type": "image_url", "image_url": {"url": PNG_URL}},
        ]
        body = post(server, messages=[{"role": "user", "content": content}]).json()
        with pytest.raises(TypeError):
            server.add("more")
    assert body["choices"][0]["message"]["content"] == "Echo: look"
    (request,) = seen
    assert request.path == "/v1/chat/completions"
    assert request.stream is False
    assert request.tools is None
    assert request.messages[0]["content"][1]["type"] == "image_url"


def test_script_items_are_type_checked() -> None:
    with pytest.raises(TypeError, match="script items must be str, Reply or HTTPFault"):
        FakeNemotronServer([42])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="unknown flavor"):
        FakeNemotronServer(flavor="tgi")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not both"):
        Reply("x", cut_after_chunks=1, error_after_chunks=1)
    with pytest.raises(ValueError, match="4xx or 5xx"):
        HTTPFault(200)


def test_lifecycle(server: FakeNemotronServer) -> None:
    assert FLAVORS == ("vllm", "vllm-0.15", "vllm-0.11", "sglang", "raw")
    fresh = FakeNemotronServer()
    assert repr(fresh) == "FakeNemotronServer(flavor='vllm', base_url='not started')"
    with pytest.raises(RuntimeError):
        _ = fresh.base_url
    fresh.start()
    port = fresh.port
    with pytest.raises(RuntimeError, match="already running"):
        fresh.start()
    fresh.stop()
    fresh.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)


def test_fake_nemotron_fixture(fake_nemotron: FakeNemotronServer) -> None:
    assert fake_nemotron.flavor == "vllm"
    assert fake_nemotron.remaining == 0
    fake_nemotron.add(THOUGHT)
    assert post(fake_nemotron).json()["choices"][0]["message"]["content"] == "\nHello there!"


@pytest.mark.parametrize(
    "fake_nemotron", ["sglang", {"flavor": "vllm-0.11", "model": "m"}], indirect=True
)
def test_fake_nemotron_fixture_indirect(fake_nemotron: FakeNemotronServer) -> None:
    assert fake_nemotron.flavor in {"sglang", "vllm-0.11"}
    fake_nemotron.add(THOUGHT)
    message = post(fake_nemotron, model=fake_nemotron.model).json()["choices"][0]["message"]
    assert message["reasoning_content"] == "The user greets me.\n"


def test_factory_stops_servers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        pytest_plugins = ["langchain_nemotron_omni.testing.pytest_plugin"]

        PORTS = []

        def test_start(fake_nemotron_factory):
            a = fake_nemotron_factory(["x"])
            b = fake_nemotron_factory(flavor="sglang")
            assert a.port != b.port
            PORTS.extend([a.port, b.port])
            assert httpx.get(a.base_url + "/models").status_code == 200

        def test_stopped():
            for port in PORTS:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                except httpx.ConnectError:
                    continue
                raise AssertionError(f"port {port} still serving")
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(passed=2)


# -- python -m langchain_nemotron_omni.testing ----------------------------------------------------


def _run_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(  # noqa: S603  # our own module, fixed arguments
        [sys.executable, "-m", "langchain_nemotron_omni.testing", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", line), (
        proc.stderr.read() if proc.stderr else ""
    )
    return proc, line


def test_module_cli_echo() -> None:
    proc, base_url = _run_cli("--flavor", "vllm")
    try:
        client = openai.OpenAI(base_url=base_url, api_key="x", max_retries=0)
        reply = client.chat.completions.create(
            model="nemotron", messages=[{"role": "user", "content": "ping 42"}]
        )
        assert reply.choices[0].message.content == '\nYou said: "ping 42"'
        assert reply.choices[0].message.model_extra == {
            "reasoning": "The user wants their message echoed back.\n"
        }
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_module_cli_script_file(tmp_path: Path) -> None:
    script = tmp_path / "replies.txt"
    script.write_text("First thought.\n</think>\nFirst.\n---\nSecond.\n</think>\nTwo\nlines.\n")
    proc, base_url = _run_cli("--script", str(script), "--flavor", "sglang", "--api-key", "k")
    try:
        client = openai.OpenAI(base_url=base_url, api_key="k", max_retries=0)
        got = [
            client.chat.completions.create(model="nemotron", messages=USER)
            .choices[0]
            .message.content
            for _ in range(2)
        ]
        assert got == ["\nFirst.", "\nTwo\nlines."]
        with pytest.raises(openai.InternalServerError, match="script exhausted after 2 replies"):
            client.chat.completions.create(model="nemotron", messages=USER)
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
