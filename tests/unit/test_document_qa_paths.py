"""Documents are read from inside the allowed root only."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from langchain_nemotron_omni.agents.document_qa import DocumentNotFoundError, DocumentPathError
from langchain_nemotron_omni.agents.document_qa.paths import resolve_document, resolve_root
from langchain_nemotron_omni.errors import NemotronOmniError

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "a.pdf").write_bytes(b"%PDF-1.7")
    (tmp_path / "docs" / "sub" / "b.pdf").write_bytes(b"%PDF-1.7")
    (tmp_path / "secret.pdf").write_bytes(b"%PDF-1.7")
    return tmp_path / "docs"


def test_relative_and_absolute_paths_inside_resolve(root: Path) -> None:
    assert resolve_document("a.pdf", root) == (root / "a.pdf").resolve()
    assert resolve_document("sub/b.pdf", root) == (root / "sub" / "b.pdf").resolve()
    assert resolve_document(root / "sub" / "b.pdf", root) == (root / "sub" / "b.pdf").resolve()


@pytest.mark.parametrize("path", ["../secret.pdf", "sub/../a.pdf", "sub/../../secret.pdf"])
def test_dot_dot_is_refused_even_when_it_lands_inside(root: Path, path: str) -> None:
    with pytest.raises(DocumentPathError, match=r"'\.\.' is not allowed"):
        resolve_document(path, root)


def test_absolute_path_outside_is_refused(root: Path) -> None:
    with pytest.raises(DocumentPathError, match="outside the allowed document root") as caught:
        resolve_document(root.parent / "secret.pdf", root)
    assert str(root.parent / "secret.pdf") in str(caught.value)


def test_symlink_pointing_out_is_refused_and_one_pointing_in_is_followed(root: Path) -> None:
    (root / "out.pdf").symlink_to(root.parent / "secret.pdf")
    (root / "in.pdf").symlink_to(root / "sub" / "b.pdf")
    with pytest.raises(DocumentPathError):
        resolve_document("out.pdf", root)
    assert resolve_document("in.pdf", root) == (root / "sub" / "b.pdf").resolve()


def test_a_root_reached_through_a_symlink_still_works(root: Path, tmp_path: Path) -> None:
    (tmp_path / "alias").symlink_to(root)
    assert resolve_document("a.pdf", tmp_path / "alias") == (root / "a.pdf").resolve()


def test_missing_files_directories_and_nul_bytes(root: Path) -> None:
    with pytest.raises(DocumentNotFoundError, match="no such file"):
        resolve_document("nope.pdf", root)
    with pytest.raises(DocumentNotFoundError, match="a directory"):
        resolve_document("sub", root)
    with pytest.raises(DocumentPathError, match="NUL"):
        resolve_document("a.pdf\x00.txt", root)


def test_a_missing_root_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentPathError, match="NEMOTRON_OMNI_DOCS_ROOT") as caught:
        resolve_root(tmp_path / "nowhere")
    assert isinstance(caught.value, NemotronOmniError)
    assert not isinstance(caught.value, ValueError)
