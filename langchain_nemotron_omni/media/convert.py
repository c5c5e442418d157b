"""Turning media blocks in LangChain messages into the content parts the server accepts.

:func:`prepare_messages` runs before LangChain's own Chat Completions conversion (which
rejects v1 ``video`` blocks and audio URLs, and sends ``audio/mpeg`` as format ``mpeg``).
Every media block or part comes out as an ``image_url``, ``video_url``, ``audio_url`` or
``input_audio`` part, checked and converted; text and other blocks are left as they are.
:func:`media_request_fields` gives the request fields that go with the media.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage

from langchain_nemotron_omni.media import audiovisual
from langchain_nemotron_omni.media.blocks import check_kind
from langchain_nemotron_omni.media.errors import (
    InvalidMediaOptionsError,
    MediaSourceError,
    ModalityNotSupportedError,
    UnsupportedMediaError,
)
from langchain_nemotron_omni.media.options import (
    DEFAULT_VIDEO_FPS,
    DEFAULT_VIDEO_NUM_FRAMES,
    MediaOptions,
)
from langchain_nemotron_omni.media.parts import BlockKind, MediaItem, local_media, parse_part
from langchain_nemotron_omni.media.prepare import (
    PROBES,
    Modality,
    Prepared,
    Preparer,
    require_audio_track,
)
from langchain_nemotron_omni.media.rules import MediaRules, rules_for
from langchain_nemotron_omni.media.source import (
    LocalMedia,
    is_remote_url,
    path_from_file_url,
)
from langchain_nemotron_omni.profiles import get_profile
from langchain_nemotron_omni.providers import OMNI_MODEL_CATALOG

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from langchain_nemotron_omni.media.cache import MediaCache
    from langchain_nemotron_omni.providers import ProviderSpec

_MIME_AUDIO_FORMAT = {"audio/wav": "wav", "audio/mpeg": "mp3", "audio/flac": "flac"}
_PROFILE_FLAGS = {"image": "image_inputs", "video": "video_inputs", "audio": "audio_inputs"}


class _Session:
    """Converts the media of one request."""

    def __init__(
        self,
        provider: ProviderSpec,
        options: MediaOptions,
        model: str | None,
        cache: MediaCache | None,
    ) -> None:
        self.provider = provider
        self.options = options
        self.rules: MediaRules = rules_for(provider.name)
        self.model = model
        self.preparer = Preparer(self.rules, options, cache)
        self.access = options.file_access
        if options.transport == "file" and not self.rules.local_files:
            msg = (
                f"transport='file' sends file:// URLs, which only a self-hosted server on this "
                f"machine can read; provider {provider.name!r} cannot. Use transport='inline'."
            )
            raise InvalidMediaOptionsError(msg)
        self.videos: list[MediaItem] = []
        self.audios: list[MediaItem] = []

    # -- checks before any reading ------------------------------------------------------------

    def check_modality(self, modality: Modality, what: str) -> None:
        if modality not in self.provider.media:
            takes = ", ".join(sorted(self.provider.media)) or "no media"
            msg = (
                f"{what}: provider {self.provider.name!r} does not take {modality} input "
                f"(it takes {takes}). Remove it, or use a provider that does (e.g. vllm, nvidia)."
            )
            raise ModalityNotSupportedError(msg)
        if self.model is None:
            return
        profile = get_profile(self.model, provider=self.provider.name)
        if profile is not None and profile.get(_PROFILE_FLAGS[modality]) is False:
            name = profile.get("name", "no media input")
            msg = (
                f"{what}: model {self.model!r} is text-only ({name}) and cannot take "
                f"{modality}. Use Nemotron 3 Nano Omni "
                f"({OMNI_MODEL_CATALOG}) or remove the {modality}."
            )
            raise ModalityNotSupportedError(msg)

    # -- one item ------------------------------------------------------------------------------

    def convert(self, item: MediaItem) -> list[dict[str, Any]]:
        what = item.what
        if item.malformed is not None:
            raise MediaSourceError(_malformed_message(item.malformed, what))
        if item.file_id is not None:
            msg = (
                f"{what} refers to file_id {item.file_id!r}; Nemotron servers have no Files "
                "API. Pass the media itself: a path, bytes, base64, or an http(s) URL."
            )
            raise MediaSourceError(msg)
        if item.kind != "file":
            self.check_modality(item.kind, what)
        if item.url is not None and is_remote_url(item.url):
            return [self._remote(item)]
        if item.raw and item.url is not None and item.url[:7].lower() == "file://":
            passed = self._raw_file_url(item)
            if passed is not None:
                return [passed]
        media = local_media(item, self.access)
        if item.kind == "file":
            return self._file(item, media)
        check_kind(media.sniffed, item.kind, what=what)
        return [self._part(item, item.kind, self.preparer.media(media, item.kind))]

    def _remote(self, item: MediaItem) -> dict[str, Any]:
        assert item.url is not None  # noqa: S101  # the caller checked
        what = item.what
        if item.kind == "file":
            msg = (
                f"{what} is a file URL ({item.url}); PDFs are rendered to page images here and "
                "URLs are never fetched. Download it and pass the path or bytes "
                "(langchain_nemotron_omni.media.pdf(path))."
            )
            raise MediaSourceError(msg)
        if item.kind == "audio" and not self.rules.audio_urls:
            msg = (
                f"{what} is a URL ({item.url}), but provider {self.provider.name!r} takes audio "
                "only as base64 data. Download it and pass the path or bytes "
                "(langchain_nemotron_omni.media.audio(path))."
            )
            raise MediaSourceError(msg)
        if item.kind == "video":
            self.videos.append(item)
        elif item.kind == "audio":
            self.audios.append(item)
        part_type = f"{item.kind}_url"
        return {
            "type": part_type,
            part_type: {"url": item.url, **item.inner_keys},
            **item.part_keys,
        }

    def _raw_file_url(self, item: MediaItem) -> dict[str, Any] | None:
        """A raw part's ``file://`` URL names a file on the server's disk.

        With ``transport="file"`` it is checked and converted like any local file (``None``
        is returned); otherwise it is passed on as written, to a self-hosted server only.
        """
        if not self.rules.local_files:
            msg = (
                f"{item.what} is a file:// URL, which provider {self.provider.name!r} cannot "
                "read. Send the file's content instead: langchain_nemotron_omni.media."
                f"{item.kind}(path) makes a block that is sent inline."
            )
            raise MediaSourceError(msg)
        if self.options.transport == "file":
            return None
        assert item.url is not None  # noqa: S101  # the caller checked
        self.access.check_remote(
            path_from_file_url(item.url, what=item.what).as_posix(), what=item.what
        )
        return self._remote(item)

    def _file(self, item: MediaItem, media: LocalMedia) -> list[dict[str, Any]]:
        sniffed = media.sniffed
        if sniffed.kind != "pdf":
            # A file block holding an image, video or audio is sent as that.
            self.check_modality(sniffed.kind, item.what)
            kind: Modality = sniffed.kind
            return [self._part(item, kind, self.preparer.media(media, kind))]
        self.check_modality("image", item.what)
        extras = item.extras
        dpi = extras.get("dpi", self.options.pdf_dpi)
        max_pixels = extras.get("max_pixels", self.options.pdf_max_pixels)
        if not isinstance(dpi, (int, float)) or dpi <= 0:
            msg = f"{item.what}: extras['dpi'] must be a positive number, not {dpi!r}."
            raise InvalidMediaOptionsError(msg)
        if not isinstance(max_pixels, int) or max_pixels <= 0:
            msg = f"{item.what}: extras['max_pixels'] must be a positive int, not {max_pixels!r}."
            raise InvalidMediaOptionsError(msg)
        rendered = self.preparer.pdf(
            media,
            pages=extras.get("pages", self.options.pdf_pages),
            dpi=float(dpi),
            max_pixels=max_pixels,
        )
        parts: list[dict[str, Any]] = []
        for page in rendered.pages:
            parts.append({"type": "text", "text": f"Page {page.title}:"})
            parts.append(self._part(MediaItem("image", item.what), "image", page.image))
        return parts

    def _part(self, item: MediaItem, kind: Modality, prepared: Prepared) -> dict[str, Any]:
        part: dict[str, Any]
        if kind == "audio" and self.rules.audio_part == "input_audio":
            fmt = _MIME_AUDIO_FORMAT.get(prepared.mime_type, prepared.mime_type.split("/")[-1])
            data = prepared.url.partition(",")[2]
            part = {"type": "input_audio", "input_audio": {"data": data, "format": fmt}}
        else:
            part_type = f"{kind}_url"
            part = {"type": part_type, part_type: {"url": prepared.url, **item.inner_keys}}
        part.update(item.part_keys)
        if self._uuid() and "uuid" not in part:
            part["uuid"] = prepared.digest
        if kind == "video":
            self.videos.append(item)
        elif kind == "audio":
            self.audios.append(item)
        return part

    def _uuid(self) -> bool:
        return self.rules.uuid if self.options.uuid is None else self.options.uuid

    def check_request(self) -> None:
        """Checks across items: ``use_audio_in_video`` cannot mix with separate audio."""
        if self.options.use_audio_in_video and self.videos and self.audios:
            msg = (
                f"{self.audios[0].what} is sent next to {len(self.videos)} video(s) with "
                "use_audio_in_video on; vLLM then needs exactly one audio item per video "
                "(their sound tracks) and rejects the request. Send the audio in its own "
                "request, or turn use_audio_in_video off."
            )
            raise UnsupportedMediaError(msg)


def _malformed_message(part_type: str, what: str) -> str:
    if part_type == "input_audio":
        needs = "input_audio={'data': <base64>, 'format': 'wav'}"
    elif part_type.endswith(" block"):
        needs = "string 'url', 'base64' or 'file_id' fields"
    else:
        needs = f"{part_type}={{'url': ...}}"
    return f"{what} is a malformed {part_type.removesuffix(' block')} part: it needs {needs}."


def _label(kind: BlockKind, number: int, message: int, filename: str | None) -> str:
    where = f"{kind} #{number} in message {message}"
    return f"'{filename}' ({where})" if filename else where


def _items(
    messages: Sequence[BaseMessage | Mapping[str, Any]],
) -> Iterator[tuple[int, int, MediaItem | None, Any]]:
    """(message index, part index, item or None, part) for every list-content part."""
    for m_index, message in enumerate(messages):
        content = message.content if isinstance(message, BaseMessage) else message.get("content")
        if not isinstance(content, list):
            continue
        counters: Counter[str] = Counter()
        for p_index, part in enumerate(content):
            item = parse_part(part)
            if item is not None:
                counters[item.kind] += 1
                item.what = _label(
                    item.kind, counters[item.kind], m_index + 1, item.extras.get("filename")
                )
            yield m_index, p_index, item, part


def prepare_messages(
    messages: Sequence[BaseMessage],
    *,
    provider: ProviderSpec,
    options: MediaOptions | None = None,
    model: str | None = None,
    cache: MediaCache | None = None,
) -> list[BaseMessage]:
    """Turn every media block in ``messages`` into a content part the provider accepts.

    Handles LangChain v1 ``image``/``video``/``audio``/``file`` (PDF) blocks (``url``,
    ``base64``; ``file_id`` is refused), legacy v0 blocks (``source_type``), and raw
    ``image_url``/``video_url``/``audio_url``/``input_audio`` parts (checked, converted if
    their format needs it, passed on). Text parts and string content are untouched. Local
    media (paths, ``file://``, bytes, base64, ``data:``) is checked from its bytes,
    converted where the server will not take the format (WebP to PNG, WebM to MP4, Ogg to
    WAV...), and sent inline as base64 or as ``file://`` (``options.transport``). A PDF
    becomes a ``"Page N:"`` text part and an image part per page.

    Args:
        messages: The conversation.
        provider: The provider the request goes to (formats, part shapes, limits).
        options: How media is checked and sent; defaults to ``MediaOptions()``.
        model: The model id; a text-only model (Nemotron 3 Nano) refuses all media.
        cache: The media cache; defaults to the process-wide one.

    Returns:
        New messages where any content changed (the others are returned as they are).

    Raises:
        MediaError: A subclass naming the input and the fix, before any request is sent.
    """
    options = options or MediaOptions()
    session = _Session(provider, options, model, cache)
    changed: dict[int, list[Any]] = {}
    for m_index, p_index, item, _part in _items(messages):
        if item is None:
            continue
        content = changed.get(m_index)
        if content is None:
            content = changed[m_index] = [[part] for part in messages[m_index].content]
        content[p_index] = session.convert(item)
    session.check_request()
    out: list[BaseMessage] = []
    for m_index, message in enumerate(messages):
        if m_index in changed:
            flat = [part for group in changed[m_index] for part in group]
            out.append(message.model_copy(update={"content": flat}))
        else:
            out.append(message)
    return out


def media_request_fields(
    options: MediaOptions, messages: Sequence[BaseMessage | Mapping[str, Any]]
) -> dict[str, Any]:
    """The request fields that go with the videos in ``messages`` (for ``extra_body``).

    ``media_io_kwargs.video`` carries both ``fps`` and ``num_frames`` when either is set
    (vLLM drops the server default of a field the request leaves out; the missing one gets
    the model cookbook's value, 1 fps or 512 frames). ``mm_processor_kwargs`` carries
    ``use_audio_in_video``; each local video must then have a sound track (checked with PyAV;
    ``http(s)`` videos cannot be checked here) and no separate audio may be sent.
    Works on the original or the prepared messages.

    Args:
        options: The media options (``fps``, ``num_frames``, ``use_audio_in_video``).
        messages: ``BaseMessage`` objects or Chat Completions message dicts.

    Returns:
        ``{}`` when there is no video, else the fields to merge into the request body.

    Raises:
        MissingAudioTrackError: ``use_audio_in_video`` and a video without sound.
        UnsupportedMediaError: ``use_audio_in_video`` and separate audio items.
    """
    videos, audios = _videos_and_audios(messages)
    if not videos:
        return {}
    fields: dict[str, Any] = {}
    if options.fps is not None or options.num_frames is not None:
        fps = options.fps if options.fps is not None else DEFAULT_VIDEO_FPS
        frames = options.num_frames if options.num_frames is not None else DEFAULT_VIDEO_NUM_FRAMES
        fields["media_io_kwargs"] = {"video": {"fps": fps, "num_frames": frames}}
    if options.use_audio_in_video:
        if audios:
            msg = (
                f"{audios[0].what} is sent next to {len(videos)} video(s) with "
                "use_audio_in_video on; vLLM then needs exactly one audio item per video "
                "(their sound tracks) and rejects the request. Send the audio in its own "
                "request, or turn use_audio_in_video off."
            )
            raise UnsupportedMediaError(msg)
        for item in videos:
            _check_video_audio(item, options)
        fields["mm_processor_kwargs"] = {"use_audio_in_video": True}
    return fields


def _videos_and_audios(
    messages: Sequence[BaseMessage | Mapping[str, Any]],
) -> tuple[list[MediaItem], list[MediaItem]]:
    videos: list[MediaItem] = []
    audios: list[MediaItem] = []
    for _, _, item, _part in _items(messages):
        if item is None:
            continue
        kind = _file_kind(item) if item.kind == "file" else item.kind
        if kind == "video":
            videos.append(item)
        elif kind == "audio":
            audios.append(item)
    return videos, audios


def _file_kind(item: MediaItem) -> str:
    mime = (item.mime_type or "").split("/")[0]
    return mime if mime in {"video", "audio", "image"} else "file"


def _check_video_audio(item: MediaItem, options: MediaOptions) -> None:
    uuid = item.part_keys.get("uuid")
    info = PROBES.get(uuid) if isinstance(uuid, str) else None
    if info is None:
        url = item.url or ""
        server_file = item.raw and url[:7].lower() == "file://" and options.transport != "file"
        if is_remote_url(url) or server_file:
            return  # never fetched, or on the server's disk: the server will judge
        media = local_media(item, options.file_access)
        info = PROBES.get(media.cache_key)
        if info is None:
            source = media.path if media.path is not None else media.read()
            info = audiovisual.probe(source, what=item.what)
            PROBES.put(media.cache_key, info)
    require_audio_track(info, what=item.what)
