"""The tools the model calls on a long document, and what running each one produces.

A tool that shows pages returns a short text result and page references; the graph sends
the images in the next user turn, because vLLM refuses images inside tool messages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_core.messages import ToolMessage

from langchain_nemotron_omni.agents.document_qa.citations import seen_key, split_page_list
from langchain_nemotron_omni.agents.document_qa.library import ToolInputError
from langchain_nemotron_omni.agents.document_qa.tokens import POINTS_PER_INCH
from langchain_nemotron_omni.media.pdf import normalize_box

if TYPE_CHECKING:
    from langchain_core.messages import ToolCall

    from langchain_nemotron_omni.agents.document_qa.library import Library
    from langchain_nemotron_omni.agents.document_qa.state import DocQASettings, PageRef

ANSWER = "answer"
_MIN_DPI = 72
_ZOOM_TEXT_CHARS = 1500
_BOX_VALUES = 4

_DOC = {"type": "integer", "description": "Document number (default 1)."}


def _function(
    name: str, description: str, properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }


ANSWER_TOOL = _function(
    ANSWER,
    "Give the final answer with the pages it rests on (pages you have read or viewed). "
    "found=false when the document does not contain the answer.",
    {
        "answer": {"type": "string", "description": "The answer, in a sentence or two."},
        "pages": {
            "type": "array",
            "items": {"type": ["integer", "string"]},
            "description": "The pages the answer rests on: page numbers N as integers, e.g. "
            '[12, 14], or printed page labels as strings, e.g. ["iv", "10"]; in document 2: '
            '"2:#12" (page number) or "2:iv" (label).',
        },
        "found": {"type": "boolean", "description": "false if the answer is not in the document"},
        "quote": {
            "type": "string",
            "description": "A short passage copied from the cited page that supports the "
            "answer (it is highlighted for the reader).",
        },
    },
    ["answer", "pages", "found"],
)


def tool_schemas(settings: DocQASettings) -> list[dict[str, Any]]:
    """The tools of the long-document loop, in OpenAI function format."""
    return [
        _function(
            "outline",
            "The document's table of contents (outline) and printed page labels.",
            {"doc": _DOC},
            [],
        ),
        _function(
            "search_text",
            "Find pages whose text contains the words of the query; lists the best pages "
            "with a snippet and the region of the first match.",
            {"query": {"type": "string", "description": "Words to look for."}, "doc": _DOC},
            ["query"],
        ),
        _function(
            "read_page_text",
            "The text layer of one page (empty for scans: view those).",
            {"page": {"type": "integer", "description": "Page number (from 1)."}, "doc": _DOC},
            ["page"],
        ),
        _function(
            "view_pages",
            f"Show up to {settings.pages_per_view} pages as images in the next message.",
            {
                "pages": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "description": "Page numbers (from 1).",
                },
                "doc": _DOC,
                "dpi": {
                    "type": "integer",
                    "description": f"Resolution, {_MIN_DPI}-{settings.max_view_dpi} "
                    f"(default {settings.dpi}); tokens grow with dpi squared.",
                },
            },
            ["pages"],
        ),
        _function(
            "zoom",
            "Show a region of a page at higher resolution, for small print, tables and charts.",
            {
                "page": {"type": "integer", "description": "Page number (from 1)."},
                "bbox": {
                    "type": "array",
                    "items": {"type": "number"},
                    "description": "[x0, y0, x1, y1] in 0-1 of the page width and height, "
                    "from the top left, e.g. [0, 0.5, 1, 1] for the lower half.",
                },
                "doc": _DOC,
            },
            ["page", "bbox"],
        ),
        ANSWER_TOOL,
    ]


@dataclass(frozen=True)
class AnswerArgs:
    """What the model answered."""

    answer: str
    pages: list[object]
    found: bool
    quote: str = ""


@dataclass
class ToolOutcome:
    """The result of one tool call."""

    message: ToolMessage
    refs: list[PageRef] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    answer: AnswerArgs | None = None


def _as_int(value: object, name: str) -> int:
    if isinstance(value, bool):
        msg = f"{name} must be an integer"
        raise ToolInputError(msg)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    msg = f"{name} must be an integer, got {value!r}"
    raise ToolInputError(msg)


def _optional_int(args: dict[str, Any], name: str) -> int | None:
    value = args.get(name)
    return None if value is None or value == "" else _as_int(value, name)


def _int_list(value: object, name: str) -> list[int]:
    items: list[object]
    if isinstance(value, list):
        items = list(value)
    elif isinstance(value, str):
        items = list(split_page_list(value.strip("[] ")))
    else:
        items = [value]
    return [_as_int(item, name) for item in items]


def _box(value: object) -> tuple[float, float, float, float]:
    numbers = value if isinstance(value, list) else str(value).strip("[] ").split(",")
    try:
        floats = [float(v) for v in numbers]
    except (TypeError, ValueError):
        floats = []
    if len(floats) != _BOX_VALUES:
        msg = f"bbox must be four numbers [x0, y0, x1, y1] in 0-1, got {value!r}"
        raise ToolInputError(msg)
    try:
        return normalize_box((floats[0], floats[1], floats[2], floats[3]))
    except ValueError as error:
        raise ToolInputError(str(error)) from None


def _answer_args(args: dict[str, Any]) -> AnswerArgs:
    pages = args.get("pages") or []
    if not isinstance(pages, list):
        pages = split_page_list(str(pages).strip("[] "))
    found = args.get("found")
    if isinstance(found, str):
        found = found.strip().lower() not in {"false", "no", "0"}
    if found is None:
        found = bool(pages)
    quote = str(args.get("quote") or "")
    return AnswerArgs(str(args.get("answer") or ""), list(pages), bool(found), quote)


class ToolRunner:
    """Runs tool calls for one model turn, within the room left for new images."""

    def __init__(self, library: Library, settings: DocQASettings, image_room: int) -> None:
        """``image_room``: tokens new page images may still add this turn."""
        self.library = library
        self.settings = settings
        self.image_room = image_room

    def run(self, call: ToolCall) -> ToolOutcome:
        """Run one call; argument problems come back as text for the model, not exceptions."""
        name, args = call["name"], dict(call["args"])
        call_id = call.get("id") or name
        handler = {
            "outline": self._outline,
            "search_text": self._search,
            "read_page_text": self._read,
            "view_pages": self._view,
            "zoom": self._zoom,
            ANSWER: self._answer,
        }.get(name)
        if handler is None:
            return ToolOutcome(_reply(call_id, name, f"Error: there is no tool named {name!r}."))
        try:
            return handler(call_id, args)
        except ToolInputError as error:
            return ToolOutcome(_reply(call_id, name, f"Error: {error}"))

    def _outline(self, call_id: str, args: dict[str, Any]) -> ToolOutcome:
        return ToolOutcome(
            _reply(call_id, "outline", self.library.outline_text(_optional_int(args, "doc")))
        )

    def _search(self, call_id: str, args: dict[str, Any]) -> ToolOutcome:
        text, _ = self.library.search(
            str(args.get("query") or ""), _optional_int(args, "doc"), self.settings.search_hits
        )
        return ToolOutcome(_reply(call_id, "search_text", text))

    def _read(self, call_id: str, args: dict[str, Any]) -> ToolOutcome:
        number = _optional_int(args, "doc") or 1
        text, index = self.library.page_text(
            number, _as_int(args.get("page"), "page"), self.settings.page_text_chars
        )
        return ToolOutcome(_reply(call_id, "read_page_text", text), seen=[seen_key(number, index)])

    def _spend(self, cost: int, what: str) -> None:
        if cost > self.image_room:
            msg = (
                f"showing {what} would cost about {cost:,} tokens per request, but only about "
                f"{max(self.image_room, 0):,} remain for images within this question's budget. "
                "View fewer pages, use a lower dpi, read the text instead, or answer now."
            )
            raise ToolInputError(msg)
        self.image_room -= cost

    def _view(self, call_id: str, args: dict[str, Any]) -> ToolOutcome:
        number = _optional_int(args, "doc") or 1
        pages = list(dict.fromkeys(_int_list(args.get("pages"), "pages")))
        if not pages:
            msg = "pages is empty; give page numbers, e.g. [12]"
            raise ToolInputError(msg)
        limit = self.settings.pages_per_view
        if len(pages) > limit:
            msg = f"at most {limit} pages per call; you asked for {len(pages)}"
            raise ToolInputError(msg)
        dpi = _optional_int(args, "dpi") or self.settings.dpi
        dpi = min(max(dpi, _MIN_DPI), self.settings.max_view_dpi)
        indices = [self.library.index(number, page)[1] for page in pages]
        cost = sum(self.library.image_cost(number, index, dpi) for index in indices)
        names = ", ".join(self.library.page_name(number, index) for index in indices)
        self._spend(cost, names)
        refs: list[PageRef] = [{"doc": number, "page": i, "dpi": dpi, "box": None} for i in indices]
        text = f"Showing {names} at {dpi} dpi (about {cost:,} tokens); the images follow."
        return ToolOutcome(
            _reply(call_id, "view_pages", text),
            refs=refs,
            seen=[seen_key(number, i) for i in indices],
        )

    def _zoom(self, call_id: str, args: dict[str, Any]) -> ToolOutcome:
        number = _optional_int(args, "doc") or 1
        doc, index = self.library.index(number, _as_int(args.get("page"), "page"))
        box = _box(args.get("bbox"))
        width, height = doc.page_size(index)
        area = width * (box[2] - box[0]) * height * (box[3] - box[1])
        dpi = POINTS_PER_INCH * math.sqrt(self.settings.zoom_pixels / max(area, 1.0))
        dpi = min(max(dpi, float(self.settings.dpi)), float(self.settings.max_zoom_dpi))
        cost = self.library.image_cost(number, index, dpi, box)
        name = self.library.page_name(number, index)
        self._spend(cost, f"a zoom of {name}")
        text = doc.text_in_box(index, box)
        if len(text) > _ZOOM_TEXT_CHARS:
            text = text[:_ZOOM_TEXT_CHARS] + " [...]"
        shown = ", ".join(f"{v:.2f}" for v in box)
        body = (
            f"Zoomed into {name}, region [{shown}], at {dpi:.0f} dpi (about {cost:,} tokens); "
            "the image follows."
        )
        body += f"\nText layer in this region:\n{text}" if text else "\nNo text layer here."
        ref: PageRef = {"doc": number, "page": index, "dpi": round(dpi, 1), "box": list(box)}
        return ToolOutcome(
            _reply(call_id, "zoom", body), refs=[ref], seen=[seen_key(number, index)]
        )

    def _answer(self, call_id: str, args: dict[str, Any]) -> ToolOutcome:
        answer = _answer_args(args)
        return ToolOutcome(_reply(call_id, ANSWER, "Answer recorded."), answer=answer)


def _reply(call_id: str, name: str, text: str) -> ToolMessage:
    return ToolMessage(content=text, tool_call_id=call_id, name=name)
