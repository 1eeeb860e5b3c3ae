"""Correct misspelled question words against the corpus's own vocabulary.

Only words the index has never seen are touched, and only to a corpus word one edit away
(insertion, deletion, substitution or transposition, found through a single-deletion
neighbourhood as in SymSpell), preferring the most frequent. Short words and numbers are left
alone: at that length one edit reaches too many unrelated words.
"""

from __future__ import annotations

from collections import Counter

MIN_LENGTH = 5


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))} | {word}


class Speller:
    def __init__(self, word_counts: Counter[str]) -> None:
        self._counts = word_counts
        self._neighbours: dict[str, list[str]] | None = None

    def __contains__(self, word: str) -> bool:
        return word in self._counts

    def correct(self, word: str) -> str:
        if word in self._counts or len(word) < MIN_LENGTH or not word.isalpha():
            return word
        neighbours = self._index()
        candidates = {c for d in _deletes(word) for c in neighbours.get(d, ())}
        candidates = {c for c in candidates if _one_edit(word, c)}
        if not candidates:
            return word
        return max(sorted(candidates), key=lambda c: self._counts[c])

    def _index(self) -> dict[str, list[str]]:
        # Built on first use so that start-up and correctly spelled questions never pay for it.
        if self._neighbours is None:
            neighbours: dict[str, list[str]] = {}
            for word in self._counts:
                if len(word) >= MIN_LENGTH - 1 and word.isalpha():
                    for d in _deletes(word):
                        neighbours.setdefault(d, []).append(word)
            self._neighbours = neighbours
        return self._neighbours


def _one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance of exactly one."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
