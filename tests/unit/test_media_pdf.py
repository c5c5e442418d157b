"""PDF pages rendered to PNG with pypdfium2, their labels and text, and the failure modes."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from langchain_nemotron_omni.media import (
    CorruptMediaError,
    EncryptedPDFError,
    InvalidMediaOptionsError,
    MediaSourceError,
    MediaTooLargeError,
    page_labels,
    page_texts,
    render_pages,
)
from langchain_nemotron_omni.media.pdf import page_count, parse_pages
from tests import media_samples as ms

if TYPE_CHECKING:
    from pathlib import Path

    from langchain_nemotron_omni.media.pdf import ImageFormat


def test_render_all_pages_at_the_requested_dpi(tmp_path: Path) -> None:
    path = ms.write_pdf(tmp_path / "a.pdf", ["One", "Two", "Three"])
    pages = render_pages(path, dpi=72)
    assert [p.number for p in pages] == [1, 2, 3]
    assert all(p.label is None for p in pages)  # no page labels in this PDF
    # US letter at 72 dpi is 612 x 792 points = pixels.
    assert {(p.width, p.height) for p in pages} == {(612, 792)}
    with Image.open(io.BytesIO(pages[0].data)) as image:  # JPEG unless PNG is asked for
        assert (image.format, image.size, pages[0].mime) == ("JPEG", (612, 792), "image/jpeg")
    (png,) = render_pages(path, pages=1, dpi=72, fmt="png")
    with Image.open(io.BytesIO(png.data)) as image:
        assert (image.format, png.mime) == ("PNG", "image/png")


@pytest.mark.parametrize("fmt", ["png", "jpeg"])
def test_long_documents_render_in_worker_processes_identically(
    tmp_path: Path, fmt: ImageFormat
) -> None:
    path = ms.write_pdf(tmp_path / "long.pdf", [f"Page {n}" for n in range(1, 15)])
    parallel = render_pages(path, dpi=36, fmt=fmt)  # 14 pages: here and in a worker at once
    serial = [render_pages(path, pages=n, dpi=36, fmt=fmt)[0] for n in range(1, 15)]
    assert [p.data for p in parallel] == [p.data for p in serial]
    assert [p.number for p in parallel] == list(range(1, 15))


def test_page_selection_and_labels(tmp_path: Path) -> None:
    path = ms.write_pdf(
        tmp_path / "book.pdf", ["Preface", "Contents", "Intro", "Body"], labels=True
    )
    assert page_labels(path) == ["i", "ii", "1", "2"]
    pages = render_pages(path, pages="2-3", dpi=36)
    assert [(p.number, p.label, p.title) for p in pages] == [(2, "ii", "ii"), (3, "1", "1")]


def test_pixel_budget_scales_big_pages_down(tmp_path: Path) -> None:
    path = ms.write_pdf(tmp_path / "a.pdf", ["x"])
    (page,) = render_pages(path, dpi=300, max_pixels=1_000_000)
    assert page.width * page.height <= 1_000_000
    assert page.width * page.height > 950_000  # scaled to the budget, not far below
    assert abs(page.width / page.height - 612 / 792) < 0.01  # aspect kept


def test_text_layer(tmp_path: Path) -> None:
    path = ms.write_pdf(tmp_path / "a.pdf", ["Alpha beta", "Gamma"])
    assert page_texts(path) == ["Alpha beta", "Gamma"]
    assert page_texts(path.read_bytes(), pages=[2]) == ["Gamma"]


def test_scanned_pdf_renders_with_empty_text(tmp_path: Path) -> None:
    path = ms.write_scanned_pdf(tmp_path / "scan.pdf", page_count=2)
    assert page_texts(path) == ["", ""]
    pages = render_pages(path, dpi=50)
    assert len(pages) == 2
    with Image.open(io.BytesIO(pages[0].data)) as image:
        # The black bar of the scan is in the rendered pixels.
        darkest = image.convert("L").getextrema()[0]
        assert isinstance(darkest, int)
        assert darkest < 10


def test_encrypted_pdf(tmp_path: Path) -> None:
    path = ms.write_encrypted_pdf(tmp_path / "locked.pdf")
    with pytest.raises(EncryptedPDFError) as caught:
        render_pages(path)
    assert str(caught.value) == (
        "'locked.pdf' is password-protected. Pass the password, or decrypt it first "
        "(e.g. `qpdf --decrypt --password=PASSWORD in.pdf out.pdf`)."
    )
    assert page_texts(path, password="secret") == ["classified"]


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    with pytest.raises(CorruptMediaError, match=r"'broken\.pdf' is not a readable PDF .*again"):
        render_pages(path)


def test_truncated_pdf_is_corrupt_or_still_readable(tmp_path: Path) -> None:
    data = ms.write_pdf(tmp_path / "a.pdf", ["x"]).read_bytes()
    with pytest.raises(CorruptMediaError, match="the PDF is not a readable PDF"):
        render_pages(data[:200])


def test_missing_pdf(tmp_path: Path) -> None:
    with pytest.raises(MediaSourceError, match="no such file"):
        render_pages(tmp_path / "gone.pdf")


def test_max_pages(tmp_path: Path) -> None:
    path = ms.write_pdf(tmp_path / "long.pdf", ["p"] * 5)
    with pytest.raises(MediaTooLargeError) as caught:
        render_pages(path, max_pages=3, what="'long.pdf'")
    assert str(caught.value) == (
        "'long.pdf' would become 5 page images, more than the limit of 3. Select pages "
        "(e.g. pages='1-10'), or raise pdf_max_pages."
    )
    assert len(render_pages(path, max_pages=3, pages="1-3", dpi=10)) == 3


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
        (3, [2]),
        ([5, 1, 5], [0, 4]),
        (range(2, 4), [1, 2]),
        ("1-3,5", [0, 1, 2, 4]),
        ("8-", [7, 8, 9]),
        ("-2", [0, 1]),
        (" 4 , 2-3 ", [1, 2, 3]),
    ],
)
def test_parse_pages(spec: object, expected: list[int]) -> None:
    assert parse_pages(spec, 10) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("spec", ["", "a-b", "1-2-3", "-", "1,,2"])
def test_parse_pages_rejects_malformed(spec: str) -> None:
    with pytest.raises(
        InvalidMediaOptionsError, match=r"Bad page selection .*use e\.g\. '1-3,5,8-'"
    ):
        parse_pages(spec, 10)


def test_parse_pages_rejects_missing_pages() -> None:
    with pytest.raises(InvalidMediaOptionsError) as caught:
        parse_pages([0, 2, 12], 10, what="'r.pdf'")
    assert str(caught.value) == (
        "'r.pdf' has 10 page(s); page(s) 0, 12 do not exist. Pages are numbered from 1."
    )


def test_page_count(tmp_path: Path) -> None:
    assert page_count(ms.write_pdf(tmp_path / "a.pdf", ["a", "b"])) == 2
