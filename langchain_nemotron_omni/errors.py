"""Errors and warnings this package raises, each naming what was wrong and how to fix it."""

from __future__ import annotations


class NemotronOmniError(Exception):
    """Base class for errors raised by ``langchain-nemotron-omni``."""


# Not ValueError subclasses: pydantic would wrap those raised during construction into a
# generic ValidationError, and callers could no longer catch them by type.
class MissingAPIKeyError(NemotronOmniError):
    """A hosted provider was chosen but no API key was given or found in the environment."""


class UnknownProviderError(NemotronOmniError):
    """A provider name that is not in the provider table."""


class ProviderNotSupportedError(NemotronOmniError):
    """The chosen provider cannot do what was asked of it."""


class ReasoningExhaustedWarning(UserWarning):
    """The model spent its whole output budget thinking and wrote no answer."""


class StreamInterruptedError(NemotronOmniError):
    """A stream broke off before the server finished it; the partial reply is not an answer.

    Raised instead of returning a half message: retry the call (streams are not resumable).
    """


class ToolChoiceError(NemotronOmniError):
    """``tool_choice`` forced a tool call and the model would not make it, even when asked again."""


class ReasoningParserWarning(UserWarning):
    """``reasoning_parser`` says one thing about the server, its replies show another."""


class StreamTimeoutError(StreamInterruptedError, TimeoutError):
    """A stream stalled: no data came for longer than the timeout. Retry, or raise it."""


class KeyDestinationError(NemotronOmniError):
    """A hosted provider's key from the environment would be sent to another address.

    A key read from the environment goes only to that provider's own endpoint; to send a
    key anywhere else, pass it explicitly as ``api_key=``.
    """
