"""The flavor table drives what the fake server sends: each row checked over real HTTP."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from langchain_nemotron_omni.testing import (
    FLAVOR_TABLE,
    FLAVORS,
    HOSTED,
    HOSTED_FRONT_ENDS,
    FakeNemotronServer,
    FlavorName,
    Hosted,
)
from langchain_nemotron_omni.testing.flavors import get_flavor

USER = [{"role": "user", "content": "Hi"}]
REPLY = "Thinking.\n</think>\nHello."


def _post(server: FakeNemotronServer, **body: Any) -> httpx.Response:
    body.setdefault("messages", USER)
    return httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=10)


def _chunks(server: FakeNemotronServer, **body: Any) -> list[dict[str, Any]]:
    body.setdefault("messages", USER)
    with httpx.stream(
        "POST", f"{server.base_url}/chat/completions", json={**body, "stream": True}, timeout=10
    ) as response:
        assert response.status_code == 200
        lines = [ln.removeprefix("data: ") for ln in response.read().decode().split("\n\n") if ln]
    assert lines[-1] == "[DONE]"
    return [json.loads(line) for line in lines[:-1]]


def test_table_rows_are_keyed_by_their_names() -> None:
    assert tuple(FLAVOR_TABLE) == FLAVORS == ("vllm", "vllm-0.15", "vllm-0.11", "sglang", "raw")
    for name, row in FLAVOR_TABLE.items():
        assert row.name == name
        assert get_flavor(name) is row
    assert tuple(HOSTED_FRONT_ENDS) == HOSTED
    with pytest.raises(ValueError, match=r"choose one of vllm, vllm-0\.15"):
        get_flavor("tgi")


def test_only_a_budget_aware_parser_enforces_the_thinking_budget() -> None:
    assert [n for n, r in FLAVOR_TABLE.items() if r.enforces_thinking_budget] == ["vllm"]
    assert [n for n, r in FLAVOR_TABLE.items() if r.refuses_thinking_budget] == ["raw"]


def test_a_hosted_front_end_renames_only_the_reasoning_fields() -> None:
    vllm = FLAVOR_TABLE["vllm"]
    assert vllm.behind(None) is vllm
    nvidia = vllm.behind("nvidia")
    assert nvidia.reasoning_fields == ("reasoning_content",)
    assert nvidia.message_fields[-1] == "reasoning_content"
    assert nvidia.known_fields == vllm.known_fields
    assert nvidia.envelope is vllm.envelope


@pytest.mark.parametrize("flavor", FLAVORS)
def test_non_streamed_answer_follows_the_row(flavor: FlavorName) -> None:
    row = FLAVOR_TABLE[flavor]
    with FakeNemotronServer([REPLY], flavor=flavor) as server:
        body = _post(server).json()
    assert list(body) == list(row.envelope.completion_fields)
    (choice,) = body["choices"]
    assert list(choice) == list(row.envelope.choice_fields)
    message = choice["message"]
    assert list(message) == list(row.message_fields)
    for field in row.reasoning_fields:
        assert message[field] == "Thinking.\n"
    expected_content = "\nHello." if row.reasoning_parser else REPLY
    assert message["content"] == expected_content
    assert message["tool_calls"] == (None if row.envelope.indexed_message_tool_calls else [])
    assert body["id"].startswith(row.envelope.request_id_prefix)
    assert len(body["id"]) == len(row.envelope.request_id_prefix) + 2 * (
        row.envelope.request_id_bytes
    )


@pytest.mark.parametrize("flavor", FLAVORS)
def test_streamed_answer_follows_the_row(flavor: FlavorName) -> None:
    row = FLAVOR_TABLE[flavor]
    env = row.envelope
    with FakeNemotronServer([REPLY], flavor=flavor) as server:
        chunks = _chunks(server)
    choices = [c["choices"][0] for c in chunks]
    assert list(choices[0]) == list(env.first_chunk_fields)
    assert choices[0]["delta"]["role"] == "assistant"
    assert all(list(c) == list(env.delta_chunk_fields) for c in choices[1:-1])
    assert list(choices[-1]) == list(env.final_chunk_fields)
    assert ("usage" in chunks[1]) is env.chunk_usage_null
    for choice in choices:
        for field in row.delta_null_fields:
            assert field in choice["delta"]
    reasoning = "".join(
        c["delta"].get(row.reasoning_fields[0]) or "" for c in choices if row.reasoning_fields
    )
    assert reasoning == ("Thinking.\n" if row.reasoning_parser else "")


@pytest.mark.parametrize("flavor", FLAVORS)
def test_errors_and_model_cards_follow_the_row(flavor: FlavorName) -> None:
    env = FLAVOR_TABLE[flavor].envelope
    with FakeNemotronServer(flavor=flavor) as server:
        error = _post(server, model="unknown").json()
        cards = httpx.get(f"{server.base_url}/models", timeout=10).json()["data"]
    assert ("error" in error) is (env.error_shape == "nested")
    assert cards[0]["owned_by"] == env.owned_by
    assert ("permission" in cards[0]) is env.model_permissions


@pytest.mark.parametrize("hosted", HOSTED)
def test_hosted_answers_use_the_front_ends_names(hosted: Hosted) -> None:
    front = HOSTED_FRONT_ENDS[hosted]
    with FakeNemotronServer([REPLY, REPLY], hosted=hosted) as server:
        message = _post(server).json()["choices"][0]["message"]
        deltas = [c["choices"][0]["delta"] for c in _chunks(server)]
    assert [k for k in message if "reasoning" in k] == list(front.reasoning_fields)
    streamed = "".join(d.get(front.reasoning_fields[0]) or "" for d in deltas)
    assert streamed == message[front.reasoning_fields[0]] == "Thinking.\n"


ROOT = Path(__file__).resolve().parents[2]


def _python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)


def test_the_fake_server_docs_run() -> None:
    blocks = _python_blocks((ROOT / "docs" / "fake-server.md").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.partition("## Testing against a scripted server")[2].partition("\n## ")[0]
    blocks += _python_blocks(section)
    assert len(blocks) == 2
    for block in blocks:
        exec(compile(block, "<docs>", "exec"), {})  # noqa: S102 - our own documentation
