"""Errors of the document-QA agent: each names the file and says how to fix it."""

from __future__ import annotations

from langchain_nemotron_omni.agents.common.errors import SettingsError
from langchain_nemotron_omni.errors import NemotronOmniError

__all__ = [
    "CorruptDocumentError",
    "DocumentError",
    "DocumentNotFoundError",
    "DocumentPathError",
    "EmptyDocumentError",
    "EncryptedPDFError",
    "QuestionInputError",
    "SettingsError",
    "UnsupportedDocumentError",
]


class DocumentError(NemotronOmniError):
    """A document could not be used; ``path`` is the file as the caller named it."""

    def __init__(self, path: object, message: str) -> None:
        """Keep the path and a message that starts with it."""
        self.path = str(path)
        super().__init__(f"{self.path}: {message}")


class DocumentPathError(DocumentError):
    """The path leaves the allowed root (``..``, an absolute path elsewhere, a symlink out)."""


class DocumentNotFoundError(DocumentError):
    """No file at the path (or it is a directory)."""


class UnsupportedDocumentError(DocumentError):
    """Not a PDF or an image this agent can read."""


class EncryptedPDFError(DocumentError):
    """The PDF needs a password."""


class CorruptDocumentError(DocumentError):
    """The PDF (or image) could not be parsed: truncated, damaged or mislabelled."""


class EmptyDocumentError(DocumentError):
    """The file is empty or the PDF has no pages."""


class QuestionInputError(NemotronOmniError):
    """A run's input lacks a question or documents."""
