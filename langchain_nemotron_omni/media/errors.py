"""Errors and warnings about media inputs.

Every error names the input (a file name, or "image #2 in message 3") and the fix, and is
raised before any request is sent. They share one base, :class:`MediaError`, so callers can
catch every media problem at once.
"""

from __future__ import annotations

from langchain_nemotron_omni.errors import NemotronOmniError
from langchain_nemotron_omni.extras import MissingExtraError


class MediaError(NemotronOmniError):
    """A media input that cannot be sent as given."""


class MediaSourceError(MediaError):
    """The media could not be found or read: a missing file, a bad data URI, a ``file_id``."""


class LocalFileRefusedError(MediaSourceError):
    """A message names a local file that message content may not name here.

    See :mod:`langchain_nemotron_omni.media.access`.
    """


class UnknownMediaTypeError(MediaError):
    """The bytes match no image, video, audio or PDF format this package knows."""


class UnsupportedMediaError(MediaError):
    """The media is of a known type the block or server cannot take (and cannot convert)."""


class CorruptMediaError(MediaError):
    """The media claims a format but cannot be decoded (Pillow, PyAV or PDFium fail on it)."""


class EncryptedPDFError(MediaError):
    """The PDF is password-protected."""


class MediaTooLargeError(MediaError):
    """The media is over a size or duration limit."""


class ModalityNotSupportedError(MediaError):
    """The provider or model cannot take this kind of media at all."""


class MissingAudioTrackError(MediaError):
    """``use_audio_in_video`` was asked for but a video has no audio track."""


class MissingMediaDependencyError(MediaError, MissingExtraError):
    """An optional library is needed for this media: PyAV (``[video]``) or pypdfium2 (``[pdf]``)."""


class MediaSizeWarning(UserWarning):
    """The media is over a provider's recommended (not enforced) size or duration."""


class InvalidMediaOptionsError(MediaError):
    """A :class:`~langchain_nemotron_omni.media.MediaOptions` value that cannot work."""
