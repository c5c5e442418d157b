r"""Which text of a reply is the thought: the server's split, or ours, decided per reply.

With thinking on, the model's text starts inside the thought and closes it with
``</think>``. A server with a reasoning parser sends the thought in a field of its own
(``reasoning`` / ``reasoning_content``) and swallows ``</think>``; a server without one
sends everything as ``content``, ``</think>`` included. :class:`ReasoningRouter` tells the
two apart reply by reply and splits the text here when the server did not:

* a reasoning field with text in it: the server splits (remembered for the model instance);
* ``</think>`` inside ``content``: the server does not; what came before it is the thought
  (remembered too);
* neither yet: the content is held back until one of them shows up or the reply ends. A
  reply that ends without either is thought when it was cut by ``max_tokens`` (as vLLM's own
  parser has it), thought up to its first ``<tool_call>`` when it runs into a call (the model
  sometimes leaves ``</think>`` out there; TensorRT-LLM ends the thought at ``<tool_call>``
  for that reason), and the answer otherwise (a server that splits, and a thought that was
  empty). Held text costs latency, never content: once the server is known, nothing is held.

``reasoning_parser="server"`` and ``"client"`` fix the answer instead of detecting it; a
reasoning field arriving while ``"client"`` is set means the server splits after all, which
is warned about once, and the reply is taken as the server split it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from langchain_nemotron_omni._markup import THINK_CLOSE, THINK_OPEN, TOOL_CALL_OPEN
from langchain_nemotron_omni.errors import ReasoningParserWarning
from langchain_nemotron_omni.reasoning.split import ThinkSplitter

if TYPE_CHECKING:
    from collections.abc import Sequence

ReasoningParserMode = Literal["auto", "server", "client"]

_SERVER, _LABEL, _HOLD = 0, 1, 2


@dataclass(slots=True)
class ServerSplits:
    """What a model instance has learnt about its server: ``None`` until a reply shows it."""

    known: bool | None = None
    warned: bool = False


class ReasoningRouter:
    """Routes the reasoning and content text of one reply, chunk by chunk."""

    def __init__(self, mode: ReasoningParserMode, memory: ServerSplits, *, thinking: bool) -> None:
        """Start a reply; ``memory`` is shared by the replies of one model instance."""
        self._mode = mode
        self._memory = memory
        self._splitter: ThinkSplitter | None = None
        self._held: list[str] = []
        self._tail = ""
        if not thinking or mode == "server" or (mode == "auto" and memory.known is True):
            self._state = _SERVER
        elif mode == "client" or memory.known is False:
            self._start_label()
        else:
            self._state = _HOLD

    @property
    def server_split(self) -> bool:
        """Whether the server splits this reply.

        Reasoning and content then pass as they came, but for an end-of-thought marker that
        leaked into content as a delta of its own.
        """
        return self._state == _SERVER

    def _start_label(self) -> None:
        self._state = _LABEL
        self._splitter = ThinkSplitter(start_in_reasoning=True)

    def route(self, reasoning: str, content: str) -> tuple[str, str]:
        """The ``(reasoning, content)`` text of a chunk that is ready to show."""
        if reasoning and self._state != _SERVER:
            # Whatever was held or half-split so far was the answer after all.
            pending = self._splitter.flush() if self._splitter is not None else []
            content = "".join([*self._held, *(text for _, text in pending), content])
            self._held = []
            self._server_splits()
        state = self._state
        if state == _SERVER:
            # SGLang can leak the end-of-thought token into content as a delta of its own.
            return reasoning, "" if content == THINK_CLOSE else content
        if state == _HOLD:
            if not content:
                return reasoning, ""
            window = self._tail + content
            self._held.append(content)
            self._tail = window[-len(THINK_CLOSE) :]
            if THINK_CLOSE not in window:
                return reasoning, ""
            self._memory.known = False  # this server leaves the thought in the text
            content = "".join(self._held)
            self._held = []
            self._start_label()
        assert self._splitter is not None  # noqa: S101 - set in every labelling state
        return self._split(self._splitter.feed(content), reasoning)

    def finish(self, *, truncated: bool) -> tuple[str, str]:
        """What is still held when the reply ends: ``(reasoning, content)``."""
        if self._state == _HOLD:
            # Neither a reasoning field nor "</think>" came.
            held, self._held = "".join(self._held), []
            if truncated:
                return held.removeprefix(THINK_OPEN), ""
            thought, call, rest = held.partition(TOOL_CALL_OPEN)
            return (thought.removeprefix(THINK_OPEN), call + rest) if call else ("", held)
        if self._state == _LABEL and self._splitter is not None:
            return self._split(self._splitter.flush(), "")
        return "", ""

    @staticmethod
    def _split(parts: Sequence[tuple[str, str]], reasoning: str) -> tuple[str, str]:
        thought = [reasoning] if reasoning else []
        answer: list[str] = []
        for channel, text in parts:
            (thought if channel == "reasoning" else answer).append(text)
        return "".join(thought), "".join(answer)

    def _server_splits(self) -> None:
        """A reasoning field arrived: the server splits, whatever was assumed."""
        memory = self._memory
        if self._mode == "client" and not memory.warned:
            memory.warned = True
            warnings.warn(
                "reasoning_parser='client' is set, but the server sends the thought in a "
                "reasoning field of its own (it runs a reasoning parser); the reply is taken "
                "as the server split it. Drop reasoning_parser='client' (the default 'auto' "
                "detects this).",
                ReasoningParserWarning,
                stacklevel=6,
            )
        memory.known = True
        self._state = _SERVER
        self._splitter = None
