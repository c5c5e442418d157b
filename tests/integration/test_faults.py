"""Server faults over real HTTP: retries, timeouts, broken streams, error messages."""

from __future__ import annotations

import time

import openai
import pytest
from langchain_openai.chat_models.base import OpenAIRateLimitError

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.errors import StreamInterruptedError, StreamTimeoutError
from langchain_nemotron_omni.testing import FakeNemotronServer, HTTPFault, Reply, rate_limited

ANSWER = "Thinking it over for a while.\n</think>\nHere is a long answer with many words in it."


def _llm(server: FakeNemotronServer, **kwargs: object) -> ChatNemotronOmni:
    params: dict[str, object] = {"base_url": server.base_url, "model": "nemotron"}
    return ChatNemotronOmni(**{**params, **kwargs})


def test_429_with_retry_after_is_retried_after_the_wait() -> None:
    with FakeNemotronServer([rate_limited(retry_after=0.5), ANSWER]) as server:
        start = time.monotonic()
        reply = _llm(server, max_retries=2).invoke("Q")
        elapsed = time.monotonic() - start
    assert reply.content == "Here is a long answer with many words in it."
    assert len(server.requests) == 2
    assert elapsed >= 0.5


def test_500_then_success() -> None:
    with FakeNemotronServer([HTTPFault(500), ANSWER]) as server:
        reply = _llm(server, max_retries=1).invoke("Q")
    assert str(reply.content).startswith("Here is")
    assert len(server.requests) == 2


def test_429_without_retries_names_the_server_message() -> None:
    with (
        FakeNemotronServer([rate_limited(retry_after=1)]) as server,
        pytest.raises(OpenAIRateLimitError),
    ):
        _llm(server, max_retries=0).invoke("Q")


@pytest.mark.parametrize("flavor", ["vllm", "sglang"])
def test_bad_request_carries_the_server_message(flavor: str) -> None:
    with (
        FakeNemotronServer([ANSWER], flavor=flavor, max_model_len=64) as server,  # type: ignore[arg-type]
        pytest.raises(openai.BadRequestError) as caught,
    ):
        _llm(server, max_retries=0, max_tokens=100).invoke("Q")
    assert "maximum context length" in str(caught.value)
    assert "64 tokens" in str(caught.value)


@pytest.mark.parametrize("cut_after", [2, 5])
def test_stream_cut_midway_is_an_error_not_a_half_answer(cut_after: int) -> None:
    with FakeNemotronServer([Reply(ANSWER, cut_after_chunks=cut_after)]) as server:
        llm = _llm(server, max_retries=0)
        received: list[object] = []
        with pytest.raises(StreamInterruptedError, match="broke off after") as caught:
            received.extend(llm.stream("Q"))
    assert "retry" in str(caught.value)
    assert len(received) < 20


async def test_async_stream_cut_midway_is_an_error() -> None:
    with FakeNemotronServer([Reply(ANSWER, cut_after_chunks=4)]) as server:
        llm = _llm(server, max_retries=0)
        with pytest.raises(StreamInterruptedError):
            [chunk async for chunk in llm.astream("Q")]


def test_error_inside_a_stream_raises_with_its_message() -> None:
    with (
        FakeNemotronServer(
            [Reply(ANSWER, error_after_chunks=3, error_message="generation failed: out of memory")]
        ) as server,
        pytest.raises(openai.APIError, match="out of memory"),
    ):
        list(_llm(server, max_retries=0).stream("Q"))


def test_slow_server_past_the_timeout_raises_and_does_not_hang() -> None:
    with FakeNemotronServer([Reply(ANSWER, delay=3.0)]) as server:
        start = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            _llm(server, max_retries=0, timeout=0.5).invoke("Q")
        assert time.monotonic() - start < 2.5


def test_stalled_stream_is_reported_as_a_timeout() -> None:
    with FakeNemotronServer([Reply(ANSWER, chunk_delay=2.0)]) as server:
        start = time.monotonic()
        with pytest.raises(StreamTimeoutError, match=r"timed out .*timeout=0\.5") as caught:
            list(_llm(server, max_retries=0, timeout=0.5).stream("Q"))
        assert time.monotonic() - start < 3.0
    assert isinstance(caught.value, TimeoutError)
    assert "broke off" not in str(caught.value)


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_stream_cut_before_its_first_chunk_is_retried(mode: str) -> None:
    with FakeNemotronServer([Reply(ANSWER, cut_after_chunks=0), ANSWER]) as server:
        llm = _llm(server, max_retries=1)
        if mode == "sync":
            chunks = list(llm.stream("Q"))
        else:
            chunks = [chunk async for chunk in llm.astream("Q")]
        assert len(server.requests) == 2
    assert "".join(str(c.content) for c in chunks) == "Here is a long answer with many words in it."


def test_stream_cut_before_its_first_chunk_without_retries_is_an_error() -> None:
    with (
        FakeNemotronServer([Reply(ANSWER, cut_after_chunks=0)]) as server,
        pytest.raises(StreamInterruptedError, match="after 0 chunks"),
    ):
        list(_llm(server, max_retries=0).stream("Q"))
