"""Candidates: the sentences of the retrieved paragraphs that could be quoted, with their context.

The hand-written ranking of ``retrieval.pipeline.signals`` (term coverage, answer types,
speakers) is kept as a cheap pre-ranker: it orders every sentence of the retrieved
paragraphs, and the best ``limit`` go to the reader, the expensive step, with the sentences
the dense first look found nearest the question that the pre-ranker left out. The
pre-ranker's signals travel with each candidate as features of the decide step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from retrieval.dense import Hit
from retrieval.models import Passage
from retrieval.pipeline import signals
from retrieval.pipeline.retrieve import Retrieved
from retrieval.pipeline.sentence_table import SentenceTable
from retrieval.pipeline.signals import Candidate
from retrieval.query import Query
from retrieval.tuning import Tuning

CONTEXT_CHARS = 240  # what the reader sees of the text before a candidate (a speaker, a "he")

# Paragraphs retrieved, and sentences passed on to the reader. Chosen by
# ``python -m tools.reader_data --recall`` (share of answerable questions with a right sentence
# among the candidates, on every shared set): 20 sentences of the top 24 paragraphs hold one
# for 97 / 97 / 93 % of dev parts a / b / c and 91 % of SQuAD; 20 of the top 12 for 94 / 94 /
# 87 / 88 %; 40 of 24 add 1-3 points at twice the reader's cost (it grows with the count).
# A retrieval setting, not fitted to any answer: every set moves the same way. The reader then
# reads the best LIMIT of them: its cost grows with the count, and cross-validated
# (``python -m benchmarks.folds --limit N``; news mean / SQuAD first quote right, share of
# answerable news questions answered confidently): 24 read 76.3 / 75.9 %, 43 %; 16 read 76.3 /
# 76.8 %, 40 % in two thirds of the time; 12 read 74.4 / 77.8 %, 33 %.
PARAGRAPHS = 24
LIMIT = 16
# Sentences the dense first look adds beyond the pre-ranker's best LIMIT (those it found that
# are not among them already). See ``python -m benchmarks.zeroshot --dense N``.
DENSE_LIMIT = 6


@dataclass(frozen=True, slots=True)
class Reading:
    """One candidate as the reader sees it: the quote, and the text that came before it."""

    candidate: Candidate
    context: str
    title: str
    similarity: float = 0.0  # the dense look's cosine for the question (0: not looked)


class Candidates:
    """Retrieved paragraphs → the candidates worth reading, best pre-ranked first."""

    def __init__(
        self,
        sentences: SentenceTable,
        title: Callable[[str], str],
        tuning: Tuning,
        limit: int = LIMIT,
        dense_limit: int = DENSE_LIMIT,
    ) -> None:
        self.sentences = sentences
        self.title = title  # of an article, by its source
        # No coverage floor: a paraphrase shares few words with its answer, and whether the
        # articles answer is the decide step's question now, not the pre-ranker's.
        self.tuning = replace(tuning, min_score=0.0, max_scored_paragraphs=10**9)
        self.limit = limit
        self.dense_limit = dense_limit

    def run(
        self, query: Query, retrieved: list[Retrieved], hits: list[Hit] | None = None
    ) -> list[Reading]:
        """The pre-ranker's best ``limit`` of the retrieved paragraphs' sentences, then the
        sentences among the dense ``hits`` (paragraphs retrieved by either look) it left out,
        up to ``dense_limit``; each with its cosine where the dense look scored it."""
        hits = hits or []
        retrieved = list(retrieved)
        have = {r.index for r in retrieved}
        for h in hits:
            if h.paragraph not in have:
                have.add(h.paragraph)
                retrieved.append(Retrieved(h.paragraph, self.sentences.passage(h.paragraph), 0.0))
        found = signals.candidates(
            query, [(r.index, r.passage, r.score) for r in retrieved], self.sentences, self.tuning
        )
        where = {id(r.passage): r.index for r in retrieved}
        cosine = {(h.paragraph, h.start): h.cosine for h in hits}

        def similarity(c: Candidate) -> float:
            i = where[id(c.passage)]
            return max(
                (v for (p, a), v in cosine.items() if p == i and c.start <= a < c.end),
                default=0.0,
            )

        chosen = found[: self.limit]
        taken = {id(c) for c in chosen}
        added = 0
        for h in hits:
            if added >= self.dense_limit:
                break
            for c in found:
                if (
                    id(c) not in taken
                    and where[id(c.passage)] == h.paragraph
                    and c.start <= h.start < c.end
                ):
                    chosen.append(c)
                    taken.add(id(c))
                    added += 1
                    break
        return [self._reading(c, where[id(c.passage)], similarity(c)) for c in chosen]

    def _reading(self, c: Candidate, i: int, similarity: float) -> Reading:
        before = c.passage.text[: c.start]
        if len(before) < CONTEXT_CHARS:
            before = self._previous_paragraph(c.passage, i) + " " + before
        title = self.title(c.passage.source)
        return Reading(c, before[-CONTEXT_CHARS:].strip(), title, similarity)

    def _previous_paragraph(self, passage: Passage, i: int) -> str:
        if i == 0:
            return ""
        previous = self.sentences.passage(i - 1)
        return previous.text if previous.source == passage.source else ""
