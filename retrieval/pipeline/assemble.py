"""Assemble: the quotes to show, in the ranker's order, with every article that reports them.

The best candidate first; near-identical sentences of other articles join it as further
citations, each with its own exact text; then up to ``max_quotes`` further candidates that say
something else, while their probability is within ``FOLLOW_UP_SHARE`` of the best. Quotes are
widened to stand alone (a pronoun's sentence before, a quotation's whole extent), and the
answer says when articles give different quantities.
"""

from __future__ import annotations

from dataclasses import replace

from retrieval.corpus import Corpus
from retrieval.labels import shorten
from retrieval.models import Answer, Citation, Quote
from retrieval.pipeline.decision import CONFIDENT, Decision
from retrieval.pipeline.select import differ, select
from retrieval.pipeline.signals import Candidate
from retrieval.query import Query
from retrieval.sentences import MAX_QUOTE_CHARS
from retrieval.tuning import Tuning

# A further quote is shown while its probability is at least this share of the best one's:
# members see the closest alternatives when the reader hesitates, not when it is sure.
FOLLOW_UP_SHARE = 0.25


class Assembler:
    def __init__(self, corpus: Corpus, max_quotes: int, tuning: Tuning) -> None:
        self.corpus = corpus
        self.max_quotes = max_quotes
        self.rules_tuning = tuning  # the hand-written selection, for ``RulesDecider``
        # The ranker's probability is the rank; the hand-written type filter and the
        # article bonus are the ranker's business now.
        self.tuning = replace(
            tuning, min_score=0.0, answer_types=False, other_article_bonus=0.0,
            follow_up_ratio=FOLLOW_UP_SHARE,
        )  # fmt: skip

    def chosen(self, query: Query, decision: Decision) -> list[Candidate]:
        if decision.by_rules:
            found = [replace(s.candidate, duplicates=()) for s in decision.ranked]
            found.sort(key=lambda c: -c.rank)
            return select(found, query, self.rules_tuning, self.max_quotes)
        ranked = [replace(s.candidate, rank=s.probability, duplicates=()) for s in decision.ranked]
        return select(ranked, query, self.tuning, self.max_quotes)

    def run(self, query: Query, decision: Decision, chosen: list[Candidate]) -> Answer:
        """The answer quoting ``chosen`` (``Assembler.chosen``'s result for this decision)."""
        quotes = [
            Quote(
                text=shorten(c.text, MAX_QUOTE_CHARS),
                score=round(c.rank, 4),
                citations=[self._cite(d) for d in [c, *c.duplicates]],
            )
            for c in chosen
        ]
        return Answer(
            question=query.question,
            answered=True,
            quotes=quotes,
            confidence="high" if decision.outcome == CONFIDENT else "low",
            corpus_version=self.corpus.version,
            articles_total=len(self.corpus.articles),
            differ=differ(chosen, query),
        )

    def _cite(self, c: Candidate) -> Citation:
        citation = Citation.of(self.corpus.article(c.passage.source), c.passage.paragraph)
        return replace(citation, text=shorten(c.text, MAX_QUOTE_CHARS))
