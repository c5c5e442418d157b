"""What the demo server says it received: each part of the request, measured from its bytes.

In demo mode (no endpoint configured) the bundled fake server stands in for the model. It
cannot answer, but it can show that the media arrived as the model would get it: the kind and
format of each part, its size, an image's pixels, a video's or a sound's duration (with PyAV
installed), a PDF's pages, and the video options sent with them.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from langchain_nemotron_omni.demo import DEMO_LABEL
from langchain_nemotron_omni.errors import NemotronOmniError
from langchain_nemotron_omni.media import audiovisual
from langchain_nemotron_omni.media.sniff import sniff_or_none

if TYPE_CHECKING:
    from langchain_nemotron_omni.testing import ChatRequest

_MEDIA_PARTS = {"image_url": "image", "video_url": "video", "audio_url": "audio"}
_PAGE = re.compile(r"Page (.+):")
_PASTED = re.compile(r"^File (.+):\n```\n(.*?)\n```$", re.MULTILINE | re.DOTALL)


def _size(count: int) -> str:
    if count >= 1_000_000:  # noqa: PLR2004
        return f"{count / 1_000_000:.1f} MB"
    return f"{count / 1000:.1f} KB"


def _payload(part: dict[str, Any]) -> bytes | None:
    """The bytes a media part carries (inline data, or a ``file://`` file); None for URLs."""
    kind = part.get("type", "")
    if kind == "input_audio":
        data = str(part.get("input_audio", {}).get("data", ""))
        return base64.b64decode(data)
    url = str((part.get(kind) or {}).get("url", ""))
    if url.startswith("data:"):
        return base64.b64decode(url.partition(",")[2])
    if url.startswith("file://"):
        return Path(unquote(urlparse(url).path)).read_bytes()
    return None


def _image_size(data: bytes) -> str:
    from PIL import Image  # noqa: PLC0415  # only when the demo got an image

    with Image.open(io.BytesIO(data)) as picture:
        return f"{picture.width}x{picture.height}"


def _duration(data: bytes) -> str:
    if not audiovisual.av_installed():
        return "duration unknown (PyAV not installed)"
    info = audiovisual.probe(data, what="the media")
    seconds = "duration unknown" if info.duration is None else f"{info.duration:.1f} s"
    if info.has_video:
        return f"{seconds}, {'with' if info.has_audio else 'without'} sound"
    return seconds


def describe_part(part: dict[str, Any]) -> str:
    """One media part: its kind, format, size and what its bytes say."""
    kind = _MEDIA_PARTS.get(part.get("type", ""), "audio")
    try:
        data = _payload(part)
    except (OSError, ValueError, binascii.Error) as error:
        return f"{kind}: unreadable ({error})"
    if data is None:
        return f"{kind}: a URL the server would fetch"
    found = sniff_or_none(data[:4096])
    facts = [found.name if found else "unknown format"]
    try:
        if kind == "image":
            facts.append(_image_size(data))
        else:
            facts.append(_duration(data))
    except (NemotronOmniError, OSError, ValueError) as error:
        facts.append(f"unreadable ({error})")
    facts.append(_size(len(data)))
    return f"{kind}: {', '.join(facts)}"


def _user_parts(request: ChatRequest) -> list[dict[str, Any]]:
    content = request.messages[-1].get("content") if request.messages else None
    if isinstance(content, list):
        return [part for part in content if isinstance(part, dict)]
    return [{"type": "text", "text": content or ""}]


def describe_request(request: ChatRequest) -> tuple[list[str], list[str]]:
    """What the last user turn carried: one line per attachment, one per media option."""
    parts = _user_parts(request)
    lines: list[str] = []
    pages: list[str] = []
    page_bytes = 0
    page_formats: set[str] = set()
    index = 0
    while index < len(parts):
        part = parts[index]
        text = part.get("text") if part.get("type") == "text" else None
        following = parts[index + 1] if index + 1 < len(parts) else {}
        page = _PAGE.fullmatch(text or "")
        if page and following.get("type") == "image_url":
            # The model gets a PDF as "Page N:" and that page's image, page after page.
            pages.append(page[1])
            data = _payload(following) or b""
            page_bytes += len(data)
            found = sniff_or_none(data[:4096])
            page_formats.add(found.name if found else "unknown format")
            index += 2
            continue
        if pages:
            lines.append(_pdf_line(pages, page_formats, page_bytes))
            pages, page_bytes, page_formats = [], 0, set()
        lines.extend(_text_files(text) if text is not None else [describe_part(part)])
        index += 1
    if pages:
        lines.append(_pdf_line(pages, page_formats, page_bytes))
    return lines, _video_options(request.body)


def _text_files(text: str) -> list[str]:
    """The pasted text files in a text part: ``File NAME:`` and a fenced block each."""
    return [f"text file {name}, {len(body):,} characters" for name, body in _PASTED.findall(text)]


def _pdf_line(pages: list[str], formats: set[str], size: int) -> str:
    kinds = "/".join(sorted(formats))
    return f"PDF: {len(pages)} page(s) ({', '.join(pages)}) as {kinds} images, {_size(size)}"


def _video_options(body: dict[str, Any]) -> list[str]:
    lines = []
    video = (body.get("media_io_kwargs") or {}).get("video") or {}
    if video:
        lines.append(
            f"video sampling: {video.get('fps')} frame(s) per second, "
            f"at most {video.get('num_frames')} frames"
        )
    if (body.get("mm_processor_kwargs") or {}).get("use_audio_in_video"):
        lines.append("videos' sound tracks: heard (use_audio_in_video)")
    return lines


def demo_reply(request: ChatRequest) -> str:
    """What the demo server 'thinks' and answers: it describes what it was sent."""
    texts = [str(part.get("text", "")) for part in _user_parts(request) if "text" in part]
    # The question is the turn's last text (after any pasted text files).
    question = (texts[-1] if texts else "").rsplit("\n\n", 1)[-1].strip()
    attachments, options = describe_request(request)
    thought = (
        f"The user asked {question!r}. This is the scripted demo server, so I will describe "
        "what arrived instead of answering."
    )
    seen = f" and {len(attachments)} attachment(s):" if attachments else "."
    seen += "".join(f"\n- {line}" for line in attachments)
    if options:
        seen += "\nwith these media options:" + "".join(f"\n- {line}" for line in options)
    answer = (
        f"{DEMO_LABEL}\nI received your question ({len(question)} characters){seen}\n"
        "Connect a real endpoint to get the model's answer."
    )
    return f"{thought}\n</think>\n{answer}"
