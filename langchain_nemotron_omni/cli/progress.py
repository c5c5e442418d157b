"""The progress line ``nemotron-omni`` shows on stderr while media is converted or rendered."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TextIO

    from langchain_nemotron_omni.media import MediaProgress

_QUARTERS = 4


class ProgressDisplay:
    """A media-progress listener that writes to a terminal or a log.

    On a terminal one line per task is rewritten in place; elsewhere (a pipe, a CI log) a line
    is written when a task starts, at each quarter, and when it ends.
    """

    def __init__(self, err: TextIO) -> None:
        """Write to ``err``."""
        self._err = err
        self._tty = err.isatty()
        self._quarter: dict[tuple[str, str], int] = {}

    def __call__(self, update: MediaProgress) -> None:
        """Show one update."""
        line = f"{update.what}: {update.task}: {self._amount(update)}"
        if self._tty:
            self._err.write("\r" + line + ("\n" if update.finished else ""))
        else:
            key = (update.what, update.task)
            fraction = update.fraction
            quarter = _QUARTERS if update.finished else int((fraction or 0.0) * _QUARTERS)
            if self._quarter.get(key) == quarter:
                return
            self._quarter[key] = quarter
            self._err.write(line + "\n")
        self._err.flush()

    @staticmethod
    def _amount(update: MediaProgress) -> str:
        if update.unit == "pages":
            total = f" of {update.total:g}" if update.total else ""
            return f"{update.done:g}{total}"
        total = f" / {update.total:.1f}" if update.total else ""
        return f"{update.done:.1f}{total} s"
