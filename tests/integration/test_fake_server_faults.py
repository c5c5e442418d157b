"""Faults FakeNemotronServer is scripted to make: HTTP errors, rate limits, streams cut or
failing mid-way, delays, an exhausted script and a failing responder."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import httpx
import openai
import pytest

from langchain_nemotron_omni.testing import (
    ChatRequest,
    FakeNemotronServer,
    HTTPFault,
    Reply,
    rate_limited,
)
from tests.integration.fake_server_http import THOUGHT, USER, error_of, post, sse_lines

if TYPE_CHECKING:
    from langchain_nemotron_omni.testing.pytest_plugin import FakeNemotronFactory


# -- faults ---------------------------------------------------------------------------------------


def test_http_fault_default_and_custom_bodies(fake_nemotron_factory: FakeNemotronFactory) -> None:
    server = fake_nemotron_factory(
        [
            HTTPFault(503),
            HTTPFault(502, body="upstream down", headers={"X-Upstream": "gone"}),
            HTTPFault(400, body={"detail": "custom"}),
        ]
    )
    first = post(server)
    assert first.status_code == 503
    assert error_of(first)["type"] == "ServiceUnavailableError"
    second = post(server)
    assert second.status_code == 502
    assert second.text == "upstream down"
    assert second.headers["content-type"].startswith("text/plain")
    assert second.headers["x-upstream"] == "gone"
    third = post(server)
    assert third.status_code == 400
    assert third.json() == {"detail": "custom"}


def test_sglang_fault_body_is_flat(fake_nemotron_factory: FakeNemotronFactory) -> None:
    server = fake_nemotron_factory([HTTPFault(500)], flavor="sglang")
    body = post(server).json()
    assert body["object"] == "error"
    assert body["code"] == 500
    assert body["type"] == "InternalServerError"


def test_rate_limit_then_success_with_openai_retries(server: FakeNemotronServer) -> None:
    server.add(rate_limited(retry_after=0.2))
    raw = post(server)
    assert raw.status_code == 429
    assert raw.headers["retry-after"] == "0.2"
    server.add(rate_limited(retry_after=0.2), THOUGHT)
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=1)
    started = time.monotonic()
    reply = client.chat.completions.create(model="nemotron", messages=USER)
    assert time.monotonic() - started >= 0.2
    assert reply.choices[0].message.content == "\nHello there!"
    assert len(server.requests) == 3
    assert server.requests[-1].headers["x-stainless-retry-count"] == "1"


def test_stream_cut_mid_way_makes_clients_raise(server: FakeNemotronServer) -> None:
    server.add(Reply(THOUGHT, cut_after_chunks=2), Reply(THOUGHT, cut_after_chunks=2))
    received: list[bytes] = []
    with httpx.stream(
        "POST", f"{server.base_url}/chat/completions", json={"messages": USER, "stream": True}
    ) as response:
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            received.extend(response.iter_bytes())
    assert b'"role":"assistant"' in b"".join(received)
    assert b"[DONE]" not in b"".join(received)
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)
    stream = client.chat.completions.create(model="nemotron", messages=USER, stream=True)
    seen: list[Any] = []
    with pytest.raises(openai.APIConnectionError):
        seen.extend(stream)
    assert 1 <= len(seen) <= 2


def test_cut_non_streaming_reply_drops_the_connection(server: FakeNemotronServer) -> None:
    server.add(Reply(THOUGHT, cut_after_chunks=0))
    with pytest.raises(httpx.RemoteProtocolError):
        post(server)


def test_error_after_chunks_is_sent_in_band(server: FakeNemotronServer) -> None:
    server.add(Reply(THOUGHT, error_after_chunks=2, error_message="engine died"))
    lines = sse_lines(server)
    assert lines[-1] == "[DONE]"
    assert len(lines) == 4
    assert json.loads(lines[-2]) == {
        "error": {
            "message": "engine died",
            "type": "InternalServerError",
            "param": None,
            "code": 500,
        }
    }
    server.add(Reply(THOUGHT, error_after_chunks=1, error_message="engine died"))
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)
    with pytest.raises(openai.APIError, match="engine died"):
        list(client.chat.completions.create(model="nemotron", messages=USER, stream=True))
    server.add(Reply(THOUGHT, error_after_chunks=1, error_message="engine died"))
    response = post(server)
    assert response.status_code == 500
    assert error_of(response)["message"] == "engine died"


def test_delay_and_client_timeout(server: FakeNemotronServer) -> None:
    server.add(Reply(THOUGHT, delay=0.3), Reply(THOUGHT, delay=2.0))
    started = time.monotonic()
    assert post(server).status_code == 200
    assert time.monotonic() - started >= 0.3
    client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0, timeout=0.3)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="nemotron", messages=USER)


def test_slow_stream_spaces_out_chunks(server: FakeNemotronServer) -> None:
    server.add(Reply("a b\n</think>\nc", chunk_delay=0.05))
    with httpx.stream(
        "POST", f"{server.base_url}/chat/completions", json={"messages": USER, "stream": True}
    ) as response:
        arrivals = [time.monotonic() for line in response.iter_lines() if line]
    assert len(arrivals) >= 4
    assert arrivals[-1] - arrivals[0] >= 0.05 * (len(arrivals) - 2)


def test_script_exhaustion_is_a_clear_500(server: FakeNemotronServer) -> None:
    server.add(THOUGHT)
    assert post(server).status_code == 200
    response = post(server)
    assert response.status_code == 500
    error = error_of(response)
    assert error["message"] == "FakeNemotronServer script exhausted after 1 replies; add more items"
    assert error["type"] == "InternalServerError"


def test_responder_failure_is_a_500_and_recorded() -> None:
    def broken(request: ChatRequest) -> str:
        message = "boom"
        raise RuntimeError(message)

    with FakeNemotronServer(broken) as server:
        response = post(server)
    assert response.status_code == 500
    assert error_of(response)["message"] == "FakeNemotronServer failed: RuntimeError: boom"
    assert "RuntimeError: boom" in server.errors[0]
