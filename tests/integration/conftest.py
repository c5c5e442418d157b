"""Shared pytest configuration for the integration tests."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.conftest import base_vcr_config


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    """Cassettes match on path and body: the loopback server's port changes every run."""
    return {**base_vcr_config(), "match_on": ["method", "path", "body"]}
