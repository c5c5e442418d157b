"""Start a real ``langgraph dev`` server on a free loopback port for a test.

The project's ``langgraph.json`` is served as a user would serve it, with the test's
deployment settings as its ``env`` (so a developer's own ``.env`` never leaks into a test).
The CLI's PyPI version check is off, tracing is off, reload is off (state files it writes
would trigger reloads).
"""

from __future__ import annotations

import contextlib
import json
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


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def langgraph_dev(env: Mapping[str, str], *, timeout: float = 60.0) -> Iterator[str]:
    """Run ``langgraph dev`` with the deployment environment ``env``; yields its base URL."""
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"langgraph-dev-{port}.log"
    config_path = Path(tempfile.gettempdir()) / f"langgraph-dev-{port}.json"
    config = json.loads((ROOT / "langgraph.json").read_text())
    config_path.write_text(json.dumps({**config, "env": dict(env)}))
    full_env = {
        **os.environ,
        "LANGGRAPH_NO_VERSION_CHECK": "true",
        "LANGSMITH_TRACING": "false",
        "LANGCHAIN_TRACING_V2": "false",
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
                str(config_path),
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
            stop_process_group(process)
            config_path.unlink(missing_ok=True)


def stop_process_group(
    process: subprocess.Popen[bytes], sig: signal.Signals = signal.SIGTERM
) -> None:
    """Signal a process's whole group (servers run workers as children) and reap it.

    Anything of the group still alive 15 s later (or once the leader is gone) is killed.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    deadline = time.monotonic() + 5
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
