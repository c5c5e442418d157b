"""Tool calling: the model asks for a tool, we run it, the model answers from the result.

Run: `uv run python examples/tool_calling.py` (demo mode unless an endpoint is set).
"""

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.demo import DEMO_LABEL, endpoint_or_demo
from langchain_nemotron_omni.testing import ChatRequest
from langchain_nemotron_omni.tool_xml import render_tool_call_xml


@tool
def get_weather(city: str, days: int = 1) -> str:
    """Forecast for a city over the next few days."""
    return f"{city}: sunny, 21C, for the next {days} day(s)."


def scripted(request: ChatRequest) -> str:
    """The demo model: call the tool first, then answer from its result."""
    last = request.messages[-1]
    if last["role"] == "tool":
        return f"The tool answered.\n</think>\n{DEMO_LABEL} {last['content']}"
    call = render_tool_call_xml("get_weather", {"city": "Paris", "days": 2})
    return f"The user wants the weather; I will call the tool.\n</think>\n{call}"


def main() -> None:
    with endpoint_or_demo(scripted) as (params, _demo):
        llm = ChatNemotronOmni(**params).bind_tools([get_weather])
        messages: list[BaseMessage] = [
            HumanMessage("What is the weather in Paris for the next two days?")
        ]
        reply = llm.invoke(messages)
        messages.append(reply)
        for call in reply.tool_calls:
            print(f"tool call: {call['name']}({call['args']})")
            result = get_weather.invoke(call["args"])
            messages.append(ToolMessage(result, tool_call_id=call["id"]))
        final = llm.invoke(messages)
        print("answer:", final.content)


if __name__ == "__main__":
    main()
