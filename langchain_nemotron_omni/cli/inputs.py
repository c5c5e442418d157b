"""What ``nemotron-omni ask`` sends: the question and the files or URLs named with it.

Text files are pasted into the prompt, each in a fenced block named after it. Images, audio,
video and PDFs (paths or URLs) become media blocks through the library's media layer
(``langchain_nemotron_omni.media.block``), which reads their type from their bytes; the
model checks and converts them before sending, as it does for any caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from langchain_core.messages import HumanMessage

from langchain_nemotron_omni.errors import NemotronOmniError
from langchain_nemotron_omni.media import MediaSourceError, block
from langchain_nemotron_omni.media.sniff import SNIFF_BYTES, sniff_or_none
from langchain_nemotron_omni.media.source import is_remote_url

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_core.messages.content import ContentBlock

MAX_TEXT_FILE = 2_000_000
"""Largest text file pasted into a prompt."""

Kind = Literal["text", "image", "video", "audio", "pdf"]


class CLIError(NemotronOmniError):
    """A usage problem the command line reports in one line, without a traceback."""


@dataclass(frozen=True)
class Attachment:
    """One file or URL named on the command line.

    Attributes:
        name: As the user wrote it.
        kind: ``text`` for a pasted text file, else the media kind.
        part: The content block that carries it.
    """

    name: str
    kind: Kind
    part: ContentBlock


def attachment(name: str) -> Attachment:
    """Read one command-line argument: a text file, or media by path or URL.

    Raises:
        CLIError: A missing file, or one that is neither text nor media.
        MediaError: A URL whose kind cannot be told, a ``file://`` URL on another host.
    """
    if is_remote_url(name):
        try:
            media = block(name)
        except MediaSourceError:
            msg = (
                f"{name}: a URL is sent as an image, video or audio by its extension (.png, "
                ".mp4, .wav...), and PDFs are rendered here; download it and pass the file"
            )
            raise CLIError(msg) from None
        return Attachment(name, _kind(media), media)
    if name[:7].lower() == "file://":
        media = block(name)
        return Attachment(name, _kind(media), media)
    path = Path(name).expanduser()
    if not path.is_file():
        msg = f"{name}: no such file"
        raise CLIError(msg)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if sniff_or_none(head) is not None:
        media = block(path)
        return Attachment(name, _kind(media), media)
    return Attachment(name, "text", {"type": "text", "text": _text_part(path)})


def _kind(media: ContentBlock) -> Kind:
    return "pdf" if media["type"] == "file" else media["type"]  # type: ignore[return-value]


def _text_part(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_TEXT_FILE:
        msg = f"{path}: {size:,} bytes is too large to paste into a prompt (limit 2 MB)"
        raise CLIError(msg)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        msg = (
            f"{path}: neither a UTF-8 text file nor an image, audio, video or PDF "
            "(its type is read from its bytes, not its name)"
        )
        raise CLIError(msg) from None
    return f"File {path.name}:\n```\n{text}\n```"


def build_message(question: str, attachments: Sequence[Attachment]) -> HumanMessage:
    """The user turn: the attachments in the order given, then the question.

    Without media it is one string (text files, then the question), as before media support.
    """
    if all(item.kind == "text" for item in attachments):
        texts = [str(item.part["text"]) for item in attachments]  # type: ignore[typeddict-item]
        return HumanMessage("\n\n".join([*texts, question]))
    parts: list[ContentBlock] = [item.part for item in attachments]
    parts.append({"type": "text", "text": question})
    return HumanMessage(content_blocks=parts)
