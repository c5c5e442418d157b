"""with_structured_output over HTTP: every method and schema kind, reasoning on and off."""

from __future__ import annotations

from typing import Any, TypedDict

import pytest
from pydantic import BaseModel, Field

from langchain_nemotron_omni import ChatNemotronOmni, ReasoningExhaustedWarning
from langchain_nemotron_omni.structured_output import StructuredOutputError
from langchain_nemotron_omni.testing import FakeNemotronServer


class Person(BaseModel):
    """A person."""

    name: str = Field(description="full name")
    age: int


class PersonDict(TypedDict):
    name: str
    age: int


THOUGHT = 'Ada is 36 per the text. Output {"name": ...}.\n</think>\n'
JSON = '{"name": "Ada Lovelace", "age": 36}'


def _llm(server: FakeNemotronServer, **kwargs: Any) -> ChatNemotronOmni:
    params: dict[str, Any] = {"base_url": server.base_url, "model": "nemotron", "max_retries": 0}
    return ChatNemotronOmni(**{**params, **kwargs})


def test_json_schema_is_the_default_and_reads_the_answer_not_the_thought() -> None:
    with FakeNemotronServer([THOUGHT + JSON]) as server:
        result = _llm(server).with_structured_output(Person).invoke("Who is Ada?")
    assert result == Person(name="Ada Lovelace", age=36)
    body = server.requests[0].body
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Person"
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["name", "age"]
    assert body["chat_template_kwargs"] == {"enable_thinking": True}
    assert "tools" not in body


def test_server_without_reasoning_parser_still_parses() -> None:
    """ChatOpenAI's SDK parse would choke on the thought left in content here."""
    with FakeNemotronServer([THOUGHT + JSON], flavor="raw") as server:
        llm = _llm(server, reasoning_parser="client")
        result = llm.with_structured_output(Person, include_raw=True).invoke("Who is Ada?")
    assert result["parsed"] == Person(name="Ada Lovelace", age=36)
    assert result["parsing_error"] is None
    assert result["raw"].additional_kwargs["reasoning_content"].startswith("Ada is 36")


@pytest.mark.parametrize("schema", [PersonDict, Person.model_json_schema()])
def test_typeddict_and_json_schema_give_dicts(schema: Any) -> None:
    with FakeNemotronServer([THOUGHT + JSON]) as server:
        result = _llm(server).with_structured_output(schema).invoke("Who is Ada?")
    assert result == {"name": "Ada Lovelace", "age": 36}
    assert server.requests[0].body["response_format"]["type"] == "json_schema"


def test_json_mode_and_thinking_off() -> None:
    with FakeNemotronServer(["```json\n" + JSON + "\n```"]) as server:
        llm = _llm(server, thinking=False)
        result = llm.with_structured_output(Person, method="json_mode").invoke("Who is Ada?")
    assert result == Person(name="Ada Lovelace", age=36)
    body = server.requests[0].body
    assert body["response_format"] == {"type": "json_object"}
    assert body["chat_template_kwargs"] == {"enable_thinking": False}


def test_function_calling_method() -> None:
    call = (
        "<tool_call>\n<function=Person>\n<parameter=name>\nAda Lovelace\n</parameter>\n"
        "<parameter=age>\n36\n</parameter>\n</function>\n</tool_call>\n"
    )
    with FakeNemotronServer([THOUGHT + call]) as server:
        llm = _llm(server)
        result = llm.with_structured_output(Person, method="function_calling").invoke("Ada?")
    assert result == Person(name="Ada Lovelace", age=36)
    body = server.requests[0].body
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    assert body["tools"][0]["function"]["name"] == "Person"


def test_invalid_answer_raises_with_the_raw_text() -> None:
    with (
        FakeNemotronServer([THOUGHT + '{"name": "Ada"}']) as server,
        pytest.raises(StructuredOutputError, match="does not fit Person") as caught,
    ):
        _llm(server).with_structured_output(Person).invoke("Who is Ada?")
    assert 'Raw model output:\n{"name": "Ada"}' in str(caught.value)


def test_invalid_answer_with_include_raw_is_reported_not_raised() -> None:
    with FakeNemotronServer([THOUGHT + "not json at all"]) as server:
        result = _llm(server).with_structured_output(Person, include_raw=True).invoke("Ada?")
    assert result["parsed"] is None
    assert isinstance(result["parsing_error"], StructuredOutputError)
    assert "not json at all" in str(result["parsing_error"])
    assert result["raw"].content == "not json at all"


def test_thought_that_ate_the_budget_explains_itself() -> None:
    with (
        FakeNemotronServer(["I keep thinking " * 40]) as server,
        pytest.warns(ReasoningExhaustedWarning),
        pytest.raises(StructuredOutputError, match="raise max_tokens"),
    ):
        _llm(server, max_tokens=10).with_structured_output(Person).invoke("Ada?")


def test_stream_yields_the_parsed_object() -> None:
    with FakeNemotronServer([THOUGHT + JSON]) as server:
        chunks = list(_llm(server).with_structured_output(Person).stream("Who is Ada?"))
    assert chunks[-1] == Person(name="Ada Lovelace", age=36)


async def test_async_invoke() -> None:
    with FakeNemotronServer([THOUGHT + JSON]) as server:
        result = await _llm(server).with_structured_output(PersonDict).ainvoke("Ada?")
    assert result == {"name": "Ada Lovelace", "age": 36}
