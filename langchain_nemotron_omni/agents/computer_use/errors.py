"""Errors of the computer-use agent.

:class:`ActionError` and its subclasses are problems with one action (a bad argument, a
refused URL): the agent reports them to the model as the action's result, so the model can
correct itself. Anything else that fails while acting is reported the same way, with its type.
"""

from __future__ import annotations

from langchain_nemotron_omni.errors import NemotronOmniError


class ComputerUseError(NemotronOmniError):
    """Base class of the computer-use agent's errors."""


class ActionError(ComputerUseError):
    """An action that cannot be carried out as given; the message is shown to the model."""


class NavigationBlockedError(ActionError):
    """A URL outside the allowed domains."""


class ActionParseError(ActionError):
    """Model output that does not parse into allowed actions."""


class EnvironmentStartError(ComputerUseError):
    """A browser or X server that could not be started."""


class EnvironmentLimitError(EnvironmentStartError):
    """No environment could be started: the process's cap is reached and all are in use."""


class RunEndedError(ComputerUseError):
    """A node of a run that already ended (cancelled) asked for the run's environment."""
