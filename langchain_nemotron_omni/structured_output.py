"""Structured output that survives reasoning: JSON parsed from the answer, never the thought.

The ``openai`` SDK's own parsing runs on the raw ``content``, before this package separates
the thought from the answer (a server without a reasoning parser leaves ``<think>`` text in
it). So ``response_format`` is sent in the request body and the answer is parsed here, after
shaping, for invoke and stream alike.
"""

from __future__ import annotations

import json
import re
from functools import partial
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import RunnableLambda, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_json_schema
from pydantic import BaseModel, ValidationError
from pydantic.v1 import BaseModel as V1BaseModel
from pydantic.v1 import ValidationError as V1ValidationError

from langchain_nemotron_omni.errors import NemotronOmniError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel, LanguageModelInput
    from langchain_core.runnables import Runnable

StructuredMethod = Literal["json_schema", "json_mode", "function_calling"]
ParseTarget = type[BaseModel] | type[V1BaseModel] | Literal["json"] | None

_FENCE = re.compile(r"^```(?:json)?\s*\n(?P<body>.*?)\n?```\s*$", re.DOTALL)


class StructuredOutputError(OutputParserException, NemotronOmniError):
    """The answer is not the JSON the schema asks for; the message shows the raw text."""


def is_model_class(schema: object) -> bool:
    """Whether ``schema`` is a Pydantic model class (v2, or the v1 compatibility API)."""
    return isinstance(schema, type) and issubclass(schema, BaseModel | V1BaseModel)


def response_format_for(schema: Any, *, strict: bool | None) -> dict[str, Any]:
    """The Chat Completions ``response_format`` for a Pydantic class, TypedDict or JSON schema."""
    if isinstance(schema, dict) and schema.get("type") in {"json_schema", "json_object"}:
        return schema
    json_schema = convert_to_json_schema(schema)
    name = str(json_schema.get("title") or "response")
    spec: dict[str, Any] = {"name": name, "schema": json_schema}
    if strict is not None:
        spec["strict"] = strict
    return {"type": "json_schema", "json_schema": spec}


def parse_target(response_format: object) -> ParseTarget:
    """What an answer to a request with this ``response_format`` should parse into."""
    if is_model_class(response_format):
        return response_format  # type: ignore[return-value]
    if isinstance(response_format, dict) and response_format.get("type") in {
        "json_schema",
        "json_object",
    }:
        return "json"
    return None


def parse_json_answer(text: str, target: ParseTarget) -> Any:
    """Parse an answer as JSON (fences allowed) and validate it against a Pydantic class.

    Raises:
        StructuredOutputError: The text is not JSON or does not fit the schema.
    """
    body = text.strip()
    if match := _FENCE.match(body):
        body = match.group("body").strip()
    try:
        value = json.loads(body)
    except json.JSONDecodeError as error:
        msg = f"The answer is not valid JSON ({error.msg} at position {error.pos}).\n{_raw(text)}"
        raise StructuredOutputError(msg, llm_output=text) from error
    if isinstance(target, type):
        try:
            if issubclass(target, V1BaseModel):
                return target.parse_obj(value)
            return target.model_validate(value)
        except (ValidationError, V1ValidationError) as error:
            msg = f"The answer does not fit {target.__name__}: {error}\n{_raw(text)}"
            raise StructuredOutputError(msg, llm_output=text) from error
    return value


def _raw(text: str) -> str:
    shown = text if len(text) <= 2000 else text[:2000] + "..."  # noqa: PLR2004
    return f"Raw model output:\n{shown}"


def parse_structured_message(message: BaseMessage, *, target: ParseTarget) -> Any:
    """The structured value of a reply: ``parsed`` if shaping already parsed it, else parse."""
    if not isinstance(message, AIMessage):
        msg = f"Expected an AIMessage, got {type(message).__name__}"
        raise StructuredOutputError(msg)
    parsed = message.additional_kwargs.get("parsed")
    if parsed is not None and (not isinstance(target, type) or isinstance(parsed, target)):
        return parsed
    text = message.text
    if not text.strip():
        reasoning = message.additional_kwargs.get("reasoning_content")
        hint = (
            " The model only thought (see reasoning_content): raise max_tokens or lower "
            "reasoning_budget."
            if reasoning
            else ""
        )
        msg = f"The model returned no answer to parse.{hint}"
        raise StructuredOutputError(msg, llm_output=text)
    return parse_json_answer(text, target)


def structured_runnable(
    llm: BaseChatModel,
    schema: dict[str, Any] | type | None,
    *,
    method: Literal["json_schema", "json_mode"],
    include_raw: bool,
    strict: bool | None,
    **kwargs: Any,
) -> Runnable[LanguageModelInput, Any]:
    """``with_structured_output`` for the ``json_schema`` and ``json_mode`` methods.

    The model is bound to the ``response_format`` and its reply parsed from the answer (the
    shaped content), with LangChain's ``include_raw`` contract.
    """
    if method == "json_mode":
        response_format: dict[str, Any] = {"type": "json_object"}
    elif schema is None:
        msg = "with_structured_output(method='json_schema') needs a schema."
        raise ValueError(msg)
    else:
        response_format = response_format_for(schema, strict=strict)
    target: ParseTarget = schema if is_model_class(schema) else "json"  # type: ignore[assignment]
    bound = llm.bind(
        response_format=response_format,
        ls_structured_output_format={
            "kwargs": {"method": method, "strict": strict},
            "schema": response_format.get("json_schema", {}).get("schema"),
        },
        **kwargs,
    )
    parser = RunnableLambda(partial(parse_structured_message, target=target))
    if not include_raw:
        return bound | parser
    with_parsed = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    without = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=bound) | with_parsed.with_fallbacks(
        [without], exception_key="parsing_error"
    )
