r"""What vLLM / SGLang do with the raw text Nemotron 3 Nano (Omni) emits.

The input is always the raw text the model emits *after* the chat template's prefill
(``<think>\n`` when thinking is on, ``<think></think>`` when off). This module turns it into
the fields a client reads, the way each server flavor does (see
``shared/reference/wire-format.md``, sections 1, 2 and 6):

* ``vllm``: vLLM 0.20 with ``--reasoning-parser nemotron_v3 --tool-call-parser qwen3_coder``
  (classic parsers); response field ``reasoning``.
* ``vllm-0.15``: the same parsers, response carries both ``reasoning`` and
  ``reasoning_content`` (same value; ``reasoning_content: null`` on content deltas too).
* ``vllm-0.11``: the same parsers, response field ``reasoning_content`` only.
* ``sglang``: SGLang 0.5.23 ``nemotron_3`` + ``qwen3_coder`` detectors; ``reasoning_content``.
* ``raw``: no parsers at all: the text comes back verbatim in ``content``.

The tool-call parser itself lives in :mod:`langchain_nemotron_omni.testing._qwen3_coder`.
The streaming side works on text, not on engine steps, so any split of the stream assembles
to the same message; with :func:`tokenize`'s steps its deltas are the server's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from langchain_nemotron_omni.testing import _qwen3_coder as q3

if TYPE_CHECKING:
    from langchain_nemotron_omni.testing._qwen3_coder import Dialect, Event

FlavorName = Literal["vllm", "vllm-0.15", "vllm-0.11", "sglang", "raw"]
FLAVORS: tuple[FlavorName, ...] = ("vllm", "vllm-0.15", "vllm-0.11", "sglang", "raw")

# Special tokens first; a blank run joins the word or punctuation after it (as BPE does),
# except before a newline, a special token or the end, where it is a token of its own.
_TOKEN_RE = re.compile(
    r"<think>|</think>|<tool_call>|</tool_call>"
    r"|\n"
    r"|[^\S\n]*\w{1,12}"
    r"|[^\S\n]*(?!</?think>|</?tool_call>)[^\w\s]"
    r"|[^\S\n]+"
)

_VLLM_REASONING_MARKERS = (q3.THINK_START, q3.THINK_END)
# SGLang's Nemotron3Detector also ends reasoning at <tool_call> (streaming only).
_SGLANG_REASONING_MARKERS = (q3.THINK_START, q3.THINK_END, q3.CALL_START)
_REASONING_REGEX = {
    "vllm": q3.marker_regex(_VLLM_REASONING_MARKERS),
    "sglang": q3.marker_regex(_SGLANG_REASONING_MARKERS),
}


def tokenize(text: str) -> list[str]:
    """Split raw model text into engine steps ("tokens").

    ``<think>``, ``</think>``, ``<tool_call>`` and ``</tool_call>`` are single tokens; other
    text is cut into small word-like pieces. ``"".join(tokenize(t)) == t`` always holds.
    """
    return _TOKEN_RE.findall(text)


@dataclass
class ParsedMessage:
    """A non-streaming parse: the assistant message fields and the finish reason."""

    reasoning: str | None
    content: str | None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    """OpenAI shape: ``{"id", "type": "function", "function": {"name", "arguments": str}}``."""
    finish_reason: str = "stop"


def _dialect(flavor: FlavorName) -> Dialect:
    return "sglang" if flavor == "sglang" else "vllm"


def _tool_call(name: str, arguments: str, *, vllm: bool) -> dict[str, Any]:
    return {
        "id": q3.new_call_id(non_streaming_vllm=vllm),
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


def _stop_reason(*, truncated: bool) -> str:
    return "length" if truncated else "stop"


def parse_full(  # noqa: PLR0913 - the server calls it with these keywords
    text: str,
    *,
    flavor: FlavorName,
    request_enable_thinking: bool | None,
    prompt_reasoning_open: bool,
    tools: list[dict[str, Any]] | None,
    truncated: bool,
) -> ParsedMessage:
    """Parse a whole completion as the flavor's non-streaming path does.

    Args:
        text: The raw model output (after the prefill).
        flavor: Which server to imitate.
        request_enable_thinking: ``chat_template_kwargs.enable_thinking`` exactly as the
            *request* sent it (``None`` when absent). The classic vLLM parser's swap looks
            only at this, not at server defaults.
        prompt_reasoning_open: Whether the rendered prompt leaves a ``<think>`` open.
        tools: The request's ``tools`` (for schema typing of values), or ``None``.
        truncated: Whether the engine stopped at ``max_tokens`` (else it stopped at eos).
    """
    if flavor == "raw":
        return ParsedMessage(None, text, finish_reason=_stop_reason(truncated=truncated))
    if flavor == "sglang":
        return _parse_sglang(
            text, prompt_reasoning_open=prompt_reasoning_open, tools=tools, truncated=truncated
        )
    return _parse_vllm(
        text, request_enable_thinking=request_enable_thinking, tools=tools, truncated=truncated
    )


def _parse_vllm(
    text: str,
    *,
    request_enable_thinking: bool | None,
    tools: list[dict[str, Any]] | None,
    truncated: bool,
) -> ParsedMessage:
    # extract_reasoning never looks at the prompt: without </think> everything is reasoning.
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
    calls: list[dict[str, Any]] = []
    if tools:
        found = q3.extract_vllm(content or "", tools)
        if found is not None:
            pairs, content = found
            calls = [_tool_call(name, args, vllm=True) for name, args in pairs]
    # 0.20 reports tool_calls whenever a call was parsed, even over "length".
    finish = "tool_calls" if calls else _stop_reason(truncated=truncated)
    return ParsedMessage(reasoning, content, calls, finish)


def _parse_sglang(
    text: str,
    *,
    prompt_reasoning_open: bool,
    tools: list[dict[str, Any]] | None,
    truncated: bool,
) -> ParsedMessage:
    reasoning: str | None = None
    content = text
    if prompt_reasoning_open:
        body = text.replace(q3.THINK_START, "")
        raw_reasoning, sep, rest = body.partition(q3.THINK_END)
        reasoning = raw_reasoning or None
        content = rest if sep else ""
    calls: list[dict[str, Any]] = []
    if tools:
        found = q3.extract_sglang(content, tools)
        if found is not None:
            pairs, content = found
            calls = [_tool_call(name, args, vllm=False) for name, args in pairs]
    # SGLang turns only "stop" into "tool_calls"; "length" stays.
    finish = "tool_calls" if calls and not truncated else _stop_reason(truncated=truncated)
    return ParsedMessage(reasoning, content, calls, finish)


def message_fields(parsed: ParsedMessage, flavor: FlavorName) -> dict[str, Any]:
    """The ``choices[0].message`` object the flavor serialises for ``parsed``."""
    if flavor == "sglang":
        calls = [
            {"id": c["id"], "index": i, "type": c["type"], "function": dict(c["function"])}
            for i, c in enumerate(parsed.tool_calls)
        ]
        return {
            "role": "assistant",
            "content": parsed.content,
            "reasoning_content": parsed.reasoning,
            "tool_calls": calls or None,
        }
    message: dict[str, Any] = {
        "role": "assistant",
        "content": parsed.content,
        "refusal": None,
        "annotations": None,
        "audio": None,
        "function_call": None,
        "tool_calls": [
            {"id": c["id"], "type": c["type"], "function": dict(c["function"])}
            for c in parsed.tool_calls
        ],
    }
    if flavor == "raw":
        return message
    if flavor in {"vllm", "vllm-0.15"}:
        message["reasoning"] = parsed.reasoning
    if flavor in {"vllm-0.15", "vllm-0.11"}:
        message["reasoning_content"] = parsed.reasoning
    return message


class StreamParser:
    """The flavor's streaming path, fed one engine step at a time."""

    def __init__(
        self,
        *,
        flavor: FlavorName,
        prompt_reasoning_open: bool,
        tools: list[dict[str, Any]] | None,
    ) -> None:
        """Start a stream; ``prompt_reasoning_open`` as in :func:`parse_full`."""
        self._flavor: FlavorName = flavor
        self._raw = flavor == "raw"
        self._dialect = _dialect(flavor)
        # vLLM checks is_reasoning_end(prompt_token_ids); SGLang forces reasoning unless
        # enable_thinking is false, which is what closes the prompt's <think>.
        self._in_reasoning = prompt_reasoning_open and not self._raw
        self._markers = (
            _SGLANG_REASONING_MARKERS if self._dialect == "sglang" else _VLLM_REASONING_MARKERS
        )
        self._regex = _REASONING_REGEX[self._dialect]
        self._buf = ""
        self._tools = q3.ToolStreamParser(self._dialect, tools) if tools and not self._raw else None

    def feed(self, token: str) -> list[dict[str, Any]]:
        """Consume one token; return the ``delta`` objects to send (possibly none)."""
        if not token:
            return []
        if self._raw:
            return [{"content": token}]
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
        if saw_call and (self._dialect == "vllm" or not truncated):
            reason = "tool_calls"
        else:
            reason = _stop_reason(truncated=truncated)
        return self._deltas(events), reason

    # -- reasoning phase ---------------------------------------------------------------------

    def _reason(self, token: str, events: list[Event]) -> str:
        """Split off reasoning; return the text that follows its end ("" while inside)."""
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
            # </think> is consumed; SGLang hands <tool_call> itself to the tool parser.
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
                deltas[-1] = self._delta(kind, self._text_of(deltas[-1], kind) + value)
                continue
            deltas.append(self._delta(kind, value))
            last_kind = kind
        return deltas

    def _text_of(self, delta: dict[str, Any], kind: str) -> str:
        if kind == "content":
            return str(delta["content"])
        key = "reasoning_content" if self._flavor in {"vllm-0.11", "sglang"} else "reasoning"
        return str(delta[key])

    def _delta(self, kind: str, value: Any) -> dict[str, Any]:
        flavor = self._flavor
        if flavor == "sglang":
            return {
                "role": None,
                "content": value if kind == "content" else None,
                "reasoning_content": value if kind == "reasoning" else None,
                "tool_calls": [value] if kind == "tool" else None,
            }
        if kind == "reasoning":
            if flavor == "vllm-0.11":
                return {"reasoning_content": value}
            if flavor == "vllm-0.15":
                return {"reasoning": value, "reasoning_content": value}
            return {"reasoning": value}
        delta: dict[str, Any] = {"content": value} if kind == "content" else {"tool_calls": [value]}
        if flavor == "vllm-0.15":
            # Its after-validator sets reasoning_content on every delta, so it is "set".
            delta["reasoning_content"] = None
        return delta
