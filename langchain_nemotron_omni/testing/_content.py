"""Message content as vLLM flattens it for the template: text plus media placeholders.

List content becomes one string (text parts joined by newlines, a placeholder per media item);
media URLs are checked like vLLM's ``MediaConnector.load_from_url`` without fetching them.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from langchain_nemotron_omni.testing._errors import RequestError, reject_field

if TYPE_CHECKING:
    from langchain_nemotron_omni.testing.flavors import Flavor

_TEXT_PARTS = frozenset({"text", "input_text", "output_text", "refusal"})
# What each media part type counts as.
_MEDIA_PARTS: dict[str, str] = {
    "image_url": "image",
    "input_image": "image",
    "image_embeds": "image",
    "image_pil": "image",
    "audio_url": "audio",
    "input_audio": "audio",
    "audio_embeds": "audio",
    "video_url": "video",
}
_EMBEDDED = frozenset({"image_embeds", "audio_embeds", "image_pil"})
_URL_MEDIA_PARTS = frozenset({"image_url", "video_url", "audio_url", "input_audio"})
PLACEHOLDERS: dict[str, str] = {"image": "<image>", "video": "<video>", "audio": "<so_embedding>"}


def reject_tool_media(content: Any, index: int) -> None:
    """Refuse media in a tool message: vLLM's tool content is text only (vllm#43203)."""
    if not isinstance(content, list):
        return
    for part in content:
        if isinstance(part, dict) and part.get("type") in _URL_MEDIA_PARTS:
            raise RequestError(
                400,
                f"messages[{index}]: tool message content supports text parts only, "
                f"got a {part.get('type')!r} part",
            )


class ContentConverter:
    """Flattens list content into text plus media placeholders, counting the media."""

    def __init__(self, flavor: Flavor, allowed_local_media_path: Path | None) -> None:
        """Check parts the way ``flavor`` does; local files only under the allowed folder."""
        self.flavor = flavor
        self.allowed = allowed_local_media_path
        self.media: dict[str, int] = {"image": 0, "video": 0, "audio": 0}

    def flatten(self, content: Any) -> str:
        """The text the template sees for one message's content.

        Raises:
            RequestError: A malformed or refused part.
        """
        if content is None:
            return ""
        if isinstance(content, str):
            return content
        if not isinstance(content, list):
            reject_field(
                "messages.content", "Input should be a valid string or a list of content parts"
            )
        texts: list[str] = []
        counts: dict[str, int] = {}
        for part in content:
            if isinstance(part, str):
                texts.append(part)
                continue
            kind = self._part(part, texts)
            if kind is not None:
                placeholder = PLACEHOLDERS[kind]
                counts[placeholder] = counts.get(placeholder, 0) + 1
                self.media[kind] += 1
        text = "\n".join(texts)
        # Placeholders the text does not already hold go first, one per line.
        missing = [p for p, n in counts.items() for _ in range(n - text.count(p))]
        return "\n".join([*missing, text]) if missing else text

    def _part(self, part: Any, texts: list[str]) -> str | None:
        if not isinstance(part, dict):
            raise RequestError(400, f"Invalid content part: {part!r}")
        accepted = self.flavor.part_types
        part_type = part.get("type")
        if part_type is None:
            # vLLM accepts {"image_url": ...} without a type and infers it from the key.
            part_type = next((k for k in part if k in accepted), None)
        if not isinstance(part_type, str):
            raise RequestError(400, "Invalid 'type' field in multimodal part.")
        if part_type not in accepted:
            raise RequestError(
                400,
                f"Unknown part type: {part_type}. This server accepts content parts of type "
                f"{', '.join(sorted(accepted))}.",
            )
        if part_type in _TEXT_PARTS:
            value = part.get("text", part.get("refusal", ""))
            texts.append(value if isinstance(value, str) else str(value))
            return None
        if part_type == "thinking":
            return None
        if self.flavor.checks_media:
            self._check_media(part_type, part)
        return _MEDIA_PARTS[part_type]

    def _check_media(self, part_type: str, part: dict[str, Any]) -> None:
        if part_type in _EMBEDDED:
            return
        url: Any
        if part_type == "input_audio":
            audio = part.get("input_audio")
            if not isinstance(audio, dict):
                raise RequestError(400, "input_audio must be {'data': <base64>, 'format': ...}")
            # vLLM turns it into this data URL before loading it.
            url = f"data:audio/{audio.get('format')};base64,{audio.get('data')}"
        else:
            value = part.get(part_type, part.get("image_url"))
            url = value.get("url") if isinstance(value, dict) else value
        if url is None and part.get("uuid") is not None:
            return  # a cached media item referenced by uuid alone
        if not isinstance(url, str):
            raise RequestError(400, f"{part_type} must carry a 'url' string")
        check_media_url(url, self.allowed)


def check_media_url(url: str, allowed_local_media_path: Path | None) -> None:
    """Check a media URL like vLLM's ``MediaConnector.load_from_url``, without fetching it.

    Raises:
        RequestError: The refusal vLLM answers with.
    """
    scheme = urlparse(url).scheme.lower()
    if scheme in {"http", "https"}:
        return  # no network here: accepted as if fetched
    if scheme == "data":
        spec, sep, data = url[5:].partition(",")
        if not sep or ";" not in spec:
            raise RequestError(400, "not enough values to unpack (expected 2, got 1)")
        _, encoding = spec.split(";", 1)
        if encoding != "base64":
            raise RequestError(501, "Only base64 data URLs are supported for now.")
        try:
            base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise RequestError(400, f"Invalid base64 data in data URL: {exc}") from exc
        return
    if scheme == "file":
        if allowed_local_media_path is None:
            raise RequestError(500, "Cannot load local files without --allowed-local-media-path.")
        path = Path(unquote(urlparse(url).path)).resolve()
        root = allowed_local_media_path.resolve()
        if not path.is_relative_to(root):
            raise RequestError(
                400,
                f"The file path {path} must be a subpath of `--allowed-local-media-path {root}`.",
            )
        if not path.is_file():
            raise RequestError(500, f"[Errno 2] No such file or directory: '{path}'")
        return
    raise RequestError(400, "The URL must be either a HTTP, data or file URL.")
