"""The environment a command runs in when a test plays a user: no endpoint configured.

The developer's own endpoint variables (a key in the shell, a base URL) must not leak into a
test that checks demo mode or points the command at a scripted server.
"""

from __future__ import annotations

import os

ENDPOINT_VARS = (
    "NEMOTRON_OMNI_BASE_URL",
    "NEMOTRON_OMNI_PROVIDER",
    "NVIDIA_API_KEY",
    "OPENROUTER_API_KEY",
    "HAIMAKER_API_KEY",
    "FAL_KEY",
)


def user_env(*, drop: tuple[str, ...] = (), **extra: str) -> dict[str, str]:
    """This process's environment without endpoint settings (and ``drop``), plus ``extra``."""
    removed = set(ENDPOINT_VARS) | set(drop)
    return {**{k: v for k, v in os.environ.items() if k not in removed}, **extra}
