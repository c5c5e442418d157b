"""Request options: extra_body merging, sampling extras, extensions given any way."""

from __future__ import annotations

import httpx
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from pydantic import BaseModel

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.testing import FakeNemotronServer


def test_per_call_extra_body_merges_with_constructor() -> None:
    with FakeNemotronServer(["a\n</think>\nb"]) as server:
        llm = ChatNemotronOmni(
            base_url=server.base_url,
            model="nemotron",
            extra_body={
                "priority": 3,
                "chat_template_kwargs": {"truncate_history_thinking": False},
            },
        )
        llm.invoke("Q", extra_body={"cache_salt": "s1"})
    body = server.requests[0].body
    assert body["priority"] == 3
    assert body["cache_salt"] == "s1"
    assert body["chat_template_kwargs"] == {
        "enable_thinking": True,
        "truncate_history_thinking": False,
    }


def test_sampling_extras_are_sent() -> None:
    with FakeNemotronServer(["a\n</think>\nb"]) as server:
        llm = ChatNemotronOmni(
            base_url=server.base_url,
            model="nemotron",
            top_k=20,
            min_p=0.05,
            repetition_penalty=1.1,
            temperature=0.6,
            top_p=0.95,
        )
        llm.invoke("Q")
    body = server.requests[0].body
    assert (body["top_k"], body["min_p"], body["repetition_penalty"]) == (20, 0.05, 1.1)
    assert (body["temperature"], body["top_p"]) == (0.6, 0.95)
    assert not server.requests[0].ignored_fields


def test_extensions_through_bind_and_model_kwargs_do_not_crash() -> None:
    """ChatOpenAI raises TypeError for these; they belong in the body."""
    with FakeNemotronServer(["answer", "answer"]) as server:
        llm = ChatNemotronOmni(
            base_url=server.base_url, model="nemotron", model_kwargs={"min_tokens": 2}
        )
        llm.bind(chat_template_kwargs={"enable_thinking": False}).invoke("Q")
        llm.invoke("Q", thinking=False, vllm_xargs={"k": 1})
    first, second = (request.body for request in server.requests)
    assert first["min_tokens"] == 2
    assert first["chat_template_kwargs"] == {"enable_thinking": False}
    assert second["vllm_xargs"] == {"k": 1}


def test_explicit_extra_body_thinking_wins_and_shapes_the_reply() -> None:
    with FakeNemotronServer(["The answer.\n</think>\n"]) as server:
        llm = ChatNemotronOmni(
            base_url=server.base_url,
            model="nemotron",
            extra_body={"chat_template_kwargs": {"enable_thinking": False}},
        )
        reply = llm.invoke("Q")
    assert server.requests[0].body["chat_template_kwargs"]["enable_thinking"] is False
    assert reply.content == "The answer."


def test_stream_usage_is_on_by_default() -> None:
    with FakeNemotronServer(["a\n</think>\nb"]) as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
        chunks = list(llm.stream("Q"))
    assert server.requests[0].body["stream_options"] == {"include_usage": True}
    assert any(chunk.usage_metadata for chunk in chunks)


def test_structured_output_stream_does_not_repeat_reasoning() -> None:
    class Answer(BaseModel):
        value: int

    with FakeNemotronServer(['Compute.\n</think>\n{"value": 4}']) as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
        chunks = list(llm.stream("2+2", response_format=Answer))
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    assert full.additional_kwargs["reasoning_content"] == "Compute."
    assert full.additional_kwargs["parsed"] == Answer(value=4)
    assert server.requests[0].body["response_format"]["type"] == "json_schema"


def test_images_from_tools_move_to_a_user_turn() -> None:
    png = (
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5E"
        "rkJggg=="
    )
    history = [
        HumanMessage("Take two screenshots"),
        AIMessage(
            "",
            tool_calls=[
                {"name": "shot", "args": {}, "id": "c1"},
                {"name": "shot", "args": {}, "id": "c2"},
            ],
        ),
        ToolMessage(
            content=[
                {"type": "text", "text": "first"},
                {"type": "image", "base64": png, "mime_type": "image/png"},
            ],
            tool_call_id="c1",
        ),
        ToolMessage(
            content=[{"type": "image", "base64": png, "mime_type": "image/png"}],
            tool_call_id="c2",
        ),
    ]
    with FakeNemotronServer(["ok"]) as server:
        ChatNemotronOmni(base_url=server.base_url, model="nemotron").invoke(history, thinking=False)
    messages = server.requests[0].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "tool", "user"]
    assert messages[2]["content"] == "first"
    assert messages[3]["content"] == "(media follows)"
    parts = messages[4]["content"]
    assert [p["type"] for p in parts] == ["text", "image_url", "text", "image_url"]
    assert parts[0]["text"] == "Media returned by tool call c1:"
    assert parts[2]["text"] == "Media returned by tool call c2:"
    # The template still groups both results into one turn, then the images.
    assert server.requests[0].prompt.count("<tool_response>") == 2
    assert server.requests[0].prompt.count("<image>") == 2


def test_the_server_refuses_images_in_tool_messages() -> None:
    body = {
        "model": "nemotron",
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c", "type": "function", "function": {"name": "s", "arguments": "{}"}}
                ],
            },
            {
                "role": "tool",
                "tool_call_id": "c",
                "content": [
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}
                ],
            },
        ],
    }
    with FakeNemotronServer(["ok"]) as server:
        response = httpx.post(f"{server.base_url}/chat/completions", json=body)
    assert response.status_code == 400
    assert "text parts only" in response.json()["error"]["message"]
