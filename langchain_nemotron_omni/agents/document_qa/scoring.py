"""MMLongBench-Doc's answer matching, reimplemented from its published description.

The benchmark extracts a short answer from the model's reply, then compares it with the
reference by the answer's format:

- ``Int``: equal as integers (the prediction may be written as a float);
- ``Float``: equal to within 1 % (relative), or equal when both are rounded to the fewer
  decimals of the two (at least 2); a percentage may be given as a fraction or as a number
  ("35%" matches 0.35 and 35);
- ``Str`` and ``None``: after cleaning (lower case; parentheses, surrounding quotes, a
  leading "$" and a trailing "%" removed), strings that must match exactly (web addresses,
  file names, "page ..." answers, phone numbers, times, dates, e-mail addresses) must be
  equal; others score their ANLS (1 - edit distance / longer length), counted 0 below 0.5;
- ``List``: lists of different lengths score 0; otherwise, sorted and cleaned, numbers and
  exact-match items must all be equal, other items score the lowest ANLS of the pairs.

Accuracy is the mean score. F1 treats "Not answerable" as abstaining: recall is the mean
score over questions that have an answer, precision the same total over questions the model
did not declare unanswerable. See ``docs/document-qa.md``.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

NOT_ANSWERABLE = "Not answerable"
ANLS_THRESHOLD = 0.5
_EXACT = (
    re.compile(r"\d+(-\d+|\s\d+)?"),  # phone numbers and the like
    re.compile(r"\d{4}[-\s]\d{2}[-\s]\d{2}"),  # dates
    re.compile(r"\d{4}[-\s]\d{2}"),  # year and month
    re.compile(r"[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}"),  # e-mail addresses
)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    if len(a) < len(b):
        a, b = b, a
    row = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, char_b in enumerate(b, start=1):
            current = min(row[j] + 1, row[j - 1] + 1, previous + (char_a != char_b))
            previous, row[j] = row[j], current
    return row[-1]


def anls(reference: str, prediction: str) -> float:
    """Normalised Levenshtein similarity, 0 when not above the 0.5 threshold."""
    longest = max(len(reference), len(prediction))
    if longest == 0:
        return 0.0
    value = 1.0 - edit_distance(reference, prediction) / longest
    return value if value > ANLS_THRESHOLD else 0.0


def clean(value: object) -> str:
    """Lower case, without parentheses, surrounding quotes, a leading $ or a trailing %."""
    text = str(value).lower().strip()
    text = re.sub(r"\s*\([^)]*\)", "", text).strip()
    text = re.sub(r"^['\"]|['\"]$", "", text).strip()
    return text.lstrip("$").strip().rstrip("%").strip()


def must_match_exactly(text: str) -> bool:
    """Answers where a near miss is wrong: addresses, file names, numbers, dates, times."""
    if "https://" in text or text.endswith((".py", "ipynb")) or text.startswith("page"):
        return True
    if "a.m." in text or "p.m." in text:
        return True
    return any(pattern.fullmatch(text) for pattern in _EXACT)


def _decimals(value: float) -> int:
    text = repr(float(value))
    return len(text.split(".")[-1]) if "." in text and "e" not in text else 3


def floats_match(reference: float, prediction: float) -> bool:
    """Equal within 1 %, or after rounding; the reference may be a percentage either way."""
    for candidate in (reference / 100, reference, reference * 100):
        if math.isclose(candidate, prediction, rel_tol=0.01):
            return True
        places = max(min(_decimals(prediction), _decimals(candidate)), 2)
        if round(prediction, places) == round(candidate, places):
            return True
    return False


def _as_list(value: object) -> list[object]:
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            parsed = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            return [value]
        return list(parsed) if isinstance(parsed, list | tuple) else [parsed]
    return list(value) if isinstance(value, list | tuple) else [value]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def score(reference: object, prediction: object, answer_format: str) -> float:  # noqa: PLR0911
    """The benchmark's score of one prediction (0 to 1)."""
    if answer_format == "Int":
        try:
            return float(int(str(reference)) == int(float(str(prediction))))
        except ValueError:
            return 0.0
    if answer_format == "Float":
        try:
            return float(floats_match(float(clean(reference)), float(clean(prediction))))
        except ValueError:
            return 0.0
    if answer_format in {"Str", "None"}:
        ref, pred = clean(reference), clean(prediction)
        return float(ref == pred) if must_match_exactly(ref) else anls(ref, pred)
    refs, preds = _as_list(reference), _as_list(prediction)
    if len(refs) != len(preds):
        return 0.0
    ref_items = sorted(clean(v) for v in refs)
    pred_items = sorted(clean(v) for v in preds)
    if not ref_items:
        return 1.0
    if _is_number(ref_items[0]) or must_match_exactly(ref_items[0]):
        return float(ref_items == pred_items)
    return min(anls(r, p) for r, p in zip(ref_items, pred_items, strict=True))


@dataclass(frozen=True)
class Summary:
    """Accuracy and F1 over scored questions."""

    accuracy: float
    f1: float


def summarize(rows: Sequence[tuple[str, str, float]]) -> Summary:
    """Accuracy and F1 from (reference, prediction, score) per question."""
    if not rows:
        return Summary(0.0, 0.0)
    accuracy = sum(s for _, _, s in rows) / len(rows)
    answerable = [s for ref, _, s in rows if ref != NOT_ANSWERABLE]
    attempted = [ref for ref, pred, _ in rows if pred != NOT_ANSWERABLE]
    if not answerable or not attempted:
        return Summary(accuracy, 0.0)
    recall = sum(answerable) / len(answerable)
    precision = sum(answerable) / len(attempted)
    f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
    return Summary(accuracy, f1)
