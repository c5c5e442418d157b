"""How both agents take their settings: one class per agent, three layers, fixed at start.

Each agent has one settings class (a subclass of :class:`AgentSettings`): every knob, its
type, its default. The same class is the graph's ``context_schema``, so a LangGraph client
sees the knobs and their defaults, and a run sets only the ones it names. Which value a run
gets, most specific first:

1. the run's context (``graph.invoke(..., context={...})`` or ``runs.create(...,
   context={...})``): only the fields the caller named;
2. the settings the agent was built with: in code, or read from the deployment's environment
   with :meth:`AgentSettings.from_env` in a served graph;
3. the class defaults.

The first node of a run resolves them once (:func:`start_settings`) and stores them in the
state; every later node reads them back (:func:`run_settings`). A run resumed with only a
``command`` therefore keeps the settings it started with, on any worker.

Endpoints and keys are never run settings. A run may choose an ``endpoint`` by name among
those the deployment lists (:mod:`.deployment`); a context that names a base URL, a provider
or a key is refused with an error saying so.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from langchain_nemotron_omni.agents.common.errors import SettingsError

if TYPE_CHECKING:
    from collections.abc import Mapping

SETTINGS_KEY = "settings"
"""The state key holding a run's resolved settings (JSON)."""

DEPLOYMENT_ONLY = frozenset(
    {
        "base_url",
        "openai_api_base",
        "api_base",
        "provider",
        "api_key",
        "openai_api_key",
        "key",
        "headers",
        "default_headers",
    }
)
"""Names a run's context may never set: they choose where requests (and keys) go."""


class AgentSettings(BaseModel):
    """Settings every agent shares; subclasses add their own fields with defaults.

    Attributes:
        endpoint: Name of the model endpoint, among those the deployment lists (see
            :class:`~langchain_nemotron_omni.agents.common.deployment.Deployment`); None
            for its default. Only used when the agent builds its model from the settings.
        model: The served model name on that endpoint; None for the endpoint's own.
    """

    # Strict: a run's context comes from a remote caller; `true` is not a step count.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    env_prefix: ClassVar[str] = "NEMOTRON_OMNI_"
    """Prefix of the environment variables :meth:`from_env` reads."""
    additive: ClassVar[frozenset[str]] = frozenset()
    """List fields a run's context adds to instead of replacing (safety lists a run must
    not shorten)."""

    endpoint: str | None = None
    model: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _refuse_deployment_settings(cls, values: Any) -> Any:
        if isinstance(values, dict):
            named = sorted(DEPLOYMENT_ONLY.intersection(values))
            if named:
                msg = (
                    f"{', '.join(named)} cannot be set per run: endpoints and keys are "
                    "deployment settings (environment or langgraph.json 'env'); a run may "
                    "pick a configured endpoint by name with 'endpoint'"
                )
                raise ValueError(msg)
        return values

    def __init__(self, **values: Any) -> None:
        """Validate the settings.

        Raises:
            SettingsError: A field is unknown, of the wrong type, out of range, or may only
                be set by the deployment. (Raised by LangGraph too when it builds a run's
                context, so a bad context fails the run before any request is made.)
        """
        try:
            super().__init__(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in error['loc']) or 'settings'}: {error['msg']}"
                for error in exc.errors()
            )
            msg = f"invalid {type(self).__name__}: {problems}"
            raise SettingsError(msg) from None

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> Self:
        """Settings from a mapping (see ``__init__`` for the errors)."""
        return cls(**dict(values))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, /, **given: Any) -> Self:
        """Settings from the environment: ``<env_prefix><FIELD>`` for each field not given.

        Values are JSON when they parse as JSON (``30``, ``true``, ``["a.com"]``), else
        plain strings. This is how a served graph reads the deployment's settings.

        Raises:
            SettingsError: A variable's value does not fit its field.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            if name in given:
                continue
            raw = env.get(f"{cls.env_prefix}{name.upper()}")
            if raw is not None:
                values[name] = _env_value(raw)
        return cls.parse({**values, **given})

    def updated(self, context: AgentSettings | Mapping[str, Any] | None) -> Self:
        """These settings with the fields a run's context named put in their place.

        Raises:
            SettingsError: The context is not valid for these settings.
        """
        if context is None:
            return self
        if not isinstance(context, AgentSettings):
            context = type(self).parse(context)
        named = {name: getattr(context, name) for name in context.model_fields_set}
        unknown = sorted(set(named) - set(type(self).model_fields))
        if unknown:
            msg = f"{type(self).__name__} has no field {', '.join(unknown)}"
            raise SettingsError(msg)
        for name in self.additive.intersection(named):
            mine = getattr(self, name)
            named[name] = [*mine, *(v for v in named[name] if v not in mine)]
        return type(self).parse({**self.model_dump(), **named})

    def to_state(self) -> dict[str, Any]:
        """The settings as JSON for the graph state."""
        return self.model_dump(mode="json")


S = TypeVar("S", bound=AgentSettings)


def start_settings(defaults: S, context: object) -> S:
    """A new run's settings: the agent's, updated by the run's context.

    Call it in the run's first node and store ``settings.to_state()`` under
    :data:`SETTINGS_KEY`.
    """
    if context is None or isinstance(context, AgentSettings | dict):
        return defaults.updated(context)
    msg = f"the run's context must be a {type(defaults).__name__} or a dict, got {context!r}"
    raise SettingsError(msg)


def run_settings(defaults: S, state: Mapping[str, Any]) -> S:
    """The settings the run started with (the agent's own if none were stored)."""
    stored = state.get(SETTINGS_KEY)
    if not stored:
        return defaults
    return type(defaults).parse(stored)


def _env_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw
