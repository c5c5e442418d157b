"""The environment of a run, as the agent's nodes get it, and whether it is still the same.

An agent either drives an environment its caller started (and stops), or starts one per run
through a factory; those live in a :class:`~.sessions.SessionPool` for as long as the run
needs them (:mod:`.lifecycle` tells the pool when the run ends).

Every environment has an *incarnation* id, recorded in the state with each screenshot. When
a run acts on an environment whose incarnation is not the one its last screenshot came
from (the run resumed in a new process, or after its browser was closed while it waited),
the world the model planned for is gone: typed text, focus and open dialogs are lost. The
agent then does not act; it shows the model the environment as it is now (a restarted
browser reopens the run's last URL first) and lets it plan again.
"""

from __future__ import annotations

import io
import logging
import os
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeAlias

from langgraph.config import get_config
from langgraph.constants import CONFIG_KEY_CHECKPOINTER
from PIL import Image, ImageChops

from langchain_nemotron_omni.agents.computer_use.computer import BrowserComputer, Computer
from langchain_nemotron_omni.agents.computer_use.domains import DomainPolicy
from langchain_nemotron_omni.agents.computer_use.lifecycle import RunWatch
from langchain_nemotron_omni.agents.computer_use.sessions import ThreadWatch

if TYPE_CHECKING:
    from collections.abc import Mapping

    from langchain_nemotron_omni.agents.computer_use.sessions import SessionPool
    from langchain_nemotron_omni.agents.computer_use.state import ComputerUseSettings

logger = logging.getLogger(__name__)

ComputerSource: TypeAlias = (
    Computer | Callable[["ComputerUseSettings"], AbstractContextManager[Computer]]
)
"""An environment the caller started (and will stop), or a function of the run's settings
returning a context manager that starts one for a run: the agent enters it and exits it when
the run ends."""

CHANGED_PIXELS = 0.0005
"""Two screenshots show different screens when more than this share of their pixels changed
visibly (a blinking caret does not count; a typed word or a new dialog does)."""
_VISIBLE = 24  # grey levels

_incarnations: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


class Environments:
    """How the agent's nodes get the run's environment (see the module doc)."""

    def __init__(self, source: ComputerSource, pool: SessionPool) -> None:
        """Use ``source``; environments the agent starts live in ``pool``."""
        self.source = source
        self.pool = pool
        self.watch = RunWatch(pool)

    @property
    def owned(self) -> bool:
        """Whether the agent starts (and stops) the environments itself."""
        return not isinstance(self.source, Computer)

    def get(self, state: Mapping[str, Any], settings: ComputerUseSettings) -> tuple[Computer, str]:
        """The run's environment and its incarnation, started (and reopened) if needed.

        Raises:
            RunEndedError: The calling node's run has already ended.
            EnvironmentLimitError: The process's cap on open environments is reached.
        """
        if isinstance(self.source, Computer):
            return self.source, incarnation_of(self.source)
        factory = self.source
        lease = self.pool.acquire(
            state["session"],
            lambda: factory(settings),
            owner=self.watch.current_run(),
            thread=_thread_watch(),
        )
        if lease.created:
            _reopen(lease.computer, state, settings)
        return lease.computer, lease.incarnation

    def close(self, state: Mapping[str, Any]) -> None:
        """Close the run's environment if the agent started it."""
        if self.owned and state.get("session"):
            self.pool.close(state["session"])


def incarnation_of(computer: Computer) -> str:
    """An id for an environment object the caller owns (a new object: a new id)."""
    try:
        return _incarnations.setdefault(computer, os.urandom(6).hex())
    except TypeError:  # not weak-referenceable
        return f"{os.getpid()}-{id(computer)}"


def screens_differ(before: bytes, after: bytes) -> bool:
    """Whether two PNG screenshots show different screens (see :data:`CHANGED_PIXELS`)."""
    with Image.open(io.BytesIO(before)) as first, Image.open(io.BytesIO(after)) as second:
        if first.size != second.size:
            return True
        diff = ImageChops.difference(first.convert("L"), second.convert("L"))
    changed = sum(diff.point(lambda level: 255 if level > _VISIBLE else 0).histogram()[255:])
    return changed > CHANGED_PIXELS * first.size[0] * first.size[1]


def _reopen(computer: Computer, state: Mapping[str, Any], settings: ComputerUseSettings) -> None:
    """Bring a restarted browser back to the run's last page, as far as the allow-list lets."""
    url = (state.get("screen") or {}).get("url")
    if not url or not isinstance(computer, BrowserComputer) or not url.startswith("http"):
        return
    if not DomainPolicy(settings.allowed_domains).allows(url):
        return
    try:
        computer.navigate(url)
    except Exception as exc:  # noqa: BLE001  # the model sees where the browser is instead
        logger.warning("could not reopen %s after restarting the browser: %s", url, exc)


def _thread_watch() -> ThreadWatch | None:
    try:
        configurable = get_config().get("configurable") or {}
    except RuntimeError:
        return None
    checkpointer = configurable.get(CONFIG_KEY_CHECKPOINTER)
    thread = configurable.get("thread_id")
    if checkpointer is None or thread is None:
        return None
    return ThreadWatch(checkpointer, str(thread))
