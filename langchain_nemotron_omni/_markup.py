"""The model's own markup: the tags Nemotron writes around its thought and its tool calls.

Defined once here; the reasoning splitter and the tool-call parser and renderer read them
from this module. ``<think>``, ``</think>``, ``<tool_call>`` and ``</tool_call>`` are single
tokens of the model's vocabulary; the ``<function=``/``<parameter=`` tags are plain text.
"""

from __future__ import annotations

from typing import Final

THINK_OPEN: Final = "<think>"
THINK_CLOSE: Final = "</think>"

TOOL_CALL_OPEN: Final = "<tool_call>"
TOOL_CALL_CLOSE: Final = "</tool_call>"
FUNCTION_OPEN: Final = "<function="
FUNCTION_CLOSE: Final = "</function>"
PARAMETER_OPEN: Final = "<parameter="
PARAMETER_CLOSE: Final = "</parameter>"
