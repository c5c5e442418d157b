"""Turn what the model cites (``12``, ``"2:14"``, ``"p. iv"``, a ``Pages:`` line) into citations."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from langchain_nemotron_omni.agents.document_qa import prompts
from langchain_nemotron_omni.agents.document_qa.page_labels import find_label

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from langchain_nemotron_omni.agents.document_qa.library import Library
    from langchain_nemotron_omni.agents.document_qa.state import Citation

_ITEM = re.compile(
    r"^(?:(?:doc(?:ument)?\s*)?(?P<doc>[^:]+?)\s*:\s*)?(?:(?:page|p\.?|pp\.?)\s*)?(?P<number>#)?(?P<page>[\w.-]+)$",
    re.IGNORECASE,
)
_PAGES_LINE = re.compile(
    r"^[\W_]*pages?[\W_]*[:=][\s*_]*(?P<list>.+?)[\s*_.]*$", re.IGNORECASE | re.MULTILINE
)
_PAGE_MENTION = re.compile(
    r"\b(?:pages?|pp?\.)\s*(?P<list>\d+(?:\s*(?:-|,|and|&)\s*\d+)*)", re.IGNORECASE
)
_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$")
_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&)\s*", re.IGNORECASE)
_NONE = {"none", "n/a", "-", "no pages", "nothing"}
_MAX_RANGE = 20
_NOT_FOUND = re.compile(
    r"not (?:found|present|mentioned|stated|given|in the (?:document|pages))|does not (?:contain|"
    r"say|mention|state)|no (?:information|mention)|cannot be (?:found|determined)",
    re.IGNORECASE,
)


def seen_key(doc: int, index: int) -> str:
    """How a seen page is recorded in the state."""
    return f"{doc}:{index}"


def _expand(item: str) -> list[str]:
    match = _RANGE.match(item.strip())
    if match:
        first, last = int(match.group(1)), int(match.group(2))
        if first <= last <= first + _MAX_RANGE:
            return [str(n) for n in range(first, last + 1)]
    return [item.strip()]


def split_page_list(text: str) -> list[str]:
    """``"12, 14-15 and iv"`` -> ``["12", "14", "15", "iv"]``; ``"none"`` -> ``[]``."""
    if text.strip().lower() in _NONE:
        return []
    return [page for part in _SPLIT.split(text) if part.strip() for page in _expand(part)]


def pages_from_text(text: str) -> list[int | str]:
    """The pages a plain-text answer cites: its last ``Pages:`` line, else ``page N`` mentions.

    The final-answer prompt asks for page numbers, so digits are page numbers (integers);
    anything else (``iv``) is a printed label.
    """
    lines = _PAGES_LINE.findall(text)
    if lines:
        items = split_page_list(lines[-1])
    else:
        items = [p for m in _PAGE_MENTION.finditer(text) for p in split_page_list(m["list"])]
    return [int(item) if item.isdigit() else item for item in items]


def says_not_found(text: str) -> bool:
    """Whether a plain-text answer says the document does not hold the answer."""
    lines = _PAGES_LINE.findall(text)
    if lines and not split_page_list(lines[-1]):
        return True
    return bool(_NOT_FOUND.search(text))


def _doc_number(library: Library, text: str | None) -> int | None:
    if text is None:
        return 1
    text = text.strip()
    if text.isdigit():
        number = int(text)
        return number if 1 <= number <= len(library.docs) else None
    names = [doc.name.lower() for doc in library.docs]
    return names.index(text.lower()) + 1 if text.lower() in names else None


def _resolve(library: Library, item: object) -> tuple[int, int] | None:  # noqa: PLR0911
    """(document number, 0-based index) of one cited item, or None when it names no page.

    An integer (or ``"#14"``) is a page number (1-based, file order). A string is what is
    printed on the page, resolved through the page-label table (``"10"`` is the page printed
    10, which may be the 14th page); only a string that is no page's label is read as a page
    number.
    """
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        doc = library.docs[0]
        return (1, item - 1) if 1 <= item <= doc.page_count else None
    if isinstance(item, float) and item.is_integer():
        return _resolve(library, int(item))
    match = _ITEM.match(str(item).strip())
    number = _doc_number(library, match["doc"]) if match else None
    if match is None or number is None:
        return None
    page = match["page"]
    doc = library.docs[number - 1]
    if match["number"]:  # "#14": the 14th page, whatever is printed on it
        return (
            (number, int(page) - 1) if page.isdigit() and 1 <= int(page) <= doc.page_count else None
        )
    labelled = find_label(doc.labels, page)
    if labelled is not None:
        return number, labelled
    if page.isdigit() and 1 <= int(page) <= doc.page_count:
        return number, int(page) - 1
    return None


def resolve_citations(
    library: Library, items: Sequence[object], seen: Collection[str]
) -> list[Citation]:
    """Citations for the cited items, in order, without repeats; items naming no page drop.

    An integer, or a string like ``"12"``, ``"p. 12"``, ``"iv"`` (a printed label), is a page
    of the first document; ``"2:12"`` or ``"contract.pdf:12"`` names the document.
    """
    out: list[Citation] = []
    keys: set[tuple[int, int]] = set()
    for item in items:
        resolved = _resolve(library, item)
        if resolved is None or resolved in keys:
            continue
        keys.add(resolved)
        number, index = resolved
        doc = library.docs[number - 1]
        out.append(
            {
                "doc": number,
                "document": doc.name,
                "page": index + 1,
                "index": index,
                "label": doc.label(index),
                "seen": seen_key(number, index) in seen,
                "boxes": [],
            }
        )
    return out


def unread(citations: Sequence[Citation]) -> list[Citation]:
    """The citations of pages the model never read or viewed."""
    return [c for c in citations if not c["seen"]]


def refuse_unread(library: Library, pages: Sequence[object], seen: Collection[str]) -> str:
    """Why an answer citing ``pages`` cannot be recorded yet ("" when every one was read)."""
    missing = unread(resolve_citations(library, pages, set(seen)))
    if not missing:
        return ""
    names = ", ".join(format_citation(c) for c in missing)
    return prompts.UNREAD_CITATION.format(pages=names)


def format_citation(c: Citation) -> str:
    """``report.pdf p. 187 (printed 183)``."""
    printed = f" (printed {c['label']})" if c["label"] and c["label"] != str(c["page"]) else ""
    return f"{c['document']} p. {c['page']}{printed}"


def format_citations(citations: Sequence[Citation]) -> str:
    """Each citation as :func:`format_citation`, joined by ``; ``."""
    return "; ".join(format_citation(c) for c in citations)
