"""The media cache: the same media is checked, converted and encoded once per process."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, BaseMessage

from langchain_nemotron_omni.media import MediaCache, MediaOptions, image, pdf, prepare_messages
from langchain_nemotron_omni.providers import PROVIDERS
from tests import media_samples as ms
from tests.media_samples import user

if TYPE_CHECKING:
    from pathlib import Path


VLLM = PROVIDERS["vllm"]


@dataclass(frozen=True)
class Blob:
    nbytes: int


def test_lru_keeps_the_budget_and_evicts_the_least_recently_used() -> None:
    cache = MediaCache(max_bytes=100)
    cache.put("a", Blob(40))
    cache.put("b", Blob(40))
    assert cache.get("a") == Blob(40)  # "a" is now the most recent
    cache.put("c", Blob(40))  # over budget: "b" goes
    assert cache.get("b") is None
    assert cache.get("a") == Blob(40)
    assert cache.get("c") == Blob(40)
    stats = cache.stats()
    assert (stats.entries, stats.nbytes, stats.hits, stats.misses) == (2, 80, 3, 1)


def test_values_bigger_than_the_budget_are_not_stored() -> None:
    cache = MediaCache(max_bytes=100)
    cache.put("small", Blob(10))
    cache.put("huge", Blob(101))
    assert cache.get("huge") is None
    assert cache.get("small") == Blob(10)


def test_replacing_a_key_updates_the_size() -> None:
    cache = MediaCache(max_bytes=100)
    cache.put("a", Blob(60))
    cache.put("a", Blob(30))
    assert cache.stats().nbytes == 30
    cache.clear()
    assert cache.stats() == cache.stats().__class__(0, 0, 0, 0, 100)


_OPS = st.lists(
    st.tuples(st.sampled_from(["get", "put"]), st.integers(0, 5), st.integers(0, 130)),
    max_size=60,
)


@given(_OPS)
def test_any_sequence_keeps_the_budget_and_the_latest_value(
    ops: list[tuple[str, int, int]],
) -> None:
    cache = MediaCache(max_bytes=100)
    held: dict[int, Blob] = {}  # the value each key last had, if any was small enough
    hits = misses = 0
    for op, key, size in ops:
        if op == "put":
            cache.put(key, Blob(size))
            if size <= 100:
                held[key] = Blob(size)
            continue
        got = cache.get(key)
        hits, misses = (hits + 1, misses) if got is not None else (hits, misses + 1)
        assert got in (None, held.get(key))  # never a stale or foreign value
    stats = cache.stats()
    assert stats.nbytes <= 100
    assert (stats.hits, stats.misses) == (hits, misses)
    if ops and ops[-1][0] == "put" and ops[-1][2] <= 100:
        assert cache.get(ops[-1][1]) == Blob(ops[-1][2])  # the newest value is never evicted


def _conversation(screenshot: bytes, turns: int) -> list[BaseMessage]:
    messages: list[BaseMessage] = []
    for turn in range(turns):
        messages.append(user({"type": "text", "text": f"step {turn}"}, image(screenshot)))
        messages.append(AIMessage(content="ok"))
    return messages


def _image_urls(messages: list[BaseMessage]) -> list[str]:
    return [
        part["image_url"]["url"]
        for message in messages
        for part in message.content
        if isinstance(part, dict) and part.get("type") == "image_url"
    ]


def test_a_resent_screenshot_is_prepared_once() -> None:
    screenshot = ms.image_bytes("WEBP", size=(320, 200))
    cache = MediaCache()
    messages = _conversation(screenshot, turns=5)
    first = prepare_messages(messages, provider=VLLM, cache=cache)
    again = prepare_messages(messages, provider=VLLM, cache=cache)
    assert first == again
    stats = cache.stats()
    assert (stats.misses, stats.hits, stats.entries) == (1, 9, 1)
    # One converted PNG string, shared by every part: decoded and encoded once.
    assert len({id(url) for url in _image_urls(first + again)}) == 1


def test_cache_can_be_turned_off() -> None:
    cache = MediaCache()
    messages = _conversation(ms.image_bytes("WEBP"), turns=3)
    out = prepare_messages(messages, provider=VLLM, options=MediaOptions(cache=False), cache=cache)
    assert cache.stats() == cache.stats().__class__(0, 0, 0, 0, cache.max_bytes)
    urls = _image_urls(out)
    assert len(set(urls)) == 1  # the same PNG...
    assert len({id(url) for url in urls}) == 3  # ...converted three times


def test_an_edited_file_is_prepared_again(tmp_path: Path) -> None:
    path = tmp_path / "shot.png"
    path.write_bytes(ms.image_bytes("PNG", size=(10, 10)))
    cache = MediaCache()
    options = MediaOptions(uuid=True)
    messages: list[BaseMessage] = [user(image(path))]
    first = prepare_messages(messages, provider=VLLM, options=options, cache=cache)
    path.write_bytes(ms.image_bytes("PNG", size=(12, 12)))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    second = prepare_messages(messages, provider=VLLM, options=options, cache=cache)
    assert first[0].content[0]["uuid"] != second[0].content[0]["uuid"]  # type: ignore[index]


def test_file_transport_keys_by_path_too(tmp_path: Path) -> None:
    data = ms.image_bytes("PNG")
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    first.write_bytes(data)
    second.write_bytes(data)
    options = MediaOptions(transport="file", allowed_local_media_path=tmp_path)
    cache = MediaCache()
    urls = [
        prepare_messages([user(image(path))], provider=VLLM, options=options, cache=cache)[
            0
        ].content[0]["image_url"]["url"]  # type: ignore[index]
        for path in (first, second)
    ]
    assert urls == [first.as_uri(), second.as_uri()]


def test_pdf_renders_are_cached_per_settings(tmp_path: Path) -> None:
    path = ms.write_pdf(tmp_path / "a.pdf", ["x", "y"])
    cache = MediaCache()
    urls = {
        dpi: _image_urls(prepare_messages([user(pdf(path, dpi=dpi))], provider=VLLM, cache=cache))
        for dpi in (20, 30)
    }
    again = _image_urls(prepare_messages([user(pdf(path, dpi=20))], provider=VLLM, cache=cache))
    assert [id(url) for url in again] == [id(url) for url in urls[20]]  # not rendered again
    assert urls[20] != urls[30]
    assert cache.stats().entries == 2


def test_concurrent_requests_share_the_cache() -> None:
    cache = MediaCache()
    messages = _conversation(ms.image_bytes("BMP"), turns=2)

    def prepare(_: int) -> list[BaseMessage]:
        return prepare_messages(messages, provider=VLLM, cache=cache)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(prepare, range(8)))
    assert all(result == results[0] for result in results)
    assert cache.stats().entries == 1
