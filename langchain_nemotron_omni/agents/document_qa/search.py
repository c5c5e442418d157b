"""Rank pages for a query over their text layers (no index, no embeddings: CPU only).

A page scores the summed rarity (inverse document frequency) of the query words it holds,
plus a bonus when it holds the whole phrase, so a word printed on every page (a running
header, "report") counts for little and a name printed on one page counts for much.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

_WORD = re.compile(r"[\w][\w'.,%-]*[\w%]|\w", re.UNICODE)
_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "document",
        "page",
        "pages",
        "according",
        "say",
        "says",
        "said",
        "show",
        "shows",
        "give",
        "tell",
        "many",
        "much",
    ]
)
_PHRASE_BONUS = 2.0
_MAX_TERMS = 10
_SNIPPET_CHARS = 200


def query_terms(query: str) -> list[str]:
    """The words of ``query`` worth looking for, lower-cased, in order, without repeats."""
    terms: list[str] = []
    for raw in _WORD.findall(query.lower()):
        word = raw.strip(".,'")
        wanted = word and word not in _STOPWORDS and (len(word) > 2 or word.isdigit())  # noqa: PLR2004
        if wanted and word not in terms:
            terms.append(word)
    return terms[:_MAX_TERMS]


@dataclass(frozen=True)
class PageMatch:
    """A page that matches a query."""

    page: int
    score: float
    terms: tuple[str, ...]
    """Matched terms, rarest first."""
    snippet: str


def snippet(text: str, term: str, width: int = _SNIPPET_CHARS) -> str:
    """About ``width`` characters of ``text`` around the first ``term`` (case-insensitive)."""
    flat = " ".join(text.split())
    at = flat.lower().find(term.lower()) if term else -1
    if at < 0:
        return flat[:width] + ("..." if len(flat) > width else "")
    start = max(0, at - width // 3)
    end = min(len(flat), start + width)
    return ("..." if start else "") + flat[start:end] + ("..." if end < len(flat) else "")


def rank_pages(texts: Sequence[str], query: str, limit: int = 8) -> list[PageMatch]:
    """The best ``limit`` pages of ``texts`` for ``query``, best first."""
    terms = query_terms(query)
    if not terms:
        return []
    lowered = [text.lower() for text in texts]
    frequency = {term: sum(term in text for text in lowered) for term in terms}
    weight = {t: math.log(1 + len(texts) / df) for t, df in frequency.items() if df}
    phrase = " ".join(query.lower().split())
    matches: list[PageMatch] = []
    for page, text in enumerate(lowered):
        found = sorted((t for t in weight if t in text), key=lambda t: frequency[t])
        if not found:
            continue
        score = sum(weight[t] for t in found)
        if len(terms) > 1 and phrase in " ".join(text.split()):
            score += _PHRASE_BONUS * max(weight.values())
        matches.append(PageMatch(page, score, tuple(found), snippet(texts[page], found[0])))
    matches.sort(key=lambda m: (-m.score, m.page))
    return matches[:limit]


def matching_titles(titles: Sequence[str], query: str) -> list[int]:
    """Indices of titles (outline entries) holding at least one query term."""
    terms = query_terms(query)
    return [i for i, title in enumerate(titles) if any(t in title.lower() for t in terms)]
