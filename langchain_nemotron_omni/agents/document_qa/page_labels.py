"""Page numbers and printed page labels (``iv``, ``A-3``, ``12``) and how to name a page.

The agent numbers pages 1..N in file order; a PDF's page labels say what is printed on the
page. Both are shown to the model and both are kept in citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

_ROMAN = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)
_ROMAN_RE = re.compile(r"^m{0,4}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


def int_to_roman(value: int) -> str:
    """Lower-case roman numeral of ``value`` (>= 1)."""
    out = []
    for number, letters in _ROMAN:
        count, value = divmod(value, number)
        out.append(letters * count)
    return "".join(out)


def roman_to_int(text: str) -> int | None:
    """The value of a roman numeral (either case), or None."""
    low = text.strip().lower()
    if not low or not _ROMAN_RE.match(low):
        return None
    values = {letters: number for number, letters in _ROMAN if len(letters) == 1}
    total = 0
    for current, following in zip(low, [*low[1:], ""], strict=True):
        value = values[current]
        total += -value if following and values[following] > value else value
    return total


def _successor(label: str) -> str | None:
    """The label expected on the next page (``iv`` -> ``v``, ``A-9`` -> ``A-10``)."""
    roman = roman_to_int(label)
    if roman is not None:
        following = int_to_roman(roman + 1)
        return following.upper() if label.isupper() else following
    match = _TRAILING_NUMBER.match(label)
    if match:
        return f"{match.group(1)}{int(match.group(2)) + 1}"
    return None


@dataclass(frozen=True)
class LabelRun:
    """Consecutive pages whose labels count up: pages ``start``..``end`` (0-based)."""

    start: int
    end: int
    first: str
    last: str


def label_runs(labels: Sequence[str]) -> list[LabelRun]:
    """Group labels into runs that count up by one."""
    runs: list[LabelRun] = []
    for index, label in enumerate(labels):
        if runs and label and _successor(runs[-1].last) == label:
            run = runs[-1]
            runs[-1] = LabelRun(run.start, index, run.first, label)
        else:
            runs.append(LabelRun(index, index, label, label))
    return runs


def labels_are_plain(labels: Sequence[str]) -> bool:
    """Whether labels add nothing: none at all, or each equal to its page number."""
    return all(not label or label == str(i + 1) for i, label in enumerate(labels))


def describe_labels(labels: Sequence[str], *, max_runs: int = 12) -> str:
    """A short description of the page labels ("" when they are the page numbers)."""
    if labels_are_plain(labels):
        return ""
    runs = label_runs(labels)
    parts = []
    for run in runs[:max_runs]:
        pages = (
            f"page {run.start + 1}"
            if run.start == run.end
            else f"pages {run.start + 1}-{run.end + 1}"
        )
        printed = run.first if run.start == run.end else f"{run.first} to {run.last}"
        parts.append(f"{pages} print {printed or '(no label)'}")
    more = f"; and {len(runs) - max_runs} more ranges" if len(runs) > max_runs else ""
    return "; ".join(parts) + more


def page_title(number: int, label: str) -> str:
    """``Page 5 (label 1)``, or ``Page 5`` when the label adds nothing."""
    if label and label != str(number):
        return f"Page {number} (label {label})"
    return f"Page {number}"


def find_label(labels: Sequence[str], text: str) -> int | None:
    """The 0-based index of the page printed ``text`` (case-insensitive), if unique."""
    wanted = text.strip().lower()
    hits = [i for i, label in enumerate(labels) if label.lower() == wanted]
    return hits[0] if len(hits) == 1 else None
