"""The short-answer step (``retrieval.pipeline.span``) and its shipped model."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from retrieval import Engine
from retrieval.answer_types import Kind
from retrieval.models import Answer, Citation, Quote
from retrieval.pipeline.span import FEATURES, MODEL_PATH, ShortAnswers, SpanModel, candidates

SENTENCE = (
    "Soon after the leaders met, Kremlin spokesperson Dmitry Peskov said on Thursday, May 15, "
    "that 1,200 prisoners would be exchanged in Istanbul."
)


def test_candidates_are_exact_word_runs_without_edge_stop_words() -> None:
    spans = candidates(SENTENCE)
    assert spans
    for s in spans:
        piece = SENTENCE[s.start : s.end]
        assert piece == piece.strip(" ,.") and 1 <= len(piece.split()) <= 6
        assert piece.split()[0].lower() not in {"the", "on", "that", "in", "after"}
    assert "…" not in {SENTENCE[s.start : s.end] for s in candidates("The talks … in Istanbul")}


@pytest.mark.parametrize(
    ("question", "kind", "holds"),
    [
        ("Who is the Kremlin spokesperson?", Kind.PERSON, ("Peskov",)),
        ("What date will prisoners be exchanged?", Kind.DATE, ("May 15", "Thursday")),
        ("Where will the prisoners be exchanged?", Kind.PLACE, ("Istanbul",)),
        ("How many prisoners would be exchanged?", Kind.NUMBER, ("1,200",)),
    ],
)
def test_the_model_picks_the_words_of_the_kind_asked_for(question, kind, holds) -> None:
    best = SpanModel.load().best(SENTENCE, question, kind)
    assert best is not None
    span, p = best
    picked = SENTENCE[span.start : span.end]
    assert any(h in picked for h in holds) and len(picked) < 30, picked
    assert 0 < p < 1


def _answer(confidence: str) -> Answer:
    quote = Quote(SENTENCE, 0.9, [Citation("a", "a.txt", "t", 1)])
    return Answer("Who?", True, [quote], confidence=confidence)


def test_shown_only_for_a_confident_answer_to_a_value_or_a_name(engine: Engine) -> None:
    step = ShortAnswers()
    who = engine.analyse("Who is the Kremlin spokesperson?")
    short = step.run(who, _answer("high"))
    assert short is not None and SENTENCE[short.start : short.end] == short.text
    assert short.quote == 0 and "Peskov" in short.text
    assert step.run(who, _answer("low")) is None  # not sure: no bold words
    why = engine.analyse("Why did Peskov speak?")
    said = engine.analyse("What did Peskov say about the exchange?")
    assert why.answer_type.kind is None and said.answer_type.kind is Kind.QUOTATION
    assert step.run(why, _answer("high")) is None and step.run(said, _answer("high")) is None
    unsure = ShortAnswers(replace(step.model, threshold=1.0))  # nothing is that likely
    assert unsure.run(who, _answer("high")) is None


def test_the_shipped_model_matches_its_card_and_its_features() -> None:
    data = json.loads(MODEL_PATH.read_text("utf-8"))
    assert data["features"] == list(FEATURES) and len(data["weights"]) == len(FEATURES)
    assert data["command"] == "python -m tools.train_span --write"
    assert not any("eval" in name for name in data["trained_on"])  # never the news questions
    card = (Path(MODEL_PATH).parent / "SPAN.md").read_text("utf-8")
    digest = hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest()
    assert digest in card, "retrieval/data/SPAN.md names the shipped file's sha256"
    assert re.search(r"python -m tools\.train_span --write", card)
