"""Checking images with Pillow, and converting the formats a server will not take to PNG."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from langchain_nemotron_omni.media.errors import CorruptMediaError, MediaTooLargeError

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

# Modes PNG stores as they are; anything else (CMYK, YCbCr, I, F...) becomes RGB(A) first.
_PNG_MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "I;16"})


@dataclass(frozen=True)
class ImageInfo:
    """What decoding an image found."""

    width: int
    height: int
    format: str


@dataclass(frozen=True)
class CheckedImage:
    """An image ready to send: the bytes, their MIME type and what Pillow found."""

    data: bytes
    mime_type: str
    info: ImageInfo


def _decode(data: bytes, *, what: str) -> PILImage:
    from PIL import Image  # noqa: PLC0415  # ~30 ms: only when an image is sent

    try:
        with warnings.catch_warnings():
            # Over Pillow's pixel limit is a warning up to 2x, then an error: treat both alike.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()  # decodes everything: catches truncated and damaged files
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        msg = (
            f"{what} is too large to decode safely ({exc}). Downscale it before sending "
            "(the model tiles images; a few megapixels is plenty)."
        )
        raise MediaTooLargeError(msg) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        msg = (
            f"{what} looks like an image but cannot be decoded ({exc}). The file is "
            "damaged or truncated: export or capture it again."
        )
        raise CorruptMediaError(msg) from exc
    return image


def check_image(
    data: bytes, mime_type: str, *, accepted: frozenset[str], what: str, decode: bool = True
) -> CheckedImage:
    """Decode an image to prove it is intact, and convert it to PNG if it must be.

    Args:
        data: The image bytes.
        mime_type: The sniffed MIME type.
        accepted: MIME types the server takes as they are.
        what: How to name the image in errors.
        decode: Decode images that need no conversion (``False`` trusts the sniffed type).

    Raises:
        CorruptMediaError: Pillow cannot decode the bytes.
        MediaTooLargeError: Over Pillow's decompression-bomb limit.
    """
    if mime_type in accepted and not decode:
        return CheckedImage(data, mime_type, ImageInfo(0, 0, mime_type.split("/")[1].upper()))
    image = _decode(data, what=what)
    info = ImageInfo(image.width, image.height, image.format or mime_type)
    if mime_type in accepted:
        return CheckedImage(data, mime_type, info)
    return CheckedImage(to_png(image), "image/png", info)


def to_png(image: PILImage) -> bytes:
    """The first frame of ``image`` as PNG bytes."""
    if image.mode not in _PNG_MODES:
        has_alpha = "A" in image.getbands() or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
