"""Sentences of a paragraph as spans and terms, analysed once per paragraph and kept while used.

Every step after retrieval reads sentences through one ``SentenceTable``: the candidates step
scores them, the dense first look and the quotes cut the same spans (``retrieval.sentences``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retrieval import analyzer
from retrieval.models import Passage
from retrieval.sentences import quote_spans


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int  # offsets into the passage text
    end: int
    terms: tuple[str, ...]
    term_set: frozenset[str]


class SentenceTable:
    """Sentence spans and terms per paragraph, analysed once per paragraph and kept for the
    ``MAX_KEPT`` most recently used paragraphs, so a long-running bot's memory stays bounded."""

    MAX_KEPT = 20_000  # paragraphs (tens of MB at most); far more than a day of questions touches

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._passages = passages
        self._cache: dict[int, tuple[tuple[Sentence, ...], frozenset[str]]] = {}

    def passage(self, i: int) -> Passage:
        """The paragraph itself (to see whether the one before is of the same article)."""
        return self._passages[i]

    def __call__(self, i: int) -> tuple[tuple[Sentence, ...], frozenset[str]]:
        """The paragraph's sentences, and the terms of the whole paragraph."""
        found = self._cache.pop(i, None)
        if found is not None:
            self._cache[i] = found  # most recently used last
        else:
            text = self._passages[i].text
            table = tuple(
                Sentence(a, b, tuple(t := analyzer.terms(text[a:b])), frozenset(t))
                for a, b in quote_spans(text)
            )
            found = self._cache[i] = (table, frozenset().union(*(s.term_set for s in table)))
            if len(self._cache) > self.MAX_KEPT:
                del self._cache[next(iter(self._cache))]  # least recently used
        return found
