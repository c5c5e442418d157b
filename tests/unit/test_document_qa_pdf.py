"""The PDF layer: labels, outline, text, renders and crops, bad files."""

from __future__ import annotations

import io
import time
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from langchain_nemotron_omni.agents.document_qa import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedPDFError,
    UnsupportedDocumentError,
)
from langchain_nemotron_omni.agents.document_qa.documents import (
    DocumentCache,
    ImageDocument,
    open_document,
)
from langchain_nemotron_omni.agents.document_qa.page_labels import (
    describe_labels,
    find_label,
    int_to_roman,
    label_runs,
    page_title,
    roman_to_int,
)
from langchain_nemotron_omni.media.pdf import PdfDocument, clean_text, normalize_box
from tests.document_qa_pdfs import (
    FACT_SENTENCE,
    ReportLayout,
    make_corrupt,
    make_empty,
    make_encrypted,
    make_report,
    scanned_image,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PdfDocument, ReportLayout]]:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    layout = make_report(path, pages=40)
    doc = open_document(path)
    assert isinstance(doc, PdfDocument)
    yield doc, layout
    doc.close()


def test_pages_labels_and_outline(report: tuple[PdfDocument, ReportLayout]) -> None:
    doc, layout = report
    assert doc.page_count == 40
    assert [doc.label(i) for i in (0, 3, 4, 39)] == ["i", "iv", "1", "36"]
    outline = doc.outline()
    titles = {entry.title: entry.page for entry in outline}
    assert titles["Table 2: Revenue by region"] == layout.table
    assert titles["Appendix C: Inspection certificate (scan)"] == layout.scanned
    assert {entry.level for entry in outline} == {0, 1}
    with pytest.raises(IndexError, match="has pages 1-40"):
        doc.label(40)


def test_text_is_clean_and_scans_have_none(report: tuple[PdfDocument, ReportLayout]) -> None:
    doc, layout = report
    text = doc.text(layout.fact)
    assert FACT_SENTENCE in text
    assert "\r" not in text
    assert doc.text(layout.scanned) == ""
    assert "Nordics 41.2 47.9" in doc.text(layout.table).splitlines()


def test_locate_and_text_in_box_agree(report: tuple[PdfDocument, ReportLayout]) -> None:
    doc, layout = report
    [box] = doc.find(layout.table, "nordics")
    x0, y0, x1, y1 = box
    assert 0 < x0 < x1 < 0.5
    assert 0.1 < y0 < y1 < 0.5
    padded = (0.0, y0 - 0.002, 1.0, y1 + 0.002)
    assert doc.text_in_box(layout.table, padded) == "Nordics 41.2 47.9"
    assert doc.find(layout.table, "zebra") == []


def test_render_sizes_follow_dpi_and_crop(report: tuple[PdfDocument, ReportLayout]) -> None:
    doc, layout = report
    page = doc.render(layout.chart, 72)
    assert (page.width, page.height) == (612, 792)
    with Image.open(io.BytesIO(page.data)) as image:
        assert (image.format, image.size, page.mime) == ("JPEG", (612, 792), "image/jpeg")
    half = doc.render(layout.chart, 144, (0.0, 0.5, 1.0, 1.0))
    assert (half.width, half.height) == (1224, 792)
    capped = doc.render(layout.chart, 1200, max_pixels=1_000_000)
    assert capped.width * capped.height <= 1_000_000 * 1.005  # PDFium rounds sizes up
    assert capped.dpi < 1200


def test_pages_without_colour_are_sent_grey_and_any_colour_keeps_them_rgb(tmp_path: Path) -> None:
    from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415

    path = tmp_path / "colours.pdf"
    canvas = Canvas(str(path), pagesize=(612, 792))
    marks = {
        "black text and grey rules": None,
        "one line of 6 pt red text": ("text", (0.8, 0.0, 0.0)),
        "a hairline in blue": ("line", (0.0, 0.0, 0.9)),
        "a pale yellow highlight": ("rect", (1.0, 1.0, 0.85)),
    }
    for title, mark in marks.items():
        canvas.setFont("Helvetica", 11)
        canvas.drawString(72, 700, title)
        canvas.setStrokeGray(0.5)
        canvas.line(72, 690, 540, 690)
        if mark is not None:
            kind, rgb = mark
            canvas.setFillColorRGB(*rgb)
            canvas.setStrokeColorRGB(*rgb)
            if kind == "text":
                canvas.setFont("Helvetica", 6)
                canvas.drawString(300, 300, "overdue")
            elif kind == "line":
                canvas.setLineWidth(0.25)
                canvas.line(72, 400, 540, 400)
            else:
                canvas.rect(72, 500, 200, 14, stroke=0, fill=1)
        canvas.showPage()
    canvas.save()
    with PdfDocument(path) as doc:
        modes = []
        for index in range(doc.page_count):
            page = doc.render(index, 144)
            with Image.open(io.BytesIO(page.data)) as image:
                modes.append((image.format, image.mode, image.size == (page.width, page.height)))
    assert modes == [
        ("JPEG", "L", True),
        ("JPEG", "RGB", True),
        ("JPEG", "RGB", True),
        ("JPEG", "RGB", True),
    ]


def test_the_crop_shows_the_right_region(report: tuple[PdfDocument, ReportLayout]) -> None:
    doc, layout = report
    # The scan's red stamp sits in its lower right; the upper left has none.
    stamp = doc.render(layout.scanned, 72, (0.55, 0.65, 0.9, 0.92))
    corner = doc.render(layout.scanned, 72, (0.0, 0.0, 0.4, 0.3))

    def reds(png: bytes) -> int:
        data = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
        return sum(
            1
            for r, g, b in zip(data[0::3], data[1::3], data[2::3], strict=True)
            if r > 150 and g < 90
        )

    assert reds(stamp.data) > 200
    assert reds(corner.data) == 0


def test_images_are_one_page_documents(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    scanned_image().save(path)
    doc = open_document(path)
    assert isinstance(doc, ImageDocument)
    assert (doc.page_count, doc.label(0), doc.text(0), doc.outline()) == (1, "", "", [])
    full = doc.render(0, 144)
    assert (full.width, full.height) == (850, 1100)  # its own resolution, never upscaled
    zoom = doc.render(0, 144, (0.5, 0.5, 1.0, 1.0))
    assert zoom.width == 850  # a quarter of the image, upscaled 2x


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (make_encrypted, EncryptedPDFError, "password-protected"),
        (make_corrupt, CorruptDocumentError, "not a readable PDF"),
        (make_empty, EmptyDocumentError, "has no pages"),
    ],
)
def test_bad_pdfs_map_to_typed_errors(
    tmp_path: Path, make: object, error: type[Exception], message: str
) -> None:
    path = tmp_path / "bad.pdf"
    assert callable(make)
    make(path)
    with pytest.raises(error, match=message) as caught:
        open_document(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_empty_pdf_after_an_encrypted_one_is_still_empty(tmp_path: Path) -> None:
    # PDFium's last-error code is sticky; an empty PDF must not inherit "password".
    make_encrypted(tmp_path / "locked.pdf")
    make_empty(tmp_path / "empty.pdf")
    with pytest.raises(EncryptedPDFError):
        open_document(tmp_path / "locked.pdf")
    with pytest.raises(EmptyDocumentError):
        open_document(tmp_path / "empty.pdf")


def test_files_that_are_not_documents(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_text("hello")
    (tmp_path / "b.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    (tmp_path / "c.pdf").write_bytes(b"")
    with pytest.raises(UnsupportedDocumentError, match="starts with 'hello'"):
        open_document(tmp_path / "a.pdf")
    with pytest.raises(CorruptDocumentError, match="could not be decoded"):
        open_document(tmp_path / "b.png")
    with pytest.raises(EmptyDocumentError, match="0 bytes"):
        open_document(tmp_path / "c.pdf")


def test_document_cache_reopens_a_changed_file(tmp_path: Path) -> None:
    path = tmp_path / "r.pdf"
    make_report(path, pages=6)
    cache = DocumentCache(size=1)
    first = cache.get(path)
    assert cache.get(path) is first
    time.sleep(0.01)
    make_report(path, pages=8)
    second = cache.get(path)
    assert second is not first
    assert second.page_count == 8


def test_boxes_are_clamped_and_ordered() -> None:
    assert normalize_box((0.8, 1.2, 0.2, -0.1)) == (0.2, 0.0, 0.8, 1.0)
    with pytest.raises(ValueError, match="no area"):
        normalize_box((0.5, 0.1, 0.5, 0.9))


def test_clean_text() -> None:
    assert clean_text("a  b\r\n\r\n  c\t d \r\n") == "a b\nc d"
    assert clean_text("One dis\x02advantage\rends") == "One disadvantage\nends"


def test_roman_numerals_and_label_runs() -> None:
    assert [roman_to_int(s) for s in ("iv", "XIV", "mcmxciv", "iiii", "", "abc")] == [
        4,
        14,
        1994,
        None,
        None,
        None,
    ]
    assert int_to_roman(49) == "xlix"
    labels = ["i", "ii", "iii", "1", "2", "3", "A-9", "A-10", "", "5"]
    runs = [(r.start, r.end, r.first, r.last) for r in label_runs(labels)]
    assert runs == [
        (0, 2, "i", "iii"),
        (3, 5, "1", "3"),
        (6, 7, "A-9", "A-10"),
        (8, 8, "", ""),
        (9, 9, "5", "5"),
    ]
    assert describe_labels(["1", "2", "3"]) == ""
    assert (
        describe_labels(["i", "ii", "1", "2"]) == "pages 1-2 print i to ii; pages 3-4 print 1 to 2"
    )
    assert find_label(labels, "A-10") == 7
    assert find_label(["1", "1"], "1") is None  # ambiguous
    assert page_title(5, "1") == "Page 5 (label 1)"
    assert page_title(5, "5") == page_title(5, "") == "Page 5"


def test_outline_of_any_depth_without_warnings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415

    path = tmp_path / "deep.pdf"
    canvas = Canvas(str(path))
    for depth in range(9):
        canvas.bookmarkPage(f"p{depth}")
        canvas.addOutlineEntry(f"Level {depth}", f"p{depth}", level=depth)
        canvas.drawString(72, 700, f"Page at depth {depth}")
        canvas.showPage()
    canvas.save()
    with PdfDocument(path) as doc, caplog.at_level("DEBUG"):
        outline = doc.outline()
    assert [(e.title, e.level, e.page) for e in outline] == [(f"Level {d}", d, d) for d in range(9)]
    assert not [r for r in caplog.records if "recursion" in r.getMessage()]
