"""reasoning_budget: each provider's server-side control, and the client-side two phases."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer

LONG_THOUGHT = " ".join(f"step{i}" for i in range(60))


def _budget_script(request: ChatRequest) -> str:
    """The model thinks for long; once the thought is closed for it, it answers."""
    if request.body.get("continue_final_message"):
        return "The answer is 42."
    return f"{LONG_THOUGHT}\n</think>\nThe answer is 42."


def test_vllm_budget_is_thinking_token_budget() -> None:
    with FakeNemotronServer([f"{LONG_THOUGHT}\n</think>\nThe answer is 42."]) as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron", reasoning_budget=10)
        reply = llm.invoke("Question")
    body = server.requests[0].body
    assert body["thinking_token_budget"] == 10
    assert body["chat_template_kwargs"] == {"enable_thinking": True}
    # The server closed the thought after 10 tokens and the answer still came.
    assert reply.content == "The answer is 42."
    assert reply.additional_kwargs["reasoning_content"].startswith("step0")
    assert "step59" not in reply.additional_kwargs["reasoning_content"]


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        ("nvidia", {"reasoning_budget": 64}),
        ("nim", {"reasoning_budget": 64}),
        ("openrouter", {"reasoning": {"enabled": True, "max_tokens": 64}}),
    ],
)
def test_hosted_budget_fields(provider: str, expected: dict[str, object]) -> None:
    with FakeNemotronServer(["t\n</think>\nA"]) as server:
        llm = ChatNemotronOmni(
            provider=provider,
            base_url=server.base_url,
            api_key="k",
            model="nemotron",
            reasoning_budget=64,
        )
        llm.invoke("Q")
    body = server.requests[0].body
    for key, value in expected.items():
        assert body[key] == value
    assert "thinking_token_budget" not in body


def test_per_call_budget_and_none_when_thinking_off() -> None:
    with FakeNemotronServer(["t\n</think>\nA", "A"]) as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
        llm.invoke("Q", reasoning_budget=7)
        llm.invoke("Q", reasoning_budget=7, thinking=False)
    assert server.requests[0].body["thinking_token_budget"] == 7
    assert "thinking_token_budget" not in server.requests[1].body


def test_client_budget_two_phases_on_sglang() -> None:
    with FakeNemotronServer(_budget_script, flavor="sglang") as server:
        llm = ChatNemotronOmni(
            provider="sglang", base_url=server.base_url, model="nemotron", reasoning_budget=16
        )
        reply = llm.invoke("Question")
    first, second = server.requests
    assert first.body["max_tokens"] == 16
    assert "thinking_token_budget" not in first.body
    assert second.body["continue_final_message"] is True
    assert second.body["add_generation_prompt"] is False
    # SGLang continues only the final message's content after the generation prompt, so
    # the thought is written there, closed, with thinking on to re-open it.
    assert second.body["chat_template_kwargs"]["enable_thinking"] is True
    partial = second.body["messages"][-1]
    assert partial["role"] == "assistant"
    thought = reply.additional_kwargs["reasoning_content"]
    assert thought.startswith("step0")
    assert "step59" not in thought
    assert partial["content"] == f"{thought}\n</think>\n"
    assert second.prompt.endswith(f"<|im_start|>assistant\n<think>\n{thought}\n</think>\n")
    assert reply.content == "The answer is 42."
    assert reply.response_metadata["finish_reason"] == "stop"
    assert reply.response_metadata["reasoning_budget"]["phases"] == 2
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["output_tokens"] >= 16


def test_client_budget_streams_both_phases() -> None:
    with FakeNemotronServer(_budget_script, flavor="sglang") as server:
        llm = ChatNemotronOmni(
            provider="sglang", base_url=server.base_url, model="nemotron", reasoning_budget=16
        )
        chunks = list(llm.stream("Question"))
    full: AIMessageChunk = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    assert full.content == "The answer is 42."
    assert full.additional_kwargs["reasoning_content"].startswith("step0")
    assert full.response_metadata["finish_reason"] == "stop"
    assert len(server.requests) == 2


async def test_client_budget_async() -> None:
    with FakeNemotronServer(_budget_script, flavor="sglang") as server:
        llm = ChatNemotronOmni(
            provider="sglang", base_url=server.base_url, model="nemotron", reasoning_budget=16
        )
        reply = await llm.ainvoke("Question")
        chunks = [c async for c in llm.astream("Question")]
    assert reply.content == "The answer is 42."
    assert "".join(str(c.content) for c in chunks) == "The answer is 42."


def test_client_budget_not_needed_when_thought_is_short() -> None:
    with FakeNemotronServer(["Short.\n</think>\nDone."], flavor="sglang") as server:
        llm = ChatNemotronOmni(
            provider="sglang", base_url=server.base_url, model="nemotron", reasoning_budget=100
        )
        reply = llm.invoke("Q")
    assert len(server.requests) == 1
    assert reply.content == "Done."


def test_client_budget_forced_on_vllm() -> None:
    with FakeNemotronServer(_budget_script, flavor="vllm-0.15") as server:
        llm = ChatNemotronOmni(
            base_url=server.base_url,
            model="nemotron",
            reasoning_budget=16,
            reasoning_budget_mode="client",
        )
        reply = llm.invoke("Question")
    assert len(server.requests) == 2
    second = server.requests[1]
    # vLLM renders the final turn as given and cuts the prompt right after its content.
    assert second.body["chat_template_kwargs"]["enable_thinking"] is False
    thought = reply.additional_kwargs["reasoning_content"]
    assert second.body["messages"][-1]["content"] == f"<think>\n{thought}\n</think>\n"
    assert second.prompt.endswith(f"<|im_start|>assistant\n<think>\n{thought}\n</think>")
    assert reply.content == "The answer is 42."
