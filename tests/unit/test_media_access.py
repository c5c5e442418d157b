"""A file a message's content names is read only where the process allows it."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langchain_nemotron_omni.media import (
    InvalidMediaOptionsError,
    LocalFileRefusedError,
    MediaCache,
    MediaOptions,
    MediaSourceError,
    UnknownMediaTypeError,
    image,
    prepare_messages,
)
from langchain_nemotron_omni.media.access import LOCAL_FILES_ENV, FileAccess
from langchain_nemotron_omni.providers import PROVIDERS
from tests import media_samples as ms
from tests.media_samples import user

PASSWD_LIKE = b"root:x:0:0:root:/root:/bin/bash\n"


def run(*parts: Any, options: MediaOptions) -> list[Any]:
    (message,) = prepare_messages(
        [user(*parts)], provider=PROVIDERS["vllm"], options=options, cache=MediaCache()
    )
    assert isinstance(message.content, list)
    return message.content


def block(path: Path | str) -> dict[str, Any]:
    url = path.as_uri() if isinstance(path, Path) else path
    return {"type": "image", "url": url}


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    (root / "cat.png").write_bytes(ms.image_bytes("PNG"))
    (tmp_path / "secret.png").write_bytes(ms.image_bytes("PNG"))
    (tmp_path / "passwd").write_bytes(PASSWD_LIKE)
    return root


def test_a_folder_allows_only_files_under_it(media_root: Path) -> None:
    options = MediaOptions(local_files=media_root, uuid=False)
    [part] = run(block(media_root / "cat.png"), options=options)
    assert part["image_url"]["url"].startswith("data:image/png;base64,")
    outsides: list[Path | str] = [
        media_root.parent / "secret.png",
        media_root / ".." / "secret.png",
        "file:///etc/passwd",
    ]
    for outside in outsides:
        with pytest.raises(LocalFileRefusedError, match="only from its media folder"):
            run(block(outside), options=options)


def test_a_link_out_of_the_folder_is_refused(media_root: Path) -> None:
    (media_root / "link.png").symlink_to(media_root.parent / "secret.png")
    with pytest.raises(LocalFileRefusedError):
        run(block(media_root / "link.png"), options=MediaOptions(local_files=media_root))


def test_none_refuses_every_file_and_says_nothing_about_it(media_root: Path) -> None:
    options = MediaOptions(local_files="none")
    errors = []
    for path in [media_root / "cat.png", media_root / "missing.png"]:
        with pytest.raises(LocalFileRefusedError) as caught:
            run(block(path), options=options)
        errors.append(str(caught.value).replace(path.name, "X"))
    # Refused before the file is opened: an existing and a missing file read the same.
    assert errors[0] == errors[1]
    assert "reads no local files named in messages" in errors[0]
    assert LOCAL_FILES_ENV in errors[0]
    assert isinstance(caught.value, MediaSourceError)


def test_data_and_bytes_are_never_affected() -> None:
    png = ms.image_bytes("PNG")
    [part] = run(image(png), options=MediaOptions(local_files="none", uuid=False))
    assert part["image_url"]["url"].startswith("data:image/png;base64,")


def test_raw_file_urls_passed_to_the_server_follow_the_same_rule(media_root: Path) -> None:
    inside = {"type": "image_url", "image_url": {"url": (media_root / "cat.png").as_uri()}}
    assert run(inside, options=MediaOptions(local_files=media_root)) == [inside]
    for url in ["file:///etc/shadow", f"file://{media_root}/../passwd"]:
        part = {"type": "image_url", "image_url": {"url": url}}
        with pytest.raises(LocalFileRefusedError):
            run(part, options=MediaOptions(local_files=media_root))
        with pytest.raises(LocalFileRefusedError):
            run(part, options=MediaOptions(local_files="none"))


def test_an_unknown_file_under_the_root_never_shows_its_bytes(media_root: Path) -> None:
    (media_root / "passwd").write_bytes(PASSWD_LIKE)
    with pytest.raises(UnknownMediaTypeError) as caught:
        run(block(media_root / "passwd"), options=MediaOptions(local_files=media_root))
    message = str(caught.value)
    assert "root" not in message.replace(str(media_root), "")
    assert PASSWD_LIKE[:8].hex(" ") not in message


def test_auto_reads_the_environment_then_the_kind_of_process(
    media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(LOCAL_FILES_ENV, raising=False)
    monkeypatch.delitem(sys.modules, "langgraph_api", raising=False)
    assert FileAccess.from_setting("auto") == FileAccess(anywhere=True)
    # Inside a LangGraph server (which imports langgraph_api), none by default...
    monkeypatch.setitem(sys.modules, "langgraph_api", types.ModuleType("langgraph_api"))
    assert FileAccess.from_setting("auto") == FileAccess()
    with pytest.raises(LocalFileRefusedError):
        run(block(media_root / "cat.png"), options=MediaOptions())
    # ...unless the deployment names a folder (or says anywhere).
    monkeypatch.setenv(LOCAL_FILES_ENV, str(media_root))
    assert run(block(media_root / "cat.png"), options=MediaOptions(uuid=False))
    monkeypatch.setenv(LOCAL_FILES_ENV, "anywhere")
    assert FileAccess.from_setting("auto") == FileAccess(anywhere=True)
    # An explicit setting wins over the environment.
    assert FileAccess.from_setting("none") == FileAccess()


def test_the_block_helpers_still_take_any_path_in_code(media_root: Path) -> None:
    made = image(media_root.parent / "secret.png")
    assert made["url"] == (media_root.parent / "secret.png").as_uri()


def test_an_empty_setting_is_refused() -> None:
    with pytest.raises(InvalidMediaOptionsError, match="local_files"):
        MediaOptions(local_files=" ")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(st.sampled_from(["..", ".", "media", "cat.png", "x", "", "media2"]), max_size=6)
)
def test_no_spelling_of_a_path_leaves_the_root(media_root: Path, parts: list[str]) -> None:
    access = FileAccess(root=media_root.resolve())
    path = Path(media_root, *parts)
    inside = path.resolve().is_relative_to(media_root.resolve())
    try:
        access.check(path, what="'p'")
    except LocalFileRefusedError:
        assert not inside
    else:
        assert inside
    try:
        access.check_remote(path.as_posix(), what="'p'")
    except LocalFileRefusedError:
        assert not inside
    else:
        assert inside
