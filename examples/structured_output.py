"""Structured output: a Pydantic object read from the answer, with reasoning left on.

Run: `uv run python examples/structured_output.py`.
"""

import json

from pydantic import BaseModel, Field

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.demo import endpoint_or_demo
from langchain_nemotron_omni.testing import ChatRequest


class Invoice(BaseModel):
    """The fields of an invoice."""

    vendor: str = Field(description="who issued the invoice")
    total: float = Field(description="amount due, in euros")
    due: str = Field(description="due date, ISO 8601")


TEXT = "Invoice from Acme Tools GmbH. Amount due: 1,250.00 EUR, payable by 2026-12-15."


def scripted(request: ChatRequest) -> str:
    """The demo model: think, then answer with JSON fitting the requested schema."""
    schema = request.body["response_format"]["json_schema"]["schema"]
    answer = {"vendor": "Acme Tools GmbH", "total": 1250.0, "due": "2026-12-15"}
    thought = f"The schema asks for {sorted(schema['properties'])}; all are in the text."
    return f"{thought}\n</think>\n{json.dumps(answer)}"


def main() -> None:
    with endpoint_or_demo(scripted) as (params, demo):
        extract = ChatNemotronOmni(**params).with_structured_output(Invoice, include_raw=True)
        result = extract.invoke(f"Extract the invoice fields: {TEXT}")
        print("parsed:", result["parsed"])
        print("thought:", result["raw"].additional_kwargs.get("reasoning_content"))
        if demo:
            print("(scripted demo answer)")


if __name__ == "__main__":
    main()
