"""Word error rate: how far a draft is from the text that was finally signed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

# Apostrophes vanish ("don't" == "dont"); any other non-word character splits words.
_APOSTROPHES = re.compile(r"['’ʼ`´]")
_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, kw_only=True)
class WerResult:
    """The counts of a word-level alignment of a hypothesis against a reference."""

    substitutions: int
    deletions: int
    insertions: int
    reference_words: int
    hypothesis_words: int

    @property
    def errors(self) -> int:
        """Substitutions, deletions and insertions together."""
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float:
        """Errors per reference word (1.0 for any words against an empty reference)."""
        if self.reference_words == 0:
            return 0.0 if self.hypothesis_words == 0 else 1.0
        return self.errors / self.reference_words


def normalize_text(text: str) -> str:
    """Lowercase, drop punctuation and collapse whitespace, for comparing words."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHES.sub("", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def word_errors(*, reference: str, hypothesis: str) -> WerResult:
    """Align hypothesis to reference word by word (Levenshtein) and count the edits."""
    ref = normalize_text(reference).split()
    hyp = normalize_text(hypothesis).split()
    n, m = len(ref), len(hyp)
    if n == 0 or m == 0:
        return WerResult(substitutions=0, deletions=n, insertions=m,
                         reference_words=n, hypothesis_words=m)
    ids: dict[str, int] = {}
    r = np.array([ids.setdefault(word, len(ids)) for word in ref], dtype=np.int64)
    h = np.array([ids.setdefault(word, len(ids)) for word in hyp], dtype=np.int64)
    # One number carries two: edits * k + substitutions, with k above any substitution
    # count, so the minimum is the fewest edits and among those the fewest substitutions;
    # the split into deletions and insertions then follows from the two lengths.
    k = n + m + 1
    step = np.arange(m + 1, dtype=np.int64) * k
    prev = step.copy()
    row = np.empty(m + 1, dtype=np.int64)
    for i in range(n):
        row[0] = (i + 1) * k
        row[1:] = np.minimum(prev[1:] + k, prev[:-1] + np.where(h == r[i], 0, k + 1))
        # Insertions chain along the row (cell j from cell j-1, + k each): a running
        # minimum of row - step does that chain for the whole row at numpy speed.
        prev = step + np.minimum.accumulate(row - step)
    edits, substitutions = divmod(int(prev[-1]), k)
    rest = edits - substitutions
    deletions = (rest + n - m) // 2
    return WerResult(substitutions=substitutions, deletions=deletions,
                     insertions=rest - deletions, reference_words=n, hypothesis_words=m)


def word_error_rate(*, reference: str, hypothesis: str) -> float:
    """The word error rate of hypothesis against reference, after normalize_text."""
    return word_errors(reference=reference, hypothesis=hypothesis).wer


@dataclass(frozen=True, slots=True)
class EditOp:
    """One step of a word alignment: which reference and hypothesis word it concerns.

    equal and substitute carry both indices; delete only ref (a reference word the
    hypothesis lacks); insert only hyp (a hypothesis word the reference lacks).
    """

    op: Literal["equal", "substitute", "delete", "insert"]
    ref: int | None
    hyp: int | None


def align(reference_words: Sequence[str], hypothesis_words: Sequence[str]) -> list[EditOp]:
    """The word alignment behind word_errors: the edits, in order, with the words' indices.

    Words are compared exactly as given (normalize them first). Among the alignments with
    the fewest edits it picks one with the fewest substitutions, as word_errors counts, so
    the operations always add up to word_errors' counts for the same words.
    """
    ref, hyp = list(reference_words), list(hypothesis_words)
    n, m = len(ref), len(hyp)
    if n == 0 or m == 0:
        return ([EditOp(op="delete", ref=i, hyp=None) for i in range(n)]
                + [EditOp(op="insert", ref=None, hyp=j) for j in range(m)])
    ids: dict[str, int] = {}
    r = np.array([ids.setdefault(word, len(ids)) for word in ref], dtype=np.int64)
    h = np.array([ids.setdefault(word, len(ids)) for word in hyp], dtype=np.int64)
    # The same table as word_errors (edits * k + substitutions), kept whole for the way back.
    k = n + m + 1
    step = np.arange(m + 1, dtype=np.int64) * k
    table = np.empty((n + 1, m + 1), dtype=np.int64)
    table[0] = step
    row = np.empty(m + 1, dtype=np.int64)
    for i in range(n):
        prev = table[i]
        row[0] = (i + 1) * k
        row[1:] = np.minimum(prev[1:] + k, prev[:-1] + np.where(h == r[i], 0, k + 1))
        table[i + 1] = step + np.minimum.accumulate(row - step)
    cost = table.item
    ops: list[EditOp] = []
    i, j = n, m
    while i > 0 or j > 0:
        here = cost(i, j)
        if i > 0 and j > 0:
            same = r[i - 1] == h[j - 1]
            diagonal = cost(i - 1, j - 1) + (0 if same else k + 1)
            if diagonal == here:
                i, j = i - 1, j - 1
                ops.append(EditOp(op="equal" if same else "substitute", ref=i, hyp=j))
                continue
        if i > 0 and cost(i - 1, j) + k == here:
            i -= 1
            ops.append(EditOp(op="delete", ref=i, hyp=None))
        else:
            j -= 1
            ops.append(EditOp(op="insert", ref=None, hyp=j))
    ops.reverse()
    return ops
