"""Environments the agent starts itself: kept across interrupts, closed when nobody needs them.

A run that stops at an approval prompt must find the same browser (same page, same form
contents) when it resumes, possibly on another worker thread, so the environments an agent
creates live in a :class:`SessionPool`, keyed by the run's session id. A session is
*held* by the run using it (its root run id, see :mod:`.lifecycle`) and *free* while the
run waits at an interrupt. The pool closes a session

- when its run ends (the graph's last node) or fails or is cancelled (the run's end, seen
  by :class:`~.lifecycle.RunWatch`);
- when it has been free longer than ``idle_seconds`` (a run left waiting at an interrupt);
- when its run's thread is gone from the checkpointer (the thread was deleted on a
  LangGraph server: nothing else tells a graph);
- to make room under ``max_live`` (free sessions first, least recently used);
- at interpreter exit.

A run resumed after its environment was closed gets a new one (:mod:`.environments`), and the
agent re-observes before acting. Each environment the pool starts gets a new *incarnation*
id, so the agent can tell a restarted environment from the one a step was planned on.

Closing blocks (a browser takes a fraction of a second to stop), and the run-end signal can
arrive on the server's event loop, so sessions are closed on the pool's own thread.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import uuid
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from langchain_nemotron_omni.agents.computer_use.deployment import (
    DEFAULT_CHECK_SECONDS,
    DEFAULT_IDLE_SECONDS,
    DEFAULT_MAX_LIVE,
    EnvironmentDeployment,
)
from langchain_nemotron_omni.agents.computer_use.errors import EnvironmentLimitError

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Mapping

    from langgraph.checkpoint.base import BaseCheckpointSaver

    from langchain_nemotron_omni.agents.computer_use.computer import Computer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ThreadWatch:
    """Where a run's thread is checkpointed, so the pool notices when it is deleted."""

    checkpointer: BaseCheckpointSaver[Any]
    thread_id: str

    def exists(self) -> bool | None:
        """Whether the thread still has a checkpoint; None when the checkpointer cannot say.

        Savers that only read asynchronously (the base class's sync methods raise
        ``NotImplementedError``) cannot be asked from the pool's thread; their sessions
        are closed by the idle limit instead.
        """
        config = {"configurable": {"thread_id": self.thread_id, "checkpoint_ns": ""}}
        try:
            return self.checkpointer.get_tuple(config) is not None  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001  # a closed or async-only saver: unknown
            logger.debug("cannot read thread %s from its checkpointer", self.thread_id)
            return None


class Lease(NamedTuple):
    """A session's environment as :meth:`SessionPool.acquire` hands it out."""

    computer: Computer
    incarnation: str
    """Changes whenever the pool starts a new environment for the session."""
    created: bool
    """Whether this call started it (a resumed run's environment was gone)."""


@dataclass
class _Session:
    key: str
    computer: Computer
    stack: ExitStack
    incarnation: str
    last_used: float
    owner: Hashable | None = None
    thread: ThreadWatch | None = None
    checked: float = field(default_factory=time.monotonic)


class SessionPool:
    """Open environments by session id, with an idle limit and a cap (see the module doc)."""

    def __init__(
        self,
        *,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        max_live: int | None = DEFAULT_MAX_LIVE,
        check_seconds: float = DEFAULT_CHECK_SECONDS,
    ) -> None:
        """Configure the pool.

        Args:
            idle_seconds: Close a session no run has held for this long.
            max_live: Most environments open at once in this pool (None: no cap). A new
                one beyond it closes the least recently used free session, or fails with
                :class:`~.errors.EnvironmentLimitError` when every session is held.
            check_seconds: How often free sessions' threads are looked up.

        Raises:
            ValueError: A limit is not positive.
        """
        if idle_seconds <= 0 or check_seconds <= 0 or (max_live is not None and max_live < 1):
            msg = "idle_seconds and check_seconds must be > 0, max_live >= 1 (or None)"
            raise ValueError(msg)
        self.idle_seconds = idle_seconds
        self.max_live = max_live
        self.check_seconds = check_seconds
        self._sessions: dict[str, _Session] = {}
        self._opening = 0
        self._closing: list[_Session] = []
        self._cond = threading.Condition()
        self._keeper: threading.Thread | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SessionPool:
        """A pool with the deployment's limits (:class:`~.deployment.EnvironmentDeployment`).

        Raises:
            DeploymentConfigError: A limit's variable is not valid.
        """
        deployment = EnvironmentDeployment.from_env(environ)
        return cls(
            idle_seconds=deployment.idle_seconds,
            max_live=deployment.max_live,
            check_seconds=deployment.check_seconds,
        )

    # -- handing out ---------------------------------------------------------------------------

    def acquire(
        self,
        key: str,
        factory: Callable[[], AbstractContextManager[Computer]],
        *,
        owner: Hashable | None = None,
        thread: ThreadWatch | None = None,
    ) -> Lease:
        """The session's environment, started with ``factory()`` if it is not open.

        Args:
            key: The session id.
            factory: Starts a new environment (entered here, exited when the session closes).
            owner: The run now holding the session; None leaves it free.
            thread: Where the run's thread is checkpointed.

        Raises:
            EnvironmentLimitError: ``max_live`` environments are open and all are held.
        """
        victim = None
        with self._cond:
            session = self._sessions.get(key)
            if session is not None:
                session.owner = owner
                session.thread = thread or session.thread
                session.last_used = time.monotonic()
                return Lease(session.computer, session.incarnation, created=False)
            if self.max_live is not None and len(self._sessions) + self._opening >= self.max_live:
                victim = self._evict_locked()
            self._opening += 1
        if victim is not None:
            _close(victim)
        stack = ExitStack()
        try:
            computer = stack.enter_context(factory())
        except BaseException:
            with self._cond:
                self._opening -= 1
            stack.close()
            raise
        session = _Session(key, computer, stack, uuid.uuid4().hex[:12], time.monotonic())
        session.owner, session.thread = owner, thread
        with self._cond:
            self._opening -= 1
            self._sessions[key] = session
            self._start_keeper_locked()
        return Lease(computer, session.incarnation, created=True)

    def _evict_locked(self) -> _Session:
        free = [s for s in self._sessions.values() if s.owner is None]
        if not free:
            msg = (
                f"{self.max_live} environments are already open in this process and all are "
                "in use; try again when a run ends (the cap is NEMOTRON_OMNI_ENVIRONMENT_MAX_LIVE)"
            )
            raise EnvironmentLimitError(msg)
        victim = min(free, key=lambda s: s.last_used)
        del self._sessions[victim.key]
        logger.info("closing idle session %s to stay under %s", victim.key, self.max_live)
        return victim

    # -- giving back ---------------------------------------------------------------------------

    def release(self, owner: Hashable, *, close: bool) -> None:
        """The run ``owner`` ended: free its sessions, or close them (run failed/cancelled).

        Never blocks on an environment: closing happens on the pool's thread.
        """
        with self._cond:
            for key, session in list(self._sessions.items()):
                if session.owner != owner:
                    continue
                session.owner = None
                session.last_used = time.monotonic()
                if close:
                    del self._sessions[key]
                    self._closing.append(session)
            self._start_keeper_locked()
            self._cond.notify_all()

    def close(self, key: str) -> None:
        """Close one session now (no-op when it is not open)."""
        with self._cond:
            session = self._sessions.pop(key, None)
        if session is not None:
            _close(session)

    def close_all(self) -> None:
        """Close every session now."""
        with self._cond:
            sessions = [*self._sessions.values(), *self._closing]
            self._sessions, self._closing = {}, []
            self._cond.notify_all()
        for session in sessions:
            _close(session)

    def __contains__(self, key: str) -> bool:
        """Whether the session is open."""
        with self._cond:
            return key in self._sessions

    def __len__(self) -> int:
        """Open environments (being closed ones not counted)."""
        with self._cond:
            return len(self._sessions)

    # -- the keeper thread ---------------------------------------------------------------------

    def _start_keeper_locked(self) -> None:
        if self._keeper is None and (self._sessions or self._closing):
            self._keeper = threading.Thread(
                target=self._keep, name="computer-use-sessions", daemon=True
            )
            self._keeper.start()

    def _keep(self) -> None:
        """Close what is due until the pool is empty, then stop (restarted when needed)."""
        while True:
            with self._cond:
                due, to_check = self._due_locked()
                if not due and not to_check and not self._sessions:
                    self._keeper = None
                    return
                if not due and not to_check:
                    self._cond.wait(self._wait_locked())
                    continue
            # Reading the checkpointer may take a while: not under the lock.
            gone = [s for s in to_check if s.thread and s.thread.exists() is False]
            with self._cond:
                for session in gone:
                    current = self._sessions.get(session.key)
                    if current is session and current.owner is None:
                        logger.info("closing session %s: its thread was deleted", session.key)
                        del self._sessions[session.key]
                        due.append(session)
            for session in due:
                _close(session)

    def _due_locked(self) -> tuple[list[_Session], list[_Session]]:
        """Sessions to close now, and free sessions whose thread is due for a look."""
        now = time.monotonic()
        due, self._closing = self._closing, []
        to_check = []
        for key, session in list(self._sessions.items()):
            if session.owner is not None:
                continue
            if now - session.last_used >= self.idle_seconds:
                logger.info("closing session %s: idle for %.0f s", key, now - session.last_used)
                del self._sessions[key]
                due.append(session)
            elif session.thread and now - session.checked >= self.check_seconds:
                session.checked = now
                to_check.append(session)
        return due, to_check

    def _wait_locked(self) -> float:
        now = time.monotonic()
        deadlines = [now + self.check_seconds]
        for session in self._sessions.values():
            if session.owner is None:
                deadlines.append(session.last_used + self.idle_seconds)
                if session.thread:
                    deadlines.append(session.checked + self.check_seconds)
        return max(0.01, min(deadlines) - now)


def _close(session: _Session) -> None:
    try:
        session.stack.close()
    except Exception:
        logger.exception("closing the environment of session %s failed", session.key)


SESSIONS = SessionPool.from_env()
"""The process's pool; agents that create their environment use it unless given another.
Its limits are the deployment's (:class:`~.deployment.EnvironmentDeployment`)."""
atexit.register(SESSIONS.close_all)


def close_computer_sessions() -> None:
    """Close every environment agents in this process started and still hold open.

    Runs at interpreter exit on its own; call it sooner after runs that were abandoned at
    an interrupt.
    """
    SESSIONS.close_all()
