"""A 404 for the model name names the model and what the server serves (invoke and stream)."""

from __future__ import annotations

import pytest

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni._served_models import ModelNotFoundError
from langchain_nemotron_omni.testing import FakeNemotronServer


def _server() -> FakeNemotronServer:
    return FakeNemotronServer(lambda _: "Greeting.\n</think>\nHello.", model="nemotron")


def _ask(llm: ChatNemotronOmni, *, streaming: bool) -> str:
    if streaming:
        return "".join(chunk.text for chunk in llm.stream("Hi"))
    return llm.invoke("Hi").text


async def _aask(llm: ChatNemotronOmni, *, streaming: bool) -> str:
    if streaming:
        return "".join([chunk.text async for chunk in llm.astream("Hi")])
    return (await llm.ainvoke("Hi")).text


@pytest.mark.parametrize("streaming", [False, True])
def test_unknown_model_name_lists_the_served_names(streaming: bool) -> None:
    with _server() as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="nvidia/not-served")
        with pytest.raises(ModelNotFoundError) as caught:
            _ask(llm, streaming=streaming)
        assert "does not serve model 'nvidia/not-served'" in str(caught.value)
        assert "it serves 'nemotron'. Pass model='nemotron'" in str(caught.value)
        assert caught.value.served == ["nemotron"]
        served = ChatNemotronOmni(base_url=server.base_url, model="nemotron")
        assert _ask(served, streaming=streaming) == "Hello."


@pytest.mark.parametrize("streaming", [False, True])
async def test_unknown_model_name_async(streaming: bool) -> None:
    with _server() as server:
        llm = ChatNemotronOmni(base_url=server.base_url, model="other")
        with pytest.raises(ModelNotFoundError, match="it serves 'nemotron'"):
            await _aask(llm, streaming=streaming)
