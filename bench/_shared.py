"""What the client benchmarks share: the fake server in a process of its own, and stream reading.

The sample tool and the ``+`` aggregation are the tests' own (``tests/streams.py``), so a
benchmark measures exactly what the tests check.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from tests.streams import WRITE_FILE_TOOL, collect

if TYPE_CHECKING:
    from collections.abc import Iterator

    from langchain_core.messages import AIMessageChunk

__all__ = ["WRITE_FILE_TOOL", "aggregated", "fake_server_process", "load_average"]


def load_average() -> str:
    """The machine's load average (1, 5, 15 minutes), printed with every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


@contextmanager
def fake_server_process(answer: str, **server_kwargs: Any) -> Iterator[str]:
    """A ``FakeNemotronServer`` in its own process (its work does not share our GIL or CPU clock).

    ``answer`` names the reply function as ``"module:function"``; ``server_kwargs`` go to the
    server (reprs of plain values). Yields the server's base URL; the server stops on exit.
    """
    module, function = answer.split(":")
    options = "".join(f", {key}={value!r}" for key, value in server_kwargs.items())
    script = (
        "import sys\n"
        "from langchain_nemotron_omni.testing import FakeNemotronServer\n"
        f"from {module} import {function} as answer\n"
        f"server = FakeNemotronServer(answer{options}).start()\n"
        "print(server.base_url, flush=True)\n"
        "sys.stdin.read()\n"
    )
    process = subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        yield process.stdout.readline().strip()
    finally:
        process.stdin.close()  # the server reads stdin to its end, then exits
        process.wait(timeout=30)


def aggregated(model: Any, prompt: str) -> AIMessageChunk:
    """A model's stream of ``prompt`` added up with ``+``, as LangChain users do."""
    return collect(list(model.stream(prompt)))
