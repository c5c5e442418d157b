"""Run against a real endpoint when one is configured, else against a scripted demo server.

Used by the command line and the examples, so both work out of the box and say clearly when
the answers are scripted.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.providers import BASE_URL_ENV, PROVIDER_ENV, PROVIDERS

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from langchain_nemotron_omni.testing.server import Script

DEMO_LABEL = "[demo: scripted answer from the bundled fake server, not the model]"
HOW_TO_CONNECT = """\
To use the real model, point at an endpoint, for example:
  NEMOTRON_OMNI_BASE_URL=http://localhost:8000/v1  # vLLM or NIM on your machine
  NEMOTRON_OMNI_PROVIDER=sglang NEMOTRON_OMNI_BASE_URL=http://localhost:30000/v1
  NVIDIA_API_KEY=nvapi-...                         # NVIDIA API catalog
  OPENROUTER_API_KEY=sk-or-...                     # OpenRouter
or pass provider= / base_url= / model= to ChatNemotronOmni."""


def endpoint_configured(*, provider: str | None = None, base_url: str | None = None) -> bool:
    """Whether arguments or the environment name an endpoint to talk to."""
    if provider or base_url:
        return True
    names = [PROVIDER_ENV, BASE_URL_ENV]
    names += [spec.key_env for spec in PROVIDERS.values() if spec.key_env and spec.key_required]
    return any(os.environ.get(name) for name in names)


@contextmanager
def endpoint_or_demo(
    script: Script, *, server: Mapping[str, Any] | None = None, **params: Any
) -> Iterator[tuple[dict[str, Any], bool]]:
    """Yield ``(ChatNemotronOmni kwargs, is_demo)``.

    With an endpoint configured the kwargs are ``params`` unchanged. Otherwise a
    ``FakeNemotronServer`` answers with ``script`` for as long as the block runs; ``server``
    holds more of its constructor's arguments (e.g. ``allowed_local_media_path``).
    """
    if endpoint_configured(provider=params.get("provider"), base_url=params.get("base_url")):
        yield params, False
        return
    from langchain_nemotron_omni.testing import FakeNemotronServer  # noqa: PLC0415

    with FakeNemotronServer(script, model="nemotron", **(server or {})) as server_:
        yield (
            {**params, "provider": "vllm", "base_url": server_.base_url, "model": "nemotron"},
            True,
        )
