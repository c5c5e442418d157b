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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.testing import _qwen3_coder as q3
from langchain_nemotron_omni.testing._qwen3_stream import ToolStreamParser
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


# -- non-streaming reasoning parsers ------------------------------------------------------------


def _split_nemotron_v3(
    text: str, *, request_enable_thinking: bool | None, prompt_reasoning_open: bool
) -> tuple[str | None, str | None]:
    """Split like vLLM's classic ``nemotron_v3``, whose ``extract_reasoning`` ignores the prompt."""
    del prompt_reasoning_open
    # Everything up to and including the first <think> goes; without </think> it is all
    # reasoning.
    before, sep, after = text.partition(q3.THINK_START)
    body = after if sep else before
    reasoning: str | None
    content: str | None
    if q3.THINK_END in body:
        reasoning, _, rest = body.partition(q3.THINK_END)
        content = rest or None
    else:
        reasoning, content = body, None
    if request_enable_thinking is False and content is None:
        reasoning, content = None, reasoning  # the nemotron_v3 swap (0.17.1-0.20)
    return reasoning, content


def _split_nemotron_3(
    text: str, *, request_enable_thinking: bool | None, prompt_reasoning_open: bool
) -> tuple[str | None, str | None]:
    """Split like SGLang's ``nemotron_3``: reasoning only when forced; content never null."""
    del request_enable_thinking
    if not prompt_reasoning_open:
        return None, text
    body = text.replace(q3.THINK_START, "")
    raw_reasoning, sep, rest = body.partition(q3.THINK_END)
    return raw_reasoning or None, rest if sep else ""


_SPLITTERS: dict[str, Callable[..., tuple[str | None, str | None]]] = {
    "nemotron_v3": _split_nemotron_v3,
    "nemotron_3": _split_nemotron_3,
}
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
    """
    row = _row(flavor)
    reasoning: str | None = None
    content: str | None = text
    if row.reasoning_parser is not None:
        reasoning, content = _SPLITTERS[row.reasoning_parser](
            text,
            request_enable_thinking=request_enable_thinking,
            prompt_reasoning_open=prompt_reasoning_open,
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

# Where each reasoning parser ends the thought while streaming (SGLang also at <tool_call>).
_THOUGHT_MARKERS = {
    "nemotron_v3": (q3.THINK_START, q3.THINK_END),
    "nemotron_3": (q3.THINK_START, q3.THINK_END, q3.CALL_START),
}
_THOUGHT_REGEXES = {name: q3.marker_regex(m) for name, m in _THOUGHT_MARKERS.items()}


class StreamParser:
    """The flavor's streaming path, fed one engine step at a time."""

    def __init__(
        self,
        *,
        flavor: Flavor | FlavorName,
        prompt_reasoning_open: bool,
        tools: list[dict[str, Any]] | None,
    ) -> None:
        """Start a stream; ``prompt_reasoning_open`` as in :func:`parse_full`."""
        self._flavor = row = _row(flavor)
        parser = row.reasoning_parser
        # vLLM checks is_reasoning_end(prompt_token_ids); SGLang forces reasoning unless
        # enable_thinking is false, which is what closes the prompt's <think>.
        self._in_reasoning = prompt_reasoning_open and parser is not None
        self._markers = _THOUGHT_MARKERS[parser] if parser else ()
        self._regex = _THOUGHT_REGEXES[parser] if parser else None
        self._buf = ""
        self._tools = (
            ToolStreamParser(row.tool_parser, tools) if tools and row.tool_parser else None
        )
        self._reasoning_key = row.reasoning_fields[0] if row.reasoning_fields else ""

    def feed(self, token: str) -> list[dict[str, Any]]:
        """Consume one token; return the ``delta`` objects to send (possibly none)."""
        if not token:
            return []
        events: list[Event] = []
        rest = self._reason(token, events) if self._in_reasoning else token
        if rest:
            self._after_reasoning(rest, events)
        return self._deltas(events)

    def finish(self, *, truncated: bool) -> tuple[list[dict[str, Any]], str]:
        """End the stream: trailing deltas (e.g. remaining arguments) and the finish reason."""
        events: list[Event] = []
        if self._in_reasoning and self._buf:
            events.append(("reasoning", self._buf))  # a held-back "<..." that never completed
        self._buf = ""
        saw_call = False
        if self._tools is not None:
            events.extend(self._tools.finish())
            saw_call = self._tools.saw_call
        # vLLM 0.20 appends no "remaining arguments" here (the last step carried no call delta).
        return self._deltas(events), _finish(
            calls=saw_call, truncated=truncated, flavor=self._flavor
        )

    # -- reasoning phase ---------------------------------------------------------------------

    def _reason(self, token: str, events: list[Event]) -> str:
        """Split off reasoning; return the text that follows its end ("" while inside)."""
        assert self._regex is not None  # noqa: S101 - only called with a reasoning parser
        buf = self._buf + token
        pos = 0
        while True:
            match = self._regex.search(buf, pos)
            if match is None:
                end = q3.safe_end(buf, pos, self._markers)
                if end > pos:
                    events.append(("reasoning", buf[pos:end]))
                self._buf = buf[end:]
                return ""
            if match.start() > pos:
                events.append(("reasoning", buf[pos : match.start()]))
            marker = match.group()
            if marker == q3.THINK_START:
                pos = match.end()  # the <think> token never shows up in reasoning
                continue
            self._in_reasoning = False
            self._buf = ""
            # </think> is consumed; <tool_call> itself goes on to the tool parser.
            return buf[match.end() :] if marker == q3.THINK_END else buf[match.start() :]

    def _after_reasoning(self, text: str, events: list[Event]) -> None:
        if self._tools is None:
            events.append(("content", text))
        else:
            events.extend(self._tools.feed(text))

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
