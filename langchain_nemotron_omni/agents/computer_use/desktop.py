"""An X11 desktop driven with xdotool: a private Xvfb server, or an existing display.

Screenshots come from Pillow's XCB grabber when Pillow has it, else ImageMagick's
``import -window root``. Input goes through ``xdotool`` with the display passed in the
environment of each call, so nothing changes the process's own ``DISPLAY``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import time
from typing import TYPE_CHECKING, Literal, Self

from langchain_nemotron_omni.agents.computer_use.errors import ActionError, EnvironmentStartError
from langchain_nemotron_omni.agents.computer_use.keys import xdotool_key

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from langchain_nemotron_omni.agents.computer_use.computer import Button
    from langchain_nemotron_omni.agents.computer_use.risk import WindowInfo

DEFAULT_SIZE = (1920, 1080)
"""OSWorld's screen, which NVIDIA's desktop protocol was trained on."""
_CHILD = re.compile(
    r'^\s+0x[0-9a-f]+ (?:"(?P<name>[^"]*)"|\(has no name\)): \((?:"(?P<cls>[^"]*)"[^)]*)?\)'
    r"\s+(?P<w>\d+)x(?P<h>\d+)\+(?P<x>-?\d+)\+(?P<y>-?\d+)",
    re.MULTILINE,
)
_BUTTONS = {"left": "1", "middle": "2", "right": "3"}
_TYPE_CHUNK = 50  # xdotool drops characters from very long strings
_STOP_TIMEOUT = 5.0


class X11Desktop:
    """An X11 screen as a :class:`~.computer.Computer`.

    Example:
        ```python
        with X11Desktop(size=(1024, 768), apps=[["xterm"]]) as desktop:
            desktop.click(100, 100)
            png = desktop.screenshot()
        ```
    """

    kind: Literal["desktop"] = "desktop"

    def __init__(
        self,
        *,
        display: str | None = None,
        size: tuple[int, int] = DEFAULT_SIZE,
        apps: Sequence[Sequence[str]] = (),
        settle_seconds: float = 0.2,
    ) -> None:
        """Configure the desktop; :meth:`start` (or ``with``) brings it up.

        Args:
            display: An existing X display to drive (``":0"``); None starts a private Xvfb
                with a free display number.
            size: The Xvfb screen size (ignored for an existing display, whose size is read);
                OSWorld's 1920x1080 by default.
            apps: Commands started on the display after it is up and stopped with it;
                :meth:`start` returns once a window is visible.
            settle_seconds: Pause after each action so windows can redraw.
        """
        self._own_server = display is None
        self.display = display or ""
        self._size = size
        self._apps = [list(app) for app in apps]
        self.settle_seconds = settle_seconds
        self._xvfb: subprocess.Popen[bytes] | None = None
        self._children: list[subprocess.Popen[bytes]] = []
        self._started = False

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        """Start Xvfb (unless driving an existing display) and the apps.

        Raises:
            EnvironmentStartError: A needed program is missing or Xvfb did not come up.
        """
        if self._started:
            msg = "X11Desktop is already started"
            raise RuntimeError(msg)
        for program in ("xdotool", *(["Xvfb"] if self._own_server else [])):
            if shutil.which(program) is None:
                msg = f"{program} is not installed (apt-get install xvfb xdotool imagemagick)"
                raise EnvironmentStartError(msg)
        self._started = True
        try:
            if self._own_server:
                self._start_xvfb()
            else:
                self._size = self._read_size()
            for app in self._apps:
                self.launch(app)
            if self._apps:
                self.wait_for_window()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_xvfb(self) -> None:
        read_fd, write_fd = os.pipe()
        width, height = self._size
        try:
            # Xvfb is found on PATH, like every X tool; the argv is fixed, no shell.
            self._xvfb = subprocess.Popen(  # noqa: S603
                [  # noqa: S607
                    "Xvfb",
                    "-displayfd",
                    str(write_fd),
                    "-screen",
                    "0",
                    f"{width}x{height}x24",
                    "-nolisten",
                    "tcp",
                ],
                pass_fds=(write_fd,),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            os.close(write_fd)
        # Xvfb writes the display number it picked once it accepts connections.
        with os.fdopen(read_fd, "rb") as pipe:
            number = pipe.readline().strip()
        if not number:
            msg = "Xvfb exited without reporting a display"
            raise EnvironmentStartError(msg)
        self.display = f":{number.decode()}"

    def stop(self) -> None:
        """Stop the apps and the private Xvfb (idempotent)."""
        children, self._children = self._children, []
        for child in reversed(children):
            _terminate(child)
        if self._xvfb is not None:
            _terminate(self._xvfb)
            self._xvfb = None
        self._started = False

    def __enter__(self) -> Self:
        """Start the desktop."""
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        """Stop the desktop."""
        self.stop()

    @property
    def env(self) -> Mapping[str, str]:
        """The environment for programs on this display."""
        return {**os.environ, "DISPLAY": self.display}

    def launch(self, argv: Sequence[str]) -> subprocess.Popen[bytes]:
        """Start a program on this display; it is stopped with the desktop."""
        child = subprocess.Popen(  # noqa: S603  # the caller's own command
            list(argv),
            env=dict(self.env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._children.append(child)
        return child

    def wait_for_window(self, name: str = "", timeout: float = 10.0) -> None:
        """Wait until a visible window whose title matches ``name`` (a regex) is mapped.

        Raises:
            EnvironmentStartError: None appeared in time.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self._xdotool("search", "--onlyvisible", "--name", name or ".").strip():
                    return
            except ActionError:
                pass  # xdotool exits 1 while nothing matches
            time.sleep(0.1)
        msg = f"no window matching {name!r} appeared on {self.display} within {timeout:g}s"
        raise EnvironmentStartError(msg)

    def _xdotool(self, *args: str) -> str:
        if not self._started:
            msg = "the desktop is not started: use `with X11Desktop(...)` or .start()"
            raise RuntimeError(msg)
        done = subprocess.run(  # noqa: S603  # fixed program, arguments from parsed actions
            ["xdotool", *args],  # noqa: S607  # found on PATH like every X tool
            env=dict(self.env),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if done.returncode != 0:
            msg = f"xdotool {args[0]} failed: {done.stderr.strip() or done.returncode}"
            raise ActionError(msg)
        return done.stdout

    def _read_size(self) -> tuple[int, int]:
        width, height = self._xdotool("getdisplaygeometry").split()
        return int(width), int(height)

    def _settle(self) -> None:
        time.sleep(self.settle_seconds)

    # -- Computer -----------------------------------------------------------------------------

    def size(self) -> tuple[int, int]:
        """The screen size."""
        return self._size

    def screenshot(self) -> bytes:
        """PNG of the whole screen."""
        try:
            from PIL import ImageGrab  # noqa: PLC0415  # XCB support is optional in Pillow

            image = ImageGrab.grab(xdisplay=self.display)
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            return buffer.getvalue()
        except OSError:
            done = subprocess.run(  # noqa: S603
                ["import", "-display", self.display, "-window", "root", "png:-"],  # noqa: S607  # on PATH like xdotool
                capture_output=True,
                timeout=30,
                check=True,
            )
            return done.stdout

    def click(self, x: int, y: int, *, button: Button = "left", count: int = 1) -> None:
        """Click at (x, y)."""
        self._xdotool(
            "mousemove", "--sync", str(x), str(y),
            "click", "--repeat", str(count), "--delay", "80", _BUTTONS[button],
        )  # fmt: skip
        self._settle()

    def double_click(self, x: int, y: int) -> None:
        """Double-click at (x, y)."""
        self.click(x, y, count=2)

    def move(self, x: int, y: int) -> None:
        """Move the pointer."""
        self._xdotool("mousemove", "--sync", str(x), str(y))

    def drag(self, path: Sequence[tuple[int, int]]) -> None:
        """Drag along ``path`` with the left button."""
        x0, y0 = path[0]
        args = ["mousemove", "--sync", str(x0), str(y0), "mousedown", "1"]
        for x, y in path[1:]:
            args += ["sleep", "0.05", "mousemove", "--sync", str(x), str(y)]
        self._xdotool(*args, "sleep", "0.05", "mouseup", "1")
        self._settle()

    def scroll(self, x: int, y: int, *, dx: int, dy: int) -> None:
        """Turn the wheel at (x, y): buttons 4/5 scroll up/down, 6/7 left/right."""
        args = ["mousemove", "--sync", str(x), str(y)]
        if dy:
            args += ["click", "--repeat", str(abs(dy)), "--delay", "30", "5" if dy > 0 else "4"]
        if dx:
            args += ["click", "--repeat", str(abs(dx)), "--delay", "30", "7" if dx > 0 else "6"]
        self._xdotool(*args)
        self._settle()

    def type(self, text: str) -> None:
        """Type text, in chunks (xdotool loses characters from very long strings)."""
        for start in range(0, len(text), _TYPE_CHUNK):
            self._xdotool("type", "--delay", "12", "--", text[start : start + _TYPE_CHUNK])
        self._settle()

    def key_press(self, keys: Sequence[str]) -> None:
        """Press a chord such as ``("ctrl", "a")``."""
        self._xdotool("key", "--", "+".join(xdotool_key(key) for key in keys))
        self._settle()

    def wait(self, seconds: float) -> None:
        """Sleep."""
        time.sleep(seconds)

    def active_window(self) -> WindowInfo | None:
        """The window that gets the keyboard (for risk checks), or None if unknown.

        The window manager's active window where there is one; on a bare Xvfb (focus
        follows the pointer) the topmost window under the pointer.
        """
        try:
            window = self._xdotool("getactivewindow").strip()
            name = self._xdotool("getwindowname", window).strip()
        except ActionError:
            try:
                return self._window_under_pointer()
            except (ActionError, OSError, subprocess.SubprocessError):
                return None  # unknown: a risk check must not fail the step
        return {"name": name, "wm_class": self._wm_class(window)}

    def _wm_class(self, window: str) -> str:
        done = subprocess.run(  # noqa: S603
            ["xprop", "-id", window, "WM_CLASS"],  # noqa: S607  # x11-utils, on PATH
            env=dict(self.env),
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return done.stdout.split("=", 1)[-1].strip() if done.returncode == 0 else ""

    def _window_under_pointer(self) -> WindowInfo | None:
        try:
            done = subprocess.run(
                ["xwininfo", "-root", "-children"],  # noqa: S607  # x11-utils, on PATH
                env=dict(self.env),
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        x, y = self.cursor_position()
        found: WindowInfo | None = None
        for match in _CHILD.finditer(done.stdout):  # bottom to top: keep the last hit
            left, top = int(match["x"]), int(match["y"])
            if left <= x < left + int(match["w"]) and top <= y < top + int(match["h"]):
                found = {"name": match["name"] or "", "wm_class": match["cls"] or ""}
        return found

    def cursor_position(self) -> tuple[int, int]:
        """Where the pointer is."""
        fields = dict(
            line.split("=", 1)
            for line in self._xdotool("getmouselocation", "--shell").splitlines()
            if "=" in line
        )
        return int(fields["X"]), int(fields["Y"])


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=_STOP_TIMEOUT)
