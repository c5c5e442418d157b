"""Errors of the agents' shared settings and deployment layer."""

from __future__ import annotations

from langchain_nemotron_omni.errors import NemotronOmniError


class SettingsError(NemotronOmniError):
    """A setting of an agent (or of one run's context) is unknown, mistyped or out of range."""


class EndpointNotAllowedError(SettingsError):
    """A run named an endpoint the deployment does not list."""


class DeploymentConfigError(SettingsError):
    """The deployment's endpoint configuration (environment) cannot be read."""
