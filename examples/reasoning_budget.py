"""Cap the thought with reasoning_budget, and stream thought and answer as they come.

On vLLM >= 0.19 the budget is the server's `thinking_token_budget`; on servers without a
budget control the client stops the thought at the budget and asks for the answer.
Run: `uv run python examples/reasoning_budget.py`.
"""

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.demo import DEMO_LABEL, endpoint_or_demo
from langchain_nemotron_omni.testing import ChatRequest

LONG_THOUGHT = " ".join(f"Consider case {i}." for i in range(200))


def scripted(_request: ChatRequest) -> str:
    """A model that would think for a long time if nothing stopped it."""
    return f"{LONG_THOUGHT}\n</think>\n{DEMO_LABEL} Plan the trip by train."


def main() -> None:
    with endpoint_or_demo(scripted) as (params, _demo):
        llm = ChatNemotronOmni(**params, reasoning_budget=32)
        thought, answer = [], []
        for chunk in llm.stream("Plan a weekend trip from Paris to Lyon."):
            if reasoning := chunk.additional_kwargs.get("reasoning_content"):
                thought.append(str(reasoning))
            answer.append(str(chunk.content))
        print(f"thought ({len(''.join(thought).split())} words, capped at 32 tokens):")
        print("  " + "".join(thought)[:120] + "...")
        print("answer:", "".join(answer))


if __name__ == "__main__":
    main()
