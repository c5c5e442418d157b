"""Token estimates for page images and text, used to plan and to enforce budgets.

Estimates (derived, not measured on the real tokenizer; see ``docs/wire-format.md``, Model limits):

* Image: Nemotron 3 Nano Omni cuts images into 16x16 patches and merges 2x2 of them into one
  token, so about one token per 32x32 = 1,024 pixels. The server keeps every image between
  1,024 and 13,312 patches, so one image costs 256 to 3,328 tokens whatever its size. A US
  letter page at 144 dpi (1224x1584) is about 1,893 tokens.
* Text: about 4 characters per token for prose (JSON and tables run denser; the agent
  calibrates against the usage the server reports, see :class:`Calibration`).
* Each message adds a few tokens of chat-template markup.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PIL import Image, UnidentifiedImageError

from langchain_nemotron_omni.tools.render import render_tools_prompt

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from langchain_core.messages import BaseMessage

PIXELS_PER_TOKEN = 32 * 32
MIN_IMAGE_TOKENS = 1024 // 4
MAX_IMAGE_TOKENS = 13312 // 4
MAX_IMAGE_PIXELS = MAX_IMAGE_TOKENS * PIXELS_PER_TOKEN
"""Larger images are downscaled by the server, so rendering more pixels is wasted."""
CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 5
POINTS_PER_INCH = 72


def image_tokens(width: int, height: int) -> int:
    """Tokens one image of ``width`` x ``height`` pixels costs."""
    tokens = math.ceil(max(width, 0) * max(height, 0) / PIXELS_PER_TOKEN)
    return min(max(tokens, MIN_IMAGE_TOKENS), MAX_IMAGE_TOKENS)


def text_tokens(text: str) -> int:
    """Tokens a text costs (about four characters each)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def render_scale(
    width_pt: float, height_pt: float, dpi: float, max_pixels: int = MAX_IMAGE_PIXELS
) -> float:
    """The render scale (pixels per PDF point) for ``dpi``, lowered to stay under ``max_pixels``."""
    scale = dpi / POINTS_PER_INCH
    pixels = width_pt * height_pt * scale * scale
    if pixels > max_pixels > 0:
        scale *= math.sqrt(max_pixels / pixels)
    return scale


def rendered_size(width_pt: float, height_pt: float, scale: float) -> tuple[int, int]:
    """Pixel size of an area of ``width_pt`` x ``height_pt`` points rendered at ``scale``."""
    return max(1, round(width_pt * scale)), max(1, round(height_pt * scale))


def data_url_image_size(url: str) -> tuple[int, int] | None:
    """Pixel size of a base64 image data URL (None when it is not one)."""
    if not url.startswith("data:image/"):
        return None
    _, _, payload = url.partition(",")
    try:
        with Image.open(io.BytesIO(base64.b64decode(payload))) as image:
            return image.size
    except (binascii.Error, ValueError, UnidentifiedImageError):
        return None


@dataclass(frozen=True)
class Estimate:
    """Estimated prompt tokens of a request, split into text and images."""

    text: int
    images: int
    image_count: int

    @property
    def total(self) -> int:
        """Text and image tokens together."""
        return self.text + self.images


def _content_estimate(content: str | Sequence[Any]) -> tuple[int, int, int]:
    if isinstance(content, str):
        return text_tokens(content), 0, 0
    text = images = count = 0
    for part in content:
        if isinstance(part, str):
            text += text_tokens(part)
        elif isinstance(part, dict) and part.get("type") == "image_url":
            size = data_url_image_size(str(part.get("image_url", {}).get("url", "")))
            images += image_tokens(*size) if size else MAX_IMAGE_TOKENS
            count += 1
        elif isinstance(part, dict):
            text += text_tokens(str(part.get("text", "")))
    return text, images, count


def tools_tokens(tools: Sequence[Mapping[str, Any]]) -> int:
    """Tokens the tools add to a prompt: the chat template's ``# Tools`` section for them."""
    return text_tokens(render_tools_prompt(tools)) if tools else 0


def estimate_messages(
    messages: Iterable[BaseMessage], tools: Sequence[Mapping[str, Any]] = ()
) -> Estimate:
    """Estimated prompt tokens for sending ``messages`` with ``tools``."""
    text = tools_tokens(tools)
    images = count = 0
    for message in messages:
        t, i, c = _content_estimate(message.content)
        text += t + MESSAGE_OVERHEAD
        images += i
        count += c
        reasoning = message.additional_kwargs.get("reasoning_content")
        if isinstance(reasoning, str):
            text += text_tokens(reasoning)
        for call in getattr(message, "tool_calls", None) or []:
            text += text_tokens(call["name"] + json.dumps(call["args"])) + MESSAGE_OVERHEAD
    return Estimate(text=text, images=images, image_count=count)


@dataclass
class Calibration:
    """Scales text estimates up when the server reports more prompt tokens than estimated.

    Only text is calibrated: image costs come from the model's patch rule, while text costs
    depend on the tokenizer and on chat-template markup the client never sees.
    """

    text_factor: float = 1.0
    max_factor: float = 3.0

    def observe(self, estimate: Estimate, reported_prompt: int | None) -> None:
        """Learn from one call's reported prompt tokens."""
        if not reported_prompt or estimate.text <= 0:
            return
        factor = (reported_prompt - estimate.images) / estimate.text
        self.text_factor = min(max(self.text_factor, factor), self.max_factor)

    def tokens(self, estimate: Estimate) -> int:
        """The calibrated estimate of a request."""
        return self.text_tokens(estimate.text) + estimate.images

    def text_tokens(self, estimated: int) -> int:
        """The calibrated estimate of some text's tokens."""
        return math.ceil(estimated * self.text_factor)
