"""Decide: rank the read candidates, then answer confidently, answer as "not sure", or decline.

Two small learned models, both logistic regressions (``retrieval.pipeline.logistic``):

- the **ranker** turns what is known of each candidate (the reader's logit, the dense
  look's cosine, the pre-ranker's signals, which candidate each judge put first) into its
  share of the question: a softmax over the question's candidates, or a logistic
  regression per candidate, whichever ``benchmarks.zeroshot`` finds ranks better;
- the **decision** model turns what the ranked list looks like (the best probability, its
  margin over the next, how much of the question the best candidate covers, whether it holds
  a value of the asked kind, what the hand-written rules say (``retrieval.pipeline.rules``),
  how near the question the dense first look found the corpus) into the probability that
  the best candidate answers at all; with the dense look it also reads whether the look put
  the same sentence first, by how much, and how much of the question is in words the corpus
  never uses.

Two thresholds on that probability give three outcomes. Every number comes from
``python -m benchmarks.zeroshot --write``, fitted on the reader's scores for questions it
never saw, none of them about the shipped articles; ``retrieval/data/decide.json`` records
them with how they were made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.models import NOT_COVERED
from retrieval.pipeline.candidates import Reading
from retrieval.pipeline.decision import CONFIDENT, DECLINE, NOT_SURE, Decision, Scored, Verdict
from retrieval.pipeline.logistic import Logistic
from retrieval.pipeline.rules import answerable
from retrieval.pipeline.signals import Candidate
from retrieval.query import Query
from retrieval.tuning import Tuning

DECIDE = Path(__file__).resolve().parent.parent / "data" / "decide.json"

# The pre-ranker's signals of one candidate (``retrieval.pipeline.signals.Candidate``).
PRE_RANKER = (
    "rank", "coverage", "sentence_coverage", "paragraph_coverage", "bm25", "proximity",
    "holds_type", "attributed",
)  # fmt: skip
# What the ranker may read of one candidate: the reader's logit, the dense look's cosine, the
# pre-ranker's signals, and whether the reader and the dense look each put it first of its
# question's candidates (two independent judges agreeing). The shipped ranker names the ones it
# uses (``decide.json``); ``python -m benchmarks.zeroshot`` chooses them on the fitting questions.
CANDIDATE_FEATURES = ("logit", "similarity", *PRE_RANKER, "reader_first", "dense_first")
QUESTION_FEATURES = (
    "p1", "p2", "logit1", "margin", "coverage1", "max_coverage", "bm25_1", "holds1",
    "any_holds", "required", "typed", "rules_answer", "candidates", "similarity1", "nearest",
    "dense_first1", "similarity_gap", "share1", "below_nearest", "unknown_words",
)  # fmt: skip
# Features of the dense first look: while it builds (a large corpus), they take the mean the
# decision model was fitted with, so they weigh neither way.
DENSE_FEATURES = ("similarity1", "nearest", "dense_first1", "similarity_gap", "below_nearest")


def candidate_features(c: Candidate) -> dict[str, float]:
    """The pre-ranker's signals of one candidate, by name (training data keeps them)."""
    return {name: float(getattr(c, name)) for name in PRE_RANKER}


@dataclass(frozen=True)
class Decider:
    ranker: Logistic
    decision: Logistic
    decline_below: float  # answerability under this: decline
    confident_from: float  # answerability at or above this: a confident answer
    tuning: Tuning = field(default_factory=Tuning)  # of the rules' verdict, one feature

    @classmethod
    def load(cls, path: Path = DECIDE) -> Decider:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls.from_dict(raw)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Decider:
        return cls(
            Logistic.from_dict(raw["ranker"]), Logistic.from_dict(raw["decision"]),
            float(raw["thresholds"]["decline_below"]), float(raw["thresholds"]["confident_from"]),
        )  # fmt: skip

    @classmethod
    def untrained(cls) -> Decider:
        """Ranks by the reader's logit alone and never declines: for building training data
        and for measuring the steps before this one."""
        ranker = Logistic(("logit",), (0.0,), (1.0,), (1.0,), 0.0)
        n = len(QUESTION_FEATURES)
        decision = Logistic(QUESTION_FEATURES, (0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0)
        return cls(ranker, decision, decline_below=0.0, confident_from=0.0)

    def with_tuning(self, tuning: Tuning) -> Decider:
        return replace(self, tuning=tuning)

    def to_dict(self) -> dict[str, object]:
        return {
            "ranker": self.ranker.to_dict(),
            "decision": self.decision.to_dict(),
            "thresholds": {
                "decline_below": self.decline_below,
                "confident_from": self.confident_from,
            },
        }

    def rank(self, readings: list[Reading], logits: list[float]) -> list[Scored]:
        if not readings:
            return []
        rows = columns(candidate_rows(readings, logits), self.ranker, CANDIDATE_FEATURES)
        probabilities = self.ranker.probability(rows)
        scored = [
            Scored(r, lg, float(p))
            for r, lg, p in zip(readings, logits, probabilities, strict=True)
        ]
        return sorted(scored, key=lambda s: -s.probability)  # stable: pre-rank breaks ties

    def run(
        self,
        query: Query,
        readings: list[Reading],
        logits: list[float],
        nearest: float | None = None,
    ) -> Decision:
        """``nearest``: the dense look's best cosine over the whole corpus (None: no look)."""
        ranked = self.rank(readings, logits)
        rules = answerable(query, [r.candidate for r in readings], self.tuning)
        if not ranked:
            return Decision(DECLINE, [], 0.0, NOT_COVERED, rules)
        values = dict(
            zip(QUESTION_FEATURES, question_row(query, ranked, rules, nearest), strict=True)
        )
        model = self.decision
        row = np.array(
            [
                mean if name in DENSE_FEATURES and not nearest else values[name]
                for name, mean in zip(model.features, model.mean, strict=True)
            ]
        )
        p = float(model.probability(row[None, :])[0])
        if p >= self.confident_from:
            return Decision(CONFIDENT, ranked, p, None, rules)
        if p >= self.decline_below:
            return Decision(NOT_SURE, ranked, p, None, rules)
        return Decision(DECLINE, ranked, p, rules.reason or NOT_COVERED, rules)


def candidate_rows(readings: list[Reading], logits: list[float]) -> np.ndarray:
    """One row of ``CANDIDATE_FEATURES`` per candidate."""
    top_logit = max(logits[: len(readings)], default=0.0)
    top_similarity = max((r.similarity for r in readings), default=0.0)
    return np.array(
        [
            [
                lg,
                r.similarity,
                *(float(getattr(r.candidate, n)) for n in PRE_RANKER),
                float(lg >= top_logit),
                float(r.similarity >= top_similarity > 0.0),
            ]
            for r, lg in zip(readings, logits[: len(readings)], strict=True)
        ],
        dtype=float,
    ).reshape(len(readings), len(CANDIDATE_FEATURES))


def columns(rows: np.ndarray, model: Logistic, names: tuple[str, ...]) -> np.ndarray:
    """The columns of ``rows`` (named ``names``) that ``model`` reads, in its order."""
    return rows[:, [names.index(f) for f in model.features]]


def question_row(
    query: Query, ranked: list[Scored], rules: Verdict, nearest: float | None = None
) -> np.ndarray:
    best = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    wanted = query.answer_type
    others = [s.reading.similarity for s in ranked[1:]]
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
            best.reading.similarity,
            nearest or 0.0,
            float(best.reading.similarity >= max(others, default=0.0)),
            best.reading.similarity - max(others, default=best.reading.similarity),
            best.probability / max(sum(s.probability for s in ranked), 1e-9),
            (nearest or 0.0) - best.reading.similarity,
            unknown_words(query),
        ],
        dtype=float,
    )


def unknown_words(query: Query) -> float:
    """The share of the question's weight in words the corpus never uses, nor a synonym of
    them: a question about something else altogether is mostly such words."""
    if not query.terms:
        return 1.0
    unknown = sum(t.weight for t in query.terms if not t.in_corpus and not t.synonyms)
    return unknown / query.total
