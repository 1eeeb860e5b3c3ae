"""The answer engine: a loaded corpus and its index, turning questions into quoted answers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from retrieval import extract, questions
from retrieval.corpus import Corpus, shorten
from retrieval.extract import Candidate, Verdict
from retrieval.index import BM25Index, Params
from retrieval.models import NOT_COVERED, Answer, Citation, Quote
from retrieval.query import Query, QueryAnalyzer
from retrieval.spelling import Speller
from retrieval.tuning import Tuning

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]


class Engine:
    """Answers questions from one corpus. Immutable after construction; safe across threads.

    Construction is cheap and does no file I/O: the index and speller come built (see
    ``retrieval.build.load_or_build``, or ``Engine.build`` for both steps at once).
    """

    def __init__(
        self,
        corpus: Corpus,
        index: BM25Index,
        speller: Speller,
        *,
        top_k: int,
        max_quotes: int,
        max_question_chars: int,
        min_score: float | None = None,
        tuning: Tuning | None = None,
    ) -> None:
        """``top_k``, ``max_quotes`` and ``max_question_chars`` have their defaults in one place,
        the settings class (``bot.app.engine_options``); ``min_score`` overrides the calibrated
        threshold in ``tuning``."""
        if index.n_docs != len(corpus.prose):
            raise ValueError(f"index of {index.n_docs} paragraphs for {len(corpus.prose)}")
        self.corpus = corpus
        self.top_k = top_k
        self.max_quotes = max_quotes
        tuning = tuning or Tuning()
        if min_score is not None:
            tuning = replace(tuning, min_score=min_score)
        self.tuning = tuning
        self.max_question_chars = max_question_chars
        self.prose = corpus.prose
        self.index = index
        self.speller = speller
        self.analyser = QueryAnalyzer(self.index, self.speller, tuning)
        self.sentences = extract.SentenceTable(self.prose)

    @classmethod
    def build(
        cls,
        corpus: Corpus,
        *,
        params: Params | None = None,
        cache_dir: Path | None = None,
        progress: ProgressFn | None = None,
        **options: Any,
    ) -> Engine:
        """Load or build the index (cached in ``cache_dir`` when given), then the engine."""
        from retrieval.build import load_or_build

        built = load_or_build(corpus, params or Params(), cache_dir, progress)
        return cls(corpus, built.index, built.speller, **options)

    def analyse(self, question: str) -> Query:
        """The question as the engine reads it (see ``retrieval.query``)."""
        return self.analyser.analyse(question)

    def answer(self, question: str) -> Answer:
        started = time.perf_counter()
        answer = self._answer(question)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def explain(self, question: str) -> Explanation:
        """Every step of answering one question, for ``talks-bot ask --explain``."""
        rejection = questions.check(question, self.max_question_chars)
        if rejection is not None:
            return Explanation(None, [], Verdict(False, rejection.reason), [], rejection)
        query = self.analyse(question)
        if not query.terms:  # nothing left once chatter and markup are gone
            rejection = questions.only_common_words()
            return Explanation(query, [], Verdict(False, rejection.reason), [], rejection)
        found = self._candidates(query)
        verdict = extract.answerable(query, found, self.tuning)
        chosen = (
            extract.select(found, query, self.tuning, self.max_quotes) if verdict.answered else []
        )
        return Explanation(query, found, verdict, chosen)

    def _candidates(self, query: Query) -> list[Candidate]:
        tuning = self.tuning
        small = tuning.all_sentences and self.index.n_docs <= tuning.all_sentences_max_docs
        k = self.index.n_docs if small else self.top_k
        retrieved = [(i, self.prose[i], s) for i, s in self.index.top(query.lookup(), k)]
        return extract.candidates(query, retrieved, self.sentences, self.tuning)

    def _answer(self, question: str) -> Answer:
        steps = self.explain(question)
        if steps.rejection is not None:
            return self._decline(question, steps.rejection.reason, steps.rejection.details)
        if not steps.chosen:
            return self._decline(question, NOT_COVERED)
        chosen = steps.chosen
        quotes = [
            Quote(
                text=shorten(c.text, extract.MAX_QUOTE_CHARS),
                score=round(c.coverage, 4),
                citations=[
                    self._cite(d.passage.source, d.passage.paragraph) for d in [c, *c.duplicates]
                ],
            )
            for c in chosen
        ]
        return Answer(
            question=question,
            answered=True,
            quotes=quotes,
            corpus_version=self.corpus.version,
            articles_total=len(self.corpus.articles),
            differ=steps.query is not None and extract.differ(chosen, steps.query),
        )

    def _cite(self, source: str, paragraph: int) -> Citation:
        return Citation.of(self.corpus.article(source), paragraph)

    def _decline(self, question: str, reason: str, details: dict[str, int] | None = None) -> Answer:
        return Answer(
            question=question,
            answered=False,
            reason=reason,
            details=dict(details or {}),
            corpus_version=self.corpus.version,
            articles_total=len(self.corpus.articles),
        )


@dataclass(frozen=True)
class Explanation:
    """How one question was read and answered: the query, ranked candidates, the verdict."""

    query: Query | None
    candidates: list[Candidate]
    verdict: Verdict
    chosen: list[Candidate]
    rejection: questions.Rejection | None = None  # refused before or instead of the lookup
