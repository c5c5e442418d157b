"""Media inputs for Nemotron 3 Nano Omni: images, video, audio and PDFs.

Build blocks with :func:`image`, :func:`video`, :func:`audio` and :func:`pdf` (from a path,
bytes or a URL), or with :func:`block`, which tells the kind from the bytes;
:func:`prepare_messages` turns every media block of a conversation into the content parts a
provider accepts, checking and converting the media first, and :func:`media_request_fields`
gives the request fields that go with videos. :func:`media_progress` reports long work
(conversions, PDF rendering) while it runs.
"""

from langchain_nemotron_omni.media.blocks import audio, block, image, pdf, video
from langchain_nemotron_omni.media.cache import MEDIA_CACHE, CacheStats, MediaCache
from langchain_nemotron_omni.media.convert import media_request_fields, prepare_messages
from langchain_nemotron_omni.media.errors import (
    CorruptMediaError,
    EncryptedPDFError,
    InvalidMediaOptionsError,
    LocalFileRefusedError,
    MediaError,
    MediaSizeWarning,
    MediaSourceError,
    MediaTooLargeError,
    MissingAudioTrackError,
    MissingMediaDependencyError,
    ModalityNotSupportedError,
    UnknownMediaTypeError,
    UnsupportedMediaError,
)
from langchain_nemotron_omni.media.options import MediaOptions, PageSelection, Transport
from langchain_nemotron_omni.media.pdf import (
    RenderedPage,
    page_count,
    page_labels,
    page_texts,
    render_pages,
)
from langchain_nemotron_omni.media.progress import MediaProgress, media_progress
from langchain_nemotron_omni.media.rules import RULES, MediaRules, rules_for
from langchain_nemotron_omni.media.sniff import Sniffed, sniff

__all__ = [
    "MEDIA_CACHE",
    "RULES",
    "CacheStats",
    "CorruptMediaError",
    "EncryptedPDFError",
    "InvalidMediaOptionsError",
    "LocalFileRefusedError",
    "MediaCache",
    "MediaError",
    "MediaOptions",
    "MediaProgress",
    "MediaRules",
    "MediaSizeWarning",
    "MediaSourceError",
    "MediaTooLargeError",
    "MissingAudioTrackError",
    "MissingMediaDependencyError",
    "ModalityNotSupportedError",
    "PageSelection",
    "RenderedPage",
    "Sniffed",
    "Transport",
    "UnknownMediaTypeError",
    "UnsupportedMediaError",
    "audio",
    "block",
    "image",
    "media_progress",
    "media_request_fields",
    "page_count",
    "page_labels",
    "page_texts",
    "pdf",
    "prepare_messages",
    "render_pages",
    "rules_for",
    "sniff",
    "video",
]
