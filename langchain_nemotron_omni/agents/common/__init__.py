"""What both agents share: how they get their model, settings, endpoints and events.

- :mod:`.settings`: one settings class per agent (also its LangGraph context schema),
  resolved once per run (run context > agent settings > defaults) and stored in the state.
- :mod:`.model`: ``ModelSource``: a chat model or a function of the run's settings.
- :mod:`.deployment`: the endpoints a served graph may use, from the deployment's
  environment; runs choose among them by name.
- :mod:`.events`: progress events on LangGraph's custom stream.
"""

from __future__ import annotations

from langchain_nemotron_omni.agents.common.deployment import (
    Deployment,
    Endpoint,
    deployment_model,
)
from langchain_nemotron_omni.agents.common.errors import (
    DeploymentConfigError,
    EndpointNotAllowedError,
    SettingsError,
)
from langchain_nemotron_omni.agents.common.events import emit
from langchain_nemotron_omni.agents.common.model import ModelSource, model_for
from langchain_nemotron_omni.agents.common.settings import (
    SETTINGS_KEY,
    AgentSettings,
    run_settings,
    start_settings,
)

__all__ = [
    "SETTINGS_KEY",
    "AgentSettings",
    "Deployment",
    "DeploymentConfigError",
    "Endpoint",
    "EndpointNotAllowedError",
    "ModelSource",
    "SettingsError",
    "deployment_model",
    "emit",
    "model_for",
    "run_settings",
    "start_settings",
]
