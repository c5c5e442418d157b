"""From the model's coordinates to screen pixels.

Nemotron 3 Nano Omni answers with fractions of the screenshot in [0, 1] (NVIDIA's tool
contract for the browser and ``coordinate_type="relative"`` for the desktop). Pixels are
``round(fraction * size)`` clamped onto the screen, which maps NVIDIA's test fixture
``(0.664, 0.308)`` on 1920x1080 to ``(1275, 333)``.
"""

from __future__ import annotations

from typing import Literal

CoordinateMode = Literal["relative", "auto"]
"""``relative``: always fractions, values outside [0, 1] are clamped (the tool protocol's
schema). ``auto``: fractions when both values are within [-1, 1], else absolute pixels (the
desktop protocol's rule, since a model may still answer in pixels)."""


def to_pixels(
    point: tuple[float, float], size: tuple[int, int], mode: CoordinateMode = "relative"
) -> tuple[int, int]:
    """Convert a model point to pixels on a screen of ``size``, clamped onto the screen.

    Args:
        point: ``(x, y)`` as the model gave it.
        size: ``(width, height)`` of the screenshot the model saw.
        mode: How to read the values (see :data:`CoordinateMode`).

    Returns:
        ``(x, y)`` in pixels, within ``[0, width - 1]`` x ``[0, height - 1]``.

    Raises:
        ValueError: The screen size is not positive.
    """
    width, height = size
    if width <= 0 or height <= 0:
        msg = f"screen size must be positive, got {width}x{height}"
        raise ValueError(msg)
    x, y = point
    relative = mode == "relative" or (abs(x) <= 1 and abs(y) <= 1)
    if relative:
        x, y = min(max(x, 0.0), 1.0) * width, min(max(y, 0.0), 1.0) * height
    return _clamp(round(x), width), _clamp(round(y), height)


def _clamp(value: int, size: int) -> int:
    return min(max(value, 0), size - 1)
