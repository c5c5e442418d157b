"""The same reply through invoke and stream, on servers that parse and servers that do not.

Each case here is one of the ways the two modes, or two kinds of server, used to disagree.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.errors import ReasoningExhaustedWarning, ReasoningParserWarning
from langchain_nemotron_omni.reply.render import split_invalid_args
from langchain_nemotron_omni.testing import FakeNemotronServer
from langchain_nemotron_omni.testing._parsing import tokenize
from langchain_nemotron_omni.tools.validate import CUT_OFF
from tests.streams import CONFIGURE_TOOL, WEATHER_TOOL, collect

FLAVORS = ["vllm", "sglang", "raw"]


def _call(name: str, **params: str) -> str:
    body = "".join(f"<parameter={k}>\n{v}\n</parameter>\n" for k, v in params.items())
    return f"<tool_call>\n<function={name}>\n{body}</function>\n</tool_call>\n"


def _both(flavor: str, text: str, *, tools: bool = True, **params: Any) -> list[BaseMessage]:
    """``[invoke, aggregated stream]`` of one scripted reply."""
    with FakeNemotronServer([text, text], flavor=flavor) as server:  # type: ignore[arg-type]
        llm: Any = ChatNemotronOmni(
            base_url=server.base_url,
            model="nemotron",
            max_retries=0,
            tool_parser="client" if flavor == "raw" else "auto",
            **params,
        )
        if tools:
            llm = llm.bind_tools([WEATHER_TOOL, CONFIGURE_TOOL])
        return [llm.invoke("Q"), collect(list(llm.stream("Q")))]


def _invalid(message: BaseMessage) -> list[tuple[str | None, str | None]]:
    assert isinstance(message, AIMessage)
    out: list[tuple[str | None, str | None]] = []
    for call in message.invalid_tool_calls:
        split = split_invalid_args(str(call["args"]))
        out.append((call["name"], split[1] if split else call["error"]))
    return out


@pytest.mark.parametrize("flavor", FLAVORS)
def test_default_settings_split_the_thought_on_every_server(flavor: str) -> None:
    for message in _both(flavor, "The user greets me.\n</think>\nHello!", tools=False):
        assert message.content == "Hello!"
        assert message.additional_kwargs["reasoning_content"] == "The user greets me."


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_reply_cut_inside_the_thought_is_thought(flavor: str) -> None:
    with pytest.warns(ReasoningExhaustedWarning, match="max_tokens=6"):
        messages = _both(flavor, "I should think about this at length.", max_tokens=6)
    for message in messages:
        assert message.content == ""
        assert message.additional_kwargs["reasoning_content"] == "I should think about this at"
        assert message.response_metadata["finish_reason"] == "length"
        assert message.response_metadata["reasoning_exhausted"] is True


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_reply_cut_inside_a_call_finishes_with_length_in_both_modes(flavor: str) -> None:
    # vLLM 0.20 streams such a reply with finish_reason "tool_calls" (and its whole message
    # keeps the text and says "length"): both modes must say it was cut.
    whole = "T.\n</think>\n" + _call("get_weather", city="Paris")
    cut_at = whole + "<tool_call>\n<function=get_weather>\n<parameter=city>\n"
    text = whole + _call("get_weather", city="Rome")
    for message in _both(flavor, text, max_tokens=len(tokenize(cut_at)) + 1):
        assert isinstance(message, AIMessage)
        assert message.response_metadata["finish_reason"] == "length"
        assert [c["args"] for c in message.tool_calls] == [{"city": "Paris"}]
        [(name, error)] = _invalid(message)
        assert name == "get_weather"
        assert error is not None
        assert error.endswith(CUT_OFF)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_call_after_the_thought_without_its_end_tag_is_a_call(flavor: str) -> None:
    text = "The user wants the weather.\n" + _call("get_weather", city="Oslo")
    for message in _both(flavor, text):
        assert isinstance(message, AIMessage)
        assert [(c["name"], c["args"]) for c in message.tool_calls] == [
            ("get_weather", {"city": "Oslo"})
        ]
        assert message.additional_kwargs["reasoning_content"] == "The user wants the weather."


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (_call("get_weather", city="Paris", days='3"'), "parameter 'days' expects an integer"),
        (_call("get_weather", city="Paris", days="abc"), "parameter 'days' expects an integer"),
        (_call("rm_rf", target="/"), "unknown tool"),
        (_call("get_weather", days="2"), "missing required parameter 'city'"),
        (_call("configure", options='{"a": 1'), "parameter 'options' expects a JSON object"),
    ],
)
def test_an_invalid_call_is_invalid_in_both_modes_on_every_server(
    flavor: str, call: str, reason: str
) -> None:
    for message in _both(flavor, f"Thought.\n</think>\n{call}"):
        assert isinstance(message, AIMessage)
        assert message.tool_calls == []
        [(_, error)] = _invalid(message)
        assert error is not None
        assert reason in error


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_tool_named_with_a_quote_stays_invalid_when_streamed(flavor: str) -> None:
    text = 'Thought.\n</think>\n<tool_call>\n<function=x"y>\n</function>\n</tool_call>\n'
    for message in _both(flavor, text):
        assert isinstance(message, AIMessage)
        assert message.tool_calls == []
        assert [name for name, _ in _invalid(message)] == ['x"y']


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("copies", [2, 200])
def test_identical_calls_are_all_kept(flavor: str, copies: int) -> None:
    text = "Weather twice.\n</think>\n" + _call("get_weather", city="Paris") * copies
    for message in _both(flavor, text):
        assert isinstance(message, AIMessage)
        assert [c["args"] for c in message.tool_calls] == [{"city": "Paris"}] * copies


def test_thinking_off_in_model_kwargs_shapes_the_reply_as_thinking_off() -> None:
    kwargs = {"chat_template_kwargs": {"enable_thinking": False}}
    with FakeNemotronServer(["Paris.", "Paris."], flavor="raw") as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nemotron", model_kwargs=kwargs)
        messages = [llm.invoke("Capital?"), collect(list(llm.stream("Capital?")))]
        bodies = [request.body for request in server.requests]
    for message in messages:
        assert message.content == "Paris."
        assert "reasoning_content" not in message.additional_kwargs
    assert [body["chat_template_kwargs"]["enable_thinking"] for body in bodies] == [False] * 2


def test_client_splitting_against_a_server_that_splits_is_warned_about() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        messages = _both("vllm", "Greeting.\n</think>\nHello!", reasoning_parser="client")
    assert [w.category for w in caught] == [ReasoningParserWarning]
    assert "reasoning_parser='client'" in str(caught[0].message)
    for message in messages:
        assert message.content == "Hello!"
        assert message.additional_kwargs["reasoning_content"] == "Greeting."


def test_text_after_the_calls_is_dropped_in_both_modes() -> None:
    # vLLM's non-streaming parser drops it and streams it; the two modes must agree.
    text = "T.\n</think>\nCalling.\n" + _call("get_weather", city="Rome") + "Done, I hope."
    for message in _both("vllm", text):
        assert message.content == "Calling."
