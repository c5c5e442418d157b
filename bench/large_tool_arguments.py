"""A tool call with a large argument, streamed end to end: ours vs the bare SDK vs ChatOpenAI.

The model writes one ``write_file`` call whose ``content`` is N KB. On a parsing server (the
fake's ``vllm`` flavor) the value arrives as a few large deltas; on a raw server every token
is an event and the call is parsed here. Each client reads the same stream the way its users
do: the bare ``openai`` SDK iterates the chunks (the floor: it does nothing with them), and the
LangChain clients aggregate the stream with ``+``, which re-parses every streamed call's
argument string at each chunk. Measured: client CPU time (the calling thread), median of a few
runs, all in one run of this script.

Targets (issue 10): ours <= 2x the bare SDK at every size (linear growth), and at 64 KB on the
parsing server ChatOpenAI takes >= 20x our time.

Run: `uv run python bench/large_tool_arguments.py [--runs 3]`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import TYPE_CHECKING, Any

import openai
from langchain_openai import ChatOpenAI

from bench._shared import WRITE_FILE_TOOL, aggregated, fake_server_process, load_average
from langchain_nemotron_omni import ChatNemotronOmni

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_core.language_models import BaseChatModel

    from langchain_nemotron_omni.testing import ChatRequest

LINE = "lorem ipsum dolor sit amet, consectetur adipiscing elit; sed do eiusmod tempor\n"
EXTRA = {"chat_template_kwargs": {"enable_thinking": True}}


def reply_text(kilobytes: int) -> str:
    content = (LINE * (kilobytes * 1024 // len(LINE) + 1))[: kilobytes * 1024]
    return (
        "The user wants the file written.\n</think>\n<tool_call>\n<function=write_file>\n"
        f"<parameter=path>\nout.txt\n</parameter>\n<parameter=content>\n{content}\n"
        "</parameter>\n</function>\n</tool_call>\n"
    )


def answer(request: ChatRequest) -> str:
    """The fake server's reply: a call whose content is the size (KB) the prompt names."""
    return reply_text(int(request.last_user_text or "1"))


def clients(base_url: str, *, raw: bool) -> dict[str, Callable[[int], Any]]:
    sdk = openai.OpenAI(base_url=base_url, api_key="x", max_retries=0)

    def bare(kilobytes: int) -> Any:
        # A raw server refuses tools (no tool parser); the model's text is the same.
        extra = EXTRA if raw else {**EXTRA, "tools": [WRITE_FILE_TOOL]}
        stream = sdk.chat.completions.create(
            model="nemotron",
            messages=[{"role": "user", "content": str(kilobytes)}],
            stream=True,
            stream_options={"include_usage": True},
            extra_body=extra,
        )
        return sum(1 for _ in stream)

    ours: BaseChatModel = ChatNemotronOmni(
        base_url=base_url,
        model="nemotron",
        max_retries=0,
        tool_parser="client" if raw else "auto",
    )
    ours_tools = ours.bind_tools([WRITE_FILE_TOOL])

    def ours_stream(kilobytes: int) -> Any:
        full = aggregated(ours_tools, str(kilobytes))
        assert len(full.tool_calls[0]["args"]["content"]) == kilobytes * 1024
        return full

    table: dict[str, Callable[[int], Any]] = {"openai": bare, "ChatNemotronOmni": ours_stream}
    if not raw:
        theirs = ChatOpenAI(
            base_url=base_url, model="nemotron", api_key="x", max_retries=0, stream_usage=True
        ).bind_tools([WRITE_FILE_TOOL], extra_body=EXTRA)
        table["ChatOpenAI"] = lambda kilobytes: aggregated(theirs, str(kilobytes))
    return table


def cpu(fn: Callable[[int], Any], kilobytes: int, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.thread_time()
        fn(kilobytes)
        samples.append(time.thread_time() - start)
    return statistics.median(samples)


def run(flavor: str, sizes: list[int], runs: int) -> None:
    raw = flavor == "raw"
    answer_at = "bench.large_tool_arguments:answer"
    with fake_server_process(answer_at, flavor=flavor, max_model_len=10**7) as base_url:
        table = clients(base_url, raw=raw)
        for fn in (table["openai"], table["ChatNemotronOmni"]):
            fn(1)  # warm-up: connections, imports
        print(f"\n{flavor} server ({'every token an event' if raw else 'parsing server'})")
        print(f"  {'size':>6}  {'openai SDK':>11}  {'ours':>9}  {'ours / SDK':>10}")
        for kilobytes in sizes:
            floor = cpu(table["openai"], kilobytes, runs)
            ours = cpu(table["ChatNemotronOmni"], kilobytes, runs)
            print(
                f"  {kilobytes:>4} KB  {floor * 1000:>8.1f} ms  {ours * 1000:>6.1f} ms"
                f"  {ours / floor:>9.2f}x   (target <= 2x)"
            )
            if kilobytes == 64 and "ChatOpenAI" in table:
                theirs = cpu(table["ChatOpenAI"], kilobytes, 1)
                print(
                    f"  ChatOpenAI at 64 KB: {theirs * 1000:.0f} ms of client CPU, "
                    f"{theirs / ours:.0f}x ours (target >= 20x)"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per size (median)")
    args = parser.parse_args()
    print(f"start: {load_average()}")
    run("vllm", [16, 64, 256], args.runs)
    run("raw", [16, 64], args.runs)
    print(f"end: {load_average()}")


if __name__ == "__main__":
    main()
