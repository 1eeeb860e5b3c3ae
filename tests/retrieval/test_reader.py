"""The shipped reader: the file is the one the model card describes, and it reads as trained."""

from __future__ import annotations

import json

import pytest

from retrieval.pipeline.decide import CANDIDATE_FEATURES, QUESTION_FEATURES, Decider
from retrieval.pipeline.read import DATA as READER_DATA
from retrieval.pipeline.read import MODEL, TOKENIZER, Pair, Reader, sha256

# The model card (retrieval/data/READER.md) gives these; a retrained model changes all three.
READER_SHA256 = "85c405ddebc950c7355c9e77b060645c9bcbaca0106085151ce398d9e5363aaa"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"

PUTIN = "Russian President Vladimir Putin has proposed direct, unconditional peace talks with "
PESKOV = "Kremlin spokesman Dmitry Peskov said Moscow would consider the proposal."
PAIRS = [
    Pair("Where will the talks be held?", PUTIN + "Ukraine to be held in Istanbul.", "", "Talks"),
    Pair("Where will the talks be held?", "Diplomatic efforts have stalled since March 2022."),
    Pair("Who is the Kremlin spokesperson?", PESKOV),
    Pair("What is the boiling point of water?", PESKOV),
]
# Logits of the shipped model for PAIRS, as exported (int8, each pair run on its own).
LOGITS = [3.084, -2.219, 2.078, -2.701]


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader()


def test_the_shipped_files_are_the_ones_the_model_card_names() -> None:
    assert sha256(MODEL) == READER_SHA256
    assert sha256(TOKENIZER) == TOKENIZER_SHA256
    card = (READER_DATA / "READER.md").read_text(encoding="utf-8")
    assert READER_SHA256 in card and "CC BY-SA 4.0" in card
    assert "Apache License" in (READER_DATA / "READER-LICENSE").read_text(encoding="utf-8")


def test_the_reader_scores_fixed_pairs_as_exported(reader: Reader) -> None:
    assert reader.run(PAIRS) == pytest.approx(LOGITS, abs=0.02)


def test_a_pairs_logit_does_not_depend_on_the_others_read_with_it(reader: Reader) -> None:
    assert reader.run(PAIRS[:1]) == pytest.approx(reader.run(PAIRS)[:1], abs=1e-6)


def test_the_answering_sentence_outscores_the_others(reader: Reader) -> None:
    where_right, where_wrong, spokesperson, off_topic = reader.run(PAIRS)
    assert where_right > where_wrong
    assert spokesperson > off_topic


def test_a_question_with_lone_surrogates_is_still_read(reader: Reader) -> None:
    (logit,) = reader.run([Pair("Where \ud800 will the talks be held?", PUTIN + "Istanbul.")])
    assert logit > 0


def test_the_shipped_decide_step_matches_its_features() -> None:
    raw = json.loads((READER_DATA / "decide.json").read_text(encoding="utf-8"))
    decider = Decider.from_dict(raw)
    assert decider.ranker.features[0] == "logit"
    assert set(decider.ranker.features) <= set(CANDIDATE_FEATURES)
    assert decider.decision.features == QUESTION_FEATURES
    assert 0 < decider.decline_below <= decider.confident_from < 1
    assert "benchmarks.zeroshot --write" in raw["made_by"]["command"]
