"""Correct misspelled question words against the corpus's own vocabulary.

Only words the index has never seen are touched, and only to a corpus word one edit away
(insertion, deletion, substitution or transposition), preferring the most frequent. Short words
and numbers are left alone: at that length one edit reaches too many unrelated words.

The candidates are the word's own edit variants looked up in the vocabulary (Norvig's
method), so there is no neighbourhood index to build: a word of length n has about
2·|alphabet|·n variants, a fraction of a millisecond to check, whatever the corpus size.
"""

from __future__ import annotations

from collections import Counter

MIN_LENGTH = 5


class Speller:
    def __init__(self, word_counts: Counter[str]) -> None:
        self._counts = word_counts
        # Letters of the words a correction may reach; variants only use these.
        self._alphabet = "".join(
            sorted({c for w in word_counts if len(w) >= MIN_LENGTH - 1 and w.isalpha() for c in w})
        )

    def __contains__(self, word: str) -> bool:
        return word in self._counts

    def correct(self, word: str) -> str:
        if word in self._counts or len(word) < MIN_LENGTH or not word.isalpha():
            return word
        counts = self._counts
        candidates = {
            c
            for c in _variants(word, self._alphabet)
            if c in counts and len(c) >= MIN_LENGTH - 1 and c.isalpha()
        }
        if not candidates:
            return word
        return max(sorted(candidates), key=lambda c: counts[c])


def _variants(word: str, alphabet: str) -> set[str]:
    """Every string one Damerau-Levenshtein edit from ``word`` over ``alphabet``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
    out.update(a + c + b[1:] for a, b in splits if b for c in alphabet)
    out.update(a + c + b for a, b in splits for c in alphabet)
    out.discard(word)
    return out
