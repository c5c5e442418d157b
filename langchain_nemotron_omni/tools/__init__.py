r"""Nemotron's XML tool calls (the qwen3_coder format): parsing, typing, rendering, streaming.

The model writes calls as text::

    <tool_call>
    <function=get_weather>
    <parameter=city>
    Paris
    </parameter>
    </function>
    </tool_call>

A server with a tool parser turns them into OpenAI ``tool_calls``; without one (no parser,
a call written in the thought, a hosted endpoint) the XML arrives in the text and is parsed
here. The parser is strict and schema-aware:

* values are typed by the bound tool's JSON schema; ``string`` keeps the exact text, other
  types must parse (``true``/``false`` for booleans, JSON for objects and arrays, with a
  Python-literal fallback), and a value that does not fit makes the call invalid with an
  error naming the tool, the parameter, what was expected and what was found;
* a call that is cut off, malformed, names an unknown tool, repeats or misses a parameter
  becomes an ``InvalidToolCall``; nothing raises and no call is dropped;
* the schema's parameter names decide whether a ``<parameter=NAME>`` met inside a value is a
  boundary, so values may hold code, XML, even ``</parameter>`` lines.

Without ``tools`` (``None``) there is no schema: every value is kept as a string, except one
that is a JSON object or array, which is decoded.

:func:`parse_tool_text` parses a whole text; :class:`StreamingToolParser` parses pieces as
they arrive and gives the same result for any chunking. :func:`render_tools_prompt` and
:func:`render_tool_call_xml` write tools and calls the way the chat template does, for
endpoints that pass the prompt through without a tool parser.

Inside the package: ``parser`` (the state machine) and ``_call`` (one call's state),
``schema`` and ``coerce`` (typing by JSON Schema), ``assemble`` (events to calls),
``render``, ``chunks`` (LangChain tool-call chunks for a stream), ``choice`` (forced
``tool_choice``).
"""

from __future__ import annotations

from langchain_nemotron_omni.tools.assemble import ParsedText, assemble_events, parse_tool_text
from langchain_nemotron_omni.tools.events import (
    ArgsDelta,
    CallFinished,
    CallStarted,
    TextDelta,
    ToolEvent,
    new_call_id,
)
from langchain_nemotron_omni.tools.parser import StreamingToolParser
from langchain_nemotron_omni.tools.render import render_tool_call_xml, render_tools_prompt

__all__ = [
    "ArgsDelta",
    "CallFinished",
    "CallStarted",
    "ParsedText",
    "StreamingToolParser",
    "TextDelta",
    "ToolEvent",
    "assemble_events",
    "new_call_id",
    "parse_tool_text",
    "render_tool_call_xml",
    "render_tools_prompt",
]
