"""Where on a cited page the answer's evidence is: boxes for the report's highlights.

The answer tool may quote the passage it rests on. The quote is found in the page's text
(whitespace and case aside) and located with PDFium's text search, which gives one
rectangle per line; without a usable quote, the page line sharing most words with the
answer is taken. Boxes are fractions of the page from the top left, like every box here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from langchain_nemotron_omni.agents.document_qa.search import query_terms

if TYPE_CHECKING:
    from langchain_nemotron_omni.agents.document_qa.documents import Document
    from langchain_nemotron_omni.agents.document_qa.library import Library
    from langchain_nemotron_omni.agents.document_qa.state import Citation
    from langchain_nemotron_omni.media.pdf import Box

_MIN_LINE = 4
_MAX_LINES = 8


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def _quoted_lines(lines: list[str], quote: str) -> list[str]:
    """The page lines the quote covers (whole lines inside it, or the one line holding it)."""
    wanted = _flat(quote)
    if len(wanted) < _MIN_LINE:
        return []
    holding = [line for line in lines if wanted in _flat(line)]
    if holding:
        return [quote.strip()]
    inside = [line for line in lines if len(_flat(line)) >= _MIN_LINE and _flat(line) in wanted]
    return inside[:_MAX_LINES]


def _best_line(lines: list[str], answer: str) -> list[str]:
    """The line sharing the most (stemmed-prefix) words with the answer, if any is shared."""
    terms = {t[:6] for t in query_terms(answer)}
    best, score = "", 0
    for line in lines:
        words = {w[:6] for w in re.findall(r"[^\W_]+", line.lower())}
        shared = len(terms & words)
        if shared > score:
            best, score = line, shared
    return [best] if best else []


def passage_boxes(doc: Document, index: int, page_text: str, answer: str, quote: str) -> list[Box]:
    """Boxes of the passage on page ``index`` that supports ``answer`` (quoted or matched)."""
    lines = [line for line in page_text.splitlines() if line.strip()]
    chosen = _quoted_lines(lines, quote) if quote else []
    if not chosen:
        chosen = _best_line(lines, answer)
    boxes: list[Box] = []
    for line in chosen:
        for box in doc.find(index, line):
            if box not in boxes:
                boxes.append(box)
    return boxes


def locate(library: Library, citations: list[Citation], answer: str, quote: str) -> list[Citation]:
    """The citations with the boxes of the passage each cited page supports the answer with."""
    out: list[Citation] = []
    for citation in citations:
        number, index = citation["doc"], citation["index"]
        if not citation["seen"]:  # no evidence, so no passage to point at
            out.append(citation)
            continue
        boxes = passage_boxes(
            library.docs[number - 1], index, library.text(number, index), answer, quote
        )
        out.append({**citation, "boxes": [list(box) for box in boxes]})
    return out
