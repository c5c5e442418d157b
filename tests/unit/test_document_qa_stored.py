"""Page images kept by content hash: memory, then the LangGraph store, then rendered."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langgraph.store.memory import InMemoryStore

from langchain_nemotron_omni.agents.common.errors import SettingsError
from langchain_nemotron_omni.agents.document_qa.page_images import (
    STORE_PREFIX,
    ImageKey,
    PageImageCache,
    page_image_cache,
    stored_pages_from_env,
)
from langchain_nemotron_omni.agents.document_qa.stored import Source
from langchain_nemotron_omni.media.pdf import PageImage

DIGEST = "ab" * 32


def _image(key: ImageKey) -> PageImage:
    """A stand-in render that says which key it was made for."""
    return PageImage(f"{key.page}@{key.dpi}/{key.box}".encode(), "image/jpeg", 10, 20, key.dpi)


class Renderer:
    """The ``make`` of a cache: records every key it was asked to render."""

    def __init__(self) -> None:
        self.made: list[ImageKey] = []

    def __call__(self, keys: list[ImageKey]) -> list[PageImage]:
        self.made += keys
        return [_image(key) for key in keys]


def _get(
    cache: PageImageCache, store: InMemoryStore, keys: list[ImageKey], make: Renderer
) -> list[tuple[PageImage, Source]]:
    return cache.get_many(keys, store, make)


def test_a_second_worker_reads_the_pages_from_the_store() -> None:
    store = InMemoryStore()
    keys = [ImageKey(DIGEST, page, 144.0) for page in range(14)]
    first, second = Renderer(), Renderer()
    found = _get(page_image_cache(), store, keys, first)
    assert {source for _, source in found} == {"rendered"}
    assert first.made == keys
    again = _get(page_image_cache(), store, keys, second)  # another process, same store
    assert second.made == []
    assert {source for _, source in again} == {"store"}
    assert [image for image, _ in again] == [image for image, _ in found]
    items = store.search((*STORE_PREFIX, DIGEST), limit=100)
    assert sorted(int(item.key) for item in items) == list(range(14))
    assert {item.value["dpi"] for item in items} == {144.0}


def test_memory_first_then_store() -> None:
    store = InMemoryStore()
    cache, make = page_image_cache(), Renderer()
    key = ImageKey(DIGEST, 3, 144.0)
    [(image, source)] = _get(cache, store, [key], make)
    assert source == "rendered"
    [(again, source)] = _get(cache, store, [key, key], make)[:1]
    assert (again, source) == (image, "memory")
    assert make.made == [key]


def test_regions_and_a_zero_limit_stay_in_memory() -> None:
    store = InMemoryStore()
    region = ImageKey(DIGEST, 2, 300.0, (0.0, 0.1, 1.0, 0.4))
    _get(page_image_cache(), store, [region], Renderer())
    _get(page_image_cache(stored_pages=0), store, [ImageKey(DIGEST, 1, 144.0)], Renderer())
    assert store.search((*STORE_PREFIX,)) == []


def test_an_item_written_by_another_version_is_rendered_again() -> None:
    store = InMemoryStore()
    key = ImageKey(DIGEST, 0, 144.0)
    store.put((*STORE_PREFIX, DIGEST), "0", {"format": 0, "page": 0, "dpi": 144.0})
    make = Renderer()
    [(_, source)] = _get(page_image_cache(), store, [key], make)
    assert (source, make.made) == ("rendered", [key])
    item = store.get((*STORE_PREFIX, DIGEST), "0")
    assert item is not None
    assert item.value["format"] == 1


requests = st.lists(
    st.tuples(
        st.integers(0, 1),  # which worker asks
        st.lists(st.tuples(st.integers(0, 11), st.sampled_from([144.0, 200.0])), max_size=8),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(stored_pages=st.integers(1, 6), asked=requests)
def test_the_store_is_bounded_and_never_gives_another_page(
    stored_pages: int, asked: list[tuple[int, list[tuple[int, float]]]]
) -> None:
    store = InMemoryStore()
    # Two workers with room for about three renders each in memory: most reads go to the store.
    workers = [page_image_cache(stored_pages, memory_bytes=2 * 20) for _ in range(2)]
    make = Renderer()
    for worker, pages in asked:
        keys = [ImageKey(DIGEST, page, dpi) for page, dpi in pages]
        before = len(make.made)
        found = _get(workers[worker], store, keys, make)
        assert [image for image, _ in found] == [_image(key) for key in keys]
        # Only what neither memory nor the store held was rendered, each key once.
        rendered = make.made[before:]
        assert len(rendered) == len(set(rendered))
        assert {
            k for k, (_, source) in zip(keys, found, strict=True) if source == "rendered"
        } == set(rendered)
        assert len(store.search((*STORE_PREFIX, DIGEST), limit=100)) <= stored_pages


def test_the_deployment_sets_the_limit() -> None:
    assert stored_pages_from_env({}) == 120
    assert stored_pages_from_env({"NEMOTRON_OMNI_DOCS_STORED_PAGES": "0"}) == 0
    with pytest.raises(SettingsError, match="whole number"):
        stored_pages_from_env({"NEMOTRON_OMNI_DOCS_STORED_PAGES": "-3"})
