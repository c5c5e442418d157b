"""One reply shaped the same way whether it arrives whole (invoke) or in chunks (stream).

Both modes feed the same :class:`ReplyShaper`: a whole response is one chunk followed by the
end. Each chunk's reasoning, content and server tool calls go through the same steps:

1. the thought is told from the answer (:mod:`langchain_nemotron_omni.reasoning.route`);
2. with thinking off, text the server labelled as thought is the answer;
3. with tools bound, calls written as XML in the thought or the answer are parsed, and the
   server's own calls are checked against the same rules (:mod:`.calls`);
4. answer text after the first call is dropped: vLLM's and SGLang's non-streaming parsers
   drop it (the chat template tells the model to write nothing there), and a stream must
   agree with them;
5. the template's newlines around thought and answer are trimmed, and blank text dropped.

At the end the parsers flush, a call the reply was cut inside is reported invalid, an answer
is parsed for structured output, and a thought that used every token with nothing after it
is warned about.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.errors import ReasoningExhaustedWarning
from langchain_nemotron_omni.reasoning.route import (
    ReasoningParserMode,
    ReasoningRouter,
    ServerSplits,
)
from langchain_nemotron_omni.reply.calls import (
    CONTENT_INDEX_BASE,
    REASONING_INDEX_BASE,
    CallClosed,
    CallEvent,
    CallOpened,
    ClientCalls,
    ServerCalls,
)
from langchain_nemotron_omni.reply.trim import EdgeTrimmer
from langchain_nemotron_omni.structured_output import (
    ParseTarget,
    StructuredOutputError,
    parse_json_answer,
)
from langchain_nemotron_omni.tools.schema import build_specs

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


@dataclass(slots=True)
class ReplySettings:
    """What shaping needs to know about the request that produced the reply.

    Read-only by convention; not frozen for the reason given on ``RequestPlan``.
    """

    thinking: bool
    reasoning_parser: ReasoningParserMode = "auto"
    max_tokens: int | None = None
    reasoning_budget: int | None = None
    tools: tuple[Mapping[str, Any], ...] | None = None
    """Bound tools (``None`` when none are, or ``tool_choice="none"``)."""
    parse_as: ParseTarget = None
    """Parse the answer as JSON (``"json"``) or into this Pydantic class, into ``parsed``."""
    continues: bool = False
    """First phase of a client-side budget: stopping at ``length`` is expected (a second
    request continues), so nothing is warned and the finish reason is not final."""


@dataclass(slots=True)
class Piece:
    """What one chunk (or the end) of a reply adds, ready to show."""

    reasoning: str = ""
    content: str = ""
    calls: Sequence[CallEvent] = ()
    parsed: Any = None


def exhausted_message(settings: ReplySettings) -> str:
    """The warning text for a thought that used the whole ``max_tokens``."""
    limit = (
        "the server's default max_tokens"
        if settings.max_tokens is None
        else f"max_tokens={settings.max_tokens}"
    )
    budget = (
        "no reasoning_budget is set"
        if settings.reasoning_budget is None
        else f"reasoning_budget={settings.reasoning_budget}"
    )
    return (
        f"Nemotron spent all of {limit} on reasoning and wrote no answer ({budget}). "
        "Raise max_tokens, cap the thought with reasoning_budget=N (N well below "
        "max_tokens), or call with thinking=False."
    )


class ReplyShaper:
    """Shapes one reply, chunk by chunk, holding back no more than it must."""

    def __init__(self, settings: ReplySettings, memory: ServerSplits) -> None:
        """Start a reply to a request made with ``settings``."""
        self.settings = settings
        self._thinking = settings.thinking
        self._router = ReasoningRouter(
            settings.reasoning_parser, memory, thinking=settings.thinking
        )
        tools = settings.tools
        self._server = ServerCalls(build_specs(tools))
        self._reasoning_calls = None if tools is None else ClientCalls(tools, REASONING_INDEX_BASE)
        self._content_calls = None if tools is None else ClientCalls(tools, CONTENT_INDEX_BASE)
        self._reasoning_trim = EdgeTrimmer()
        self._content_trim = EdgeTrimmer()
        self._answer_closed = False  # a call was made in the answer: later text is dropped
        # Thinking on and no tools: steps 2 to 4 have nothing to do unless the server
        # sends calls of its own (most chunks of most replies; see feed()).
        self._plain = settings.thinking and tools is None
        self._unlabelled: list[str] | None = None if settings.thinking else []
        self.finish_reason: str | None = None
        self.finish_held = False
        """A streamed finish reason was held back for the tail chunk (see ``reported_finish``)."""
        self.completion_tokens = 0
        self.reasoning_text: list[str] = []
        self.content_text: list[str] = []
        self.called: list[str | None] = []
        """Names of the calls made so far (``None`` for a call without a name)."""

    def feed(
        self, reasoning: str, content: str, server_calls: Sequence[Mapping[str, Any]] | None
    ) -> Piece:
        """Shape one chunk: its reasoning and content text and its ``tool_calls`` entries."""
        reasoning, content = self._router.route(reasoning, content)
        if self._plain and not server_calls and not self._answer_closed:
            return self._emit(reasoning, content, ())  # on every token: kept short
        calls: list[CallEvent] = []
        reasoning, content = self._parse(reasoning, content, calls)
        if server_calls and (found := self._server.feed(server_calls)):
            self._answer_closed = True
            calls.extend(found)
        return self._emit(reasoning, content, calls)

    def takes_as_is(self, reasoning: str, content: str) -> bool:
        """Whether shaping leaves this text of a chunk as it is; if so, it is noted as shown.

        True for most tokens of most replies: the server splits the thought, no tools are
        bound, and the text runs on inside the thought or the answer. Far cheaper than
        :meth:`feed`, which it stands in for then (it runs on every token).
        """
        if not self._server_shaped or self._answer_closed:
            return False
        # Content only passes once the answer has begun, so after any end-of-thought marker
        # SGLang leaks (which route() drops).
        if reasoning and not self._reasoning_trim.passes(reasoning):
            return False
        if content and not self._content_trim.passes(content):
            return False
        if reasoning:
            self.reasoning_text.append(reasoning)
        if content:
            self.content_text.append(content)
        return True

    @property
    def _server_shaped(self) -> bool:
        """Thinking on, no tools, and the server splits: only the edges are left to trim."""
        return self._plain and self._router.server_split

    def finish(self) -> Piece:
        """The end of the reply: everything still held, and the checks only the end allows."""
        if self._server_shaped and not self._server.open:
            piece = Piece()  # nothing is held back for such a reply but blank edges
        else:
            piece = self._emit(*self._flush())
        if self.settings.parse_as is not None and not self.settings.continues:
            piece.parsed = self._parsed()
        if not self.settings.continues and self.exhausted:
            warnings.warn(exhausted_message(self.settings), ReasoningExhaustedWarning, stacklevel=5)
        return piece

    def _flush(self) -> tuple[str, str, list[CallEvent]]:
        """What the router and the parsers still hold at the end: text and call events."""
        calls: list[CallEvent] = []
        reasoning, content = self._router.finish(truncated=self.truncated)
        if self._unlabelled:  # thinking off and no answer besides: the "thought" is it
            content, self._unlabelled = "".join(self._unlabelled) + content, None
        reasoning, content = self._parse(reasoning, content, calls)
        if self._reasoning_calls is not None:
            reasoning += self._collect(self._reasoning_calls.finish(), calls, answer=False)
        if self._content_calls is not None:
            content += self._collect(self._content_calls.finish(), calls, answer=True)
        calls.extend(self._server.finish(truncated=self.truncated))
        return reasoning, content, calls

    def _thinking_off(self, reasoning: str, content: str) -> tuple[str, str]:
        """Thinking was off, yet the server labelled text as thought.

        Either the model wrote a thought anyway (then an answer follows it), or the server
        labelled the answer itself as thought (then nothing else comes). So the text is held
        until visible answer text arrives, and becomes the answer if none does.
        """
        held = self._unlabelled
        if held is None:  # an answer was seen: thought is thought from now on
            return reasoning, content
        if reasoning:
            held.append(reasoning)
        if content.strip():
            self._unlabelled = None
            return "".join(held), content
        return "", content

    def _parse(self, reasoning: str, content: str, calls: list[CallEvent]) -> tuple[str, str]:
        """Steps 2 to 4 for some text: thinking off, XML calls, text after a call."""
        if not self._thinking and (reasoning or self._unlabelled):
            reasoning, content = self._thinking_off(reasoning, content)
        if self._reasoning_calls is not None and reasoning:
            reasoning = self._collect(self._reasoning_calls.feed(reasoning), calls, answer=False)
        if self._content_calls is not None and content:
            content = self._collect(self._content_calls.feed(content), calls, answer=True)
        elif self._answer_closed:
            content = ""
        return reasoning, content

    def _collect(
        self, parts: list[str | CallEvent], calls: list[CallEvent], *, answer: bool
    ) -> str:
        """The text among a parser's output; its call events go to ``calls``."""
        text: list[str] = []
        for part in parts:
            if isinstance(part, str):
                if not (answer and self._answer_closed):
                    text.append(part)
            else:
                calls.append(part)
                if answer:
                    self._answer_closed = True
        return "".join(text)

    def _emit(self, reasoning: str, content: str, calls: Sequence[CallEvent]) -> Piece:
        """Step 5, and a note of what was shown."""
        if reasoning:
            reasoning = self._reasoning_trim.feed(reasoning)
            if reasoning:
                self.reasoning_text.append(reasoning)
        if content:
            content = self._content_trim.feed(content)
            if content:
                self.content_text.append(content)
        if calls:
            self.called.extend(call.name for call in calls if isinstance(call, CallOpened))
        return Piece(reasoning, content, calls)

    def note(self, finish_reason: str | None, output_tokens: int | None) -> None:
        """Record the finish reason and token count a chunk carried."""
        if finish_reason:
            self.finish_reason = finish_reason
        if output_tokens:
            self.completion_tokens += output_tokens

    @property
    def truncated(self) -> bool:
        """Whether the reply was cut by ``max_tokens`` (vLLM 0.20 may say ``tool_calls``)."""
        limit = self.settings.max_tokens
        return self.finish_reason == "length" or (
            self.finish_reason == "tool_calls"
            and limit is not None
            and self.completion_tokens >= limit > 0
        )

    @property
    def reported_finish(self) -> str | None:
        """The finish reason to report: ``length`` for every reply ``max_tokens`` cut."""
        return "length" if self.truncated else self.finish_reason

    @property
    def exhausted(self) -> bool:
        """Whether the thought used every token and no answer or call followed."""
        return (
            self.truncated and bool(self.reasoning_text) and not (self.content_text or self.called)
        )

    def _parsed(self) -> Any:
        """The answer parsed as structured output, or ``None`` (the parser reports errors)."""
        text = "".join(self.content_text)
        if not text.strip():
            return None
        try:
            return parse_json_answer(text, self.settings.parse_as)
        except StructuredOutputError:
            return None


def closed_calls(calls: list[CallEvent]) -> list[CallClosed]:
    """The complete calls among call events."""
    return [call for call in calls if isinstance(call, CallClosed)]
