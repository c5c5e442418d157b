"""What the tool-call parser reports: text outside calls, and each call's start, arguments, end."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class TextDelta:
    """Text outside tool calls."""

    text: str


@dataclass(frozen=True, slots=True)
class CallStarted:
    """A call began; ``name`` is ``None`` when the markup gave no usable name."""

    index: int
    id: str
    name: str | None


@dataclass(frozen=True, slots=True)
class ArgsDelta:
    """A fragment of the JSON text of a call's arguments object."""

    index: int
    fragment: str


@dataclass(frozen=True, slots=True)
class CallFinished:
    """A call ended.

    ``error`` is ``None`` for a valid call. ``raw`` is set when the markup itself was broken
    (cut off, malformed, duplicate parameter): it is the call's text as written, and stands
    in for the arguments, since the JSON fragments cannot describe such a call faithfully.
    """

    index: int
    error: str | None
    raw: str | None = None
    cut: bool = field(default=False, compare=False)
    """The text ended inside the call (the error says so too)."""


ToolEvent = TextDelta | CallStarted | ArgsDelta | CallFinished


def new_call_id() -> str:
    """Return an OpenAI-style call id: ``call_`` and 24 hex digits."""
    return f"call_{uuid.uuid4().hex[:24]}"
