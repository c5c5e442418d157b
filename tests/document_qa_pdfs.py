"""PDFs for the document-QA tests and benchmark, drawn with reportlab.

The long report has what real reports have: roman-numbered front matter, an outline, one
page carrying a fact, a table, a bar chart with value labels, and a scanned page (an image
with no text layer). The facts live on known pages so tests can check the citations.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pypdfium2 as pdfium  # type: ignore[import-untyped,unused-ignore]
from PIL import Image, ImageDraw
from reportlab.graphics.charts.barcharts import (  # type: ignore[import-untyped,unused-ignore]
    VerticalBarChart,
)
from reportlab.graphics.shapes import Drawing, String  # type: ignore[import-untyped,unused-ignore]
from reportlab.lib import colors  # type: ignore[import-untyped,unused-ignore]
from reportlab.lib.pagesizes import letter  # type: ignore[import-untyped,unused-ignore]
from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped,unused-ignore]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped,unused-ignore]
from reportlab.platypus import Table, TableStyle  # type: ignore[import-untyped,unused-ignore]

if TYPE_CHECKING:
    from pathlib import Path

FRONT_MATTER = 4
"""Pages labelled i..iv before page 1 of the body."""

FACT_SENTENCE = "The Halvorsen facility processed 48,213 tonnes of recycled aluminium last year."
FACT_QUESTION = "How many tonnes of recycled aluminium did the Halvorsen facility process?"
TABLE_QUESTION = "What was the Nordics region revenue in the segment table?"
CHART_QUESTION = "How many units were shipped in Q3 according to Figure 3?"
SCANNED_QUESTION = "What does the inspection certificate in the appendix say?"
MISSING_QUESTION = "What is the chief executive's favourite colour?"

FILLER = (
    "This section reviews operations, governance and outlook for the period. Management "
    "discussed staffing, logistics and maintenance schedules with the board. Results were "
    "broadly in line with the plan, and no further exceptions were noted for this part of "
    "the review. "
)


@dataclass(frozen=True)
class ReportLayout:
    """Where things are in the long report (0-based page indices)."""

    pages: int
    fact: int
    table: int
    chart: int
    scanned: int
    chapters: tuple[tuple[str, int], ...]

    def label(self, index: int) -> str:
        """The printed page label of a page index."""
        if index < FRONT_MATTER:
            return ("i", "ii", "iii", "iv")[index]
        return str(index - FRONT_MATTER + 1)


def report_layout(pages: int = 300) -> ReportLayout:
    """Where the long report puts its fact, table, chart and scanned page."""
    chapter_starts = [FRONT_MATTER + i * (pages - FRONT_MATTER) // 6 for i in range(6)]
    names = ["Overview", "Operations", "Segments", "Shipments", "Facilities", "Appendices"]
    return ReportLayout(
        pages=pages,
        fact=int(pages * 0.62),
        table=int(pages * 0.4),
        chart=int(pages * 0.55),
        scanned=pages - 3,
        chapters=tuple(zip(names, chapter_starts, strict=True)),
    )


def _text_lines(canvas: Canvas, lines: list[str], *, top: float = 700) -> None:
    text = canvas.beginText(72, top)
    text.setFont("Helvetica", 11)
    for line in lines:
        text.textLine(line)
    canvas.drawText(text)


def wrap(paragraph: str, width: int = 88) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in paragraph.split():
        if len(current) + len(word) + 1 > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines


def _draw_table(canvas: Canvas) -> None:
    data = [
        ["Region", "Revenue 2022 (EUR m)", "Revenue 2023 (EUR m)"],
        ["Iberia", "33.0", "35.4"],
        ["Nordics", "41.2", "47.9"],
        ["Benelux", "28.7", "27.1"],
        ["Baltics", "12.5", "14.0"],
    ]
    table = Table(data)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    _, height = table.wrapOn(canvas, 400, 300)
    table.drawOn(canvas, 72, 600 - height)


def _draw_chart(canvas: Canvas) -> None:
    drawing = Drawing(400, 260)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, 320, 190
    chart.data = [(1200, 1850, 2740, 2100)]
    chart.categoryAxis.categoryNames = ["Q1", "Q2", "Q3", "Q4"]
    chart.barLabelFormat = "%d units"
    chart.barLabels.nudge = 8
    chart.valueAxis.valueMin = 0
    drawing.add(chart)
    drawing.add(String(40, 240, "Figure 3: Quarterly shipments", fontSize=12))
    drawing.drawOn(canvas, 100, 330)


def scanned_image(text: str = "CERTIFICATE OF INSPECTION") -> Image.Image:
    """A 'scan': black writing and a stamp on an off-white page, as pixels only."""
    image = Image.new("RGB", (850, 1100), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 790, 1040), outline=(30, 30, 30), width=6)
    draw.text((120, 200), text, fill=(0, 0, 0), font_size=44)
    draw.text((120, 320), "Boiler 7 passed all pressure tests.", fill=(0, 0, 0), font_size=30)
    draw.ellipse((520, 760, 740, 980), outline=(180, 20, 20), width=10)
    return image


def _draw_scanned(canvas: Canvas) -> None:
    buffer = io.BytesIO()
    scanned_image().save(buffer, format="PNG")
    buffer.seek(0)
    width, height = letter
    canvas.drawImage(ImageReader(buffer), 0, 0, width=width, height=height)


def make_report(path: Path, pages: int = 300) -> ReportLayout:
    """Write the long report to ``path``; returns where its facts are."""
    layout = report_layout(pages)
    canvas = Canvas(str(path), pagesize=letter)
    canvas.setTitle("Annual Operations Report")
    canvas.addPageLabel(0, "ROMAN_LOWER", 1)
    canvas.addPageLabel(FRONT_MATTER, "ARABIC", 1)
    chapter_at = {start: name for name, start in layout.chapters}
    for index in range(pages):
        key = f"p{index}"
        canvas.bookmarkPage(key)
        if index == 0:
            canvas.addOutlineEntry("Contents", key, level=0)
        if index in chapter_at:
            canvas.addOutlineEntry(f"Chapter: {chapter_at[index]}", key, level=0)
        if index == layout.scanned:
            canvas.addOutlineEntry("Appendix C: Inspection certificate (scan)", key, level=1)
            _draw_scanned(canvas)
            canvas.showPage()
            continue
        header = f"Annual Operations Report - page {layout.label(index)}"
        canvas.setFont("Helvetica-Bold", 13)
        canvas.drawString(72, 740, header)
        if index == 0:
            _text_lines(
                canvas, ["Contents", *(f"{n} .... {layout.label(s)}" for n, s in layout.chapters)]
            )
        elif index == layout.fact:
            _text_lines(canvas, [*wrap(FILLER), "", *wrap(FACT_SENTENCE), "", *wrap(FILLER)])
        elif index == layout.table:
            canvas.addOutlineEntry("Table 2: Revenue by region", key, level=1)
            _text_lines(canvas, ["Table 2: Revenue by region (segment table)"], top=700)
            _draw_table(canvas)
        elif index == layout.chart:
            canvas.addOutlineEntry("Figure 3: Quarterly shipments", key, level=1)
            _text_lines(canvas, ["Shipments rose through the year; see Figure 3."], top=700)
            _draw_chart(canvas)
        else:
            _text_lines(canvas, wrap(FILLER * 3))
        canvas.setFont("Helvetica", 9)
        canvas.drawCentredString(306, 30, layout.label(index))
        canvas.showPage()
    canvas.showOutline()
    canvas.save()
    return layout


WARNING_SLIDE = 2
"""0-based index of the deck's slide with the red warning box."""
DECK_QUESTION = "Which slide has the red warning box?"


def make_deck(path: Path, slides: int = 6) -> None:
    """A short slide deck; one slide has a large red box (found by looking, not by text)."""
    width, height = 960, 540
    canvas = Canvas(str(path), pagesize=(width, height))
    canvas.addPageLabel(0, "ARABIC", 1, "S-")
    for index in range(slides):
        canvas.setFont("Helvetica-Bold", 28)
        canvas.drawString(60, 460, f"Slide {index + 1}: quarterly review")
        canvas.setFont("Helvetica", 18)
        canvas.drawString(60, 400, "Talking points for the team meeting.")
        if index == WARNING_SLIDE:
            canvas.setFillColorRGB(0.9, 0.05, 0.05)
            canvas.rect(520, 120, 320, 200, fill=1, stroke=0)
        canvas.showPage()
    canvas.save()


def make_encrypted(path: Path) -> None:
    """A PDF that needs a user password to open."""
    canvas = Canvas(str(path), pagesize=letter, encrypt="s3cret")
    canvas.drawString(72, 700, "Confidential")
    canvas.showPage()
    canvas.save()


def make_corrupt(path: Path) -> None:
    """A file that starts like a PDF but is cut off before any object."""
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Cat")


def make_empty(path: Path) -> None:
    """A well-formed PDF with no pages (written by PDFium itself)."""
    pdf = pdfium.PdfDocument.new()
    pdf.save(str(path))
    pdf.close()
