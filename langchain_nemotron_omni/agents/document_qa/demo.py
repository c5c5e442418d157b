r"""A scripted stand-in for the model, for the command line's demo mode (and as an example).

It plays the tool loop the way a careful model would, reading only what each request shows
it: search for the question's words, read the best page's text (or look at it, when the page
has no text layer), read one more page when the first holds only one of the question's words,
then answer with the best line of the pages it read and cite that page. It says "not found"
only when nothing it could read holds a word of the question. It cannot read images, and says
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
_NO_TEXT = re.compile(
    r"^(?:(?P<doc>[^\n]+?): )?Page (?P<page>\d+)(?: \(label [^)]*\))? has no text layer",
    re.MULTILINE,
)
_NO_TEXT_LISTED = re.compile(
    r"^doc=(?P<number>\d+): .*?no text layer on page\(s\) (?P<pages>[\d, ]+)"
)
_MAX_READS = 2
"""Pages the demo reads before it answers from the best of them."""


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
    """The line of ``text`` that best answers a question with content words ``terms``.

    Among the lines holding the first term any line holds (the question's subject, as a
    question names it first), the one holding the most of the other terms, then the shortest.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for term in terms:
        holding = [line for line in lines if term in line.lower()]
        if holding:
            return min(holding, key=lambda line: (-_held(line, terms), len(line)))
    return ""


def _held(line: str, terms: list[str]) -> int:
    """How many of ``terms`` a line holds."""
    lower = line.lower()
    return sum(term in lower for term in terms)


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


def _loop(request: ChatRequest, question: str) -> Step:
    """One step of the tool loop: search, read (or look at) the best hits, answer."""
    calls = _calls(request)
    if not calls:
        return (
            "I will search the text first.",
            "search_text",
            {"query": " ".join(query_terms(question)) or question},
        )
    docs = _doc_numbers(request)
    last_name, last_args = calls[-1]
    if last_name == "view_pages" and _images_in_last_turn(request):
        pages = [int(p) for p in last_args.get("pages", [])]
        text = (
            f"The answer should be on page {', '.join(map(str, pages))}, which has no text "
            "layer; the demo cannot read its image, so check the page."
        )
        return (
            "The search led me to a page without text.",
            "answer",
            _answer(text, pages, found=True),
        )
    results = _tool_results(request)
    searches = [r for (n, _), r in zip(calls, results, strict=False) if n == "search_text"]
    search = searches[-1] if searches else ""
    hits = [(docs.get(m["doc"] or "", 1), int(m["page"])) for m in _HIT.finditer(search)]
    hits += [(docs.get(m["doc"] or "", 1), int(m["page"])) for m in _OUTLINE_HIT.finditer(search)]
    read = _pages_read(results, docs)
    terms = query_terms(question)
    best = max(
        ((best_line(text, terms), doc, page) for doc, page, text in read),
        key=lambda found: _held(found[0], terms),
        default=("", 0, 0),
    )
    line, doc, page = best
    enough = line and _held(line, terms) >= min(2, len(terms))
    looked = {(d, p) for d, p, _ in read} | _viewed(calls)
    unread = [hit for hit in dict.fromkeys(hits) if hit not in looked]
    if not enough and unread and len(read) < _MAX_READS:
        doc_next, page_next = unread[0]
        if (doc_next, page_next) in _textless(request, results, docs):
            return (
                f"Page {page_next} has no text; I will look at it.",
                "view_pages",
                _where(doc_next, pages=[page_next]),
            )
        return (
            f"Page {page_next} looks best; I will read it.",
            "read_page_text",
            _where(doc_next, page=page_next),
        )
    if line:
        cited = page if doc == 1 else f"{doc}:#{page}"
        return f"Page {page} says it.", "answer", _answer(line, [cited], found=True)
    why = "none of the pages I read mentions it" if read else "no page's text matches it"
    text = f"The document does not say: {why} ({question!r})."
    return "Nothing I could read matches.", "answer", _answer(text, [], found=False)


def _pages_read(results: list[str], docs: dict[str, int]) -> list[tuple[int, int, str]]:
    """(document, page, text) of every page text a tool returned so far."""
    read = []
    for result in results:
        head = _PAGE_HEAD.search(result)
        if head:
            read.append((docs.get(head["doc"] or "", 1), int(head["page"]), result[head.end() :]))
    return read


def _viewed(calls: list[tuple[str, dict[str, Any]]]) -> set[tuple[int, int]]:
    return {
        (int(args.get("doc") or 1), int(page))
        for name, args in calls
        if name == "view_pages"
        for page in args.get("pages", [])
    }


def _textless(
    request: ChatRequest, results: list[str], docs: dict[str, int]
) -> set[tuple[int, int]]:
    """Pages the request says have no text layer (in the overview or a tool result)."""
    pages = {
        (docs.get(m["doc"] or "", 1), int(m["page"])) for r in results for m in _NO_TEXT.finditer(r)
    }
    for message in request.messages:
        if message.get("role") == "user":
            for match in _NO_TEXT_LISTED.finditer(_text(message.get("content"))):
                number = int(match["number"])
                pages |= {(number, int(p)) for p in match["pages"].split(",") if p.strip()}
            break
    return pages


def _where(doc: int, **args: Any) -> dict[str, Any]:
    return args | ({"doc": doc} if doc != 1 else {})


def _final(request: ChatRequest, question: str) -> str:
    """The no-tools final call: the best line of the page texts read so far."""
    terms = query_terms(question)
    read = _pages_read(_tool_results(request), _doc_numbers(request))
    found = [(best_line(text, terms), page) for _, page, text in read]
    line, page = max(found, key=lambda f: _held(f[0], terms), default=("", 0))
    if line:
        return _say(request, "Answering from what I read.", f"{DEMO_PREFIX}{line}\nPages: {page}")
    return _say(
        request,
        "I have not read anything useful.",
        f"{DEMO_PREFIX}The pages read do not answer this.\nPages: none",
    )
