"""Coordinate scaling and clamping, key names, the domain allow-list, environment errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langchain_nemotron_omni.agents.computer_use import (
    EnvironmentStartError,
    PlaywrightBrowser,
    X11Desktop,
)
from langchain_nemotron_omni.agents.computer_use.actions import Click, Drag, Scroll
from langchain_nemotron_omni.agents.computer_use.coordinates import to_pixels
from langchain_nemotron_omni.agents.computer_use.domains import DomainPolicy
from langchain_nemotron_omni.agents.computer_use.execute import execute, pointer_target
from langchain_nemotron_omni.agents.computer_use.fake import FakeDesktop
from langchain_nemotron_omni.agents.computer_use.keys import (
    UnknownKeyError,
    canonical_key,
    playwright_key,
    xdotool_key,
)


def test_nvidia_fixture() -> None:
    # From a real BF16 response in NVIDIA's harness tests: (0.664, 0.308) on 1920x1080.
    assert to_pixels((0.664, 0.308), (1920, 1080)) == (1275, 333)
    assert to_pixels((0.664, 0.308), (1920, 1080), "auto") == (1275, 333)


@pytest.mark.parametrize(
    ("point", "mode", "expected"),
    [
        ((0.0, 0.0), "relative", (0, 0)),
        ((1.0, 1.0), "relative", (799, 599)),  # the far edge is clamped onto the screen
        ((0.5, 0.5), "relative", (400, 300)),
        ((1.7, -0.3), "relative", (799, 0)),  # out of range: clamped, not rejected
        ((250.0, 175.0), "relative", (799, 599)),  # the tool schema is always [0, 1]
        ((250.0, 175.0), "auto", (250, 175)),  # the desktop protocol accepts pixels
        ((1, 1), "auto", (799, 599)),
        ((900.0, 5.0), "auto", (799, 5)),
        ((-40.0, 700.0), "auto", (0, 599)),
    ],
)
def test_scaling(point: tuple[float, float], mode: str, expected: tuple[int, int]) -> None:
    assert to_pixels(point, (800, 600), mode) == expected  # type: ignore[arg-type]


@given(
    x=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    y=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    width=st.integers(1, 8000),
    height=st.integers(1, 8000),
    mode=st.sampled_from(["relative", "auto"]),
)
def test_pixels_always_on_screen(x: float, y: float, width: int, height: int, mode: str) -> None:
    px, py = to_pixels((x, y), (width, height), mode)  # type: ignore[arg-type]
    assert 0 <= px < width
    assert 0 <= py < height


def test_bad_screen_size() -> None:
    with pytest.raises(ValueError, match="positive"):
        to_pixels((0.5, 0.5), (0, 600))


def test_execute_scales_for_the_screen_it_acts_on() -> None:
    desktop = FakeDesktop((1000, 500))
    everything = DomainPolicy(None)
    execute(Click((0.25, 0.5), count=2), desktop, mode="relative", domains=everything)
    execute(Click((300.0, 100.0), button="right"), desktop, mode="auto", domains=everything)
    execute(Scroll("down", 3), desktop, mode="relative", domains=everything)
    execute(Drag(end=(0.9, 0.9)), desktop, mode="relative", domains=everything)
    assert desktop.calls == [
        ("double_click", (250, 250)),
        ("click", (300, 100, "right", 1)),
        ("scroll", (500, 250, 0, 3)),  # no point: the screen's centre
        ("drag", (((300, 100), (900, 450)),)),  # starts where the pointer is
    ]
    assert pointer_target(Click((1.5, 0.5)), desktop, "relative") == (999, 250)


@pytest.mark.parametrize(
    ("name", "canonical", "playwright", "xdotool"),
    [
        ("Return", "enter", "Enter", "Return"),
        ("ENTER", "enter", "Enter", "Return"),
        ("cmd", "ctrl", "Control", "ctrl"),
        ("escape", "esc", "Escape", "Escape"),
        ("ArrowLeft", "left", "ArrowLeft", "Left"),
        ("page_down", "pagedown", "PageDown", "Next"),
        ("F5", "f5", "F5", "F5"),
        ("a", "a", "a", "a"),
        ("+", "+", "+", "plus"),
        (" ", "space", "Space", "space"),
    ],
)
def test_key_names(name: str, canonical: str, playwright: str, xdotool: str) -> None:
    key = canonical_key(name)
    assert key == canonical
    assert playwright_key(key) == playwright
    assert xdotool_key(key) == xdotool


def test_unknown_key() -> None:
    with pytest.raises(UnknownKeyError, match="unknown key 'hyperdrive'"):
        canonical_key("hyperdrive")


@pytest.mark.parametrize(
    ("allowed", "url", "ok"),
    [
        (["example.com"], "https://example.com/a", True),
        (["example.com"], "https://www.example.com/", True),
        (["example.com"], "https://example.com.evil.net/", False),
        (["example.com"], "https://notexample.com/", False),
        (["127.0.0.1:8000"], "http://127.0.0.1:8000/x", True),
        (["127.0.0.1:8000"], "http://127.0.0.1:9000/x", False),
        (["https://Example.com/"], "http://EXAMPLE.com", True),
        (["example.com"], "about:blank", True),
        (["example.com"], "data:text/html,hi", True),
        (["example.com"], "file:///etc/passwd", False),
        (None, "file:///etc/passwd", True),
        ([], "https://example.com", False),
    ],
)
def test_domain_policy(allowed: list[str] | None, url: str, ok: bool) -> None:
    assert DomainPolicy(allowed).allows(url) is ok


def test_domain_policy_refusal_and_bad_entries() -> None:
    policy = DomainPolicy(["a.test", "b.test"])
    assert policy.refusal("https://c.test/") == (
        "https://c.test/ is not in the allowed domains (a.test, b.test); the request was blocked"
    )
    with pytest.raises(ValueError, match="empty"):
        DomainPolicy([" "])


def test_environments_say_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    browser = PlaywrightBrowser(executable_path="/nonexistent/chromium")
    with pytest.raises(EnvironmentStartError, match="no Chromium at /nonexistent/chromium"):
        browser.start()
    with pytest.raises(RuntimeError, match="not started"):
        browser.screenshot()  # the failed start left nothing running
    monkeypatch.setattr("shutil.which", lambda _: None)
    with pytest.raises(EnvironmentStartError, match="xdotool is not installed"):
        X11Desktop().start()
