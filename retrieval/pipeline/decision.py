"""What the decide step returns, and what any decider must do: the values both deciders share.

Two deciders implement ``Decides``: the learned one (``retrieval.pipeline.decide.Decider``,
the engine's) and the hand-written rules alone (``retrieval.pipeline.rules.RulesDecider``, for
measuring the rules and testing the candidates step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from retrieval.pipeline.candidates import Reading
from retrieval.pipeline.signals import Candidate
from retrieval.query import Query
from retrieval.tuning import Tuning

CONFIDENT, NOT_SURE, DECLINE = "confident", "not_sure", "decline"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The hand-written rules' answer to "do these candidates answer?" (``rules.answerable``)."""

    answered: bool
    reason: str | None  # "not_covered", "no_salient_match", "no_value", "no_speaker", "no_event"


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
    by_rules: bool = False  # decided by the rules alone: quotes chosen by their selection


class Decides(Protocol):
    """Ranked candidates and one of three outcomes, from the read step's logits."""

    def with_tuning(self, tuning: Tuning) -> Decides:
        """The same decider reading the rules' signals with ``tuning``."""
        ...

    def run(
        self,
        query: Query,
        readings: list[Reading],
        logits: list[float],
        nearest: float | None = None,
    ) -> Decision: ...
