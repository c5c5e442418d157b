"""Throughput and linearity of the streaming XML tool-call parser.

One call whose string argument is 1 MB (then 2 MB) is fed to ``StreamingToolParser`` in 1-,
8- and 64-character chunks, the way a server's deltas arrive. The value holds ``<``, ``>``
and tag-like text now and then, so the look-ahead paths run too. Prints MB/s per chunk size
and the time ratio 2 MB : 1 MB (target <= 2.2: linear time, no re-scanning of the buffer).
Times are CPU time of this process, best of three, with 1 MB and 2 MB runs interleaved, so a
busy machine skews them less.

Run: `uv run python bench/tool_parser_throughput.py`.
"""

from __future__ import annotations

import gc
import json
import time

from bench._shared import WRITE_FILE_TOOL
from langchain_nemotron_omni.tool_xml import ArgsDelta, CallFinished, StreamingToolParser

TOOLS = [WRITE_FILE_TOOL]
LINE = 'if a < b and c > d: print("<div>", "</parameter>", "x")\n'
MB = 1 << 20
TARGET_RATIO = 2.2
CHUNK_SIZES = (1, 8, 64)
REPEATS = 3  # best of three: the machine may be shared


def make_text(size: int) -> tuple[str, str]:
    """A call whose ``content`` is ``size`` characters; returns (text, value)."""
    value = (LINE * (size // len(LINE) + 1))[:size]
    text = (
        "I will write the file.\n<tool_call>\n<function=write_file>\n"
        "<parameter=path>\nbig.py\n</parameter>\n"
        f"<parameter=content>\n{value}\n</parameter>\n</function>\n</tool_call>\n"
    )
    return text, value


def run(text: str, chunk: int) -> tuple[float, str]:
    """Feed ``text`` in ``chunk``-sized pieces; return (seconds, joined arguments)."""
    pieces = [text[i : i + chunk] for i in range(0, len(text), chunk)]
    parser = StreamingToolParser(TOOLS)
    fragments: list[str] = []
    finished: list[CallFinished] = []
    gc.collect()
    gc.disable()  # a collection landing in one run but not another skews the ratio
    start = time.process_time()  # CPU time: other processes on a shared box do not count
    for piece in pieces:
        for event in parser.feed(piece):
            if isinstance(event, ArgsDelta):
                fragments.append(event.fragment)
            elif isinstance(event, CallFinished):
                finished.append(event)
    finished.extend(e for e in parser.finish() if isinstance(e, CallFinished))
    elapsed = time.process_time() - start
    gc.enable()
    assert len(finished) == 1, finished
    assert finished[0].error is None, finished[0].error
    return elapsed, "".join(fragments)


def best_pair(chunk: int, small: tuple[str, str], large: tuple[str, str]) -> tuple[float, float]:
    """Best of REPEATS for each size, runs interleaved so drift hits both alike."""
    best = [float("inf"), float("inf")]
    for _ in range(REPEATS):
        for slot, (text, value) in enumerate((small, large)):
            elapsed, args = run(text, chunk)
            assert json.loads(args)["content"] == value
            best[slot] = min(best[slot], elapsed)
    return best[0], best[1]


def main() -> None:
    one = make_text(MB)
    two = make_text(2 * MB)
    print(f"{'chunk':>6} {'1 MB (s)':>9} {'2 MB (s)':>9} {'MB/s':>7} {'2MB/1MB':>8}  verdict")
    worst = 0.0
    for chunk in CHUNK_SIZES:
        t1, t2 = best_pair(chunk, one, two)
        ratio = t2 / t1
        worst = max(worst, ratio)
        verdict = "ok" if ratio <= TARGET_RATIO else "NOT LINEAR"
        speed = len(one[0]) / MB / t1
        print(f"{chunk:>6} {t1:>9.3f} {t2:>9.3f} {speed:>7.2f} {ratio:>8.2f}  {verdict}")
    print(f"worst ratio {worst:.2f} (target <= {TARGET_RATIO})")


if __name__ == "__main__":
    main()
