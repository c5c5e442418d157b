"""Client overhead: ChatNemotronOmni vs ChatOpenAI vs the raw openai client, one run.

All three talk to the same FakeNemotronServer (vLLM flavor) in a separate process, with the same
scripted reply (a short thought and a one-line answer); calls are interleaved one by one, so
drift and load hit every client alike. Two measures per call: wall time, and the CPU time of
the calling thread (the client's own work, which the server's speed and other load on the
machine do not change). "Overhead" is a client's median minus the raw openai client's: the
part the LangChain layer adds. Target: ours within 1.10x of ChatOpenAI's. Two more figures
show how far to trust it: the ratio within each round, and the overhead paired by turn (the
median of each turn's difference to the raw client), which a slow spell of the machine
during the run does not tilt.

A second case streams under load: 200 concurrent ``astream`` calls of a ~500-token reply
through one client (each aggregated with ``+``, as users do), ours and ChatOpenAI's bursts
taking turns; the measure is the client process's CPU time per streamed token. Target: ours
within 1.10x of ChatOpenAI's.

Run: `uv run python bench/client_overhead.py [--calls 300] [--rounds 2] [--bursts 2]` (about
5 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from typing import TYPE_CHECKING, Any

import openai
from langchain_openai import ChatOpenAI

from bench._shared import fake_server_process, load_average
from langchain_nemotron_omni import ChatNemotronOmni

if TYPE_CHECKING:
    from collections.abc import Callable

    from openai.types.chat import ChatCompletionMessageParam

    from langchain_nemotron_omni.testing import ChatRequest

REPLY = "The user says hello. A short greeting back is right.\n</think>\nHello! How can I help?"
LONG_REPLY = (
    "The user asks for more detail, so I will explain it step by step.\n" * 10
    + "</think>\n"
    + "Here is a longer answer that goes on for a while. " * 31
)
MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello there"}]
CONCURRENT = 200


def answer(request: ChatRequest) -> str:
    """The fake server's reply: the long one to the concurrent streams, else the short one."""
    return LONG_REPLY if request.last_user_text == "More" else REPLY


def clients(base_url: str) -> dict[str, dict[str, Callable[[], Any]]]:
    raw = openai.OpenAI(base_url=base_url, api_key="x", max_retries=0)
    extra = {"chat_template_kwargs": {"enable_thinking": True}}
    ours = ChatNemotronOmni(base_url=base_url, model="nemotron", max_retries=0)
    theirs = ChatOpenAI(
        base_url=base_url, model="nemotron", api_key="x", max_retries=0, stream_usage=True
    )
    theirs_extra = theirs.bind(extra_body=extra)

    def raw_invoke() -> Any:
        return raw.chat.completions.create(model="nemotron", messages=MESSAGES, extra_body=extra)

    def raw_stream() -> Any:
        stream = raw.chat.completions.create(
            model="nemotron",
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
            extra_body=extra,
        )
        return list(stream)

    return {
        "invoke": {
            "openai": raw_invoke,
            "ChatOpenAI": lambda: theirs_extra.invoke("Hello there"),
            "ChatNemotronOmni": lambda: ours.invoke("Hello there"),
        },
        "stream": {
            "openai": raw_stream,
            "ChatOpenAI": lambda: list(theirs_extra.stream("Hello there")),
            "ChatNemotronOmni": lambda: list(ours.stream("Hello there")),
        },
    }


def measure_interleaved(
    fns: dict[str, Callable[[], Any]], calls: int
) -> dict[str, tuple[list[float], list[float]]]:
    """Wall and thread-CPU seconds per call, the clients taking turns call by call.

    The order of the turns is shuffled every round: which client a call follows changes its
    time by several percent (the one after the raw client is the slowest; measured with
    three identical clients), so a fixed order would favour some client.
    """
    samples: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in fns}
    order = random.Random(0)  # noqa: S311 - an order of turns, not a secret
    names = list(fns)
    for _ in range(calls):
        order.shuffle(names)
        for name in names:
            fn = fns[name]
            wall, cpu = time.perf_counter(), time.thread_time()
            fn()
            samples[name][1].append(time.thread_time() - cpu)
            samples[name][0].append(time.perf_counter() - wall)
    return samples


def overhead_ratio(median: dict[str, float]) -> float:
    """Our overhead over the raw client as a multiple of ChatOpenAI's."""
    raw = median["openai"]
    return (median["ChatNemotronOmni"] - raw) / (median["ChatOpenAI"] - raw)


def paired_overhead(times: list[float], raw: list[float]) -> float:
    """Median over the turns of a client's time minus the raw client's in the same turn.

    Every turn calls each client once, so a slow spell of the machine (seen to make a whole
    round ~1.4x slower) slows both sides of a pair alike and drops out of the difference;
    the difference of two medians taken over such spells does not cancel it.
    """
    return statistics.median(mine - base for mine, base in zip(times, raw, strict=True))


def report(
    mode: str, samples: dict[str, tuple[list[float], list[float]]], calls: int, rounds: int
) -> None:
    print(f"\n{mode}: median ms per call over {calls} interleaved calls")
    for label, which in (("wall", 0), ("client CPU", 1)):
        median = {n: statistics.median(t[which]) * 1000 for n, t in samples.items()}
        raw = median["openai"]
        print(f"  [{label}]")
        for name, value in median.items():
            print(f"    {name:<17} {value:7.3f} ms   x{value / raw:5.2f} of raw openai")
        ours = median["ChatNemotronOmni"] - raw
        theirs = median["ChatOpenAI"] - raw
        print(f"    LangChain overhead: ChatOpenAI {theirs:.3f} ms, ours {ours:.3f} ms")
        ratio = overhead_ratio(median)
        print(f"    overhead ratio ours / ChatOpenAI: {ratio:.2f} (target <= 1.10)")
        # The same ratio within each round shows how far it moves inside one run.
        size = calls // rounds
        by_round = [
            overhead_ratio(
                {
                    n: statistics.median(t[which][i * size : (i + 1) * size])
                    for n, t in samples.items()
                }
            )
            for i in range(rounds)
        ]
        print(f"      by round: {', '.join(f'{ratio:.2f}' for ratio in by_round)}")
        base = samples["openai"][which]
        ours_paired = paired_overhead(samples["ChatNemotronOmni"][which], base) * 1000
        theirs_paired = paired_overhead(samples["ChatOpenAI"][which], base) * 1000
        print(
            f"      paired by turn: ChatOpenAI {theirs_paired:.3f} ms, ours {ours_paired:.3f} ms,"
            f" ratio {ours_paired / theirs_paired:.2f}"
        )


async def _burst(model: Any) -> int:
    """200 concurrent streams of the long reply; the tokens they carried."""

    async def one() -> int:
        full = None
        async for chunk in model.astream("More"):
            full = chunk if full is None else full + chunk
        assert full is not None
        return int(full.usage_metadata["output_tokens"])

    return sum(await asyncio.gather(*(one() for _ in range(CONCURRENT))))


def concurrent_streams(base_url: str, bursts: int) -> None:
    extra = {"chat_template_kwargs": {"enable_thinking": True}}
    models = {
        "ChatOpenAI": ChatOpenAI(
            base_url=base_url, model="nemotron", api_key="x", max_retries=0, stream_usage=True
        ).bind(extra_body=extra),
        "ChatNemotronOmni": ChatNemotronOmni(base_url=base_url, model="nemotron", max_retries=0),
    }
    per_token: dict[str, list[float]] = {name: [] for name in models}
    loop = asyncio.new_event_loop()
    try:
        for model in models.values():
            loop.run_until_complete(_burst(model))  # warm-up: connection pool, caches
        for _ in range(bursts):
            for name, model in models.items():
                start = time.process_time()
                tokens = loop.run_until_complete(_burst(model))
                per_token[name].append((time.process_time() - start) / tokens * 1e6)
    finally:
        loop.close()
    print(f"\n{CONCURRENT} concurrent astream calls, one client: client CPU per streamed token")
    median = {name: statistics.median(values) for name, values in per_token.items()}
    for name, value in median.items():
        print(f"    {name:<17} {value:7.1f} us/token")
    ratio = median["ChatNemotronOmni"] / median["ChatOpenAI"]
    print(f"    ours / ChatOpenAI: {ratio:.2f} (target <= 1.10)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300, help="calls per client per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--bursts", type=int, default=2, help="concurrent bursts per client")
    args = parser.parse_args()
    print(f"start: {load_average()}")
    with fake_server_process("bench.client_overhead:answer") as base_url:
        table = clients(base_url)
        for mode, fns in table.items():
            measure_interleaved(fns, 30)  # warm-up: connections, imports, caches
            samples = measure_interleaved(fns, args.calls * args.rounds)
            report(mode, samples, args.calls * args.rounds, args.rounds)
        if args.bursts:  # 0 skips the concurrent case
            concurrent_streams(base_url, args.bursts)
    print(f"end: {load_average()}")


if __name__ == "__main__":
    main()
