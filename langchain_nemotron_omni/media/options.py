"""``MediaOptions``: how media is checked, converted and sent."""

from __future__ import annotations

import os  # noqa: TC003 - pydantic resolves the annotations when a model holds MediaOptions
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeAlias

from langchain_nemotron_omni.media.access import FileAccess
from langchain_nemotron_omni.media.errors import InvalidMediaOptionsError

Transport = Literal["inline", "file"]

PageSelection: TypeAlias = int | str | Sequence[int]
"""1-based PDF pages: ``3``, ``[1, 2, 5]``, ``range(1, 4)`` or ``"1-3,5,8-"``."""

DEFAULT_PDF_DPI = 150.0
DEFAULT_PDF_MAX_PIXELS = 2_500_000
"""A letter or A4 page at 150 dpi fits; bigger pages (posters, A3) are scaled down."""
DEFAULT_PDF_MAX_PAGES = 100

# The model's cookbook serves video at these settings; one is filled in when only the other
# is given, because vLLM drops the server default of the field a request leaves out.
DEFAULT_VIDEO_FPS = 1.0
DEFAULT_VIDEO_NUM_FRAMES = 512


@dataclass(frozen=True)
class MediaOptions:
    """How media inputs are checked, converted and sent.

    Attributes:
        transport: ``"inline"`` sends media as base64 ``data:`` URLs (works everywhere).
            ``"file"`` sends local files as ``file://`` URLs, for a vLLM started with
            ``--allowed-local-media-path`` on the same machine: nothing is read into memory
            or copied into the request. In-memory media (bytes, base64) is always inline.
        allowed_local_media_path: The server's ``--allowed-local-media-path``; required with
            ``transport="file"``, and every file sent must be under it.
        conversion_dir: Where files converted for ``transport="file"`` (WebM to MP4, Ogg to
            WAV...) are written; must be under ``allowed_local_media_path``. Default:
            ``<allowed_local_media_path>/.nemotron-omni-converted``.
        uuid: Attach vLLM's ``uuid`` media-cache key (the SHA-256 of the bytes sent) to each
            part. ``None``: on for vLLM, off elsewhere.
        pdf_dpi: Resolution PDF pages are rendered at.
        pdf_pages: Which pages to render by default (1-based); ``None`` for all.
        pdf_max_pixels: Pixel budget per rendered page; bigger pages are scaled down.
        pdf_max_pages: Most pages one PDF may turn into (``None``: no limit).
        fps: Video frames sampled per second (vLLM ``media_io_kwargs.video.fps``).
        num_frames: Most video frames sampled (vLLM ``media_io_kwargs.video.num_frames``).
        use_audio_in_video: Let the model hear each video's sound track
            (``mm_processor_kwargs.use_audio_in_video``); every video must have one.
        max_item_bytes: Hard cap on the size of one item as sent.
        max_video_seconds: Hard cap on video length (on top of any provider's own cap).
        max_audio_seconds: Hard cap on audio length.
        strict_limits: Raise instead of warn when media is over a recommended limit (the
            hosted API's 200 KB per item, the model card's 2 minutes of video, 1 hour of audio).
        check: Decode images and open video and audio before sending, to catch corrupt files
            and measure durations. ``None`` (the default): images always, video and audio
            when PyAV is installed (the ``video`` extra), or when an option needs it
            (``use_audio_in_video``, a duration limit). ``True``: always, so video and audio
            need PyAV. ``False``: formats the server takes are sent after sniffing only.
            Converting a format the server does not take always needs PyAV.
        cache: Reuse checked and encoded media across calls, keyed by content hash.
        local_files: Which local files a message's content may name (``file://`` URLs in
            blocks or parts; messages may come from a remote caller): ``"anywhere"``, a
            folder they must be under, or ``"none"``. ``"auto"``: the
            ``NEMOTRON_OMNI_LOCAL_FILES`` variable if set, else ``"none"`` inside a
            LangGraph server and ``"anywhere"`` elsewhere (see
            :mod:`~langchain_nemotron_omni.media.access`).
    """

    transport: Transport = "inline"
    allowed_local_media_path: str | os.PathLike[str] | None = None
    conversion_dir: str | os.PathLike[str] | None = None
    uuid: bool | None = None
    pdf_dpi: float = DEFAULT_PDF_DPI
    pdf_pages: PageSelection | None = None
    pdf_max_pixels: int = DEFAULT_PDF_MAX_PIXELS
    pdf_max_pages: int | None = DEFAULT_PDF_MAX_PAGES
    fps: float | None = None
    num_frames: int | None = None
    use_audio_in_video: bool = False
    max_item_bytes: int | None = None
    max_video_seconds: float | None = None
    max_audio_seconds: float | None = None
    strict_limits: bool = False
    check: bool | None = None
    cache: bool = True
    local_files: str | os.PathLike[str] = "auto"

    def __post_init__(self) -> None:
        """Reject settings that cannot work, naming the field and the fix."""
        problems: list[str] = []
        if self.transport not in {"inline", "file"}:
            problems.append(f"transport must be 'inline' or 'file', not {self.transport!r}")
        if self.transport == "file" and self.allowed_local_media_path is None:
            problems.append(
                "transport='file' needs allowed_local_media_path: the folder the vLLM server "
                "was started with (--allowed-local-media-path DIR)"
            )
        if self.conversion_dir is not None and self.allowed_local_media_path is not None:
            root = Path(self.allowed_local_media_path).resolve()
            if not Path(self.conversion_dir).resolve().is_relative_to(root):
                problems.append(
                    f"conversion_dir {self.conversion_dir} must be under "
                    f"allowed_local_media_path {root}, or the server cannot read it"
                )
        if isinstance(self.local_files, str) and not self.local_files.strip():
            problems.append("local_files must be 'anywhere', 'none', 'auto' or a folder, not ''")
        positive: dict[str, float | None] = {
            "pdf_dpi": self.pdf_dpi,
            "pdf_max_pixels": self.pdf_max_pixels,
            "pdf_max_pages": self.pdf_max_pages,
            "fps": self.fps,
            "num_frames": self.num_frames,
            "max_item_bytes": self.max_item_bytes,
            "max_video_seconds": self.max_video_seconds,
            "max_audio_seconds": self.max_audio_seconds,
        }
        problems.extend(
            f"{name} must be positive, got {value!r}"
            for name, value in positive.items()
            if value is not None and not value > 0
        )
        if problems:
            msg = "Invalid MediaOptions: " + "; ".join(problems) + "."
            raise InvalidMediaOptionsError(msg)

    @property
    def file_access(self) -> FileAccess:
        """What ``local_files`` allows now (``"auto"`` is read from the environment)."""
        return FileAccess.from_setting(self.local_files)

    @property
    def local_root(self) -> Path | None:
        """``allowed_local_media_path`` resolved, or ``None``."""
        if self.allowed_local_media_path is None:
            return None
        return Path(self.allowed_local_media_path).resolve()

    @property
    def conversion_root(self) -> Path | None:
        """Where converted files go for ``transport="file"``."""
        if self.conversion_dir is not None:
            return Path(self.conversion_dir).resolve()
        root = self.local_root
        return None if root is None else root / ".nemotron-omni-converted"
