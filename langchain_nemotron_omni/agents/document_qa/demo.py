r"""A scripted stand-in for the model, for the command line's demo mode (and as an example).

It plays the tool loop the way a careful model would, reading only what each request shows
it: search for the question's words, read the best page's text, answer with the line that
holds the rarest matched word and cite that page; follow an outline entry to a page without
text and look at it; say "not found" when nothing matches. It cannot read images, and says
so. It writes what Nemotron writes: a thought, ``</think>``, then text or qwen3_coder XML.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from langchain_nemotron_omni.agents.document_qa.search import query_terms

if TYPE_CHECKING:
    from langchain_nemotron_omni.testing import ChatRequest

DEMO_PREFIX = "[demo] "
_HIT = re.compile(
    r"^- (?:(?P<doc>[^\n]+?): )?Page (?P<page>\d+)(?: \(label [^)]*\))?: "
    r"matched (?P<terms>[^:\n]+?)(?: near bbox \[[^\]]*\])?: ",
    re.MULTILINE,
)
_OUTLINE_HIT = re.compile(
    r"^- outline entry '[^'\n]*' -> (?:(?P<doc>[^\n]+?): )?Page (?P<page>\d+)", re.MULTILINE
)
_DOC_LINE = re.compile(r"^doc=(?P<number>\d+): (?P<name>[^\n]+?): ", re.MULTILINE)
_PAGE_HEAD = re.compile(
    r"^(?:(?P<doc>[^\n]+?): )?Page (?P<page>\d+)(?: \(label [^)]*\))? text:\n", re.MULTILINE
)


def _value(value: object) -> str:
    return json.dumps(value) if isinstance(value, list | dict | bool) else str(value)


def tool_call_xml(name: str, args: dict[str, Any]) -> str:
    """A tool call in the model's native (qwen3_coder) format."""
    params = "".join(
        f"<parameter={key}>\n{_value(value)}\n</parameter>\n" for key, value in args.items()
    )
    return f"<tool_call>\n<function={name}>\n{params}</function>\n</tool_call>"


def _text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def question_of(request: ChatRequest) -> str:
    """The question, from the first user turn (``Question: ...``)."""
    for message in request.messages:
        if message.get("role") == "user":
            for line in _text(message.get("content")).splitlines():
                if line.startswith("Question: "):
                    return line.removeprefix("Question: ").strip()
    return ""


def _calls(request: ChatRequest) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for message in request.messages:
        for call in message.get("tool_calls") or []:
            fn = call.get("function", {})
            args = fn.get("arguments") or "{}"
            out.append((str(fn.get("name")), json.loads(args) if isinstance(args, str) else args))
    return out


def _tool_results(request: ChatRequest) -> list[str]:
    return [_text(m.get("content")) for m in request.messages if m.get("role") == "tool"]


def _images_in_last_turn(request: ChatRequest) -> int:
    last = request.messages[-1] if request.messages else {}
    content = last.get("content")
    if last.get("role") != "user" or not isinstance(content, list):
        return 0
    return sum(1 for p in content if isinstance(p, dict) and p.get("type") == "image_url")


def _doc_numbers(request: ChatRequest) -> dict[str, int]:
    for message in request.messages:
        if message.get("role") == "user":
            return {
                m["name"]: int(m["number"])
                for m in _DOC_LINE.finditer(_text(message.get("content")))
            }
    return {}


def _say(request: ChatRequest, thought: str, body: str) -> str:
    return f"{thought}\n</think>\n{body}" if request.prompt_reasoning_open else body


def best_line(text: str, terms: list[str]) -> str:
    """The shortest line holding the first (rarest) term that any line holds."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for term in terms:
        holding = [line for line in lines if term in line.lower()]
        if holding:
            return min(holding, key=len)
    return ""


Step = tuple[str, str, dict[str, Any]]
"""A thought, the tool to call, and its arguments."""


def demo_responder(request: ChatRequest) -> str:
    """The demo model's reply to one request."""
    tools = {str((t.get("function") or t).get("name")) for t in request.tools or []}
    question = question_of(request)
    if not tools:
        return _final(request, question)
    thought, tool, args = _direct(request) if tools == {"answer"} else _loop(request, question)
    return _say(request, thought, tool_call_xml(tool, args))


def _answer(text: str, pages: list[Any], *, found: bool) -> dict[str, Any]:
    return {"answer": DEMO_PREFIX + text, "pages": pages, "found": found}


def _direct(request: ChatRequest) -> Step:
    """Every page came as an image, which a script cannot read: say so."""
    images = sum(
        1
        for m in request.messages
        if isinstance(m.get("content"), list)
        for p in m["content"]
        if isinstance(p, dict) and p.get("type") == "image_url"
    )
    text = (
        f"I was shown all {images} page(s) as images, but the scripted demo cannot read "
        "images. Connect a real endpoint for an answer."
    )
    return (
        f"{images} page images arrived; I cannot read them.",
        "answer",
        _answer(text, [], found=False),
    )


def _loop(request: ChatRequest, question: str) -> Step:  # one branch per situation
    """One step of the tool loop: search, read the best hits, follow the outline, answer."""
    calls = _calls(request)
    if not calls:
        return (
            "I will search the text first.",
            "search_text",
            {"query": " ".join(query_terms(question)) or question},
        )
    docs = _doc_numbers(request)
    results = _tool_results(request)
    last_name, last_args = calls[-1]
    last_result = results[-1] if results else ""
    if last_name == "view_pages" and _images_in_last_turn(request):
        pages = [int(p) for p in last_args.get("pages", [])]
        text = (
            f"The answer should be on page {', '.join(map(str, pages))}, which has no text "
            "layer; the demo cannot read its image, so check the page."
        )
        return (
            "The outline led me to a page without text.",
            "answer",
            _answer(text, pages, found=True),
        )
    searches = [r for (n, _), r in zip(calls, results, strict=False) if n == "search_text"]
    search = searches[-1] if searches else ""
    hits = [
        (docs.get(m["doc"] or "", 1), int(m["page"]), [t.strip() for t in m["terms"].split(",")])
        for m in _HIT.finditer(search)
    ]
    if last_name == "read_page_text" and (head := _PAGE_HEAD.search(last_result)):
        page, doc = int(head["page"]), docs.get(head["doc"] or "", 1)
        terms = next((t for d, p, t in hits if (d, p) == (doc, page)), query_terms(question))
        line = best_line(last_result[head.end() :], terms)
        if line and len(terms) > 1:
            cited = page if doc == 1 else f"{doc}:#{page}"
            return f"Page {page} says it.", "answer", _answer(line, [cited], found=True)
    read = {(int(a.get("doc") or 1), int(a["page"])) for n, a in calls if n == "read_page_text"}
    unread = [(d, p) for d, p, _ in hits if (d, p) not in read]
    if unread and len(read) < 2:  # noqa: PLR2004  # a demo reads at most two pages
        doc, page = unread[0]
        return f"Page {page} looks best; I will read it.", "read_page_text", _where(doc, page=page)
    outline = [(docs.get(m["doc"] or "", 1), int(m["page"])) for m in _OUTLINE_HIT.finditer(search)]
    if outline and "view_pages" not in {n for n, _ in calls}:
        doc, page = outline[0]
        return "No text matched, but an outline entry did.", "view_pages", _where(doc, pages=[page])
    text = f"The document does not say: no page's text matches {question!r}."
    return "Nothing matched.", "answer", _answer(text, [], found=False)


def _where(doc: int, **args: Any) -> dict[str, Any]:
    return args | ({"doc": doc} if doc != 1 else {})


def _final(request: ChatRequest, question: str) -> str:
    """The no-tools final call: the best line of any page text read so far."""
    terms = query_terms(question)
    for result in reversed(_tool_results(request)):
        head = _PAGE_HEAD.search(result)
        line = best_line(result[head.end() :], terms) if head else ""
        if head and line:
            return _say(
                request,
                "Answering from what I read.",
                f"{DEMO_PREFIX}{line}\nPages: {head['page']}",
            )
    return _say(
        request,
        "I have not read anything useful.",
        f"{DEMO_PREFIX}The pages read do not answer this.\nPages: none",
    )
