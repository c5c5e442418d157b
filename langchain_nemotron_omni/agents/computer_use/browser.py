"""A Chromium browser through Playwright, with a domain allow-list.

Playwright's sync API only works on the thread that started it, while LangGraph runs sync
nodes on whatever worker thread is free (and ``langgraph dev`` on a new one per run). So the
browser lives on one private thread and every call is handed to it; callers may come from
any thread.

The system Chromium is used (``/usr/bin/chromium`` by default): this class never downloads a
browser. It can also drive a Chromium that runs elsewhere (``cdp_url``: its DevTools
endpoint), so a deployment's API workers need no browser of their own: each run then gets its
own browser context (cookies, tabs) in the remote browser, closed when the run ends; the
remote browser keeps running.

With ``user_data_dir`` the browser keeps its profile (cookies, local storage) in a folder, so
a run resumed in a new process finds the sites it was logged in to.
"""

from __future__ import annotations

import contextlib
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar, cast

from langchain_nemotron_omni.agents.computer_use._playwright import ELEMENT_JS, BrowserThread
from langchain_nemotron_omni.agents.computer_use.domains import DomainPolicy
from langchain_nemotron_omni.agents.computer_use.errors import (
    ActionError,
    EnvironmentStartError,
    NavigationBlockedError,
)
from langchain_nemotron_omni.agents.computer_use.keys import playwright_key

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route

    from langchain_nemotron_omni.agents.computer_use.computer import (
        Button,
        ElementInfo,
        TabInfo,
    )

T = TypeVar("T")

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
SCROLL_PIXELS = 100
"""Pixels per wheel click (NVIDIA's browser environment uses 100)."""


class PlaywrightBrowser:
    """A headless Chromium viewport as a :class:`~.computer.BrowserComputer`.

    Example:
        ```python
        with PlaywrightBrowser(start_url="http://127.0.0.1:8000/") as b:
            png = b.screenshot()
        ```
    """

    kind: Literal["browser"] = "browser"

    def __init__(  # noqa: PLR0913  # each is a launch setting users set
        self,
        *,
        start_url: str | None = None,
        viewport: tuple[int, int] = (1280, 720),
        allowed_domains: Iterable[str] | None = None,
        executable_path: str = CHROMIUM_PATH,
        extra_args: Sequence[str] = (),
        settle_seconds: float = 0.25,
        timeout_seconds: float = 30.0,
        cdp_url: str | None = None,
        user_data_dir: str | Path | None = None,
    ) -> None:
        """Configure the browser; :meth:`start` (or ``with``) launches it.

        Args:
            start_url: Loaded in the first tab at start (it must pass the allow-list).
            viewport: Width and height of the page area, which is what screenshots show.
            allowed_domains: Hosts the browser may load (subdomains included); None: any.
            executable_path: The Chromium binary; never downloaded.
            extra_args: Chromium flags added to :data:`CHROMIUM_FLAGS`.
            settle_seconds: Pause after each action so the page can react before the next
                screenshot.
            timeout_seconds: Limit for page loads and each browser call.
            cdp_url: Connect to a running Chromium's DevTools endpoint
                (``http://host:9222``) instead of launching one.
            user_data_dir: Keep the browser profile in this folder (local launches only).

        Raises:
            ValueError: Both ``cdp_url`` and ``user_data_dir`` (a remote browser has its own).
        """
        if cdp_url is not None and user_data_dir is not None:
            msg = "give cdp_url or user_data_dir, not both: a remote browser keeps its own profile"
            raise ValueError(msg)
        self.start_url = start_url
        self.viewport = viewport
        self.policy = DomainPolicy(allowed_domains)
        self.executable_path = executable_path
        self.args = (*CHROMIUM_FLAGS, *extra_args)
        self.settle_seconds = settle_seconds
        self.timeout_seconds = timeout_seconds
        self.cdp_url = cdp_url
        self.user_data_dir = Path(user_data_dir) if user_data_dir is not None else None
        self._executor: BrowserThread | None = None
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._pages: dict[int, Page] = {}
        self._active = -1
        self._ids = itertools.count()
        self._cursor = (0, 0)
        self._blocked: list[str] = []

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        """Launch Chromium on the browser thread and open the first tab.

        Raises:
            RuntimeError: Already started.
        """
        if self._executor is not None:
            msg = "PlaywrightBrowser is already started"
            raise RuntimeError(msg)
        self._executor = BrowserThread()
        try:
            self._run(self._start)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Close Chromium and the browser thread (idempotent)."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        try:
            executor.submit(self._stop).result(timeout=self.timeout_seconds)
        finally:
            executor.shutdown(timeout=self.timeout_seconds)

    def __enter__(self) -> Self:
        """Start the browser."""
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        """Stop the browser."""
        self.stop()

    def _start(self) -> None:
        if self.cdp_url is None and not Path(self.executable_path).is_file():
            msg = (
                f"no Chromium at {self.executable_path}: install the system package "
                "(apt-get install chromium) or pass executable_path=; browsers are never "
                "downloaded"
            )
            raise EnvironmentStartError(msg)
        try:
            from playwright.sync_api import Error, sync_playwright  # noqa: PLC0415  # extra
        except ImportError:
            msg = "the browser needs Playwright: pip install 'langchain-nemotron-omni[browser]'"
            raise EnvironmentStartError(msg) from None
        self._playwright = sync_playwright().start()
        try:
            self._context = self._open_context()
        except Error as exc:
            where = self.cdp_url or self.executable_path
            msg = f"could not start or reach the browser at {where}: {exc.message.splitlines()[0]}"
            raise EnvironmentStartError(msg) from None
        self._context.set_default_timeout(self.timeout_seconds * 1000)
        self._context.route("**/*", self._route)
        self._context.on("page", self._adopt)
        for page in self._context.pages:  # a persistent profile opens with a tab
            self._adopt(page)
        if not self._pages:
            self._context.new_page()
        if self.start_url:
            self._navigate(self.start_url)

    def _open_context(self) -> BrowserContext:
        playwright = cast("Playwright", self._playwright)
        width, height = self.viewport
        viewport: Any = {"width": width, "height": height}
        timeout = self.timeout_seconds * 1000
        if self.cdp_url is not None:
            self._browser = playwright.chromium.connect_over_cdp(self.cdp_url, timeout=timeout)
        elif self.user_data_dir is not None:
            self.user_data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            return playwright.chromium.launch_persistent_context(
                self.user_data_dir,
                executable_path=self.executable_path,
                headless=True,
                args=list(self.args),
                viewport=viewport,
                timeout=timeout,
            )
        else:
            self._browser = playwright.chromium.launch(
                executable_path=self.executable_path,
                headless=True,
                args=list(self.args),
                timeout=timeout,
            )
        # Its own context even in a shared remote browser: the run's cookies and tabs.
        return self._browser.new_context(viewport=viewport)

    def _stop(self) -> None:
        try:
            if self._context is not None:
                self._context.close()
            if self._browser is not None:
                self._browser.close()  # a remote browser is only disconnected from
        finally:
            self._browser = self._context = None
            self._pages.clear()
            if self._playwright is not None:
                self._playwright.stop()
                self._playwright = None

    def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            msg = "the browser is not started: use `with PlaywrightBrowser(...)` or .start()"
            raise RuntimeError(msg)
        return self._executor.submit(fn, *args).result()

    def call(self, fn: Callable[[Page], T]) -> T:
        """Run ``fn(active page)`` on the browser thread (for tests and custom checks)."""
        return self._run(lambda: fn(self._page()))

    # -- pages and routing (browser thread) ---------------------------------------------------

    def _adopt(self, page: Page) -> None:
        # Tabs a page opens (target=_blank, window.open) become active, as in Chrome.
        tab_id = next(self._ids)
        self._pages[tab_id] = page
        self._active = tab_id
        page.on("close", lambda _: self._forget(tab_id))

    def _forget(self, tab_id: int) -> None:
        self._pages.pop(tab_id, None)
        if self._active == tab_id and self._pages:
            self._active = max(self._pages)

    def _page(self) -> Page:
        page = self._pages.get(self._active)
        if page is None:
            msg = "no open tab"
            raise ActionError(msg)
        return page

    def _route(self, route: Route) -> None:
        request = route.request
        if self.policy.allows(request.url):
            route.continue_()
            return
        if request.is_navigation_request():
            # 204 No Content: the tab stays on the page it was showing, not an error page.
            self._blocked.append(request.url)
            route.fulfill(status=204)
            return
        route.abort("blockedbyclient")

    def _settle(self) -> None:
        page = self._page()
        page.wait_for_timeout(self.settle_seconds * 1000)
        page = self._page()  # the action may have opened a tab
        # A slow page still gets its screenshot; the model sees it loading.
        with contextlib.suppress(Exception):
            page.wait_for_load_state("domcontentloaded", timeout=self.timeout_seconds * 1000)

    # -- Computer -----------------------------------------------------------------------------

    def size(self) -> tuple[int, int]:
        """The viewport size."""
        return self.viewport

    def screenshot(self) -> bytes:
        """PNG of the active tab's viewport."""
        return self._run(lambda: self._page().screenshot(type="png"))

    def click(self, x: int, y: int, *, button: Button = "left", count: int = 1) -> None:
        """Click at (x, y)."""

        def act() -> None:
            self._page().mouse.click(x, y, button=button, click_count=count)
            self._cursor = (x, y)
            self._settle()

        self._run(act)

    def double_click(self, x: int, y: int) -> None:
        """Double-click at (x, y)."""

        def act() -> None:
            self._page().mouse.dblclick(x, y)
            self._cursor = (x, y)
            self._settle()

        self._run(act)

    def move(self, x: int, y: int) -> None:
        """Move the pointer."""

        def act() -> None:
            self._page().mouse.move(x, y)
            self._cursor = (x, y)

        self._run(act)

    def drag(self, path: Sequence[tuple[int, int]]) -> None:
        """Drag along ``path`` with the left button."""

        def act() -> None:
            mouse = self._page().mouse
            mouse.move(*path[0])
            mouse.down()
            for point in path[1:]:
                mouse.move(*point, steps=8)
            mouse.up()
            self._cursor = path[-1]
            self._settle()

        self._run(act)

    def scroll(self, x: int, y: int, *, dx: int, dy: int) -> None:
        """Turn the wheel at (x, y)."""

        def act() -> None:
            page = self._page()
            page.mouse.move(x, y)
            page.mouse.wheel(dx * SCROLL_PIXELS, dy * SCROLL_PIXELS)
            self._cursor = (x, y)
            self._settle()

        self._run(act)

    def type(self, text: str) -> None:
        """Type into the focused element."""

        def act() -> None:
            self._page().keyboard.type(text)
            self._settle()

        self._run(act)

    def key_press(self, keys: Sequence[str]) -> None:
        """Press a chord such as ``("ctrl", "a")``."""

        def act() -> None:
            self._page().keyboard.press("+".join(playwright_key(key) for key in keys))
            self._settle()

        self._run(act)

    def wait(self, seconds: float) -> None:
        """Wait while the page keeps running."""
        self._run(lambda: self._page().wait_for_timeout(seconds * 1000))

    def cursor_position(self) -> tuple[int, int]:
        """Where the last pointer action left the pointer."""
        return self._cursor

    # -- BrowserComputer ----------------------------------------------------------------------

    def navigate(self, url: str) -> None:
        """Load ``url`` (``back``/``forward`` walk the history).

        Raises:
            NavigationBlockedError: The URL is not in the allowed domains.
        """
        self._run(self._navigate, url)

    def _navigate(self, url: str) -> None:
        page = self._page()
        if url in {"back", "forward"}:
            (page.go_back if url == "back" else page.go_forward)(wait_until="domcontentloaded")
            return
        url = normalize_url(url)
        if url.lower().startswith("javascript:"):
            msg = "javascript: URLs are not allowed; act on the page instead"
            raise NavigationBlockedError(msg)
        if not self.policy.allows(url):
            raise NavigationBlockedError(self.policy.refusal(url))
        page.goto(url, wait_until="domcontentloaded")

    def current_url(self) -> str:
        """The active tab's URL."""
        return self._run(lambda: self._page().url)

    def tabs(self) -> list[TabInfo]:
        """The open tabs, oldest first."""

        def read() -> list[TabInfo]:
            return [
                {
                    "id": tab_id,
                    "title": page.title(),
                    "url": page.url,
                    "active": tab_id == self._active,
                }
                for tab_id, page in sorted(self._pages.items())
            ]

        return self._run(read)

    def new_tab(self, url: str) -> int:
        """Open a tab at ``url`` and make it active.

        Raises:
            NavigationBlockedError: The URL is not in the allowed domains (no tab is opened).
        """

        def act() -> int:
            target = url if url in {"", "about:blank"} else normalize_url(url)
            if target and not self.policy.allows(target):
                raise NavigationBlockedError(self.policy.refusal(target))
            cast("BrowserContext", self._context).new_page()
            if target and target != "about:blank":
                self._page().goto(target, wait_until="domcontentloaded")
            return self._active

        return self._run(act)

    def focus_tab(self, tab_id: int) -> None:
        """Make a tab active.

        Raises:
            ActionError: No tab has that id.
        """

        def act() -> None:
            page = self._pages.get(tab_id)
            if page is None:
                msg = f"no tab {tab_id}; open tabs: {sorted(self._pages)}"
                raise ActionError(msg)
            page.bring_to_front()
            self._active = tab_id

        self._run(act)

    def element_at(self, x: int, y: int) -> ElementInfo | None:
        """The element under (x, y)."""
        found = self._run(lambda: self._page().evaluate(ELEMENT_JS, [x, y]))
        return cast("ElementInfo | None", found)

    def focused_element(self) -> ElementInfo | None:
        """The element with the keyboard focus."""
        found = self._run(lambda: self._page().evaluate(ELEMENT_JS, None))
        return cast("ElementInfo | None", found)

    def blocked_navigations(self) -> list[str]:
        """Page loads the allow-list refused since the last call."""

        def take() -> list[str]:
            blocked, self._blocked = self._blocked, []
            return blocked

        return self._run(take)


def normalize_url(url: str) -> str:
    """Add ``https://`` to a bare host such as ``example.com/path``."""
    url = url.strip()
    if "://" in url or url.startswith(("about:", "data:", "blob:", "javascript:", "file:")):
        return url
    return "https://" + url
