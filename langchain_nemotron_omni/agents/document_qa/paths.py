"""Confine document paths to an allowed root, so a served graph cannot read arbitrary files."""

from __future__ import annotations

import os
from pathlib import Path, PurePath

from langchain_nemotron_omni.agents.document_qa.errors import (
    DocumentNotFoundError,
    DocumentPathError,
)

DOCS_ROOT_ENV = "NEMOTRON_OMNI_DOCS_ROOT"
"""Where the served graph (``graphs/document_qa.py``) reads documents from."""


def resolve_root(root: str | os.PathLike[str]) -> Path:
    """The allowed root as a real, existing directory.

    Raises:
        DocumentPathError: The root does not exist or is not a directory.
    """
    real = Path(root).resolve()
    if not real.is_dir():
        raise DocumentPathError(
            root,
            "the allowed document root is not an existing directory; create it or point "
            f"allowed_root ({DOCS_ROOT_ENV} for the served graph) at the folder holding "
            "your documents",
        )
    return real


def resolve_document(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> Path:
    """The real path of a document inside ``root``.

    Relative paths are taken from ``root``. Symlinks are resolved before the check, so a link
    inside the root that points outside it is refused like ``../secret.pdf`` is.

    Raises:
        DocumentPathError: The path contains ``..``, a NUL byte, or resolves outside ``root``.
        DocumentNotFoundError: Nothing (or a directory) is at the path.
    """
    text = os.fspath(path)
    if "\x00" in text:
        raise DocumentPathError(repr(text), "a path may not contain NUL bytes")
    # Refused outright, even when it would land back inside: no path games on a server.
    if ".." in PurePath(text).parts:
        raise DocumentPathError(
            text, "'..' is not allowed in document paths; give a path inside the allowed root"
        )
    real_root = resolve_root(root)
    candidate = Path(text)
    real = (candidate if candidate.is_absolute() else real_root / candidate).resolve()
    if not real.is_relative_to(real_root):
        raise DocumentPathError(
            text,
            f"outside the allowed document root {real_root}; copy the file into it or "
            "choose another root",
        )
    if not real.is_file():
        what = "a directory, not a file" if real.is_dir() else "no such file"
        raise DocumentNotFoundError(text, f"{what} (looked in {real_root})")
    return real
