r"""A thought written inline in the text, split from the answer (whole or streamed).

The chat template pre-fills ``<think>\n``, so the model's own text starts inside the thought
and closes it with ``</think>``. A server with a reasoning parser returns the two parts in
separate fields; a server without one (or a hosted API that passes text through) returns
them joined in ``content``, and this module splits them on the client.
"""

from __future__ import annotations

from typing import Literal

from langchain_nemotron_omni._markup import THINK_CLOSE, THINK_OPEN

Channel = Literal["reasoning", "content"]


class ThinkSplitter:
    """Splits text that holds the thought inline, whole or streamed piece by piece.

    A leading ``<think>`` is dropped; text is routed to ``reasoning`` until ``</think>`` and
    to ``content`` after it. A marker split across chunks is held back until it is complete,
    so nothing is mislabelled.
    """

    def __init__(self, *, start_in_reasoning: bool) -> None:
        """Create a splitter; ``start_in_reasoning`` mirrors the template's prefill."""
        self._channel: Channel = "reasoning" if start_in_reasoning else "content"
        self._pending = ""
        self._at_start = True

    @property
    def channel(self) -> Channel:
        """The channel new text currently goes to."""
        return self._channel

    def feed(self, text: str) -> list[tuple[Channel, str]]:
        """Route a piece of text; returns ``(channel, text)`` parts ready to emit."""
        buffer = self._pending + text
        self._pending = ""
        out: list[tuple[Channel, str]] = []
        if self._at_start:
            if THINK_OPEN.startswith(buffer) and buffer != THINK_OPEN:
                self._pending = buffer  # might still become "<think>"
                return out
            self._at_start = False
            if buffer.startswith(THINK_OPEN):
                self._channel = "reasoning"
                buffer = buffer[len(THINK_OPEN) :]
        if self._channel == "reasoning":
            head, sep, tail = buffer.partition(THINK_CLOSE)
            if sep:
                if head:
                    out.append(("reasoning", head))
                self._channel = "content"
                buffer = tail
            else:
                keep = _partial_suffix(buffer, THINK_CLOSE)
                if keep:
                    self._pending = buffer[-keep:]
                    buffer = buffer[:-keep]
                if buffer:
                    out.append(("reasoning", buffer))
                return out
        if buffer:
            out.append(("content", buffer))
        return out

    def flush(self) -> list[tuple[Channel, str]]:
        """Emit whatever is held back at the end of the stream."""
        pending, self._pending = self._pending, ""
        return [(self._channel, pending)] if pending else []


def _partial_suffix(text: str, marker: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``marker``."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if marker.startswith(text[-size:]):
            return size
    return 0
