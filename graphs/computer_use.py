"""Computer-use agent for a LangGraph server (``langgraph dev`` / a LangGraph deployment).

Deployment settings (environment, or ``langgraph.json`` ``env``): the model endpoint
(``NEMOTRON_OMNI_BASE_URL``, ``NEMOTRON_OMNI_PROVIDER``, ``NEMOTRON_OMNI_MODEL``, the
provider's key variable, named endpoints in ``NEMOTRON_OMNI_ENDPOINTS``) and defaults of the
agent's settings (``NEMOTRON_OMNI_CU_<FIELD>``, e.g. ``NEMOTRON_OMNI_CU_MAX_STEPS=20``).

Start a run with ``input={"task": "..."}`` and per-run settings in its context, e.g.
``context={"start_url": "https://example.com", "allowed_domains": ["example.com"]}``; a run
may pick a configured endpoint by name (``"endpoint": "..."``) but never a URL or a key.
Risky actions stop at an interrupt; resume with ``command={"resume": {"approve": true}}``
or ``{"approve": false, "reason": "..."}``. Each run starts its own headless Chromium (or
Xvfb desktop with ``"environment": "desktop"``) and stops it when the run ends, fails or is
cancelled, when its thread is deleted, or when it has waited at an interrupt longer than
``NEMOTRON_OMNI_ENVIRONMENT_IDLE_SECONDS`` (a resumed run gets a new one and looks again
before acting). With ``NEMOTRON_OMNI_BROWSER_CDP_URL`` runs get a browser context in a
Chromium running elsewhere, and the server runs no browser.
Screenshots go to the server's store; the state keeps references. Each step is a ``custom``
stream event (``stream_mode="custom"``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_nemotron_omni.agents.common import deployment_model
from langchain_nemotron_omni.agents.computer_use import (
    ComputerUseSettings,
    EnvironmentDeployment,
    PlaywrightBrowser,
    X11Desktop,
    create_computer_use_agent,
)

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from langchain_nemotron_omni.agents.computer_use import Computer


DEPLOYMENT = EnvironmentDeployment.from_env()


def make_computer(settings: ComputerUseSettings) -> AbstractContextManager[Computer]:
    """A fresh environment for a run, started and stopped by the agent."""
    if settings.environment == "desktop":
        return X11Desktop(size=(settings.viewport_width or 1280, settings.viewport_height or 800))
    return PlaywrightBrowser(
        viewport=(settings.viewport_width or 1280, settings.viewport_height or 720),
        allowed_domains=settings.allowed_domains,
        cdp_url=DEPLOYMENT.browser_cdp_url,
    )


graph = create_computer_use_agent(
    deployment_model, make_computer, settings=ComputerUseSettings.from_env()
)
