"""Tool calls over HTTP on every flavor: wherever the XML lands, the call is never lost."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.runnables import Runnable

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.errors import ToolChoiceError
from langchain_nemotron_omni.testing import FLAVORS, ChatRequest, FakeNemotronServer
from tests.streams import collect

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather forecast for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer"},
                "units": {"type": "string", "enum": ["metric", "imperial"]},
            },
            "required": ["city"],
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Local time in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def call_xml(name: str, **params: object) -> str:
    body = "".join(f"<parameter={k}>\n{v}\n</parameter>\n" for k, v in params.items())
    return f"<tool_call>\n<function={name}>\n{body}</function>\n</tool_call>\n"


TWO_CALLS = (
    "I need both the weather and the time.\n</think>\n"
    + call_xml("get_weather", city="Paris", days=3)
    + call_xml("get_time", city="Tokyo")
)
PROVIDER = {"sglang": "sglang"}


def make_llm(server: FakeNemotronServer, **kwargs: Any) -> ChatNemotronOmni:
    params: dict[str, Any] = {
        "provider": PROVIDER.get(server.flavor, "vllm"),
        "base_url": server.base_url,
        "model": "nemotron",
        "max_retries": 0,
    }
    if server.flavor == "raw":
        params["reasoning_parser"] = "client"
    return ChatNemotronOmni(**{**params, **kwargs})


def calls(message: AIMessage) -> list[tuple[str, dict[str, Any]]]:
    return [(c["name"], c["args"]) for c in message.tool_calls]


EXPECTED = [("get_weather", {"city": "Paris", "days": 3}), ("get_time", {"city": "Tokyo"})]


@pytest.fixture(params=FLAVORS)
def server(request: pytest.FixtureRequest) -> Any:
    with FakeNemotronServer(flavor=request.param) as fake:
        yield fake


def test_two_calls_invoke_and_stream(server: FakeNemotronServer) -> None:
    server.add(TWO_CALLS, TWO_CALLS)
    llm = make_llm(server).bind_tools([WEATHER, TIME])
    reply = llm.invoke("Weather in Paris and time in Tokyo?")
    full = collect(list(llm.stream("Weather in Paris and time in Tokyo?")))
    for message in (reply, full):
        assert calls(message) == EXPECTED
        assert message.invalid_tool_calls == []
        assert message.content == ""
        assert message.additional_kwargs["reasoning_content"] == (
            "I need both the weather and the time."
        )
    assert full.response_metadata["finish_reason"] == "tool_calls" or server.flavor == "raw"


async def test_async_invoke_and_stream(server: FakeNemotronServer) -> None:
    server.add(TWO_CALLS, TWO_CALLS)
    llm = make_llm(server).bind_tools([WEATHER, TIME])
    reply = await llm.ainvoke("Q")
    full = collect([c async for c in llm.astream("Q")])
    assert calls(reply) == EXPECTED
    assert calls(full) == EXPECTED


async def _reply(llm: Runnable[str, BaseMessage], mode: str) -> AIMessage:
    """One reply in one of the four ways of asking; a stream aggregated as users do."""
    if mode == "invoke":
        reply = llm.invoke("Q")
    elif mode == "ainvoke":
        reply = await llm.ainvoke("Q")
    elif mode == "stream":
        reply = collect(list(llm.stream("Q")))
    else:
        reply = collect([chunk async for chunk in llm.astream("Q")])
    assert isinstance(reply, AIMessage)
    return reply


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_raw_server_gets_tools_in_the_prompt_after_its_refusal(mode: str) -> None:
    with FakeNemotronServer([TWO_CALLS], flavor="raw") as server:
        llm = make_llm(server)
        reply = await _reply(llm.bind_tools([WEATHER, TIME]), mode)
        first, second = server.requests
    assert "tools" in first.body  # refused: no tool parser on that server
    assert "tools" not in second.body
    system = second.body["messages"][0]
    assert system["role"] == "system"
    assert system["content"].startswith("# Tools")
    assert "<name>get_weather</name>" in second.prompt
    assert calls(reply) == EXPECTED
    assert llm.renders_tools  # remembered: the next call goes straight to the prompt


def test_call_written_inside_the_thought_is_still_a_call() -> None:
    """vLLM 0.20 leaves a call made before </think> inside the reasoning."""
    text = "Let me check.\n" + call_xml("get_weather", city="Oslo")
    with FakeNemotronServer([text, text]) as server:
        llm = make_llm(server).bind_tools([WEATHER])
        reply = llm.invoke("Q")
        full = collect(list(llm.stream("Q")))
    for message in (reply, full):
        assert calls(message) == [("get_weather", {"city": "Oslo"})]
        assert message.additional_kwargs["reasoning_content"] == "Let me check."


def test_unwrapped_function_block_streamed_as_content_is_parsed() -> None:
    """vLLM 0.20 streams a <function=...> without <tool_call> as raw content."""
    text = (
        "Checking.\n</think>\n<function=get_weather>\n<parameter=city>\nRome\n</parameter>\n"
        "</function>\n"
    )
    with FakeNemotronServer([text, text]) as server:
        llm = make_llm(server).bind_tools([WEATHER])
        reply = llm.invoke("Q")
        full = collect(list(llm.stream("Q")))
    for message in (reply, full):
        assert calls(message) == [("get_weather", {"city": "Rome"})]
        assert "<function" not in str(message.content)


def test_value_that_does_not_fit_the_schema_is_an_invalid_call() -> None:
    text = "t\n</think>\n" + call_xml("get_weather", city="Paris", days="three")
    with FakeNemotronServer([text, text], flavor="raw") as server:
        llm = make_llm(server, tool_parser="client").bind_tools([WEATHER])
        reply = llm.invoke("Q")
        full = collect(list(llm.stream("Q")))
    assert reply.tool_calls == []
    assert len(reply.invalid_tool_calls) == 1
    assert reply.invalid_tool_calls[0]["error"] == (
        "get_weather: parameter 'days' expects an integer, got 'three'"
    )
    assert full.tool_calls == []
    assert len(full.invalid_tool_calls) == 1
    assert "parameter 'days' expects an integer" in str(full.invalid_tool_calls[0]["args"])


def test_truncated_call_is_never_executed() -> None:
    text = "t\n</think>\n<tool_call>\n<function=get_weather>\n<parameter=city>\nPar"
    with FakeNemotronServer([text, text], flavor="raw") as server:
        llm = make_llm(server, tool_parser="client").bind_tools([WEATHER])
        reply = llm.invoke("Q")
        full = collect(list(llm.stream("Q")))
    for message in (reply, full):
        assert message.tool_calls == []
        assert len(message.invalid_tool_calls) == 1


def test_text_around_calls_is_kept() -> None:
    text = "t\n</think>\nLet me look that up.\n" + call_xml("get_time", city="Lima")
    with FakeNemotronServer([text, text], flavor="raw") as server:
        llm = make_llm(server, tool_parser="client").bind_tools([TIME])
        reply = llm.invoke("Q")
        full = collect(list(llm.stream("Q")))
    for message in (reply, full):
        assert message.content == "Let me look that up."
        assert calls(message) == [("get_time", {"city": "Lima"})]


def test_history_goes_back_as_the_template_expects() -> None:
    history = [
        HumanMessage("Weather in Paris?"),
        AIMessage(
            "",
            tool_calls=[{"name": "get_weather", "args": {"city": "Paris", "days": 2}, "id": "c1"}],
        ),
        ToolMessage("Sunny", tool_call_id="c1"),
    ]
    with FakeNemotronServer(["t\n</think>\nSunny in Paris."]) as server:
        reply = make_llm(server).bind_tools([WEATHER]).invoke(history)
    assert reply.content == "Sunny in Paris."
    prompt = server.requests[0].prompt
    assert (
        "<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n<parameter=days>\n2\n</parameter>"
        in prompt
    )
    assert "<tool_response>\nSunny\n</tool_response>" in prompt


def _ignores_forcing(answers: list[str]) -> Any:
    """vLLM with qwen3_coder ignores forced tool choice: the model just talks."""

    def respond(request: ChatRequest) -> str:
        return answers.pop(0)

    return respond


@pytest.mark.parametrize("tool_choice", ["any", "required", "get_weather"])
def test_forced_tool_choice_is_enforced_by_asking_again(tool_choice: str) -> None:
    answers = [
        "t\n</think>\nIt is probably sunny.",
        "t\n</think>\n" + call_xml("get_weather", city="Paris"),
    ]
    with FakeNemotronServer(_ignores_forcing(answers)) as server:
        llm = make_llm(server).bind_tools([WEATHER, TIME], tool_choice=tool_choice)
        reply = llm.invoke("Weather?")
        first, second = server.requests
    assert calls(reply) == [("get_weather", {"city": "Paris"})]
    last = second.body["messages"][-1]
    assert last["role"] == "system"
    assert "You must answer this turn by calling" in last["content"]
    assert first.body["tool_choice"] != "auto"


def test_forced_tool_choice_streams_only_the_answer_with_the_call() -> None:
    answers = ["t\n</think>\nNo idea.", "t\n</think>\n" + call_xml("get_weather", city="Paris")]
    with FakeNemotronServer(_ignores_forcing(answers)) as server:
        llm = make_llm(server).bind_tools([WEATHER], tool_choice="any")
        full = collect(list(llm.stream("Weather?")))
    assert calls(full) == [("get_weather", {"city": "Paris"})]
    assert "No idea" not in str(full.content)


def test_forced_tool_choice_gives_up_with_a_clear_error() -> None:
    with FakeNemotronServer(["t\n</think>\nI won't.", "t\n</think>\nStill no."]) as server:
        llm = make_llm(server).bind_tools([WEATHER], tool_choice="get_weather")
        with pytest.raises(ToolChoiceError, match="forced the tool 'get_weather'") as caught:
            llm.invoke("Weather?")
    assert "Still no." in str(caught.value)


def test_wrong_tool_for_a_named_choice_is_retried() -> None:
    answers = [
        "t\n</think>\n" + call_xml("get_time", city="Paris"),
        "t\n</think>\n" + call_xml("get_weather", city="Paris"),
    ]
    with FakeNemotronServer(_ignores_forcing(answers)) as server:
        reply = make_llm(server).bind_tools([WEATHER, TIME], tool_choice="get_weather").invoke("Q")
    assert calls(reply) == [("get_weather", {"city": "Paris"})]


def test_tool_choice_none_leaves_text_alone() -> None:
    text = "t\n</think>\nHere is how a call looks: " + call_xml("get_weather", city="X")
    with FakeNemotronServer([text]) as server:
        reply = make_llm(server).bind_tools([WEATHER], tool_choice="none").invoke("Q")
    assert reply.tool_calls == []
    assert "<function=get_weather>" in str(reply.content)
