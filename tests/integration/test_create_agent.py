"""LangChain's own agent (`langchain.agents.create_agent`) on ChatNemotronOmni, over HTTP."""

from __future__ import annotations

import json

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer
from langchain_nemotron_omni.tool_xml import render_tool_call_xml


@tool
def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"{city}: 18C and cloudy"


class Weather(BaseModel):
    """The weather report."""

    city: str
    temperature_c: int


def scripted(request: ChatRequest) -> str:
    """Call the tool first; then answer, as JSON when a schema is asked for."""
    last = request.messages[-1]
    if last["role"] != "tool":
        return "I need the weather.\n</think>\n" + render_tool_call_xml(
            "get_weather", {"city": "Oslo"}
        )
    if request.body.get("response_format"):
        return "The tool said 18C.\n</think>\n" + json.dumps({"city": "Oslo", "temperature_c": 18})
    return f"The tool answered.\n</think>\nIn Oslo: {last['content']}."


def test_agent_loop_with_reasoning_kept() -> None:
    with FakeNemotronServer(scripted) as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
        agent = create_agent(llm, tools=[get_weather])
        result = agent.invoke({"messages": [HumanMessage("Weather in Oslo?")]})
        second = server.requests[1]
    messages = result["messages"]
    assert isinstance(messages[-1], AIMessage)
    assert messages[-1].content == "In Oslo: Oslo: 18C and cloudy."
    assert any(isinstance(m, ToolMessage) and "18C" in str(m.content) for m in messages)
    call_turn = messages[1]
    assert isinstance(call_turn, AIMessage)
    assert call_turn.additional_kwargs["reasoning_content"] == "I need the weather."
    # The thought behind the call went back to the server with the tool result.
    assert "<think>\nI need the weather.\n</think>" in second.prompt


def test_structured_response_uses_the_servers_json_schema() -> None:
    with FakeNemotronServer(scripted) as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
        assert llm.profile is not None
        assert llm.profile["structured_output"] is True
        agent = create_agent(llm, tools=[get_weather], response_format=Weather)
        result = agent.invoke({"messages": [HumanMessage("Weather in Oslo?")]})
        bodies = [request.body for request in server.requests]
    assert result["structured_response"] == Weather(city="Oslo", temperature_c=18)
    assert bodies[-1]["response_format"]["type"] == "json_schema"
