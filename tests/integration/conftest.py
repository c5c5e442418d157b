"""Shared pytest configuration for the integration tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from langchain_tests.conftest import base_vcr_config

from langchain_nemotron_omni.testing import FakeNemotronServer
from tests.computer_use_support import Site, serve_site

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    """Cassettes match on path and body: the loopback server's port changes every run."""
    return {**base_vcr_config(), "match_on": ["method", "path", "body"]}


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """The computer-use test site, one per test module (its load log is the module's own)."""
    with serve_site() as served:
        yield served


@pytest.fixture
def server() -> Iterator[FakeNemotronServer]:
    """A started vLLM-flavored fake server with an empty script (modules may define their own)."""
    with FakeNemotronServer() as fake:
        yield fake
