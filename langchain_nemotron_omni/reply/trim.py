"""The newlines the chat template puts around thought and answer, trimmed as text streams by."""

from __future__ import annotations


def trim(text: str) -> str:
    """A whole text as :class:`EdgeTrimmer` gives it: edge newlines off, blank text empty."""
    return text.strip("\n") if text.strip() else ""


class EdgeTrimmer:
    """Streamed :func:`trim`: the joined output of any chunking equals ``trim`` of the whole.

    Text is held only while it is blank: at the start (until something visible comes, or
    for good if nothing does) and newlines at the end (until more text follows them).
    """

    __slots__ = ("_held", "_started")

    def __init__(self) -> None:
        """Start before any text."""
        self._started = False
        self._held = ""

    def passes(self, text: str) -> bool:
        """Whether :meth:`feed` would return ``text`` as it is (then it need not be called).

        So once text has started and nothing is held, for text not ending in a newline: the
        usual token in the middle of a thought or an answer.
        """
        return self._started and not self._held and text[-1:] != "\n"

    def feed(self, text: str) -> str:
        """The part of the text seen so far that is certain to be kept."""
        if not self._started:
            text = self._held + text
            if text.isspace() or not text:
                self._held = text
                return ""
            self._started = True
            self._held = ""
            text = text.lstrip("\n")
        body = text.rstrip("\n")
        if not body:
            self._held += text
            return ""
        out = self._held + body if self._held else body
        self._held = text[len(body) :]
        return out
