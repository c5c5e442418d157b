r"""The reasoning parsers: where the thought ends, in a whole reply and while streaming.

Two parsers, named by the flavor table's ``reasoning_parser``:

* ``nemotron_v3`` (vLLM 0.17.1-0.23, a DeepSeek-R1 subclass). A whole reply: everything up to
  and including the first ``<think>`` is dropped; without ``</think>`` it is all reasoning;
  with no text before ``</think>`` the reasoning is ``""``. When the request's own
  ``chat_template_kwargs`` say ``enable_thinking: false`` or ``force_nonempty_content: true``
  and there is no content, reasoning and content swap (server defaults are not seen).
  Streaming: the thought runs from the start (when the prompt left ``<think>`` open) to
  ``</think>``; ``<think>`` tokens are dropped; ``<tool_call>`` inside the thought is
  reasoning text.
* ``nemotron_3`` (SGLang 0.5.23). The thought is forced when thinking is on; otherwise the
  first ``<think>`` of the reply starts it. Only that first ``<think>`` is markup (a whole
  reply strips only leading ones). A ``<tool_call>`` ends the thought when no ``</think>``
  does: in a whole reply only when ``</think>`` is missing altogether, while streaming at
  whichever comes first. ``force_nonempty_content: true`` swaps reasoning into content when
  there is none; while streaming, a reply that ends inside the thought sends the thought again
  as content at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from langchain_nemotron_omni.testing._qwen3_coder import (
    CALL_START,
    THINK_END,
    THINK_START,
    marker_regex,
    safe_end,
)

if TYPE_CHECKING:
    import re
    from collections.abc import Callable

    from langchain_nemotron_omni.testing.flavors import ReasoningParser

Split = tuple[str | None, str | None]
"""``(reasoning, content)`` of a whole reply."""


def split_nemotron_v3(
    text: str, *, forced: bool, enable_thinking: bool | None, force: bool
) -> Split:
    """Split a whole reply like vLLM's classic ``nemotron_v3`` (it ignores the prompt)."""
    del forced
    before, sep, after = text.partition(THINK_START)
    body = after if sep else before
    reasoning: str | None
    content: str | None
    if THINK_END in body:
        reasoning, _, rest = body.partition(THINK_END)
        content = rest or None
    else:
        reasoning, content = body, None
    if (enable_thinking is False or force) and content is None:
        reasoning, content = None, reasoning
    return reasoning, content


def split_nemotron_3(
    text: str, *, forced: bool, enable_thinking: bool | None, force: bool
) -> Split:
    """Split a whole reply like SGLang's ``nemotron_3`` detector (content is never null)."""
    del enable_thinking
    reasoning, content = "", text
    if forced or THINK_START in text:
        body = text
        while body.startswith(THINK_START):
            body = body[len(THINK_START) :]
        if THINK_END in body:
            reasoning, _, content = body.partition(THINK_END)
        elif (cut := body.find(CALL_START)) >= 0:
            reasoning, content = body[:cut], body[cut:]
        else:
            reasoning, content = body, ""
    if force and not content:
        reasoning, content = content, reasoning
    return reasoning or None, content


SPLITTERS: dict[ReasoningParser, Callable[..., Split]] = {
    "nemotron_v3": split_nemotron_v3,
    "nemotron_3": split_nemotron_3,
}


@dataclass(frozen=True, slots=True)
class _StreamRules:
    ends_at_tool_call: bool
    """``<tool_call>`` ends the thought; it goes on to the tool parser."""
    first_think_only: bool
    """Only the first ``<think>`` is markup, and it (re)starts the thought wherever it comes;
    else every ``<think>`` inside the thought is dropped and after the thought it is text."""
    repeats_cut_thought: bool
    """With ``force_nonempty_content``, a reply ending inside the thought repeats the thought
    as content at the end."""


_STREAM_RULES: dict[ReasoningParser, _StreamRules] = {
    "nemotron_v3": _StreamRules(
        ends_at_tool_call=False, first_think_only=False, repeats_cut_thought=False
    ),
    "nemotron_3": _StreamRules(
        ends_at_tool_call=True, first_think_only=True, repeats_cut_thought=True
    ),
}


_REGEXES: dict[tuple[str, ...], re.Pattern[str]] = {}


def _regex(markers: tuple[str, ...]) -> re.Pattern[str]:
    regex = _REGEXES.get(markers)
    if regex is None:
        regex = _REGEXES[markers] = marker_regex(markers)
    return regex


class ThoughtStream:
    """The reasoning phase of one stream, fed text of any length.

    Events are ``("reasoning", text)`` for the thought and ``("after", text)`` for what follows
    it (the caller hands that to the tool parser or sends it as content).
    """

    def __init__(self, parser: ReasoningParser, *, forced: bool, force: bool) -> None:
        """Start a stream.

        Args:
            parser: Which reasoning parser runs.
            forced: The thought is open from the start (the prompt left ``<think>`` open).
            force: The request's ``chat_template_kwargs.force_nonempty_content`` is true.
        """
        self._rules = _STREAM_RULES[parser]
        self._in_thought = forced
        self._think_seen = False
        self._force = force and self._rules.repeats_cut_thought
        self._thought: list[str] = []
        self._buf = ""

    def feed(self, text: str) -> list[tuple[str, str]]:
        """Consume text; return ``("reasoning" | "after", text)`` pieces in order."""
        out: list[tuple[str, str]] = []
        buf = self._buf + text
        self._buf = ""
        pos = 0
        while pos < len(buf):
            markers = self._markers()
            if not markers:
                out.append(("after", buf[pos:]))
                break
            kind = "reasoning" if self._in_thought else "after"
            match = _regex(markers).search(buf, pos)
            if match is None:
                end = safe_end(buf, pos, markers)
                self._emit(out, kind, buf[pos:end])
                self._buf = buf[end:]
                break
            self._emit(out, kind, buf[pos : match.start()])
            marker = match.group()
            if marker == THINK_START:
                self._think_seen = True
                self._in_thought = True
                pos = match.end()
                continue
            self._in_thought = False
            self._thought.clear()
            # </think> is consumed; <tool_call> itself goes on to the tool parser.
            pos = match.end() if marker == THINK_END else match.start()
        return out

    def finish(self) -> list[tuple[str, str]]:
        """End of stream: flush held-back text (and repeat a cut thought when forced)."""
        rest, self._buf = self._buf, ""
        if not self._in_thought:
            return [("after", rest)] if rest else []
        if self._force:
            thought = "".join(self._thought) + rest
            return [("after", thought)] if thought else []
        return [("reasoning", rest)] if rest else []

    @property
    def in_thought(self) -> bool:
        """Whether the stream is inside the thought."""
        return self._in_thought

    def _markers(self) -> tuple[str, ...]:
        rules = self._rules
        think = (THINK_START,) if not (rules.first_think_only and self._think_seen) else ()
        if not self._in_thought:
            return think if rules.first_think_only else ()
        ends = (THINK_END, CALL_START) if rules.ends_at_tool_call else (THINK_END,)
        return think + ends

    def _emit(self, out: list[tuple[str, str]], kind: str, text: str) -> None:
        if not text:
            return
        if kind == "reasoning" and self._force:
            self._thought.append(text)
        out.append((kind, text))
