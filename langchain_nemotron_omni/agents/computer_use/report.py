"""A run's replay: screenshots with the pointer drawn on them, an HTML report and a GIF.

:func:`annotate` draws where each action of a step pointed (a ring at a click, a ring and an
arrow for a scroll, a line with an arrowhead for a drag), numbered as the step's actions.
:func:`render_step` renders one step as HTML (the live page shows the same fragments);
:func:`write_report` writes a self-contained ``report.html`` (images inline) and an
animated ``trajectory.gif`` beside it. Texts come from the run's events, which the agent
masks at the source (secrets never reach them).
"""

from __future__ import annotations

import base64
import html
import io
import time
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from langchain_nemotron_omni.agents.computer_use.events import Marker
    from langchain_nemotron_omni.agents.computer_use.trajectory import (
        ActionView,
        ApprovalView,
        StepView,
        Trajectory,
    )

MARK = (230, 0, 126)
"""The markers' colour (magenta: rare on web pages and desktops), outlined in white."""
REPORT_FILE = "report.html"
GIF_FILE = "trajectory.gif"
GIF_WIDTH = 800
_DIRECTIONS = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}

STYLE = """
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; background: #f3f4f7; color: #1d2230; }
main { max-width: 1400px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 17px; margin: 0; }
.meta { color: #5b6375; margin: 0 0 12px; }
.outcome { padding: 10px 14px; border-radius: 8px; margin: 12px 0; font-weight: 600; }
.outcome.success { background: #dff5e3; } .outcome.failure { background: #fde2e2; }
.outcome.running { background: #e6ecfb; }
.step { background: #fff; border-radius: 10px; margin: 14px 0; padding: 14px 16px;
        box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.step header { display: flex; gap: 14px; align-items: baseline; flex-wrap: wrap; }
.url { color: #3853a4; word-break: break-all; } .time { color: #6b7280; margin-left: auto; }
.body { display: flex; gap: 18px; margin-top: 10px; align-items: flex-start; }
figure { margin: 0; flex: 0 0 58%; } figure img { width: 100%; border: 1px solid #d6d9e0; }
.text { flex: 1; min-width: 0; }
.thought { white-space: pre-wrap; background: #f7f7fb; border-left: 3px solid #b8bfd4;
           padding: 6px 10px; margin: 4px 0 10px; max-height: 320px; overflow: auto; }
ol.actions { padding-left: 0; list-style: none; margin: 0; }
ol.actions li { padding: 4px 0; border-bottom: 1px solid #eef0f4; }
.n { display: inline-block; min-width: 20px; height: 20px; border-radius: 10px; color: #fff;
     background: rgb(230,0,126); text-align: center; font-size: 12px; line-height: 20px;
     margin-right: 6px; }
.st { font-size: 12px; padding: 1px 6px; border-radius: 4px; margin-left: 6px; }
.st.done { background: #dff5e3; } .st.failed, .st.rejected { background: #fde2e2; }
.st.skipped, .st.pending { background: #eceef3; }
.detail { display: block; color: #5b6375; font-size: 13px; margin-left: 26px; }
.approval { border: 2px solid #e0a100; background: #fff8e1; border-radius: 8px;
            padding: 8px 10px; margin: 10px 0; }
.approval.approved { border-color: #2e9d4a; background: #eefaf0; }
.approval.rejected { border-color: #c62828; background: #fdecec; }
.approval img { max-width: 100%; margin-top: 6px; border: 1px solid #d6d9e0; }
.replanned { background: #e6ecfb; padding: 6px 10px; border-radius: 6px; }
"""


def annotate(png: bytes, markers: Sequence[tuple[int, Marker]]) -> Image.Image:
    """The screenshot with each marker drawn on it, labelled with its number."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    draw = ImageDraw.Draw(image)
    radius = max(12, min(image.size) // 30)
    font = _font(max(11, radius))
    for number, marker in markers:
        points = [(int(x), int(y)) for x, y in marker.get("points", [])]
        if not points:
            continue
        x, y = points[0]
        if marker.get("kind") == "drag" and len(points) > 1:
            _arrow(draw, points[0], points[-1], radius)
        elif marker.get("kind") == "scroll":
            dx, dy = _DIRECTIONS.get(str(marker.get("direction")), (0, 1))
            _arrow(draw, (x, y), (x + dx * radius * 4, y + dy * radius * 4), radius)
        for width, colour in ((radius // 3 + 4, (255, 255, 255)), (radius // 3, MARK)):
            draw.ellipse(
                (x - radius, y - radius, x + radius, y + radius), outline=colour, width=width
            )
        if marker.get("kind") == "click":
            dot = max(2, radius // 4)
            draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=MARK, outline=(255, 255, 255))
        _label(draw, (x + radius, y - radius), str(number), font)
    return image


def _arrow(
    draw: ImageDraw.ImageDraw, start: tuple[int, int], end: tuple[int, int], radius: int
) -> None:
    width = max(3, radius // 3)
    for extra, colour in ((4, (255, 255, 255)), (0, MARK)):
        draw.line((start, end), fill=colour, width=width + extra)
    # The arrowhead: a triangle pointing along the line.
    (x0, y0), (x1, y1) = start, end
    length = max(1.0, ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    size = radius * 1.4
    left = (x1 - ux * size - uy * size * 0.6, y1 - uy * size + ux * size * 0.6)
    right = (x1 - ux * size + uy * size * 0.6, y1 - uy * size - ux * size * 0.6)
    draw.polygon([end, left, right], fill=MARK, outline=(255, 255, 255))


def _label(
    draw: ImageDraw.ImageDraw,
    where: tuple[int, int],
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
) -> None:
    left, top, right, bottom = draw.textbbox(where, text, font=font)
    pad = 3
    draw.rounded_rectangle(
        (left - pad, top - pad, right + pad, bottom + pad), radius=4, fill=MARK, outline="white"
    )
    draw.text(where, text, fill="white", font=font)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: one bitmap size
        return ImageFont.load_default()


def png_bytes(image: Image.Image) -> bytes:
    """``image`` as PNG."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# -- HTML --------------------------------------------------------------------------------------


def render_step(
    step: StepView,
    *,
    image: str | None,
    approval_image: Callable[[ApprovalView], str | None],
    started_at: float | None,
) -> str:
    """One step as an HTML ``<section>`` (``image``: the annotated screenshot's URL)."""
    esc = html.escape
    when = f"+{step.observed_at - started_at:.1f} s" if started_at else ""
    if step.model_seconds is not None:
        when += f" · model {step.model_seconds:.1f} s"
    figure = f'<figure><img alt="step {step.number}" src="{esc(image)}"></figure>' if image else ""
    head = (
        f'<section class="step" id="step-{step.number}"><header>'
        f"<h2>Step {step.number}</h2>"
        f'<span class="url">{esc(step.url or "")}</span><span class="time">{esc(when)}</span>'
        f'</header><div class="body">{figure}<div class="text">'
    )
    parts = [head]
    if step.thought:
        parts.append(f'<div class="thought">{esc(step.thought)}</div>')
    elif step.planned_at is None:
        parts.append('<div class="thought">(the model is thinking)</div>')
    parts.append('<ol class="actions">')
    parts.extend(_action(action) for action in step.actions)
    parts.append("</ol>")
    parts.extend(render_approval(a, approval_image(a)) for a in step.approvals)
    if step.replanned:
        parts.append(f'<p class="replanned">Not run: {esc(step.replanned)}.</p>')
    parts.append("</div></div></section>")
    return "".join(parts)


def _action(action: ActionView) -> str:
    esc = html.escape
    status = action.status or "pending"
    seconds = f" · {action.seconds:.2f} s" if action.seconds else ""
    detail = f'<span class="detail">{esc(action.detail)}</span>' if action.detail else ""
    return (
        f'<li class="action {status}"><span class="n">{action.index + 1}</span>'
        f'{esc(action.summary)}<span class="st {status}">{status}{seconds}</span>{detail}</li>'
    )


def render_approval(approval: ApprovalView, image: str | None) -> str:
    """An approval and its answer (``image``: the URL of the screen it was asked on)."""
    esc = html.escape
    if approval.approved is None:
        state, answer = "pending", "waiting for a decision"
    else:
        state = "approved" if approval.approved else "rejected"
        waited = (approval.answered_at or approval.asked_at) - approval.asked_at
        answer = f"{state} after {waited:.0f} s" + (
            f": {approval.answer}" if approval.answer else ""
        )
    shot = f'<img alt="the screen it was asked on" src="{esc(image)}">' if image else ""
    return (
        f'<div class="approval {state}"><strong>Approval:</strong> {esc(approval.summary)}'
        f"<br>why: {esc(approval.reason)}<br><em>{esc(answer)}</em>{shot}</div>"
    )


def render_header(trajectory: Trajectory, *, live: bool = False) -> str:
    """The run's title, facts and outcome as HTML (``live``: the run is being followed)."""
    esc = html.escape
    started = (
        time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(trajectory.started_at))
        if trajectory.started_at
        else "?"
    )
    seconds = trajectory.seconds
    took = f" · {seconds:.1f} s" if seconds is not None else ""
    facts = f"{trajectory.environment} · run {trajectory.session} · started {started}{took}"
    outcome = trajectory.outcome
    if outcome:
        answer = f": {outcome['answer']}" if outcome.get("answer") else ""
        banner = (
            f'<div class="outcome {esc(outcome["status"])}">{esc(outcome["status"].title())} '
            f"after {outcome['steps']} step(s) ({esc(outcome['reason'])}){esc(answer)}</div>"
        )
    elif live and trajectory.waiting:
        banner = '<div class="outcome running">Waiting for your approval</div>'
    elif live:
        banner = '<div class="outcome running">Running</div>'
    else:
        banner = '<div class="outcome running">Stopped before the task ended</div>'
    return f"<h1>{esc(trajectory.task)}</h1><p class='meta'>{esc(facts)}</p>{banner}"


def render_report(trajectory: Trajectory, load: Callable[[str], bytes]) -> str:
    """The whole run as one self-contained HTML page (screenshots inline)."""

    def inline(ref: str | None, markers: Sequence[tuple[int, Marker]] = ()) -> str | None:
        png = _load(load, ref)
        if png is None:
            return None
        data = png_bytes(annotate(png, markers)) if markers else png
        return "data:image/png;base64," + base64.b64encode(data).decode("ascii")

    steps = [
        render_step(
            step,
            image=inline(step.screenshot, step.markers()),
            approval_image=lambda a: inline(a.screenshot),
            started_at=trajectory.started_at,
        )
        for step in sorted(trajectory.steps.values(), key=lambda s: s.number)
    ]
    title = html.escape(f"Computer use: {trajectory.task}")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{STYLE}</style></head><body><main>{render_header(trajectory)}"
        f"{''.join(steps)}</main></body></html>"
    )


def write_gif(trajectory: Trajectory, load: Callable[[str], bytes], path: Path) -> bool:
    """An animated GIF of the run, one annotated frame a step; False when nothing to show."""
    frames = []
    for step in sorted(trajectory.steps.values(), key=lambda s: s.number):
        png = _load(load, step.screenshot)
        if png is None:
            continue
        image = annotate(png, step.markers())
        if image.width > GIF_WIDTH:
            image = image.resize((GIF_WIDTH, round(image.height * GIF_WIDTH / image.width)))
        frames.append(_captioned(image, f"Step {step.number}: {_first_line(step)}"))
    if not frames:
        return False
    durations = [1500] * (len(frames) - 1) + [4000]
    frames[0].save(
        path, save_all=True, append_images=frames[1:], duration=durations, loop=0, optimize=True
    )
    return True


def write_report(trajectory: Trajectory, load: Callable[[str], bytes], folder: Path) -> Path:
    """Write ``report.html`` (and ``trajectory.gif``) into ``folder``; returns the report."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    report = folder / REPORT_FILE
    report.write_text(render_report(trajectory, load), encoding="utf-8")
    write_gif(trajectory, load, folder / GIF_FILE)
    return report


def _captioned(image: Image.Image, text: str) -> Image.Image:
    band = 30
    framed = Image.new("RGB", (image.width, image.height + band), (29, 34, 48))
    framed.paste(image, (0, 0))
    draw = ImageDraw.Draw(framed)
    font = _font(15)
    while text and draw.textlength(text, font=font) > image.width - 16:
        text = text[:-2] + "…" if len(text) > 1 else ""
    draw.text((8, image.height + 7), text, fill="white", font=font)
    return framed.convert("P", palette=Image.Palette.ADAPTIVE)


def _first_line(step: StepView) -> str:
    done = [a.summary for a in step.actions if a.status == "done"]
    if done:
        return "; ".join(done)
    return step.thought.split("\n", 1)[0] if step.thought else ""


def _load(load: Callable[[str], bytes], ref: str | None) -> bytes | None:
    if not ref:
        return None
    try:
        return load(ref)
    except (OSError, LookupError):
        return None
