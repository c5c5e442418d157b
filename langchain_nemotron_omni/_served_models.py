"""A 404 for the model name, explained: the name asked for and the names the server serves.

vLLM and SGLang answer a request for a model they do not serve with a 404 whose message
says only that the model does not exist; a server started with ``--served-model-name nemotron``
refuses the Hugging Face id every client defaults to. The chat model turns that 404 into a
:class:`ModelNotFoundError` listing what ``GET /v1/models`` returns, so the fix is in the
message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import openai

from langchain_nemotron_omni.errors import NemotronOmniError

if TYPE_CHECKING:
    from collections.abc import Iterable


class ModelNotFoundError(NemotronOmniError):
    """The server does not serve the model name the request asked for."""

    def __init__(self, model: str, base_url: str, served: list[str] | None) -> None:
        """Name the model, the server and (when it lists them) the names it serves."""
        self.model = model
        self.served = served
        if served:
            names = ", ".join(repr(name) for name in served)
            fix = (
                f"it serves {names}. Pass model={served[0]!r} (or set NEMOTRON_OMNI_MODEL; on "
                "a LangGraph deployment, the endpoint's 'model')"
            )
        else:
            fix = "it did not list the models it serves (GET /models). Check the model name"
        super().__init__(f"the server at {base_url} does not serve model {model!r}; {fix}.")


def _is_model_error(error: openai.NotFoundError) -> bool:
    # A 404 naming the model (vLLM: "The model `x` does not exist."), not a wrong URL path.
    body = error.body if isinstance(error.body, dict) else {}
    return body.get("param") == "model" or "model" in str(error.message).lower()


def _names(models: Iterable[object]) -> list[str]:
    return [str(getattr(model, "id", "")) for model in models if getattr(model, "id", "")]


def explain_not_found(error: openai.NotFoundError, client: openai.OpenAI, model: str) -> Exception:
    """The error to raise for a 404: :class:`ModelNotFoundError` for a model name, else itself."""
    if not _is_model_error(error):
        return error
    try:
        served: list[str] | None = _names(client.models.list())
    except openai.OpenAIError:
        served = None
    return ModelNotFoundError(model, str(client.base_url), served)


async def aexplain_not_found(
    error: openai.NotFoundError, client: openai.AsyncOpenAI, model: str
) -> Exception:
    """:func:`explain_not_found` for the async client."""
    if not _is_model_error(error):
        return error
    try:
        served: list[str] | None = _names([m async for m in client.models.list()])
    except openai.OpenAIError:
        served = None
    return ModelNotFoundError(model, str(client.base_url), served)
