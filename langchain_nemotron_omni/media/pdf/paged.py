"""What every document of pages offers, whatever it is made of (a PDF, an image file).

:class:`PagedDocument` is the one interface the agent reads documents through. It checks the
page index and the region of a render once, for every kind; a kind only says how big a page
is and how it is drawn (``_size``, ``_draw``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_nemotron_omni._pdfium import Box, ImageFormat, PageImage

DEFAULT_MAX_PIXELS = 13312 * 16 * 16
"""The model's largest image (13,312 patches of 16x16 pixels); more pixels are wasted."""


@dataclass(frozen=True)
class OutlineEntry:
    """One bookmark: its title, depth (0 = top) and 0-based target page (None: no target)."""

    title: str
    level: int
    page: int | None
    top: float | None = None
    """Where on its page the bookmark points, as a fraction of the page height from the top
    (None when the destination names no height, e.g. "fit the page")."""


def normalize_box(box: Box | list[float]) -> Box:
    """``box`` clamped to the page and put in order.

    Raises:
        ValueError: The box has no area.
    """
    x0, y0, x1, y1 = (min(max(float(v), 0.0), 1.0) for v in box)
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    if x1 - x0 <= 0 or y1 - y0 <= 0:
        msg = f"bbox {list(box)} has no area; give [x0, y0, x1, y1] with x0 < x1 and y0 < y1"
        raise ValueError(msg)
    return x0, y0, x1, y1


class PagedDocument(ABC):
    """A document of numbered pages (0-based indices), with text and renders of each."""

    kind: str
    """``"pdf"`` or ``"image"``."""
    name: str
    page_count: int
    labels: list[str]
    """The printed label of each page ("" where there is none)."""

    def check_index(self, index: int) -> None:
        """Raise IndexError naming the valid range when ``index`` is not a page.

        Raises:
            IndexError: The index is not a page of this document.
        """
        if not 0 <= index < self.page_count:
            msg = f"page {index + 1} does not exist; {self.name} has pages 1-{self.page_count}"
            raise IndexError(msg)

    def label(self, index: int) -> str:
        """The printed page label of page ``index`` ("" when there is none)."""
        self.check_index(index)
        return self.labels[index]

    @abstractmethod
    def page_size(self, index: int) -> tuple[float, float]:
        """Width and height as displayed, in points."""

    @abstractmethod
    def outline(self) -> list[OutlineEntry]:
        """The bookmarks, in document order."""

    @abstractmethod
    def text(self, index: int) -> str:
        """The page's text layer ("" for scans and images)."""

    @abstractmethod
    def text_in_box(self, index: int, box: Box) -> str:
        """The text inside a region of a page."""

    @abstractmethod
    def find(self, index: int, needle: str) -> list[Box]:
        """Boxes (one per line) of the first occurrence of ``needle`` on the page."""

    @abstractmethod
    def close(self) -> None:
        """Release the file."""

    def render_size(
        self, index: int, dpi: float, box: Box | None = None, max_pixels: int = DEFAULT_MAX_PIXELS
    ) -> tuple[int, int]:
        """Pixel size :meth:`render` produces (to within a pixel), without rendering."""
        return self._size(index, dpi, self._area(index, box), max_pixels)

    def render(
        self,
        index: int,
        dpi: float,
        box: Box | None = None,
        *,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        fmt: ImageFormat = "jpeg",
    ) -> PageImage:
        """Render page ``index`` (or its region ``box``) at ``dpi``, within ``max_pixels``."""
        return self._draw(index, dpi, self._area(index, box), max_pixels, fmt)

    def _area(self, index: int, box: Box | None) -> Box | None:
        """The region of a render, checked (None: the whole page)."""
        self.check_index(index)
        return normalize_box(box) if box else None

    @abstractmethod
    def _size(self, index: int, dpi: float, area: Box | None, max_pixels: int) -> tuple[int, int]:
        """Pixel size of a render of ``area`` (checked) of page ``index`` (checked)."""

    @abstractmethod
    def _draw(
        self, index: int, dpi: float, area: Box | None, max_pixels: int, fmt: ImageFormat
    ) -> PageImage:
        """Render ``area`` (checked) of page ``index`` (checked) and encode it."""
