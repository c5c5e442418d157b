"""The answer as a page a person can check: the cited regions highlighted on page crops.

``nemotron-omni doc-qa`` writes it after every question (``--report``). Each page the answer
rests on is shown as a crop around the passage the answer was found in, with PDFium's text
boxes of that passage drawn over it, beside the answer. Pages cited without having been read
are listed apart, never shown as evidence. The file is self-contained (images inline).
"""

from __future__ import annotations

import base64
import html
from typing import TYPE_CHECKING

from langchain_nemotron_omni.agents.document_qa.citations import format_citation
from langchain_nemotron_omni.agents.document_qa.documents import open_document
from langchain_nemotron_omni.agents.document_qa.index import default_index_dir

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from langchain_nemotron_omni.agents.document_qa.state import Citation, OutputState

CROP_DPI = 110
_MARGIN = 0.06
"""Page height shown above and below the highlighted lines."""

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
.answer { background: #f4f7fb; border-left: 4px solid #3569b5; padding: .8em 1.2em; }
.cite { display: flex; gap: 1.5em; align-items: flex-start; margin: 1.5em 0; }
.cite h3 { margin: 0 0 .4em; font-size: 1em; }
.crop { position: relative; flex: 0 0 62%; border: 1px solid #ccc; line-height: 0; }
.crop img { width: 100%; }
.mark { position: absolute; background: rgba(255, 214, 0, .38); outline: 2px solid #e0a800; }
.unread { color: #9a3412; }
"""


def crop_area(boxes: Sequence[Sequence[float]]) -> tuple[float, float, float, float]:
    """The full width of the page between the passage's top and bottom, with a margin."""
    if not boxes:
        return 0.0, 0.0, 1.0, 1.0
    top = max(min(b[1] for b in boxes) - _MARGIN, 0.0)
    bottom = min(max(b[3] for b in boxes) + _MARGIN, 1.0)
    return 0.0, top, 1.0, bottom


def highlight_styles(boxes: Sequence[Sequence[float]], crop: Sequence[float]) -> list[str]:
    """CSS positions (percent of the crop) of each box over the crop's image."""
    x0, y0, x1, y1 = crop
    width, height = x1 - x0, y1 - y0
    styles = []
    for bx0, by0, bx1, by1 in boxes:
        left = (bx0 - x0) / width * 100
        top = (by0 - y0) / height * 100
        styles.append(
            f"left:{left:.3f}%;top:{top:.3f}%;"
            f"width:{(bx1 - bx0) / width * 100:.3f}%;height:{(by1 - by0) / height * 100:.3f}%"
        )
    return styles


def _figure(citation: Citation, documents: Sequence[Path]) -> str:
    doc = open_document(documents[citation["doc"] - 1])
    try:
        boxes = citation["boxes"]
        crop = crop_area(boxes)
        image = doc.render(citation["index"], CROP_DPI, crop)
    finally:
        doc.close()
    data = base64.b64encode(image.data).decode("ascii")
    marks = "".join(
        f'<div class="mark" style="{style}"></div>' for style in highlight_styles(boxes, crop)
    )
    note = (
        ""
        if boxes
        else "<p>The passage could not be located on this page (a scan or a figure?).</p>"
    )
    return (
        f'<div class="cite"><div class="crop"><img alt="{html.escape(format_citation(citation))}" '
        f'src="data:{image.mime};base64,{data}">{marks}</div>'
        f"<div><h3>{html.escape(format_citation(citation))}</h3>{note}</div></div>"
    )


def render_report(question: str, result: OutputState, documents: Sequence[Path]) -> str:
    """The report's HTML for one answered question (``documents`` in the order asked)."""
    citations = result.get("citations") or []
    read = [c for c in citations if c["seen"]]
    unread = [c for c in citations if not c["seen"]]
    parts = [
        "<!doctype html><meta charset='utf-8'><title>Document QA report</title>",
        f"<style>{_STYLE}</style>",
        f"<h1>{html.escape(question)}</h1>",
        f'<div class="answer"><p>{html.escape(result.get("answer", "")).strip()}</p></div>',
    ]
    if result.get("found") and read:
        parts.append("<h2>Where the answer is</h2>")
        parts += [_figure(c, documents) for c in read]
    else:
        parts.append("<p>The answer was not found in the pages read.</p>")
    if unread:
        names = ", ".join(html.escape(format_citation(c)) for c in unread)
        parts.append(f'<p class="unread">Also cited, but never read (not evidence): {names}</p>')
    tokens = result.get("tokens")
    if tokens:
        parts.append(
            f"<p><small>{tokens['total']:,} tokens of a {tokens['budget']:,} budget in "
            f"{tokens['calls']} call(s).</small></p>"
        )
    return "\n".join(parts)


def default_report_path() -> Path:
    """Where the command line writes its report: beside the index cache, not in the cwd."""
    return default_index_dir().parent / "doc-qa-report.html"


def write_report(path: Path, question: str, result: OutputState, documents: Sequence[Path]) -> Path:
    """Write :func:`render_report` to ``path``; returns it."""
    path.write_text(render_report(question, result, documents), encoding="utf-8")
    return path
