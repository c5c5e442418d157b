"""One local media item, made ready to send: checked, converted if need be, encoded.

The work for an item (decoding, converting, base64) is cached by content hash; the checks
that depend on the request's options (sizes, durations, audio tracks) run on every call.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cachetools import LRUCache

from langchain_nemotron_omni.media import audiovisual
from langchain_nemotron_omni.media.cache import MEDIA_CACHE, MediaCache
from langchain_nemotron_omni.media.encode import (
    data_url_from_b64,
    data_url_from_bytes,
    data_url_from_file,
)
from langchain_nemotron_omni.media.errors import (
    MediaSizeWarning,
    MediaSourceError,
    MediaTooLargeError,
    MissingAudioTrackError,
    UnsupportedMediaError,
)
from langchain_nemotron_omni.media.images import check_image
from langchain_nemotron_omni.media.pdf import render_pages
from langchain_nemotron_omni.media.rules import (
    MODEL_CARD_AUDIO_SECONDS,
    MODEL_CARD_VIDEO_SECONDS,
    MediaRules,
)
from langchain_nemotron_omni.media.source import LocalMedia, file_url, hash_file

if TYPE_CHECKING:
    from collections.abc import Hashable

    from langchain_nemotron_omni.media.audiovisual import AVInfo
    from langchain_nemotron_omni.media.options import MediaOptions, PageSelection

Modality = Literal["image", "video", "audio"]
_EXTENSIONS = {"image/png": "png", "video/mp4": "mp4", "audio/wav": "wav"}


@dataclass(frozen=True)
class Prepared:
    """One media item as it will be sent.

    Attributes:
        url: A ``data:`` or ``file://`` URL.
        mime_type: The MIME type of what is sent (after any conversion).
        digest: SHA-256 of the bytes sent (vLLM's ``uuid``).
        sent_bytes: Size on the wire: the data URL's length, or the file's size.
        info: What PyAV found (video and audio), if it was probed.
        converted_from: The original MIME type when the media was converted.
    """

    url: str
    mime_type: str
    digest: str
    sent_bytes: int
    info: AVInfo | None = None
    converted_from: str | None = None

    @property
    def nbytes(self) -> int:
        """Memory held (for the cache budget)."""
        return len(self.url) + 256


@dataclass(frozen=True)
class PreparedPage:
    """One rendered PDF page as it will be sent."""

    title: str
    image: Prepared


@dataclass(frozen=True)
class PreparedPDF:
    """A rendered PDF as it will be sent."""

    pages: tuple[PreparedPage, ...]

    @property
    def nbytes(self) -> int:
        """Memory held (for the cache budget)."""
        return sum(page.image.nbytes for page in self.pages)


class _ProbeMemo:
    """What PyAV found per content hash: lets ``media_request_fields`` skip re-probing."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._items: LRUCache[str, AVInfo] = LRUCache(max_entries)
        self._lock = threading.Lock()

    def get(self, key: str) -> AVInfo | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: str, info: AVInfo) -> None:
        with self._lock:
            self._items[key] = info


PROBES = _ProbeMemo()


class Preparer:
    """Prepares local media for one request, with one provider's rules and options."""

    def __init__(
        self, rules: MediaRules, options: MediaOptions, cache: MediaCache | None = None
    ) -> None:
        """Bind the provider's rules, the options and the cache (the process-wide one)."""
        self.rules = rules
        self.options = options
        self.cache = cache if cache is not None else MEDIA_CACHE

    # -- entry points ------------------------------------------------------------------------

    def media(self, media: LocalMedia, modality: Modality) -> Prepared:
        """Check, convert and encode one image, video or audio item (cached)."""
        use_file = self._use_file(media)
        needs_probe = modality != "image" and self._probe(modality)
        key: Hashable = (
            media.cache_key,
            modality,
            self._accepted(modality),
            use_file,
            self.options.check,
            needs_probe,
            # file:// parts name the file itself: equal content elsewhere is another part.
            (str(media.path), str(self.options.conversion_root)) if use_file else None,
        )
        prepared = self._cached(key)
        if not isinstance(prepared, Prepared):
            if modality == "image":
                prepared = self._image(media, use_file=use_file)
            else:
                prepared = self._av(media, modality, use_file=use_file, probe=needs_probe)
            self._store(key, prepared)
        if prepared.info is not None:
            PROBES.put(media.cache_key, prepared.info)
            PROBES.put(prepared.digest, prepared.info)
        self.check_limits(prepared, modality, what=media.what)
        return prepared

    def pdf(
        self,
        media: LocalMedia,
        *,
        pages: PageSelection | None,
        dpi: float,
        max_pixels: int,
    ) -> PreparedPDF:
        """Render a PDF's pages to image data URLs (cached)."""
        page_key = pages if isinstance(pages, (str, int)) or pages is None else tuple(pages)
        key: Hashable = (
            media.cache_key,
            "pdf",
            page_key,
            dpi,
            max_pixels,
            self.options.pdf_max_pages,
        )
        rendered = self._cached(key)
        if not isinstance(rendered, PreparedPDF):
            source = media.path if media.path is not None else media.read()
            pages_out = []
            for page in render_pages(
                source,
                pages=pages,
                dpi=dpi,
                max_pixels=max_pixels,
                max_pages=self.options.pdf_max_pages,
                what=media.what,
            ):
                url = data_url_from_bytes(page.data, page.mime)
                digest = hashlib.sha256(page.data).hexdigest()
                image = Prepared(url, page.mime, digest, len(url))
                pages_out.append(PreparedPage(page.title, image))
            rendered = PreparedPDF(tuple(pages_out))
            self._store(key, rendered)
        for prepared in rendered.pages:
            what = f"page {prepared.title} of {media.what}"
            self.check_limits(prepared.image, "image", what=what)
        return rendered

    # -- checks that depend on the options ---------------------------------------------------

    def check_limits(self, prepared: Prepared, modality: Modality, *, what: str) -> None:
        """Sizes, durations and the audio track, against the options and provider rules.

        Raises:
            MediaTooLargeError: Over a hard limit.
            MissingAudioTrackError: ``use_audio_in_video`` and the video has no sound.
        """
        options = self.options
        size = prepared.sent_bytes
        if options.max_item_bytes is not None and size > options.max_item_bytes:
            limit = _mb(options.max_item_bytes)
            msg = f"{what} is {_mb(size)} as sent, over max_item_bytes ({limit}). " + _shrink_hint(
                modality
            )
            raise MediaTooLargeError(msg)
        soft = self.rules.soft_item_bytes
        if soft is not None and prepared.url.startswith("data:") and size > soft:
            self._over_recommended(f"{what} is {_mb(size)} as sent; {self.rules.soft_item_fix}.")
        info = prepared.info
        if info is not None and info.duration is not None:
            self._check_duration(info.duration, modality, what=what)
        if modality == "video" and options.use_audio_in_video and info is not None:
            require_audio_track(info, what=what)

    def _check_duration(self, seconds: float, modality: Modality, *, what: str) -> None:
        options = self.options
        hard: list[tuple[float, str]] = []
        if modality == "video":
            if options.max_video_seconds is not None:
                hard.append((options.max_video_seconds, "max_video_seconds"))
            if self.rules.max_video_seconds is not None:
                hard.append((self.rules.max_video_seconds, "this provider's limit"))
            soft = MODEL_CARD_VIDEO_SECONDS
        elif modality == "audio":
            if options.max_audio_seconds is not None:
                hard.append((options.max_audio_seconds, "max_audio_seconds"))
            soft = MODEL_CARD_AUDIO_SECONDS
        else:
            return
        for limit, name in hard:
            if seconds > limit:
                msg = (
                    f"{what} lasts {seconds:.1f} s, over {name} ({limit:g} s). "
                    f"Trim it (e.g. `ffmpeg -i in -t {limit:g} -c copy out`) or split it."
                )
                raise MediaTooLargeError(msg)
        if seconds > soft:
            self._over_recommended(
                f"{what} lasts {seconds:.1f} s; the model card supports {modality} up to "
                f"{soft:g} s. Trim or split it for reliable answers."
            )

    def _over_recommended(self, message: str) -> None:
        if self.options.strict_limits:
            raise MediaTooLargeError(message + " (strict_limits=True)")
        warnings.warn(
            message + " Pass MediaOptions(strict_limits=True) to make this an error.",
            MediaSizeWarning,
            stacklevel=4,
        )

    # -- the work ----------------------------------------------------------------------------

    def _accepted(self, modality: Modality) -> frozenset[str]:
        return {
            "image": self.rules.image_types,
            "video": self.rules.video_types,
            "audio": self.rules.audio_types,
        }[modality]

    def _probe(self, modality: Modality) -> bool:
        """Whether to open a video or audio item with PyAV before sending it."""
        options = self.options
        if modality == "video" and options.use_audio_in_video:
            return True  # its sound track must be there, or vLLM refuses the request
        if options.check is not None:
            return options.check
        limits = {
            "video": (options.max_video_seconds, self.rules.max_video_seconds),
            "audio": (options.max_audio_seconds,),
        }[modality]
        # A hard duration limit cannot be enforced without measuring: then PyAV is needed.
        return audiovisual.av_installed() or any(limit is not None for limit in limits)

    def _use_file(self, media: LocalMedia) -> bool:
        if self.options.transport != "file" or media.path is None:
            return False
        root = self.options.local_root
        assert root is not None  # noqa: S101  # MediaOptions enforces it
        if not media.path.resolve().is_relative_to(root):
            msg = (
                f"{media.what} ({media.path}) is not under allowed_local_media_path {root}, so "
                "the server may not read it. Move it there, start vLLM with a wider "
                "--allowed-local-media-path, or use transport='inline'."
            )
            raise MediaSourceError(msg)
        return True

    def _image(self, media: LocalMedia, *, use_file: bool) -> Prepared:
        sniffed = media.sniffed
        data = media.read()
        checked = check_image(
            data,
            sniffed.mime_type,
            accepted=self.rules.image_types,
            what=media.what,
            decode=self.options.check is not False,
        )
        if checked.data is data:
            return self._unchanged(media, checked.mime_type, use_file=use_file)
        digest = hashlib.sha256(checked.data).hexdigest()
        if use_file:
            target = self._conversion_target(digest, "png")
            if not target.exists():
                _write_atomically(target, checked.data)
            url = file_url(target)
            return Prepared(url, "image/png", digest, len(checked.data), None, sniffed.mime_type)
        url = data_url_from_bytes(checked.data, "image/png")
        return Prepared(url, "image/png", digest, len(url), None, sniffed.mime_type)

    def _av(
        self, media: LocalMedia, modality: Modality, *, use_file: bool, probe: bool
    ) -> Prepared:
        sniffed = media.sniffed
        accepted = sniffed.mime_type in self._accepted(modality) and sniffed.kind == modality
        info: AVInfo | None = None
        if probe or not accepted:
            source = media.path if media.path is not None else media.read()
            info = audiovisual.probe(source, what=media.what)
            _check_streams(info, modality, what=media.what)
        if accepted:
            return self._unchanged(media, sniffed.mime_type, use_file=use_file, info=info)
        assert info is not None  # noqa: S101  # probed above
        target_mime = "video/mp4" if modality == "video" else "audio/wav"
        return self._converted(media, modality, target_mime, info, use_file=use_file)

    def _converted(
        self, media: LocalMedia, modality: Modality, mime: str, info: AVInfo, *, use_file: bool
    ) -> Prepared:
        source = media.path if media.path is not None else media.read()
        ext = _EXTENSIONS[mime]
        if use_file:
            target = self._conversion_target(media.digest, ext)
            if not target.exists():
                with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
                    partial = Path(scratch) / target.name
                    _convert(source, partial, modality, info, what=media.what)
                    partial.replace(target)
            digest = hash_file(target)
            return Prepared(
                file_url(target), mime, digest, target.stat().st_size, info, media.sniffed.mime_type
            )
        with tempfile.TemporaryDirectory(prefix="nemotron-omni-") as scratch:
            target = Path(scratch) / f"converted.{ext}"
            _convert(source, target, modality, info, what=media.what)
            digest = hash_file(target)
            url = data_url_from_file(target, mime, what=media.what)
        return Prepared(url, mime, digest, len(url), info, media.sniffed.mime_type)

    def _unchanged(
        self, media: LocalMedia, mime: str, *, use_file: bool, info: AVInfo | None = None
    ) -> Prepared:
        if use_file:
            assert media.path is not None  # noqa: S101  # _use_file checked
            return Prepared(file_url(media.path), mime, media.digest, media.size, info)
        if media.path is not None:
            url = data_url_from_file(media.path, mime, what=media.what)
        elif media.b64 is not None:
            # Clean base64 as given (LocalMedia drops it if it had line breaks).
            url = data_url_from_b64(media.b64, mime)
        else:
            url = data_url_from_bytes(media.read(), mime)
        return Prepared(url, mime, media.digest, len(url), info)

    def _conversion_target(self, digest: str, ext: str) -> Path:
        root = self.options.conversion_root
        assert root is not None  # noqa: S101  # only with transport="file"
        root.mkdir(parents=True, exist_ok=True)
        return root / f"{digest}.{ext}"

    def _cached(self, key: Hashable) -> object | None:
        return self.cache.get(key) if self.options.cache else None

    def _store(self, key: Hashable, value: Prepared | PreparedPDF) -> None:
        if self.options.cache:
            self.cache.put(key, value)


def require_audio_track(info: AVInfo, *, what: str) -> None:
    """Raise unless the video has a sound track (``use_audio_in_video``).

    Raises:
        MissingAudioTrackError: It has none.
    """
    if not info.has_audio:
        msg = (
            f"{what} has no audio track, but use_audio_in_video is on: vLLM would pair the "
            "videos with too few audio items and reject the request. Turn use_audio_in_video "
            "off for this request, or send a video that has sound."
        )
        raise MissingAudioTrackError(msg)


def _check_streams(info: AVInfo, modality: Modality, *, what: str) -> None:
    if modality == "video" and not info.has_video:
        msg = f"{what} has no picture, only sound. Send it as audio instead of video."
        raise UnsupportedMediaError(msg)
    if modality == "audio" and not info.has_audio:
        msg = f"{what} has no sound track. Send it as a video or image instead."
        raise UnsupportedMediaError(msg)


def _convert(
    source: Path | bytes, target: Path, modality: Modality, info: AVInfo, *, what: str
) -> None:
    if modality == "video":
        audiovisual.to_mp4(source, target, info, what=what)
    else:
        audiovisual.to_wav(source, target, what=what, duration=info.duration)


def _write_atomically(target: Path, data: bytes) -> None:
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(target)


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.0f} KB"  # noqa: PLR2004


def _shrink_hint(modality: Modality) -> str:
    return {
        "image": "Downscale or recompress it (JPEG), or raise max_item_bytes.",
        "video": (
            "Trim or downscale it, use transport='file' with a local vLLM, or raise max_item_bytes."
        ),
        "audio": "Trim it or send it as MP3, or raise max_item_bytes.",
    }[modality]
