"""Ranked search over a document's pages: BM25 on SQLite FTS5, with the outline as headings.

Each page is a row of an in-memory FTS5 table with two columns: the page's text and the
titles of the outline sections the page belongs to (a section's title is a strong hint of
what its pages are about). A page belongs to the sections that begin on it, to the sections
that enclose them, and to the section it continues from the page before, unless a section
begins right at the top of it (the bookmarks' positions on their pages say where). The
tokenizer stems English words (Porter), so ``sampling`` finds ``samples``.

A question becomes an OR of its content words (one-letter names such as ``C`` or ``R``
included: BM25's inverse document frequency weighs a word found everywhere at almost
nothing), of each pair of neighbouring words as a phrase, and of each pair of neighbouring
content words within a few words of each other in either order (``distribution routines``
finds "routines supporting the distribution"). So pages holding the question's phrases, or
its words close together, rank first, and a natural-language question needs no search
syntax. SQLite ships FTS5; nothing to install.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
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
        "done",
        "down",
        "during",
        "each",
        "either",
        "else",
        "for",
        "from",
        "further",
        "get",
        "gets",
        "getting",
        "give",
        "given",
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
        "let",
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
        "say",
        "says",
        "said",
        "she",
        "should",
        "show",
        "shows",
        "so",
        "some",
        "such",
        "tell",
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
        "use",
        "used",
        "using",
        "very",
        "want",
        "was",
        "way",
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
        "manual",
        "find",
        "need",
        "needs",
        "know",
    ]
)
_HEADING_WEIGHT = 3.0
"""How much more a word counts in a section title than in the page's text."""
_SNIPPET_TOKENS = 24
_MAX_TERMS = 16
_NEAR_TOKENS = 5
"""Words that may stand between two neighbouring content words of a question."""
_SAME_LINE = 0.02
"""Bookmarks this close (in page heights) to the highest a section starts open their page."""


def query_terms(query: str) -> list[str]:
    """The words of ``query`` worth looking for, lower-cased, in order, without repeats."""
    terms: list[str] = []
    for word in _TOKEN.findall(query.lower()):
        if word not in _STOPWORDS and (len(word) > 1 or word.isdigit()) and word not in terms:
            terms.append(word)
    return terms[:_MAX_TERMS]


def _words(query: str) -> list[str]:
    """The query's words, lower-cased (one-letter ones too: ``C``, ``R``, ``x``)."""
    return _TOKEN.findall(query.lower())


def match_expression(query: str) -> str:
    """The FTS5 query for a question: its words, its phrases and its words near each other.

    Every token is quoted, so nothing the user types is read as FTS5 syntax.
    """
    words = _words(query)
    content = list(dict.fromkeys(w for w in words if w not in _STOPWORDS))[:_MAX_TERMS]
    phrases = [
        f'"{a} {b}"'
        for a, b in itertools.pairwise(words)
        if not (a in _STOPWORDS and b in _STOPWORDS)
    ]
    near = [f'NEAR("{a}" "{b}", {_NEAR_TOKENS})' for a, b in itertools.pairwise(content)]
    return " OR ".join(dict.fromkeys([*(f'"{t}"' for t in content), *phrases, *near]))


@dataclass(frozen=True)
class PageMatch:
    """A page that matches a query."""

    page: int
    """0-based page index."""
    score: float
    """BM25 (higher is better)."""
    terms: tuple[str, ...]
    """The query's words found on the page (or in its section titles)."""
    snippet: str


Bookmark = tuple[str, int, int | None, float | None]
"""An outline entry: title, depth (0 = top), 0-based page, how far down the page (0-1)."""


def section_titles(page_count: int, outline: Sequence[Bookmark]) -> list[str]:
    """For each page, the titles of the outline sections it holds text of.

    That is the sections beginning on the page, the sections enclosing them, and the section
    open at the end of the page before: its text runs on at the top of this page unless a
    section begins there. "There" is the highest point any bookmark of the document points
    to (where a chapter's first line sits); a bookmark that does not say where it points is
    taken to point there.
    """
    tops = [top for _, _, _, top in outline if top is not None]
    page_top = min(tops, default=0.0)
    entries = sorted(  # by page, in outline order (which says what encloses what)
        (
            (page, order, page_top if top is None else top, level, title)
            for order, (title, level, page, top) in enumerate(outline)
            if page is not None
        ),
        key=lambda entry: entry[:2],
    )
    heads: list[list[str]] = [[] for _ in range(page_count)]
    open_titles: dict[int, str] = {}
    position = 0
    for page in range(page_count):
        before = dict(open_titles)
        starts = []
        while position < len(entries) and entries[position][0] <= page:
            at, _, top, level, title = entries[position]
            open_titles = {k: v for k, v in open_titles.items() if k < level}
            open_titles[level] = title
            if at == page:
                starts.append((top, title))
            position += 1
        heads[page] = [title for _, title in starts]
        if before and starts and min(starts)[0] > page_top + _SAME_LINE:
            heads[page].append(before[max(before)])  # the page opens with its text
        heads[page] += [t for _, t in sorted(open_titles.items()) if t not in heads[page]]
    return [" | ".join(dict.fromkeys(titles)) for titles in heads]


class PageSearch:
    """An FTS5 index of one document's pages (in memory; built in well under a second)."""

    def __init__(self, texts: Sequence[str], headings: Sequence[str]) -> None:
        """Index ``texts[i]`` with ``headings[i]`` as page ``i``."""
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute(
            "CREATE VIRTUAL TABLE pages USING fts5(body, heads, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self._db.executemany(
            "INSERT INTO pages (rowid, body, heads) VALUES (?, ?, ?)",
            [
                (i + 1, text, head)
                for i, (text, head) in enumerate(zip(texts, headings, strict=True))
            ],
        )
        self._db.commit()
        self._texts = list(texts)
        self._heads = list(headings)

    def search(self, query: str, limit: int) -> list[PageMatch]:
        """The best ``limit`` pages for ``query`` (a question or keywords), best first."""
        expression = match_expression(query)
        if not expression:
            return []
        with self._lock:
            rows = self._db.execute(
                "SELECT rowid, bm25(pages, 1.0, ?), snippet(pages, 0, '', '', '...', ?) "
                "FROM pages WHERE pages MATCH ? ORDER BY bm25(pages, 1.0, ?) LIMIT ?",
                (_HEADING_WEIGHT, _SNIPPET_TOKENS, expression, _HEADING_WEIGHT, limit),
            ).fetchall()
        terms = query_terms(query)
        matches = []
        for rowid, score, snippet in rows:
            page = int(rowid) - 1
            where = f"{self._texts[page]}\n{self._heads[page]}".lower()
            found = tuple(t for t in terms if _holds(where, t))
            text = " ".join(str(snippet).split())
            matches.append(PageMatch(page, -float(score), found or tuple(terms[:1]), text))
        return matches


def _holds(text: str, term: str) -> bool:
    """Whether ``text`` holds ``term`` or a word starting with its first five letters."""
    return re.search(rf"\b{re.escape(term[:5] if len(term) > 5 else term)}", text) is not None  # noqa: PLR2004
