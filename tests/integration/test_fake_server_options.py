"""Generation options FakeNemotronServer honours: max_tokens, stop strings and the thinking
token budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from langchain_nemotron_omni.testing import FakeNemotronServer
from langchain_nemotron_omni.testing._parsing import tokenize
from tests.integration.fake_server_http import (
    NO_THINK,
    THOUGHT,
    chunks_of,
    error_of,
    post,
    sse_lines,
)

if TYPE_CHECKING:
    from langchain_nemotron_omni.testing.pytest_plugin import FakeNemotronFactory


# -- generation options ---------------------------------------------------------------------------

PLAIN = "one two three four five six"


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_max_tokens_truncates(server: FakeNemotronServer, field: str) -> None:
    server.add(PLAIN, PLAIN)
    choice = post(server, **NO_THINK, **{field: 3}).json()["choices"][0]
    assert choice["finish_reason"] == "length"
    expected = "".join(tokenize(PLAIN)[:3])
    assert expected != PLAIN
    assert choice["message"]["content"] == expected
    chunks = chunks_of(
        sse_lines(server, **NO_THINK, stream_options={"include_usage": True}, **{field: 3})
    )
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"
    assert chunks[-1]["usage"]["completion_tokens"] == 3
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[:-1])
    assert text == expected


def test_truncated_reasoning_stays_reasoning(server: FakeNemotronServer) -> None:
    server.add(THOUGHT)
    message = post(server, max_tokens=2).json()["choices"][0]["message"]
    assert message["reasoning"] == "".join(tokenize(THOUGHT)[:2])
    assert message["content"] is None


def test_stop_strings(server: FakeNemotronServer) -> None:
    server.add("Hello world. STOP here. END", "Hello world. STOP here. END")
    choice = post(server, **NO_THINK, stop=["END", "STOP"]).json()["choices"][0]
    assert choice["message"]["content"] == "Hello world. "
    assert choice["finish_reason"] == "stop"
    assert choice["stop_reason"] == "STOP"
    chunks = chunks_of(sse_lines(server, **NO_THINK, stop="STOP"))
    assert chunks[-1]["choices"][0]["stop_reason"] == "STOP"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text == "Hello world. "


def test_thinking_token_budget_forces_the_end_of_thinking(server: FakeNemotronServer) -> None:
    thought = "alpha beta gamma delta epsilon zeta"
    server.add(f"{thought}\n</think>\nAnswer.", f"{thought}\n</think>\nAnswer.")
    message = post(server, thinking_token_budget=3).json()["choices"][0]["message"]
    kept = "".join(tokenize(thought)[:3])
    assert kept != thought
    assert message["reasoning"] == kept + "\n"
    assert message["content"] == "\nAnswer."
    generous = post(server, thinking_token_budget=1000).json()["choices"][0]["message"]
    assert generous["reasoning"] == thought + "\n"


def test_thinking_token_budget_per_flavor(fake_nemotron_factory: FakeNemotronFactory) -> None:
    text = "alpha beta gamma delta\n</think>\nAnswer."
    old = fake_nemotron_factory([text], flavor="vllm-0.15")
    message = post(old, thinking_token_budget=1).json()["choices"][0]["message"]
    assert message["reasoning"] == "alpha beta gamma delta\n"
    raw = fake_nemotron_factory([text], flavor="raw")
    response = post(raw, thinking_token_budget=1)
    assert response.status_code == 400
    assert (
        "thinking_token_budget is set but reasoning_config is not configured"
        in (error_of(response)["message"])
    )
