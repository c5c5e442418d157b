"""Environments the agent starts itself, kept alive across interrupts.

A run that stops at an approval prompt must find the same browser (same page, same form
contents) when it resumes, possibly on another worker thread. So environments the agent
creates are kept here, keyed by the run's session id, and closed when the run ends, when
they sit idle too long, or at interpreter exit; nothing is left running.
"""

from __future__ import annotations

import atexit
import threading
import time
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_nemotron_omni.agents.computer_use.computer import Computer

DEFAULT_IDLE_SECONDS = 30 * 60


@dataclass
class _Session:
    computer: Computer
    stack: ExitStack
    last_used: float


class SessionPool:
    """Open environments by session id."""

    def __init__(self, idle_seconds: float = DEFAULT_IDLE_SECONDS) -> None:
        """Close sessions untouched for ``idle_seconds`` (checked whenever one is opened)."""
        self.idle_seconds = idle_seconds
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def get(
        self, key: str, factory: Callable[[], AbstractContextManager[Computer]]
    ) -> tuple[Computer, bool]:
        """The session's environment, entering ``factory()`` if there is none.

        Returns:
            The environment and whether it was created by this call.
        """
        with self._lock:
            session = self._sessions.get(key)
            if session is not None:
                session.last_used = time.monotonic()
                return session.computer, False
        self._close_idle()
        stack = ExitStack()
        try:
            computer = stack.enter_context(factory())
        except BaseException:
            stack.close()
            raise
        with self._lock:
            self._sessions[key] = _Session(computer, stack, time.monotonic())
        return computer, True

    def __contains__(self, key: str) -> bool:
        """Whether the session is open."""
        with self._lock:
            return key in self._sessions

    def close(self, key: str) -> None:
        """Close one session (no-op when it is not open)."""
        with self._lock:
            session = self._sessions.pop(key, None)
        if session is not None:
            session.stack.close()

    def close_all(self) -> None:
        """Close every session."""
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.stack.close()

    def _close_idle(self) -> None:
        cutoff = time.monotonic() - self.idle_seconds
        with self._lock:
            idle = [key for key, s in self._sessions.items() if s.last_used < cutoff]
        for key in idle:
            self.close(key)


SESSIONS = SessionPool()
"""The process's pool; agents that create their environment use it."""
atexit.register(SESSIONS.close_all)


def close_computer_sessions() -> None:
    """Close every environment agents in this process started and still hold open.

    Runs at interpreter exit on its own; call it sooner after runs that were abandoned at
    an interrupt.
    """
    SESSIONS.close_all()
