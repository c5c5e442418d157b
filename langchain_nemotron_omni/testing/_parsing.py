r"""What vLLM / SGLang do with the raw text Nemotron 3 Nano (Omni) emits.

The input is always the raw text the model emits *after* the chat template's prefill
(``<think>\n`` when thinking is on, ``<think></think>`` when off). This module turns it into
the fields a client reads, the way each flavor's reasoning and tool parsers do; which parsers
run and which fields they fill is the flavor's row in
:mod:`langchain_nemotron_omni.testing.flavors`.

The tool-call parser itself lives in :mod:`~langchain_nemotron_omni.testing._qwen3_coder`
(non-streaming) and :mod:`~langchain_nemotron_omni.testing._qwen3_stream` (streaming). The
streaming side works on text, not on engine steps, so any split of the stream assembles to the
same message; with :func:`tokenize`'s steps its deltas are the server's.

Nothing here comes from the client's own parsing (``tools``, ``reasoning``, ``reply``, the
markup constants): the server is written apart from the client on purpose, so that a test in
which the two agree shows the client reads what the servers send, rather than agreeing with
itself by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.testing import _qwen3_coder as q3
from langchain_nemotron_omni.testing._qwen3_stream import ToolStreamParser
from langchain_nemotron_omni.testing._thought import SPLITTERS, ThoughtStream
from langchain_nemotron_omni.testing.flavors import FLAVORS, Flavor, FlavorName, get_flavor

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_nemotron_omni.testing._qwen3_coder import Event

__all__ = [
    "FLAVORS",
    "FlavorName",
    "ParsedMessage",
    "StreamParser",
    "delta_fields",
    "message_fields",
    "parse_full",
    "tokenize",
]

# Special tokens first; a blank run joins the word or punctuation after it (as BPE does),
# except before a newline, a special token or the end, where it is a token of its own.
_TOKEN_RE = re.compile(
    r"<think>|</think>|<tool_call>|</tool_call>"
    r"|\n"
    r"|[^\S\n]*\w{1,12}"
    r"|[^\S\n]*(?!</?think>|</?tool_call>)[^\w\s]"
    r"|[^\S\n]+"
)


def tokenize(text: str) -> list[str]:
    """Split raw model text into engine steps ("tokens").

    ``<think>``, ``</think>``, ``<tool_call>`` and ``</tool_call>`` are single tokens; other
    text is cut into small word-like pieces. ``"".join(tokenize(t)) == t`` always holds.
    """
    return _TOKEN_RE.findall(text)


def _row(flavor: Flavor | str) -> Flavor:
    return flavor if isinstance(flavor, Flavor) else get_flavor(flavor)


@dataclass
class ParsedMessage:
    """A non-streaming parse: the assistant message fields and the finish reason."""

    reasoning: str | None
    content: str | None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    """OpenAI shape: ``{"id", "type": "function", "function": {"name", "arguments": str}}``."""
    finish_reason: str = "stop"


def _finish(*, calls: bool, truncated: bool, flavor: Flavor) -> str:
    if calls and (flavor.length_becomes_tool_calls or not truncated):
        return "tool_calls"
    return "length" if truncated else "stop"


_EXTRACTORS: dict[
    str, Callable[[str, list[dict[str, Any]] | None], tuple[list[tuple[str, str]], Any] | None]
] = {"vllm": q3.extract_vllm, "sglang": q3.extract_sglang}


def parse_full(  # noqa: PLR0913 - the server calls it with these keywords
    text: str,
    *,
    flavor: Flavor | FlavorName,
    request_enable_thinking: bool | None,
    prompt_reasoning_open: bool,
    tools: list[dict[str, Any]] | None,
    truncated: bool,
    force_nonempty_content: bool = False,
) -> ParsedMessage:
    """Parse a whole completion as the flavor's non-streaming path does.

    Args:
        text: The raw model output (after the prefill).
        flavor: Which server to imitate (a name or a row of the flavor table).
        request_enable_thinking: ``chat_template_kwargs.enable_thinking`` exactly as the
            *request* sent it (``None`` when absent). The classic vLLM parser's swap looks
            only at this, not at server defaults.
        prompt_reasoning_open: Whether the rendered prompt leaves a ``<think>`` open.
        tools: The request's ``tools`` (for schema typing of values), or ``None``.
        truncated: Whether the engine stopped at ``max_tokens`` (else it stopped at eos).
        force_nonempty_content: ``chat_template_kwargs.force_nonempty_content`` of the
            request is true (the reasoning parsers then move a lone thought to content).
    """
    row = _row(flavor)
    reasoning: str | None = None
    content: str | None = text
    if row.reasoning_parser is not None:
        reasoning, content = SPLITTERS[row.reasoning_parser](
            text,
            forced=prompt_reasoning_open,
            enable_thinking=request_enable_thinking,
            force=force_nonempty_content,
        )
    calls: list[dict[str, Any]] = []
    if tools and row.tool_parser is not None:
        found = _EXTRACTORS[row.tool_parser](content or "", tools)
        if found is not None:
            pairs, content = found
            long_ids = row.envelope.non_streamed_call_ids == "chatcmpl-tool"
            calls = [
                {
                    "id": q3.new_call_id(non_streaming_vllm=long_ids),
                    "type": "function",
                    "function": {"name": name, "arguments": args},
                }
                for name, args in pairs
            ]
    finish = _finish(calls=bool(calls), truncated=truncated, flavor=row)
    return ParsedMessage(reasoning, content, calls, finish)


def message_fields(parsed: ParsedMessage, flavor: Flavor | FlavorName) -> dict[str, Any]:
    """The ``choices[0].message`` object the flavor serialises for ``parsed``."""
    row = _row(flavor)
    indexed = row.envelope.indexed_message_tool_calls
    calls = [
        {"id": c["id"], "index": i, "type": c["type"], "function": dict(c["function"])}
        if indexed
        else {"id": c["id"], "type": c["type"], "function": dict(c["function"])}
        for i, c in enumerate(parsed.tool_calls)
    ]
    values: dict[str, Any] = {
        "role": "assistant",
        "content": parsed.content,
        "tool_calls": calls or (None if indexed else []),
    }
    values.update(dict.fromkeys(row.reasoning_fields, parsed.reasoning))
    return {key: values.get(key) for key in row.message_fields}


# -- streaming -----------------------------------------------------------------------------------


class StreamParser:
    """The flavor's streaming path, fed one engine step at a time."""

    def __init__(
        self,
        *,
        flavor: Flavor | FlavorName,
        prompt_reasoning_open: bool,
        tools: list[dict[str, Any]] | None,
        force_nonempty_content: bool = False,
    ) -> None:
        """Start a stream; the arguments mean what they mean for :func:`parse_full`."""
        self._flavor = row = _row(flavor)
        # vLLM checks is_reasoning_end(prompt_token_ids); SGLang forces reasoning unless
        # enable_thinking is false, which is what closes the prompt's <think>.
        self._thought = (
            ThoughtStream(
                row.reasoning_parser, forced=prompt_reasoning_open, force=force_nonempty_content
            )
            if row.reasoning_parser
            else None
        )
        self._tools = (
            ToolStreamParser(row.tool_parser, tools) if tools and row.tool_parser else None
        )
        self._reasoning_key = row.reasoning_fields[0] if row.reasoning_fields else ""

    def feed(self, token: str) -> list[dict[str, Any]]:
        """Consume one token; return the ``delta`` objects to send (possibly none)."""
        if not token:
            return []
        if self._thought is None:
            return self._deltas(self._after_thought(token))
        return self._deltas(self._route(self._thought.feed(token)))

    def finish(self, *, truncated: bool) -> tuple[list[dict[str, Any]], str]:
        """End the stream: trailing deltas (e.g. remaining arguments) and the finish reason."""
        events = self._route(self._thought.finish()) if self._thought is not None else []
        saw_call = False
        if self._tools is not None:
            events.extend(self._tools.finish())
            saw_call = self._tools.saw_call
        # vLLM 0.20 appends no "remaining arguments" here (the last step carried no call delta).
        return self._deltas(events), _finish(
            calls=saw_call, truncated=truncated, flavor=self._flavor
        )

    def _route(self, pieces: list[tuple[str, str]]) -> list[Event]:
        events: list[Event] = []
        for kind, text in pieces:
            if kind == "reasoning":
                events.append(("reasoning", text))
            else:
                events.extend(self._after_thought(text))
        return events

    def _after_thought(self, text: str) -> list[Event]:
        if self._tools is None:
            return [("content", text)]
        return self._tools.feed(text)

    # -- delta shapes ------------------------------------------------------------------------

    def _deltas(self, events: list[Event]) -> list[dict[str, Any]]:
        deltas: list[dict[str, Any]] = []
        last_kind: str | None = None
        for kind, value in events:
            if kind != "tool" and kind == last_kind:
                # Text of one kind within one step goes out as one delta.
                key = "content" if kind == "content" else self._reasoning_key
                deltas[-1] = self._delta(kind, str(deltas[-1][key]) + value)
                continue
            deltas.append(self._delta(kind, value))
            last_kind = kind
        return deltas

    def _delta(self, kind: str, value: Any) -> dict[str, Any]:
        row = self._flavor
        if kind == "reasoning":
            return delta_fields(row, dict.fromkeys(row.reasoning_fields, value))
        if kind == "content":
            return delta_fields(row, {"content": value})
        return delta_fields(row, {"tool_calls": [value]})


# Delta keys in the order the servers' models declare them.
_DELTA_ORDER = ("role", "content", "reasoning", "reasoning_content", "tool_calls")


def delta_fields(flavor: Flavor, filled: dict[str, Any]) -> dict[str, Any]:
    """A ``delta`` object: ``filled`` plus the flavor's always-present null fields, in order."""
    present = {**dict.fromkeys(flavor.delta_null_fields), **filled}
    return {key: present[key] for key in _DELTA_ORDER if key in present}
