"""The production deployment, for tests: LangGraph Agent Server on PostgreSQL and Redis.

- PostgreSQL and Redis from Debian's packages (``scripts/test`` installs them), each started
  on a free loopback port with its data in a temporary folder, PostgreSQL as the
  ``postgres`` user when the tests run as root (it refuses to run as root), both stopped
  and their folders removed afterwards.
- The Agent Server: stock ``langgraph-api`` with the open ``langgraph-runtime-pg`` runtime
  (``LANGGRAPH_RUNTIME_EDITION=pg``), from its own environment (``.venv-deploy``, the
  ``deploy`` dependency group plus the extras the graphs need, synced by ``scripts/test``),
  started as a production image starts it: ``uvicorn langgraph_api.server:app`` with
  several worker processes, the graphs of ``langgraph.json`` and the deployment's
  environment. The schema is created once before the workers start
  (``scripts/migrate_postgres.py``), as a pre-deploy step would.

See ``docs/deployment.md`` for the same setup outside the tests.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.computer_use_support import wait_for
from tests.integration.langgraph_dev import free_port, stop_process_group

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_VENV = Path(os.environ.get("NEMOTRON_OMNI_DEPLOY_VENV", ROOT / ".venv-deploy"))
HEARTBEAT_SECONDS = 2
"""How often a worker marks its runs alive (``LG_BG_JOB_HEARTBEAT``): a run whose worker
died is taken up again by another once two beats pass (the default is two minutes)."""


class ServiceError(RuntimeError):
    """A service of the deployment did not start."""


def _wait_until(ready: Callable[[], bool], what: str, log: Path, timeout: float) -> None:
    try:
        wait_for(ready, timeout, f"{what} ready")
    except AssertionError as exc:
        msg = f"{exc}:\n{log.read_text(errors='replace')[-3000:]}"
        raise ServiceError(msg) from None


def _postgres_bin() -> Path:
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3])
    )
    if not versions:
        msg = "PostgreSQL is not installed (scripts/test installs Debian's postgresql)"
        raise ServiceError(msg)
    return versions[-1].parent


@contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL on a free loopback port; yields its ``DATABASE_URI``."""
    bindir = _postgres_bin()
    user = "postgres" if os.geteuid() == 0 else None  # initdb refuses to run as root
    home = Path(tempfile.mkdtemp(prefix="nemotron-pg-"))
    try:
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(home, entry.pw_uid, entry.pw_gid)
        data, log = home / "data", home / "postgres.log"
        subprocess.run(  # noqa: S603 - Debian's initdb
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
             "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
            user=user, check=True, capture_output=True,
        )  # fmt: skip
        port = free_port()
        with log.open("w") as out:
            process = subprocess.Popen(  # noqa: S603
                # Durability off: the tests restart the Agent Server, never PostgreSQL.
                [str(bindir / "postgres"), "-D", str(data), "-h", "127.0.0.1",
                 "-p", str(port), "-k", str(home), "-c", "fsync=off",
                 "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
                user=user, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            _wait_until(
                lambda: (
                    process.poll() is None
                    and "ready to accept connections" in log.read_text(errors="replace")
                ),
                "PostgreSQL",
                log,
                30,
            )
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres?sslmode=disable"
        finally:
            # SIGINT is PostgreSQL's fast shutdown.
            stop_process_group(process, signal.SIGINT)
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def redis() -> Iterator[str]:
    """A throwaway Redis (no persistence) on a free loopback port; yields its ``REDIS_URI``."""
    server = shutil.which("redis-server")
    if server is None:
        msg = "Redis is not installed (scripts/test installs Debian's redis-server)"
        raise ServiceError(msg)
    home = Path(tempfile.mkdtemp(prefix="nemotron-redis-"))
    log = home / "redis.log"
    port = free_port()
    try:
        with log.open("w") as out:
            process = subprocess.Popen(  # noqa: S603
                [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(home)],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            _wait_until(
                lambda: "Ready to accept connections" in log.read_text(errors="replace"),
                "Redis",
                log,
                15,
            )
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            stop_process_group(process)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def deploy_python() -> Path:
    """The deployment environment's Python (synced by ``scripts/test``)."""
    python = DEPLOY_VENV / "bin" / "python"
    if not python.exists():
        msg = (
            f"no deployment environment at {DEPLOY_VENV}; scripts/test makes it "
            "(UV_PROJECT_ENVIRONMENT=.venv-deploy uv sync --frozen --no-default-groups "
            "--group deploy --extra browser)"
        )
        raise ServiceError(msg)
    return python


class AgentServer:
    """The Agent Server on PostgreSQL and Redis; start, stop, crash and start it again."""

    def __init__(
        self,
        *,
        database_uri: str,
        redis_uri: str,
        env: Mapping[str, str],
        workers: int = 2,
        log_dir: Path,
    ) -> None:
        """Configure the server (not started). ``env`` is the deployment's environment."""
        config = json.loads((ROOT / "langgraph.json").read_text())
        self.python = deploy_python()
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_dir = log_dir
        self.starts = 0
        self._process: subprocess.Popen[bytes] | None = None
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")},
            # The runtime and its backing services.
            "LANGGRAPH_RUNTIME_EDITION": "pg",
            "DATABASE_URI": database_uri,
            "REDIS_URI": redis_uri,
            "LG_RUNTIME_PG_AUTO_MIGRATE": "false",  # migrated once, before the workers
            "LG_BG_JOB_HEARTBEAT": str(HEARTBEAT_SECONDS),
            # What a LangGraph image sets from langgraph.json.
            "LANGSERVE_GRAPHS": json.dumps(config["graphs"]),
            "LANGGRAPH_NO_VERSION_CHECK": "true",
            "LANGSMITH_TRACING": "false",
            "LANGCHAIN_TRACING_V2": "false",
            **env,
        }

    def migrate(self) -> None:
        """Create or upgrade the schema (the pre-deploy step, ``scripts/migrate_postgres.py``)."""
        subprocess.run(  # noqa: S603
            [str(self.python), str(ROOT / "scripts" / "migrate_postgres.py")],
            env=self.env, check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip

    @property
    def log(self) -> Path:
        """This start's log file."""
        return self.log_dir / f"agent-server-{self.starts}.log"

    def start(self, timeout: float = 60.0) -> None:
        """Start the workers; returns once every one of them has started up."""
        self.starts += 1
        log = self.log
        with log.open("w") as out:
            self._process = subprocess.Popen(  # noqa: S603
                [str(self.python), "-m", "uvicorn", "langgraph_api.server:app",
                 "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers), "--no-access-log"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        process = self._process

        def ready() -> bool:
            if process.poll() is not None:
                msg = f"the Agent Server exited:\n{log.read_text(errors='replace')[-4000:]}"
                raise ServiceError(msg)
            started = log.read_text(errors="replace").count("Application startup complete")
            if started < self.workers:
                return False
            try:
                return httpx.get(f"{self.url}/ok", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        _wait_until(ready, "the Agent Server", log, timeout)

    def stop(self, *, crash: bool = False) -> None:
        """Stop every worker: gracefully (SIGTERM), or at once as a crash would (SIGKILL)."""
        if self._process is not None:
            stop_process_group(self._process, signal.SIGKILL if crash else signal.SIGTERM)
            self._process = None

    def restart(self, *, crash: bool = False) -> None:
        """Stop (or kill) the server and start it again on the same port."""
        self.stop(crash=crash)
        self.start()
