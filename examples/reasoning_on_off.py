"""Reasoning on and off: read the thought, then ask for a direct answer.

Run: `uv run python examples/reasoning_on_off.py` (demo mode unless an endpoint is set,
see the README).
"""

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.demo import DEMO_LABEL, endpoint_or_demo
from langchain_nemotron_omni.testing import ChatRequest


def scripted(request: ChatRequest) -> str:
    """What the demo server answers: a thought only when thinking is on."""
    answer = f"{DEMO_LABEL} 17 * 23 = 391."
    if request.thinking:
        return f"17 * 23 = 17 * 20 + 17 * 3 = 340 + 51 = 391.\n</think>\n{answer}"
    return answer


def main() -> None:
    with endpoint_or_demo(scripted) as (params, _demo):
        llm = ChatNemotronOmni(**params)

        reply = llm.invoke("What is 17 * 23?")
        print("thinking on")
        print("  thought:", reply.additional_kwargs.get("reasoning_content"))
        print("  answer: ", reply.content)

        reply = llm.invoke("What is 17 * 23?", thinking=False)
        print("thinking off")
        print("  thought:", reply.additional_kwargs.get("reasoning_content"))
        print("  answer: ", reply.content)


if __name__ == "__main__":
    main()
