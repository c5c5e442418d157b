"""In-memory environments for tests and benchmarks: drawn screens, recorded calls.

``FakeDesktop`` and ``FakeBrowser`` satisfy :class:`~.computer.Computer` and
:class:`~.computer.BrowserComputer` without a display or a browser. Each screenshot is a
drawn PNG (windows, text lines and the action count), so sizes and image-token counts behave
like real screenshots while staying deterministic; the picture changes only when an action
is recorded.
"""

from __future__ import annotations

import io
import random
from typing import TYPE_CHECKING, Any, Literal, Self

from PIL import Image, ImageDraw

from langchain_nemotron_omni.agents.computer_use.domains import DomainPolicy
from langchain_nemotron_omni.agents.computer_use.errors import ActionError, NavigationBlockedError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from langchain_nemotron_omni.agents.computer_use.computer import (
        Button,
        ElementInfo,
        TabInfo,
    )
    from langchain_nemotron_omni.agents.computer_use.risk import WindowInfo


class FakeDesktop:
    """A drawn screen that records every call in :attr:`calls`."""

    kind: Literal["browser", "desktop"] = "desktop"

    def __init__(
        self,
        size: tuple[int, int] = (1280, 720),
        *,
        seed: int = 0,
        window: WindowInfo | None = None,
    ) -> None:
        """A screen of ``size``; ``seed`` fixes the drawing; ``window`` has the keyboard."""
        self._size = size
        self.window = window
        self._seed = seed
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.cursor = (0, 0)
        self.typed = ""

    def __enter__(self) -> Self:
        """Nothing to start."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Nothing to stop."""

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))

    def size(self) -> tuple[int, int]:
        """The screen size."""
        return self._size

    def screenshot(self) -> bytes:
        """A new drawing of windows and text."""
        width, height = self._size
        image = Image.new("RGB", self._size, (236, 239, 244))
        draw = ImageDraw.Draw(image)
        # The screen changes only when something happens to it: the same actions so far
        # draw the same picture (what a "did the screen change?" check relies on).
        rng = random.Random(f"{self._seed}/{len(self.calls)}")  # noqa: S311  # drawing only
        for _ in range(6):
            x0, y0 = rng.randrange(width // 2), rng.randrange(height // 2)
            x1, y1 = x0 + rng.randrange(200, width // 2), y0 + rng.randrange(120, height // 2)
            draw.rectangle((x0, y0, x1, y1), fill=(255, 255, 255), outline=(90, 90, 110))
            for line in range(y0 + 10, y1 - 12, 18):
                words = " ".join(f"word{rng.randrange(1000)}" for _ in range(rng.randrange(2, 9)))
                draw.text((x0 + 8, line), words, fill=(20, 20, 30))
        draw.text(
            (10, height - 20),
            f"actions: {len(self.calls)} typed: {self.typed[-40:]}",
            fill=(0, 0, 0),
        )
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()

    def click(self, x: int, y: int, *, button: Button = "left", count: int = 1) -> None:
        """Record a click."""
        self.cursor = (x, y)
        self._record("click", x, y, button, count)

    def double_click(self, x: int, y: int) -> None:
        """Record a double click."""
        self.cursor = (x, y)
        self._record("double_click", x, y)

    def move(self, x: int, y: int) -> None:
        """Record a move."""
        self.cursor = (x, y)
        self._record("move", x, y)

    def drag(self, path: Sequence[tuple[int, int]]) -> None:
        """Record a drag."""
        self.cursor = path[-1]
        self._record("drag", tuple(path))

    def scroll(self, x: int, y: int, *, dx: int, dy: int) -> None:
        """Record a scroll."""
        self._record("scroll", x, y, dx, dy)

    def type(self, text: str) -> None:
        """Record typing."""
        self.typed += text
        self._record("type", text)

    def key_press(self, keys: Sequence[str]) -> None:
        """Record a chord."""
        self._record("key_press", tuple(keys))

    def wait(self, seconds: float) -> None:
        """Record a wait (without waiting)."""
        self._record("wait", seconds)

    def cursor_position(self) -> tuple[int, int]:
        """The last pointer position."""
        return self.cursor

    def active_window(self) -> WindowInfo | None:
        """The window given at construction."""
        return self.window


class FakeBrowser(FakeDesktop):
    """A :class:`FakeDesktop` with tabs, URLs and an allow-list, like a browser."""

    kind: Literal["browser", "desktop"] = "browser"

    def __init__(
        self,
        size: tuple[int, int] = (1280, 720),
        *,
        seed: int = 0,
        start_url: str = "about:blank",
        allowed_domains: Iterable[str] | None = None,
        elements: dict[tuple[int, int], ElementInfo] | None = None,
    ) -> None:
        """A browser at ``start_url``; ``elements`` says what sits at given pixels."""
        super().__init__(size, seed=seed)
        self.policy = DomainPolicy(allowed_domains)
        self._tabs: dict[int, str] = {0: start_url}
        self._active = 0
        self.elements = elements or {}
        self.focused: ElementInfo | None = None

    def click(self, x: int, y: int, *, button: Button = "left", count: int = 1) -> None:
        """Record a click; an element there takes the focus."""
        super().click(x, y, button=button, count=count)
        self.focused = self.elements.get((x, y))

    def navigate(self, url: str) -> None:
        """Go to ``url`` (history moves are recorded only)."""
        self._record("navigate", url)
        if url in {"back", "forward"}:
            return
        if not self.policy.allows(url):
            raise NavigationBlockedError(self.policy.refusal(url))
        self._tabs[self._active] = url

    def current_url(self) -> str:
        """The active tab's URL."""
        return self._tabs[self._active]

    def tabs(self) -> list[TabInfo]:
        """The open tabs."""
        return [
            {"id": i, "title": f"Tab {i}", "url": url, "active": i == self._active}
            for i, url in sorted(self._tabs.items())
        ]

    def new_tab(self, url: str) -> int:
        """Open a tab."""
        self._record("new_tab", url)
        tab_id = max(self._tabs) + 1
        self._tabs[tab_id] = url
        self._active = tab_id
        return tab_id

    def focus_tab(self, tab_id: int) -> None:
        """Switch tabs.

        Raises:
            ActionError: No such tab.
        """
        if tab_id not in self._tabs:
            msg = f"no tab {tab_id}"
            raise ActionError(msg)
        self._active = tab_id

    def element_at(self, x: int, y: int) -> ElementInfo | None:
        """The element registered at (x, y)."""
        return self.elements.get((x, y))

    def focused_element(self) -> ElementInfo | None:
        """The element the last click focused."""
        return self.focused

    def blocked_navigations(self) -> list[str]:
        """A fake page never loads anything by itself."""
        return []
