"""Which model endpoints a served graph may use: the deployment's list, never a run's.

A served graph (``graphs/``) builds its chat model from the deployment's environment
(``langgraph.json`` ``env``, the container's variables):

- the ``default`` endpoint is the one ``ChatNemotronOmni`` itself would use:
  ``NEMOTRON_OMNI_BASE_URL``, ``NEMOTRON_OMNI_PROVIDER`` and the provider's key variable,
  with the served model name in ``NEMOTRON_OMNI_MODEL``;
- more endpoints, by name, in ``NEMOTRON_OMNI_ENDPOINTS`` (JSON), e.g.
  ``{"fast": {"base_url": "http://vllm-fast:8000/v1", "model": "nemotron",
  "api_key_env": "FAST_VLLM_KEY"}}``.

A run picks one with ``context={"endpoint": "fast"}`` (and may name the served ``model``);
any other name is refused, and so is a context that carries a URL, a provider or a key
(:class:`~langchain_nemotron_omni.agents.common.settings.AgentSettings`). A named endpoint
gets only the key of its own ``api_key_env`` (or, for a hosted provider at its own base URL,
that provider's variable): no other key is ever sent to it.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from langchain_nemotron_omni.agents.common.errors import (
    DeploymentConfigError,
    EndpointNotAllowedError,
)
from langchain_nemotron_omni.providers import (
    BASE_URL_ENV,
    PROVIDER_ENV,
    ProviderName,
    get_provider,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from langchain_nemotron_omni.agents.common.settings import AgentSettings
    from langchain_nemotron_omni.chat_models import ChatNemotronOmni

ENDPOINTS_ENV = "NEMOTRON_OMNI_ENDPOINTS"
MODEL_ENV = "NEMOTRON_OMNI_MODEL"
DEFAULT_ENDPOINT = "default"


class Endpoint(BaseModel):
    """One place the deployment lets its graphs send requests to.

    Attributes:
        name: How runs refer to it.
        base_url: The OpenAI-compatible URL; None for the provider's own.
        provider: The provider (see the README's table); None to infer it as
            ``ChatNemotronOmni`` does.
        model: The served model name; None for the provider's default id.
        api_key_env: The environment variable holding this endpoint's key (the variable's
            name, never the key).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    base_url: str | None = None
    provider: ProviderName | None = None
    model: str | None = None
    api_key_env: str | None = None


class Deployment(BaseModel):
    """The endpoints a deployment configured, by name."""

    model_config = ConfigDict(frozen=True)

    endpoints: dict[str, Endpoint]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Deployment:
        """Read the endpoints from the environment (see the module docstring).

        Raises:
            DeploymentConfigError: ``NEMOTRON_OMNI_ENDPOINTS`` is not a JSON object of
                endpoint objects.
        """
        env = os.environ if environ is None else environ
        provider = env.get(PROVIDER_ENV) or None
        endpoints = {
            DEFAULT_ENDPOINT: Endpoint(
                name=DEFAULT_ENDPOINT,
                base_url=env.get(BASE_URL_ENV) or None,
                # An unknown name fails here, with the list of valid ones.
                provider=get_provider(provider).name if provider else None,
                model=env.get(MODEL_ENV) or None,
            )
        }
        raw = env.get(ENDPOINTS_ENV)
        if raw:
            endpoints |= _parse_endpoints(raw)
        return cls(endpoints=endpoints)

    def endpoint(self, name: str | None) -> Endpoint:
        """The endpoint a run named (None: the default).

        Raises:
            EndpointNotAllowedError: The deployment lists no endpoint of that name.
        """
        key = name or DEFAULT_ENDPOINT
        try:
            return self.endpoints[key]
        except KeyError:
            listed = ", ".join(sorted(self.endpoints))
            msg = (
                f"endpoint {key!r} is not configured by this deployment; use one of: "
                f"{listed} (endpoints are listed in {ENDPOINTS_ENV})"
            )
            raise EndpointNotAllowedError(msg) from None

    def chat_model(self, settings: AgentSettings) -> ChatNemotronOmni:
        """The chat model for a run's ``endpoint`` and ``model`` (one client per pair)."""
        endpoint = self.endpoint(settings.endpoint)
        return _chat_model(endpoint, settings.model or endpoint.model)


def deployment_model(settings: AgentSettings) -> ChatNemotronOmni:
    """Model source for served graphs: the run's endpoint, from the deployment's environment.

    The environment is read on each call (it is small), the chat model built once per
    endpoint and model name.
    """
    return Deployment.from_env().chat_model(settings)


@lru_cache(maxsize=32)
def _chat_model(endpoint: Endpoint, model: str | None) -> ChatNemotronOmni:
    from langchain_nemotron_omni.chat_models import ChatNemotronOmni  # noqa: PLC0415  # cycle

    kwargs: dict[str, Any] = {"provider": endpoint.provider}
    if model:
        kwargs["model"] = model
    if endpoint.name == DEFAULT_ENDPOINT:
        # What the chat model reads from the environment itself, its key rules included.
        return ChatNemotronOmni(base_url=endpoint.base_url, **kwargs)
    return ChatNemotronOmni(base_url=endpoint.base_url, api_key=_endpoint_key(endpoint), **kwargs)


def _endpoint_key(endpoint: Endpoint) -> str:
    """The only key a named endpoint may receive ("EMPTY" for none)."""
    variable = endpoint.api_key_env
    if variable is None and endpoint.provider is not None:
        spec = get_provider(endpoint.provider)
        if endpoint.base_url in {None, spec.base_url}:
            variable = spec.key_env  # the provider's own key, to the provider's own URL
    if variable is None:
        return "EMPTY"
    key = os.environ.get(variable)
    if not key:
        msg = f"endpoint {endpoint.name!r} takes its key from {variable}, which is not set"
        raise DeploymentConfigError(msg)
    return key


def _parse_endpoints(raw: str) -> dict[str, Endpoint]:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        msg = f"{ENDPOINTS_ENV} is not valid JSON: {exc}"
        raise DeploymentConfigError(msg) from None
    if not isinstance(data, dict):
        msg = f"{ENDPOINTS_ENV} must be a JSON object of name -> endpoint"
        raise DeploymentConfigError(msg)
    endpoints: dict[str, Endpoint] = {}
    if DEFAULT_ENDPOINT in data:
        # The default endpoint takes its key as ChatNemotronOmni does, not from api_key_env:
        # a listed "default" would silently lose the key rule it was written with.
        msg = (
            f"{ENDPOINTS_ENV} cannot list {DEFAULT_ENDPOINT!r}: the default endpoint is "
            f"{BASE_URL_ENV}, {PROVIDER_ENV} and {MODEL_ENV}; give this one another name"
        )
        raise DeploymentConfigError(msg)
    for name, fields in data.items():
        if not isinstance(fields, dict):
            msg = f"{ENDPOINTS_ENV}[{name!r}] must be an object"
            raise DeploymentConfigError(msg)
        try:
            endpoints[name] = Endpoint(name=name, **fields)
        except (ValidationError, TypeError) as exc:
            msg = f"{ENDPOINTS_ENV}[{name!r}] is not a valid endpoint: {exc}"
            raise DeploymentConfigError(msg) from None
    return endpoints
