"""MMLongBench-Doc's answer-matching rules, as reimplemented in ``scoring.py``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langchain_nemotron_omni.agents.document_qa.scoring import anls, score, summarize


@pytest.mark.parametrize(
    ("reference", "prediction", "answer_format", "expected"),
    [
        ("3", "3.0", "Int", 1.0),
        ("3", "three", "Int", 0.0),
        ("0.35", "35%", "Float", 1.0),  # a percentage either way
        ("35", "0.35", "Float", 1.0),
        ("12.5", "12.6", "Float", 1.0),  # within 1 %
        ("12.5", "13", "Float", 0.0),
        ("$1,200", "1200", "Float", 0.0),  # thousands separators are not cleaned
        ("https://example.com/a", "https://example.com/b", "Str", 0.0),  # exact-match kind
        ("2023-05-01", "2023-05-01", "Str", 1.0),
        ("Less well-off", "less well-off", "Str", 1.0),
        ("Less well-off (5%)", "Less well off", "Str", pytest.approx(1 - 1 / 13)),
        ("apple", "banana", "Str", 0.0),  # below the 0.5 threshold
        ("['b', 'a']", "['a', 'b']", "List", 1.0),  # order does not matter
        ("['1', '2']", "['1']", "List", 0.0),  # lengths differ
        ("['12', '7']", "['7', '12']", "List", 1.0),
        ("['red car', 'blue van']", "['blue vans', 'red car']", "List", pytest.approx(8 / 9)),
        ("Not answerable", "Not answerable", "None", 1.0),
    ],
)
def test_rules_per_answer_format(
    reference: str, prediction: str, answer_format: str, expected: float
) -> None:
    assert score(reference, prediction, answer_format) == expected


@given(st.text(max_size=20), st.text(max_size=20))
def test_anls_is_symmetric_and_bounded(a: str, b: str) -> None:
    value = anls(a, b)
    assert value == anls(b, a)
    assert value == 0.0 or 0.5 < value <= 1.0
    if a == b and a:
        assert value == 1.0


def test_f1_counts_not_answerable_as_abstaining() -> None:
    rows = [
        ("48213", "48213", 1.0),
        ("47.9", "41.2", 0.0),
        ("Not answerable", "Not answerable", 1.0),
        ("7", "Not answerable", 0.0),
    ]
    summary = summarize(rows)
    assert summary.accuracy == 0.5
    recall, precision = 1 / 3, 1 / 2
    assert summary.f1 == pytest.approx(2 * recall * precision / (recall + precision))
