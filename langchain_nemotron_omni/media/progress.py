"""Progress of long media work (converting video and audio, rendering PDF pages).

Preparing media happens inside a model call, so progress is reported to whoever listens in
the current context rather than returned:

```python
from langchain_nemotron_omni.media import MediaProgress, media_progress

def show(update: MediaProgress) -> None:
    print(f"{update.what}: {update.task} {update.done:g}/{update.total:g} {update.unit}")

with media_progress(show):
    llm.invoke([message])  # a WebM is converted, a PDF rendered: `show` hears about it
```

The listener runs in the thread doing the work, between steps, so it should be quick. With no
listener, reporting costs one context-variable lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Iterator

Unit = Literal["s", "pages"]


@dataclass(frozen=True)
class MediaProgress:
    """One step of a long media task.

    Attributes:
        what: The input, named as in errors (``"'clip.webm' (video #1 in message 1)"``).
        task: What is being done (``"converting to MP4"``, ``"rendering pages"``).
        done: How far it got, in ``unit``.
        total: The whole task in ``unit``, when known (a video's duration may not be).
        unit: ``"s"`` (seconds of media) or ``"pages"``.
        finished: The last report of this task.
    """

    what: str
    task: str
    done: float
    total: float | None
    unit: Unit
    finished: bool = False

    @property
    def fraction(self) -> float | None:
        """``done / total`` in [0, 1], when the total is known."""
        if not self.total:
            return 1.0 if self.finished else None
        return max(0.0, min(1.0, self.done / self.total))


Listener: TypeAlias = Callable[[MediaProgress], None]

_LISTENER: ContextVar[Listener | None] = ContextVar("nemotron_omni_media_progress", default=None)


@contextmanager
def media_progress(listener: Listener) -> Iterator[None]:
    """Send progress of media work done inside the block to ``listener``."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


class Reporter:
    """Reports one task's progress, at most every ``step`` units, and once when it ends."""

    def __init__(
        self, what: str, task: str, *, total: float | None, unit: Unit, step: float = 1.0
    ) -> None:
        """Start a task (reported at once, at 0)."""
        self._listener = _LISTENER.get()
        self._what, self._task, self._total, self._unit = what, task, total, unit
        self._step = step
        self._last = 0.0
        self._emit(0.0, finished=False)

    def advance(self, done: float) -> None:
        """The task reached ``done``; reported when it moved ``step`` since the last report."""
        if self._listener is not None and done - self._last >= self._step:
            self._last = done
            self._emit(done, finished=False)

    def finish(self) -> None:
        """The task is over."""
        self._emit(self._total if self._total is not None else self._last, finished=True)

    def _emit(self, done: float, *, finished: bool) -> None:
        if self._listener is not None:
            update = MediaProgress(self._what, self._task, done, self._total, self._unit, finished)
            self._listener(update)
