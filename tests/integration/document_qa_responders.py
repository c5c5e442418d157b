"""Scripted models for the document-QA tests: each decides from what the request shows it.

None is told the answer. They read tool results, page text and page images in the request
(the red-box model counts red pixels in each page image) and reply as Nemotron would, with
qwen3_coder XML tool calls that the fake server parses into OpenAI ``tool_calls``.
"""

from __future__ import annotations

import base64
import io
import json
import re
from typing import Any

from PIL import Image

from langchain_nemotron_omni.testing import ChatRequest

_TITLE = re.compile(
    r"^(?:[^\n]+?: )?Page (?P<page>\d+)(?: \(label (?P<label>[^)]*)\))?(?:, region \[[^\]]*\])?:$"
)
_HIT = re.compile(r"^- Page (?P<page>\d+)[^\n]*? near bbox \[(?P<box>[^\]]+)\]", re.MULTILINE)
_SHOWING = re.compile(r"Page (\d+)")


def _value(value: object) -> str:
    return json.dumps(value) if isinstance(value, list | dict | bool) else str(value)


def tool_call_xml(name: str, args: dict[str, Any]) -> str:
    """A tool call in the model's native format (values of arrays/objects as JSON)."""
    params = "".join(
        f"<parameter={key}>\n{_value(value)}\n</parameter>\n" for key, value in args.items()
    )
    return f"<tool_call>\n<function={name}>\n{params}</function>\n</tool_call>"


def reply(thought: str, body: str) -> str:
    """Thought, end of thought, then the visible text or tool call."""
    return f"{thought}\n</think>\n{body}"


def tool_names(request: ChatRequest) -> set[str]:
    """Names of the tools offered in the request."""
    return {str((t.get("function") or t).get("name")) for t in request.tools or []}


def calls(request: ChatRequest) -> list[tuple[str, dict[str, Any]]]:
    """Tool calls made so far, in order, as (name, arguments)."""
    out = []
    for message in request.messages:
        for call in message.get("tool_calls") or []:
            fn = call["function"]
            out.append((fn["name"], json.loads(fn["arguments"] or "{}")))
    return out


def tool_results(request: ChatRequest) -> list[str]:
    """Contents of the tool messages so far, in order."""
    return [str(m.get("content")) for m in request.messages if m.get("role") == "tool"]


def page_images(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, data URL) of each image in a user message; the title is the text part before it."""
    pairs: list[tuple[str, str]] = []
    title = ""
    content = message.get("content")
    for part in content if isinstance(content, list) else []:
        if part.get("type") == "text":
            title = str(part["text"])
        elif part.get("type") == "image_url":
            pairs.append((title, str(part["image_url"]["url"])))
    return pairs


def decode(url: str) -> Image.Image:
    """The image of a base64 data URL."""
    _, _, payload = url.partition(",")
    image = Image.open(io.BytesIO(base64.b64decode(payload)))
    image.load()
    return image


def red_fraction(image: Image.Image) -> float:
    """Share of strongly red pixels."""
    small = image.convert("RGB").reduce(4)
    data = small.tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    red = sum(1 for r, g, b in pixels if r > 150 and g < 90 and b < 90)
    return red / (small.width * small.height)


def red_box_responder(request: ChatRequest) -> str:
    """Single-call path: look at every page image and cite the one with the red box."""
    first_user = next(m for m in request.messages if m.get("role") == "user")
    best: tuple[float, int] = (0.0, 0)
    for title, url in page_images(first_user):
        match = _TITLE.match(title)
        if match:
            best = max(best, (red_fraction(decode(url)), int(match["page"])))
    score, page = best
    found = score > 0.002
    args = {
        "answer": f"Slide {page} has the red box." if found else "No red box.",
        "pages": [page] if found else [],
        "found": found,
    }
    return reply(f"The red area is largest on page {page}.", tool_call_xml("answer", args))


def chart_responder(request: ChatRequest) -> str:
    """Search for the figure, zoom around the hit's bbox, read the value off the zoom result."""
    made = calls(request)
    results = tool_results(request)
    if not made:
        return reply(
            "Find the figure first.",
            tool_call_xml("search_text", {"query": "Figure 3 quarterly shipments"}),
        )
    name, _ = made[-1]
    if name == "search_text":
        hit = _HIT.search(results[-1])
        if hit is None:
            return reply(
                "Nothing.",
                tool_call_xml("answer", {"answer": "Not found.", "pages": [], "found": False}),
            )
        y0 = float(hit["box"].split(",")[1])
        box = [0.05, max(0.0, y0 - 0.02), 0.95, min(1.0, y0 + 0.55)]
        return reply(
            "Zoom on the chart.", tool_call_xml("zoom", {"page": int(hit["page"]), "bbox": box})
        )
    if name == "zoom":
        text = results[-1]
        values = re.findall(r"(\d+) units", text)
        quarters = re.findall(r"\bQ\d\b", text)
        page = int(made[-1][1]["page"])
        if "Q3" in quarters and len(values) == len(quarters):
            value = values[quarters.index("Q3")]
            args: dict[str, Any] = {
                "answer": f"{value} units were shipped in Q3.",
                "pages": [page],
                "found": True,
            }
        else:
            args = {"answer": "The zoom did not show the values.", "pages": [], "found": False}
        return reply("The bar labels give the values.", tool_call_xml("answer", args))
    return reply(
        "Done.", tool_call_xml("answer", {"answer": "Unsure.", "pages": [], "found": False})
    )


def greedy_responder(request: ChatRequest) -> str:
    """Never satisfied: views four new pages every turn; answers only when tools are gone."""
    if not request.tools:
        shown = [
            int(p)
            for r in tool_results(request)
            if r.startswith("Showing")
            for p in _SHOWING.findall(r)
        ]
        last = shown[-1] if shown else 1
        return reply("I must answer now.", f"Page {last} is the last page I saw.\nPages: {last}")
    viewed = [p for name, args in calls(request) if name == "view_pages" for p in args["pages"]]
    start = max(viewed, default=0) + 1
    return reply(
        "More pages.", tool_call_xml("view_pages", {"pages": list(range(start, start + 4))})
    )
