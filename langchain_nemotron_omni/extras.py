"""The optional features of the package and the extras that install them.

The base install is the chat model (images included). Everything heavier is an extra:

* ``pdf``: pypdfium2, for PDF blocks (sent as page images).
* ``video``: PyAV (with its own FFmpeg), to convert video and audio the server does not take
  (WebM, MOV, Ogg...) and to check them before sending.
* ``agents``: LangGraph, pypdfium2 and langgraph-checkpoint-sqlite, for the agents (LangGraph
  graphs), the document-QA agent's reading and the agents' command-line persistence.
* ``browser``: ``agents`` and Playwright, for the computer-use agent's browser (it drives the
  system Chromium).
* ``all``: all of the above.

A feature used without its extra raises :class:`MissingExtraError` (an ``ImportError``) whose
message names the ``pip install`` line.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Literal

from langchain_nemotron_omni.errors import NemotronOmniError

if TYPE_CHECKING:
    from types import ModuleType

DISTRIBUTION = "langchain-nemotron-omni"

Extra = Literal["pdf", "video", "agents", "browser", "all"]

EXTRAS: dict[Extra, str] = {
    "pdf": "PDF blocks (pypdfium2)",
    "video": "video and audio conversion and checks (PyAV)",
    "agents": "the agents (LangGraph), the document-QA agent's PDFs, their SQLite persistence",
    "browser": "the computer-use agent's browser (Playwright on the system Chromium)",
    "all": "every optional feature",
}


# Import name -> the package a user recognises, for messages.
_PACKAGES = {
    "av": "PyAV",
    "pypdfium2": "pypdfium2",
    "playwright": "Playwright",
    "langgraph": "LangGraph",
    "langgraph.checkpoint.sqlite": "langgraph-checkpoint-sqlite",
}


def install_line(extra: Extra) -> str:
    """The command that installs ``extra``, quoted for a POSIX shell."""
    return f"pip install '{DISTRIBUTION}[{extra}]'"


class MissingExtraError(NemotronOmniError, ImportError):
    """A feature needs an optional dependency that is not installed.

    Attributes:
        extra: The extra that installs it (``pdf``, ``video``, ``agents``, ``browser``).
        install: The ``pip install`` line.
    """

    def __init__(self, message: str, *, extra: Extra, module: str) -> None:
        """Say what is missing, for what, and how to install it."""
        super().__init__(message)
        self.name = module
        self.extra = extra
        self.install = install_line(extra)


def missing_extra(
    purpose: str,
    *,
    extra: Extra,
    module: str,
    error: type[MissingExtraError] = MissingExtraError,
    hint: str = "",
) -> MissingExtraError:
    """The error for ``purpose`` needing ``module``, which ``extra`` installs.

    Args:
        purpose: What was being done, as the start of a sentence ("Rendering 'a.pdf'").
        extra: The extra that installs the module.
        module: The missing module's import name.
        error: The class to raise (a subclass, e.g. a media error).
        hint: An alternative that needs no install, appended to the message.
    """
    message = (
        f"{purpose} needs {_PACKAGES.get(module, module)}, which is not installed. "
        f"Install it with: {install_line(extra)}"
    )
    if hint:
        message += f" ({hint})"
    return error(message + ".", extra=extra, module=module)


def require(
    module: str,
    *,
    extra: Extra,
    purpose: str,
    error: type[MissingExtraError] = MissingExtraError,
    hint: str = "",
) -> ModuleType:
    """Import ``module``, or raise the error naming the extra that installs it.

    Raises:
        MissingExtraError: The module (or one of its own dependencies) cannot be imported.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise missing_extra(purpose, extra=extra, module=module, error=error, hint=hint) from exc
