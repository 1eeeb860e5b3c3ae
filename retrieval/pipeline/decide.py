"""Decide: rank the read candidates, then answer confidently, answer as "not sure", or decline.

Two small learned models, both logistic regressions (``retrieval.pipeline.logistic``):

- the **ranker** turns the reader's logit of one candidate into the probability that it
  answers (the pre-ranker's signals were tried as further inputs and lowered the
  cross-validated first-quote accuracy, 76.8 → 72.4 %: they were written for part a);
- the **decision** model turns what the ranked list looks like (the best probability, its
  margin over the next, how much of the question the best candidate covers, whether it holds
  a value of the asked kind, what the hand-written rules of ``retrieval.extract`` say) into
  the probability that the best candidate answers at all.

Two thresholds on that probability give three outcomes. Every number comes from
``python -m benchmarks.folds --write``, fitted on the reader's scores for questions it never
saw; ``retrieval/data/decide.json`` records them with how they were made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from retrieval import extract
from retrieval.extract import Candidate, Verdict
from retrieval.models import NO_SALIENT_MATCH, NOT_COVERED
from retrieval.pipeline.candidates import Reading
from retrieval.pipeline.logistic import Logistic
from retrieval.query import Query
from retrieval.tuning import Tuning

DECIDE = Path(__file__).resolve().parent.parent / "data" / "decide.json"

CONFIDENT, NOT_SURE, DECLINE = "confident", "not_sure", "decline"
UNRELATED = (NOT_COVERED, NO_SALIENT_MATCH)  # the rules' reasons that say nothing bears on it

# The pre-ranker's signals of one candidate (``retrieval.extract.Candidate``).
PRE_RANKER = (
    "rank", "coverage", "sentence_coverage", "paragraph_coverage", "bm25", "proximity",
    "holds_type", "attributed",
)  # fmt: skip
CANDIDATE_FEATURES = ("logit",)
QUESTION_FEATURES = (
    "p1", "p2", "logit1", "margin", "coverage1", "max_coverage", "bm25_1", "holds1",
    "any_holds", "required", "typed", "rules_answer", "candidates",
)  # fmt: skip


def candidate_features(c: Candidate) -> dict[str, float]:
    return {name: float(getattr(c, name)) for name in PRE_RANKER}


@dataclass(frozen=True, slots=True)
class Scored:
    reading: Reading
    logit: float  # the reader's
    probability: float  # the ranker's: that this candidate answers

    @property
    def candidate(self) -> Candidate:
        return self.reading.candidate


@dataclass(frozen=True)
class Decision:
    outcome: str  # CONFIDENT, NOT_SURE or DECLINE
    ranked: list[Scored]
    answerability: float  # the decision model's probability that the best candidate answers
    reason: str | None  # why declined: a reason code of ``retrieval.models``
    rules: Verdict  # what the hand-written rules say (a feature; shown by --explain)
    by_rules: bool = False  # decided by the rules alone (``Decider.rules``)


@dataclass(frozen=True)
class Decider:
    ranker: Logistic
    decision: Logistic
    decline_below: float  # answerability under this: decline
    confident_from: float  # answerability at or above this: a confident answer
    tuning: Tuning = field(default_factory=Tuning)
    # Decline rather than say "not sure" when the hand-written rules find nothing in the
    # articles that bears on the question (no passage covers enough of it, or none matches its
    # main word). Off: cross-validated (``python -m benchmarks.folds --unrelated``) it declined
    # 14.6 % of answerable news questions outright instead of 3.4 %, for 82 % of those to
    # decline declined instead of 60 %; the decision model already weighs the rules' verdict.
    decline_unrelated: bool = False
    rules_only: bool = False  # see ``Decider.rules``

    @classmethod
    def load(cls, path: Path = DECIDE) -> Decider:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls.from_dict(raw)

    @classmethod
    def from_dict(cls, raw: dict) -> Decider:  # type: ignore[type-arg]
        return cls(
            Logistic.from_dict(raw["ranker"]), Logistic.from_dict(raw["decision"]),
            float(raw["thresholds"]["decline_below"]), float(raw["thresholds"]["confident_from"]),
        )  # fmt: skip

    @classmethod
    def untrained(cls) -> Decider:
        """Ranks by the reader's logit alone and never declines: for building training data
        and for measuring the steps before this one."""
        ranker = Logistic(CANDIDATE_FEATURES, (0.0,), (1.0,), (1.0,), 0.0)
        n = len(QUESTION_FEATURES)
        decision = Logistic(QUESTION_FEATURES, (0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0)
        return cls(ranker, decision, decline_below=0.0, confident_from=0.0)

    @classmethod
    def rules(cls) -> Decider:
        """The hand-written rules alone, as the engine was before the reader: answer with the
        pre-ranker's order (read with ``PreRankOrder``) when the rules' verdict is yes, else
        decline with its reason. For measuring the rules and testing the candidates step."""
        return replace(cls.untrained(), rules_only=True)

    def to_dict(self) -> dict[str, object]:
        return {
            "ranker": self.ranker.to_dict(),
            "decision": self.decision.to_dict(),
            "thresholds": {
                "decline_below": self.decline_below, "confident_from": self.confident_from,
            },
        }

    def rank(self, readings: list[Reading], logits: list[float]) -> list[Scored]:
        if not readings:
            return []
        rows = candidate_rows(readings, logits)
        probabilities = self.ranker.probability(rows)
        scored = [
            Scored(r, lg, float(p))
            for r, lg, p in zip(readings, logits, probabilities, strict=True)
        ]
        return sorted(scored, key=lambda s: -s.probability)  # stable: pre-rank breaks ties

    def run(self, query: Query, readings: list[Reading], logits: list[float]) -> Decision:
        ranked = self.rank(readings, logits)
        rules = extract.answerable(query, [r.candidate for r in readings], self.tuning)
        if not ranked:
            return Decision(DECLINE, [], 0.0, NOT_COVERED, rules)
        if self.rules_only:
            outcome = CONFIDENT if rules.answered else DECLINE
            return Decision(outcome, ranked, float(rules.answered), rules.reason, rules, True)
        p = float(self.decision.probability(question_row(query, ranked, rules)[None, :])[0])
        if p >= self.confident_from:
            return Decision(CONFIDENT, ranked, p, None, rules)
        unrelated = self.decline_unrelated and rules.reason in UNRELATED
        if p >= self.decline_below and not unrelated:
            return Decision(NOT_SURE, ranked, p, None, rules)
        return Decision(DECLINE, ranked, p, rules.reason or NOT_COVERED, rules)


def candidate_rows(readings: list[Reading], logits: list[float]) -> np.ndarray:
    return np.array(
        [[lg] for lg in logits[: len(readings)]],
        dtype=float,
    ).reshape(len(readings), len(CANDIDATE_FEATURES))


def question_row(query: Query, ranked: list[Scored], rules: Verdict) -> np.ndarray:
    best = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    wanted = query.answer_type
    return np.array(
        [
            best.probability,
            second.probability if second else 0.0,
            best.logit,
            best.logit - (second.logit if second else best.logit - 5.0),
            best.candidate.coverage,
            max(s.candidate.coverage for s in ranked),
            best.candidate.bm25,
            float(best.candidate.holds_type),
            float(any(s.candidate.holds_type for s in ranked)),
            float(wanted.required),
            float(wanted.kind is not None),
            float(rules.answered),
            float(len(ranked)),
        ],
        dtype=float,
    )
