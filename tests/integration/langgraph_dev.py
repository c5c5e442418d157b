"""Start a real ``langgraph dev`` server on a free loopback port for a test.

The project's ``langgraph.json`` is served as a user would serve it. The CLI's PyPI version
check is off, tracing is off, reload is off (state files it writes would trigger reloads).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def langgraph_dev(env: Mapping[str, str], *, timeout: float = 60.0) -> Iterator[str]:
    """Run ``langgraph dev`` with extra environment ``env``; yields its base URL."""
    port = _free_port()
    log_path = Path(tempfile.gettempdir()) / f"langgraph-dev-{port}.log"
    full_env = {
        **os.environ,
        "LANGGRAPH_NO_VERSION_CHECK": "true",
        "LANGSMITH_TRACING": "false",
        "LANGCHAIN_TRACING_V2": "false",
        **env,
    }
    langgraph = Path(sys.executable).with_name("langgraph")
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - the CLI from our own environment
            [
                str(langgraph),
                "dev",
                "--no-browser",
                "--no-reload",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--config",
                str(ROOT / "langgraph.json"),
            ],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    msg = f"langgraph dev exited early:\n{log_path.read_text()[-4000:]}"
                    raise RuntimeError(msg)
                try:
                    if httpx.get(f"{url}/ok", timeout=1.0).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    msg = f"langgraph dev not ready in {timeout}s:\n{log_path.read_text()[-4000:]}"
                    raise RuntimeError(msg)
                time.sleep(0.2)
            yield url
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    # The whole process group: the CLI runs the API server as a child.
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
