"""Word error rate and the text normalisation it compares with."""

from __future__ import annotations

import random

import pytest

from kulisser.speech import normalize_text, word_error_rate, word_errors


def _distance(ref: list[str], hyp: list[str]) -> int:
    """Textbook Levenshtein distance over words, as the oracle."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def test_normalize_lowercases_and_drops_punctuation() -> None:
    assert normalize_text('Patienten, 45 år: "Mår BRA!"  Blod-tryck 120/80.') == (
        "patienten 45 år mår bra blod tryck 120 80"
    )
    assert normalize_text("Don’t  STOP") == "dont stop"


def test_counts_each_kind_of_edit() -> None:
    result = word_errors(reference="the cat sat on the mat", hypothesis="The cat sit on mat now.")
    assert (result.substitutions, result.deletions, result.insertions) == (1, 1, 1)
    assert result.wer == pytest.approx(3 / 6)


@pytest.mark.parametrize(
    ("reference", "hypothesis", "expected"),
    [("", "", 0.0), ("", "ord", 1.0), ("två ord", "", 1.0), ("Samma text.", "samma text", 0.0)],
)
def test_edge_cases(reference: str, hypothesis: str, expected: float) -> None:
    assert word_error_rate(reference=reference, hypothesis=hypothesis) == expected


def test_agrees_with_textbook_levenshtein() -> None:
    rng = random.Random(5)
    vocabulary = ["och", "är", "patienten", "mår", "bra", "inte"]
    for _ in range(500):
        ref = rng.choices(vocabulary, k=rng.randint(0, 12))
        hyp = rng.choices(vocabulary, k=rng.randint(0, 12))
        result = word_errors(reference=" ".join(ref), hypothesis=" ".join(hyp))
        assert result.errors == _distance(ref, hyp)
        # Matched words are the same count seen from either side.
        assert len(ref) - result.substitutions - result.deletions == (
            len(hyp) - result.substitutions - result.insertions
        )
