"""Where a deployment's computer-use environments run, and how many: deployment settings only.

Read from the process environment (``langgraph.json`` ``env``, the container's variables),
never from a run's context: a run must not point the agent at an arbitrary browser, nor
keep browsers open longer than the deployment allows.

- ``NEMOTRON_OMNI_BROWSER_CDP_URL``: drive a Chromium running elsewhere over CDP
  (``http://browser:9222``);
- ``NEMOTRON_OMNI_ENVIRONMENT_IDLE_SECONDS``: close an environment a run left waiting at an
  interrupt this long (600);
- ``NEMOTRON_OMNI_ENVIRONMENT_MAX_LIVE``: most environments open at once per process (8);
- ``NEMOTRON_OMNI_ENVIRONMENT_CHECK_SECONDS``: how often waiting runs' threads are looked up,
  to notice deleted threads (15).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    field_validator,
)

from langchain_nemotron_omni.agents.common.errors import DeploymentConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_IDLE_SECONDS = 600.0
DEFAULT_MAX_LIVE = 8
DEFAULT_CHECK_SECONDS = 15.0

_VARIABLES = {
    "browser_cdp_url": "NEMOTRON_OMNI_BROWSER_CDP_URL",
    "idle_seconds": "NEMOTRON_OMNI_ENVIRONMENT_IDLE_SECONDS",
    "max_live": "NEMOTRON_OMNI_ENVIRONMENT_MAX_LIVE",
    "check_seconds": "NEMOTRON_OMNI_ENVIRONMENT_CHECK_SECONDS",
}


class EnvironmentDeployment(BaseModel):
    """The deployment's environment settings (see the module doc for the variables).

    Attributes:
        browser_cdp_url: A remote Chromium's DevTools endpoint; None starts Chromium locally.
        idle_seconds: Close an environment no run has held for this long.
        max_live: Most environments open at once in one process.
        check_seconds: How often a waiting run's thread is looked up (deleted threads).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    browser_cdp_url: str | None = None
    idle_seconds: PositiveFloat = DEFAULT_IDLE_SECONDS
    max_live: PositiveInt = DEFAULT_MAX_LIVE
    check_seconds: PositiveFloat = DEFAULT_CHECK_SECONDS

    @field_validator("browser_cdp_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https", "ws", "wss"} or not parts.hostname:
            msg = f"{value!r} is not an http(s):// or ws(s):// URL"
            raise ValueError(msg)
        return value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """The settings from the environment (unset variables keep their defaults).

        Raises:
            DeploymentConfigError: A variable's value is not valid, or both browser
                endpoints are set.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            name: env[variable] for name, variable in _VARIABLES.items() if env.get(variable)
        }
        try:
            settings = cls(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{_VARIABLES[str(error['loc'][0])]}: {error['msg']}" for error in exc.errors()
            )
            msg = f"invalid computer-use deployment settings: {problems}"
            raise DeploymentConfigError(msg) from None
        return settings
