"""Page images the agent rendered, kept for the next request, question, worker and restart.

A request re-sends the pages the model viewed, and the single call sends every page, so the
same page is wanted again and again. Renders are kept (``stored.py``, as the text index is)

- in memory, up to a size in bytes, whole pages and zoomed regions alike;
- in the LangGraph store, whole pages only, under ``("nemotron_omni", "page_images",
  <SHA-256 of the file>)``: JPEG bytes in base64 with the page, dpi and size. A document
  has at most ``stored_pages`` items there (120 by default, the single call's page cap):
  page N goes under key ``str(N % stored_pages)`` (its own index, for a document of that
  many pages or fewer), and the value says which page, at which dpi, it holds. A page of a
  longer document, or another dpi, replaces what was in its slot; a read that finds another
  page or dpi there renders. So a 2,000-page manual does not flood the store, and two
  workers writing the same slot at once cannot break the bound.

Zoomed regions are not stored: their boxes are the model's choice, rarely asked twice, and
a region renders in a few milliseconds.
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING, Any, NamedTuple

from langchain_nemotron_omni.agents.common.errors import SettingsError
from langchain_nemotron_omni.agents.document_qa.stored import PREFIX, Place, StoredCache
from langchain_nemotron_omni.media.pdf import LockedLRU, PageImage

if TYPE_CHECKING:
    from collections.abc import Mapping

STORE_PREFIX = (PREFIX, "page_images")
"""Namespace prefix of page images; the document's content hash follows."""
STORED_PAGES = 120
"""Default most page images kept in the store per document."""
STORED_PAGES_ENV = "NEMOTRON_OMNI_DOCS_STORED_PAGES"
"""Deployment setting: most page images kept in the store per document (0: none)."""
MEMORY_BYTES = 96 * 1024 * 1024
_FORMAT = 1
"""Bumped when renders change (format, quality, pixel budget): older items are rendered again."""


class ImageKey(NamedTuple):
    """A render: document (content hash), 0-based page, dpi, region (None: whole page)."""

    digest: str
    page: int
    dpi: float
    box: tuple[float, float, float, float] | None = None


class _ImageCodec:
    def __init__(self, stored_pages: int) -> None:
        self.stored_pages = stored_pages

    def place(self, key: ImageKey) -> Place | None:
        if key.box is not None or self.stored_pages <= 0:
            return None
        return Place((*STORE_PREFIX, key.digest), str(key.page % self.stored_pages))

    def dump(self, key: ImageKey, value: PageImage) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "page": key.page,
            "dpi": key.dpi,
            "mime": value.mime,
            "width": value.width,
            "height": value.height,
            "render_dpi": value.dpi,
            "data": base64.b64encode(value.data).decode("ascii"),
        }

    def load(self, key: ImageKey, value: Mapping[str, Any]) -> PageImage | None:
        if (value.get("format"), value.get("page"), value.get("dpi")) != (
            _FORMAT,
            key.page,
            key.dpi,
        ):
            return None
        return PageImage(
            base64.b64decode(value["data"]),
            str(value["mime"]),
            int(value["width"]),
            int(value["height"]),
            float(value["render_dpi"]),
        )


PageImageCache = StoredCache[ImageKey, PageImage]


def page_image_cache(
    stored_pages: int = STORED_PAGES, memory_bytes: int = MEMORY_BYTES
) -> PageImageCache:
    """Renders kept in memory and in a store (see the module).

    Args:
        stored_pages: Most whole pages kept in the store per document (0: none).
        memory_bytes: Most bytes of renders kept in this process.
    """
    memory: LockedLRU[PageImage] = LockedLRU(memory_bytes, getsizeof=lambda image: image.nbytes)
    return StoredCache(_ImageCodec(stored_pages), memory, "rendered")


def stored_pages_from_env(environ: Mapping[str, str] | None = None) -> int:
    """The deployment's ``NEMOTRON_OMNI_DOCS_STORED_PAGES`` (default 120).

    Raises:
        SettingsError: It is not a whole number of 0 or more.
    """
    raw = (os.environ if environ is None else environ).get(STORED_PAGES_ENV)
    if raw is None:
        return STORED_PAGES
    if not raw.strip().isdigit():
        msg = f"{STORED_PAGES_ENV}={raw!r}: give a whole number of pages (0 keeps none)"
        raise SettingsError(msg)
    return int(raw)
