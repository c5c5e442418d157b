"""The computer-use runtime's parts on their own: the session pool, the deployment settings,
screen comparison, the trajectory, the report's drawing and escaping, the terminal view."""

from __future__ import annotations

import io
import time
from contextlib import AbstractContextManager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from langchain_nemotron_omni.agents.common import DeploymentConfigError
from langchain_nemotron_omni.agents.computer_use import (
    EnvironmentDeployment,
    EnvironmentLimitError,
    SessionPool,
)
from langchain_nemotron_omni.agents.computer_use.computer import Computer
from langchain_nemotron_omni.agents.computer_use.environments import screens_differ
from langchain_nemotron_omni.agents.computer_use.fake import FakeDesktop
from langchain_nemotron_omni.agents.computer_use.report import (
    MARK,
    annotate,
    png_bytes,
    render_report,
    render_step,
)
from langchain_nemotron_omni.agents.computer_use.terminal import THOUGHT_LINES, TerminalView
from langchain_nemotron_omni.agents.computer_use.trajectory import Trajectory


class _Counted(FakeDesktop):
    """A fake desktop that notes when it is closed."""

    closed: list[str]

    def __init__(self, name: str, closed: list[str]) -> None:
        super().__init__((64, 48))
        self.name, self.closed = name, closed

    def __exit__(self, *exc_info: object) -> None:
        self.closed.append(self.name)


def _factory(name: str, closed: list[str]) -> Any:
    def start() -> AbstractContextManager[Computer]:
        return _Counted(name, closed)

    return start


# -- the session pool ---------------------------------------------------------------------------


def test_pool_closes_free_sessions_after_the_idle_limit_and_never_held_ones() -> None:
    closed: list[str] = []
    pool = SessionPool(idle_seconds=0.3, check_seconds=0.05)
    held = pool.acquire("held", _factory("held", closed), owner="run-1")
    free = pool.acquire("free", _factory("free", closed))
    assert held.created
    assert free.created
    assert held.incarnation != free.incarnation
    again = pool.acquire("held", _factory("other", closed), owner="run-1")
    assert not again.created
    assert again.computer is held.computer
    deadline = time.monotonic() + 5
    while "free" not in closed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert closed == ["free"]
    # The run stops at an interrupt: its session is free and ages out too.
    pool.release("run-1", close=False)
    while "held" not in closed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert closed == ["free", "held"]
    assert len(pool) == 0


def test_pool_closes_a_failed_runs_sessions_and_makes_room_under_its_cap() -> None:
    closed: list[str] = []
    pool = SessionPool(idle_seconds=60, max_live=2)
    pool.acquire("a", _factory("a", closed), owner="run-a")
    pool.acquire("b", _factory("b", closed))
    # Full: the free one ("b") makes room, the held one stays.
    pool.acquire("c", _factory("c", closed), owner="run-c")
    assert closed == ["b"]
    with pytest.raises(EnvironmentLimitError, match="2 environments are already open"):
        pool.acquire("d", _factory("d", closed), owner="run-d")
    pool.release("run-a", close=True)  # the run failed: closed (on the pool's thread)
    deadline = time.monotonic() + 5
    while "a" not in closed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert closed == ["b", "a"]
    pool.close_all()
    assert closed == ["b", "a", "c"]


@pytest.mark.parametrize("limits", [{"idle_seconds": 0}, {"max_live": 0}, {"check_seconds": -1}])
def test_pool_limits_must_be_positive(limits: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        SessionPool(**limits)  # type: ignore[arg-type]


# -- deployment settings ------------------------------------------------------------------------


def test_deployment_settings_come_from_the_environment() -> None:
    deployment = EnvironmentDeployment.from_env(
        {
            "NEMOTRON_OMNI_BROWSER_CDP_URL": "http://browser:9222",
            "NEMOTRON_OMNI_ENVIRONMENT_IDLE_SECONDS": "90",
            "NEMOTRON_OMNI_ENVIRONMENT_MAX_LIVE": "3",
        }
    )
    assert deployment.browser_cdp_url == "http://browser:9222"
    assert (deployment.idle_seconds, deployment.max_live, deployment.check_seconds) == (90, 3, 15)
    assert EnvironmentDeployment.from_env({}) == EnvironmentDeployment()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("NEMOTRON_OMNI_ENVIRONMENT_IDLE_SECONDS", "soon"),
        ("NEMOTRON_OMNI_ENVIRONMENT_MAX_LIVE", "0"),
        ("NEMOTRON_OMNI_BROWSER_CDP_URL", "file:///etc/passwd"),
        ("NEMOTRON_OMNI_BROWSER_CDP_URL", "browser:9222"),
    ],
)
def test_bad_deployment_settings_name_the_variable(variable: str, value: str) -> None:
    with pytest.raises(DeploymentConfigError, match=variable):
        EnvironmentDeployment.from_env({variable: value})


# -- screens ------------------------------------------------------------------------------------


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 199), st.integers(0, 99)), max_size=9))
def test_a_few_changed_pixels_are_the_same_screen(pixels: list[tuple[int, int]]) -> None:
    base = Image.new("RGB", (200, 100), (240, 240, 240))
    changed = base.copy()
    for point in pixels:  # a blinking caret, an antialiasing difference
        changed.putpixel(point, (0, 0, 0))
    assert not screens_differ(_png(base), _png(changed))


def test_a_typed_word_or_another_size_is_another_screen() -> None:
    base = Image.new("RGB", (200, 100), (240, 240, 240))
    typed = base.copy()
    typed.paste((0, 0, 0), (10, 10, 30, 20))  # 200 pixels: a short word
    assert screens_differ(_png(base), _png(typed))
    assert screens_differ(_png(base), _png(Image.new("RGB", (200, 101), (240, 240, 240))))


# -- trajectory, report, terminal ---------------------------------------------------------------


def _events(thought: str = "Fill in the name.") -> list[dict[str, Any]]:
    base = {"agent": "computer_use", "session": "t/e"}
    return [
        {**base, "event": "run_started", "time": 100.0, "task": "Sign up", "url": "http://x/",
         "screenshot": "s1", "width": 200, "height": 100, "step": 1, "environment": "browser"},
        {**base, "event": "step", "time": 101.0, "step": 1, "thought": thought,
         "actions": [{"tool": "computer", "summary": "click", "error": None},
                     {"tool": "computer", "summary": "type 'Ada'", "error": None}],
         "screenshot": "s1", "model_seconds": 1.0},
        {**base, "event": "action", "time": 101.5, "step": 1, "index": 0, "summary": "click",
         "status": "done", "detail": "", "seconds": 0.2,
         "marker": {"kind": "click", "points": [[50, 50]]}},
        {**base, "event": "approval_requested", "time": 102.0, "step": 1, "index": 1,
         "summary": "type '{{secret1}}'", "reason": "types into a password field",
         "screenshot": "s1", "url": "http://x/"},
        {**base, "event": "approval_decided", "time": 110.0, "step": 1, "index": 1,
         "approved": False, "reason": "no"},
        {**base, "event": "action", "time": 110.1, "step": 1, "index": 1,
         "summary": "type '{{secret1}}'", "status": "rejected", "detail": "the user said no"},
        {**base, "event": "run_finished", "time": 112.0,
         "outcome": {"status": "failure", "answer": None, "reason": "terminated", "steps": 1}},
    ]  # fmt: skip


def test_trajectory_follows_the_events() -> None:
    trajectory = Trajectory()
    changed = [trajectory.add(event) for event in _events()]
    assert changed == [1, 1, 1, 1, 1, 1, None]
    (step,) = trajectory.steps.values()
    assert step.thought == "Fill in the name."
    assert [(a.summary, a.status) for a in step.actions] == [
        ("click", "done"),
        ("type '{{secret1}}'", "rejected"),
    ]
    assert step.markers() == [(1, {"kind": "click", "points": [[50, 50]]})]
    (approval,) = step.approvals
    assert (approval.approved, approval.answer, approval.answered_at) == (False, "no", 110.0)
    assert trajectory.outcome is not None
    assert trajectory.seconds == 12.0
    assert trajectory.waiting is None


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_report_shows_any_model_text_as_text(thought: str) -> None:
    hostile = thought + "<script>alert(1)</script><img src=x onerror=alert(1)>"
    trajectory = Trajectory()
    for event in _events(hostile):
        trajectory.add(event)
    page = render_report(trajectory, lambda _: _png(Image.new("RGB", (200, 100))))
    assert "<script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_markers_are_drawn_where_the_actions_pointed() -> None:
    png = _png(Image.new("RGB", (300, 200), (255, 255, 255)))
    markers: list[tuple[int, Any]] = [
        (1, {"kind": "click", "points": [[60, 50]]}),
        (2, {"kind": "drag", "points": [[150, 150], [250, 150]]}),
        (3, {"kind": "scroll", "points": [[250, 50]], "direction": "down"}),
        (4, {"kind": "move", "points": [[-500, 10_000]]}),  # off screen: no crash
    ]
    image = annotate(png, markers)
    assert image.getpixel((60, 50)) == MARK  # the click's centre dot
    assert image.getpixel((200, 150)) == MARK  # along the drag
    assert image.getpixel((250, 50 + 30)) == MARK  # the scroll arrow, downwards
    assert image.getpixel((10, 190)) == (255, 255, 255)
    assert png_bytes(image).startswith(b"\x89PNG")


def test_live_step_fragment_links_its_images() -> None:
    trajectory = Trajectory()
    for event in _events():
        trajectory.add(event)
    html = render_step(
        trajectory.steps[1],
        image="/shot/1?token=t",
        approval_image=lambda a: f"/asked/1/{a.index}?token=t",
        started_at=trajectory.started_at,
    )
    assert 'src="/shot/1?token=t"' in html
    assert 'src="/asked/1/1?token=t"' in html
    assert "rejected after 8 s: no" in html


def test_terminal_shows_long_thoughts_up_to_a_screenful() -> None:
    out = io.StringIO()
    view = TerminalView(out, width=60)
    trajectory = Trajectory()
    thought = " ".join(f"word{i}" for i in range(400))
    for event in _events(thought):
        trajectory.add(event)
        view.show(event, trajectory)
    text = out.getvalue()
    assert "Task: Sign up" in text
    lines = text.splitlines()
    start = lines.index("  Thought (1.0 s):")
    assert all(line.startswith("    ") for line in lines[start + 1 : start + 1 + THOUGHT_LINES])
    assert "more lines in the report)" in lines[start + 1 + THOUGHT_LINES]
    assert "  1. click: ok (0.20 s)" in text
    assert "  Approval needed at step 1: type '{{secret1}}'" in text
    assert "    -> rejected: no" in text
    assert "Outcome: failure after 1 step(s) in 12.0 s" in text
