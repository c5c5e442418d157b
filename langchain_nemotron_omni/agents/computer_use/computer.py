"""The environment protocol: what the agent needs from a browser or a desktop.

Coordinates here are pixels of the screenshot; the agent converts the model's [0, 1]
coordinates before calling. Scroll amounts are mouse-wheel clicks (notches), so each backend
picks its own pixels per click.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol, TypedDict, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Sequence

Button = Literal["left", "middle", "right"]
EnvironmentKind = Literal["browser", "desktop"]


class ElementInfo(TypedDict, total=False):
    """What a page element is, for risk checks (browsers only).

    Attributes:
        tag: Lower-case tag name (``input``, ``button``, ``a``...).
        type: The ``type`` attribute of inputs and buttons, lower-case.
        id: The element's id.
        name: The ``name`` attribute.
        text: Visible text or value label, shortened.
        href: A link's target.
        editable: Whether typing goes into it.
        in_form: Whether it is inside a ``<form>``.
        submits: Whether clicking it submits a form.
    """

    tag: str
    type: str
    id: str
    name: str
    text: str
    href: str
    editable: bool
    in_form: bool
    submits: bool


class TabInfo(TypedDict):
    """One browser tab as the model sees it."""

    id: int
    title: str
    url: str
    active: bool


@runtime_checkable
class Computer(Protocol):
    """A screen the agent can look at and act on (browser viewport or X11 desktop)."""

    @property
    def kind(self) -> EnvironmentKind:
        """``browser`` or ``desktop``; picks the default protocol and system prompt."""
        ...

    def size(self) -> tuple[int, int]:
        """Width and height of the screenshots, in pixels."""
        ...

    def screenshot(self) -> bytes:
        """The current screen as PNG bytes."""
        ...

    def click(self, x: int, y: int, *, button: Button = "left", count: int = 1) -> None:
        """Click ``count`` times at (x, y)."""
        ...

    def double_click(self, x: int, y: int) -> None:
        """Double-click with the left button at (x, y)."""
        ...

    def move(self, x: int, y: int) -> None:
        """Move the pointer to (x, y)."""
        ...

    def drag(self, path: Sequence[tuple[int, int]]) -> None:
        """Press the left button at ``path[0]``, move through the points, release at the end."""
        ...

    def scroll(self, x: int, y: int, *, dx: int, dy: int) -> None:
        """Scroll at (x, y) by wheel clicks (positive: right and down)."""
        ...

    def type(self, text: str) -> None:
        """Type text into whatever has the keyboard focus."""
        ...

    def key_press(self, keys: Sequence[str]) -> None:
        """Press keys together (a chord), canonical names from :mod:`.keys`."""
        ...

    def wait(self, seconds: float) -> None:
        """Let the screen settle for ``seconds``."""
        ...

    def cursor_position(self) -> tuple[int, int]:
        """Where the pointer is (for drags that start from it)."""
        ...


@runtime_checkable
class BrowserComputer(Computer, Protocol):
    """A browser: a :class:`Computer` that also navigates and has tabs."""

    def navigate(self, url: str) -> None:
        """Load ``url`` in the active tab; ``back`` and ``forward`` walk the history."""
        ...

    def current_url(self) -> str:
        """The active tab's URL."""
        ...

    def tabs(self) -> list[TabInfo]:
        """The open tabs."""
        ...

    def new_tab(self, url: str) -> int:
        """Open a tab at ``url``, make it active, and return its id."""
        ...

    def focus_tab(self, tab_id: int) -> None:
        """Make the tab with ``tab_id`` active."""
        ...

    def element_at(self, x: int, y: int) -> ElementInfo | None:
        """The element under (x, y), or None."""
        ...

    def focused_element(self) -> ElementInfo | None:
        """The element with the keyboard focus, or None."""
        ...

    def blocked_navigations(self) -> list[str]:
        """URLs of page loads refused by the domain allow-list since the last call (cleared)."""
        ...
