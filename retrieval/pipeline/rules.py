"""The rules' verdict: whether the best candidates answer, by the hand-written checks.

Enough coverage, an exactly matched salient word, and, for counts, durations, clock times,
speakers and yes/no events, a candidate that holds one. A feature of the decide step, and the
whole decision of ``RulesDecider`` (the engine as it was before the reader).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from retrieval import analyzer
from retrieval.answer_types import Kind
from retrieval.models import NOT_COVERED
from retrieval.pipeline.candidates import Reading
from retrieval.pipeline.decision import CONFIDENT, DECLINE, Decision, Scored, Verdict
from retrieval.pipeline.signals import Candidate
from retrieval.query import Query
from retrieval.tuning import Tuning


def answerable(query: Query, found: Sequence[Candidate], tuning: Tuning) -> Verdict:
    """Whether the best candidates answer the question (a calibrated rule, not a ranking)."""
    passing = [c for c in found if c.coverage >= tuning.min_score]
    if not passing:
        return Verdict(False, "not_covered")
    weights = [t.weight for t in query.terms]
    salient = {
        t.term
        for t in query.terms
        if t.in_corpus and t.weight >= tuning.min_salient_share * max(weights)
    }
    if not any(c.exact & salient for c in passing):
        return Verdict(False, "no_salient_match")
    wanted = query.answer_type
    if tuning.answer_types and wanted.required and not any(c.holds_type for c in passing):
        return Verdict(False, "no_value")
    if wanted.kind is Kind.QUOTATION and tuning.speakers and not any(c.attributed for c in passing):
        return Verdict(False, "no_speaker")  # "what did X say" where X is never quoted
    if wanted.event and tuning.events and not any(_tells(c, query) for c in passing):
        return Verdict(False, "no_event")  # "did X agree …" where no quote has the agreeing
    return Verdict(True, None)


def _tells(c: Candidate, query: Query) -> bool:
    """Whether the quote tells the event a yes/no question asks about (the verb or a synonym)
    together with its subject and something of what it was done to: "did Putin agree …" is
    not answered by "if Russia doesn't agree …" nor by Putin doing something else, nor "did
    the talks produce a signed agreement" by the talks producing something else."""
    wanted = query.answer_type
    terms = frozenset(analyzer.terms(c.text))
    if wanted.subject and not terms & set(wanted.subject):
        return False
    if wanted.complement and not any(_says(terms, query, t) for t in wanted.complement):
        return False  # "did the talks produce a signed agreement": not "… produced a proposal"
    return _says(terms, query, wanted.event)


def _says(terms: frozenset[str], query: Query, term: str | None) -> bool:
    """Whether the terms hold a question term or one of its synonyms."""
    if term in terms:
        return True
    return any(terms.issuperset(syn) for t in query.terms if t.term == term for syn in t.synonyms)


@dataclass(frozen=True)
class RulesDecider:
    """The hand-written rules alone, as the engine was before the reader: the candidates in
    the pre-ranker's order, answered (confidently) when the rules' verdict is yes, else
    declined with its reason. The reader's logits are not used."""

    tuning: Tuning = field(default_factory=Tuning)

    def with_tuning(self, tuning: Tuning) -> RulesDecider:
        return replace(self, tuning=tuning)

    def run(
        self,
        query: Query,
        readings: list[Reading],
        logits: list[float],
        nearest: float | None = None,
    ) -> Decision:
        rules = answerable(query, [r.candidate for r in readings], self.tuning)
        ranked = [Scored(r, 0.0, r.candidate.rank) for r in readings]
        if not ranked:
            return Decision(DECLINE, [], 0.0, NOT_COVERED, rules, by_rules=True)
        outcome = CONFIDENT if rules.answered else DECLINE
        return Decision(outcome, ranked, float(rules.answered), rules.reason, rules, True)
