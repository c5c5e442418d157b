"""Regenerate ``langchain_nemotron_omni/data/_profiles.py`` with LangChain's profile tool.

Partner packages run ``langchain-profiles refresh --provider P --data-dir DIR`` (package
``langchain-model-profiles``): it downloads models.dev's catalogue, merges
``DIR/profile_augmentations.toml`` into the provider's models and writes ``DIR/_profiles.py``.
models.dev lists Nemotron 3 Nano Omni only under hosting providers' ids, so this package's
profiles are defined entirely in its augmentation file; this script runs the tool's own
``refresh`` with an empty catalogue for our provider, so it needs no network and gives the same
file on every machine. Run it from the repository root: ``scripts/profiles``.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import httpx
from langchain_model_profiles import cli

DATA_DIR = Path("langchain_nemotron_omni") / "data"


def refresh(data_dir: Path = DATA_DIR) -> None:
    """Write ``data_dir/_profiles.py`` from ``data_dir/profile_augmentations.toml``."""
    with (data_dir / "profile_augmentations.toml").open("rb") as handle:
        provider = tomllib.load(handle)["provider"]
    catalogue = {provider: {"id": provider, "models": {}}}

    def offline_get(url: str, **_: Any) -> httpx.Response:
        return httpx.Response(200, json=catalogue, request=httpx.Request("GET", url))

    cli.httpx.get = offline_get  # the tool's one download
    cli.refresh(provider, data_dir)


if __name__ == "__main__":
    refresh(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA_DIR)
