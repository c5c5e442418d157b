"""Which local files a message's content may name.

A ``file://`` URL inside a message's content blocks is read when the request is prepared.
In a script that is the user's own file (``media.image("cat.png")`` makes such a block);
on a server the messages may come from a remote caller, and a block naming
``file:///etc/passwd`` must not make the server read it. So message content may name local
files only where :attr:`MediaOptions.local_files
<langchain_nemotron_omni.media.MediaOptions.local_files>` allows:

- ``"anywhere"``: any file this process can read;
- a folder: only files under it (symbolic links and ``..`` resolved first);
- ``"none"``: no local files at all;
- ``"auto"`` (the default): the ``NEMOTRON_OMNI_LOCAL_FILES`` environment variable (one of
  the above) when it is set; otherwise ``"none"`` inside a LangGraph server process and
  ``"anywhere"`` elsewhere.

The block helpers (``media.image(path)`` ...) read the path they are given in code as they
always did; this rule is about what a message's content names.
"""

from __future__ import annotations

import os
import posixpath
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_nemotron_omni.media.errors import LocalFileRefusedError

if TYPE_CHECKING:
    from collections.abc import Mapping

LOCAL_FILES_ENV = "NEMOTRON_OMNI_LOCAL_FILES"
"""The deployment's setting for ``local_files="auto"``: ``anywhere``, ``none`` or a folder."""

ANYWHERE = "anywhere"
NOWHERE = "none"
AUTO = "auto"

_SETTING = f"MediaOptions(local_files=...) or {LOCAL_FILES_ENV}"


def in_langgraph_server() -> bool:
    """Whether this process is a LangGraph server (``langgraph dev``, the Agent Server).

    Every LangGraph server loads its graphs from inside the ``langgraph_api`` package, so it
    is imported there and (almost) nowhere else.
    """
    return "langgraph_api" in sys.modules


@dataclass(frozen=True)
class FileAccess:
    """The local files message content may name: anywhere, under ``root``, or none.

    Attributes:
        anywhere: Any readable file.
        root: The folder files must be under (resolved); None with ``anywhere`` False
            means no file at all.
    """

    anywhere: bool = False
    root: Path | None = None

    @classmethod
    def from_setting(
        cls, setting: str | os.PathLike[str], environ: Mapping[str, str] | None = None
    ) -> FileAccess:
        """The access a ``local_files`` setting gives (``"auto"`` reads the environment)."""
        if isinstance(setting, str) and setting == AUTO:
            env = os.environ if environ is None else environ
            configured = env.get(LOCAL_FILES_ENV, "").strip()
            if configured and configured != AUTO:
                return cls.from_setting(configured)
            return cls(anywhere=not in_langgraph_server())
        if isinstance(setting, str) and setting == ANYWHERE:
            return cls(anywhere=True)
        if isinstance(setting, str) and setting == NOWHERE:
            return cls()
        return cls(root=Path(setting).expanduser().resolve())

    def check(self, path: Path, *, what: str) -> Path:
        """``path`` resolved, if message content may name it.

        Decided from the name alone, before the file is opened: a refusal says nothing
        about whether the file exists.

        Raises:
            LocalFileRefusedError: Local files are off, or ``path`` is outside the root.
        """
        resolved = path.resolve()
        if self.anywhere or (self.root is not None and resolved.is_relative_to(self.root)):
            return resolved
        raise LocalFileRefusedError(self._refusal(what))

    def check_remote(self, path: str, *, what: str) -> None:
        """Check a ``file://`` path that is passed on for the model server to read.

        The file is on the server's disk, not necessarily this one's, so the path is
        normalised as text (``..`` removed) rather than resolved here.

        Raises:
            LocalFileRefusedError: As :meth:`check`.
        """
        if self.anywhere:
            return
        normalised = posixpath.normpath("/" + path.lstrip("/"))
        if self.root is not None and Path(normalised).is_relative_to(self.root):
            return
        raise LocalFileRefusedError(self._refusal(what))

    def _refusal(self, what: str) -> str:
        where = (
            "reads no local files named in messages"
            if self.root is None
            else "reads local files named in messages only from its media folder"
        )
        return (
            f"{what} names a local file, and this process {where} (messages may come from "
            "a remote caller). Send the media itself (base64 or bytes) or an http(s) URL; "
            f"the operator can allow a folder with {_SETTING}."
        )
