"""Turn what the model cites (``12``, ``"2:14"``, ``"p. iv"``, a ``Pages:`` line) into citations."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from langchain_nemotron_omni.agents.document_qa.page_labels import find_label

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from langchain_nemotron_omni.agents.document_qa.library import Library
    from langchain_nemotron_omni.agents.document_qa.state import Citation

_ITEM = re.compile(
    r"^(?:(?:doc(?:ument)?\s*)?(?P<doc>[^:]+?)\s*:\s*)?(?:(?:page|p\.?|pp\.?)\s*)?(?P<page>[\w.-]+)$",
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


def pages_from_text(text: str) -> list[str]:
    """The pages a plain-text answer cites: its last ``Pages:`` line, else ``page N`` mentions."""
    lines = _PAGES_LINE.findall(text)
    if lines:
        return split_page_list(lines[-1])
    return [page for m in _PAGE_MENTION.finditer(text) for page in split_page_list(m["list"])]


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


def _resolve(library: Library, item: object) -> tuple[int, int] | None:
    """(document number, 0-based index) of one cited item, or None when it names no page."""
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        number, page = 1, str(item)
    else:
        match = _ITEM.match(str(item).strip())
        if not match:
            return None
        resolved = _doc_number(library, match["doc"])
        if resolved is None:
            return None
        number, page = resolved, match["page"]
    doc = library.docs[number - 1]
    if page.isdigit():
        index = int(page) - 1
        return (number, index) if 0 <= index < doc.page_count else None
    labelled = find_label([doc.label(i) for i in range(doc.page_count)], page)
    return (number, labelled) if labelled is not None else None


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
            }
        )
    return out


def format_citations(citations: Sequence[Citation]) -> str:
    """``report.pdf p. 187 (printed 183)`` for each citation, joined by ``; ``."""
    parts = []
    for c in citations:
        printed = f" (printed {c['label']})" if c["label"] and c["label"] != str(c["page"]) else ""
        parts.append(f"{c['document']} p. {c['page']}{printed}")
    return "; ".join(parts)
