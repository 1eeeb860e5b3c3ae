"""Question focus: what a member writes around a question never decides the answer."""

from __future__ import annotations

import pytest

from retrieval import Engine
from retrieval.focus import focus


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        ("@everyone <@&123456789> where will the peace talks be held?",
         "where will the peace talks be held?"),
        ("<@!42> <#99> :fire: <:pepe:1234> who is macron", "who is macron"),
        ("**who** is ||the|| `envoy` [here](https://example.com/x)", "who is the envoy"),
        ("see https://example.com/a?b=1 who is the envoy", "see who is the envoy"),
        ("new here, quick one: when does the strike end", "when does the strike end"),
        ("according to the reports, who is the spokesperson?", "who is the spokesperson?"),
        ("do the articles say who runs the council", "who runs the council"),
        ("what is the plan in these articles?", "what is the plan ?"),
        ("wen r u gonna vote", "when are you will vote"),
    ],
)  # fmt: skip
def test_focus_keeps_the_clause_that_asks(message: str, kept: str) -> None:
    assert focus(message) == kept


@pytest.mark.parametrize(
    "noisy",
    [
        "@everyone where will the peace talks be held?",
        "Where will the peace talks be held, according to the articles?",
        "hey all, new here - where r the peace talks gonna be held?? thx",
        "where will the peace talks be held in ur sources lol",
        "||where|| will the **peace talks** be held? <:think:123>",
    ],
)
def test_noise_around_an_answerable_question_does_not_cause_a_decline(
    engine: Engine, noisy: str
) -> None:
    answer = engine.answer(noisy)
    assert answer.answered, engine.explain(noisy).verdict
    assert "Istanbul" in answer.quotes[0].text


def test_everyday_filler_the_corpus_lacks_barely_weighs(engine: Engine) -> None:
    query = engine.analyse("honestly I was basically wondering who Putin's spokesperson is")
    weights = {t.word: t.weight for t in query.terms}
    assert weights.get("honestly", 0) < 0.2 * weights["spokesperson"]
    assert weights.get("basically", 0) < 0.2 * weights["spokesperson"]


@pytest.mark.parametrize(
    "marked",
    [
        "**Where** will the _talks_ be held?",
        "Where will the talks be held? [x](http://evil.example)",
        "Where will the ~~talks~~ be held? <@123456789012345678>",
    ],
)
def test_markup_is_gone_before_the_question_is_read(engine: Engine, marked: str) -> None:
    """The reader and the dense look read the words, not the markup around them: a marked-up
    question is answered as its plain words are."""
    plain = engine.answer("Where will the talks be held?")
    got = engine.answer(marked)
    assert (
        engine.analyse(marked).plain.count("*") == 0 and "http" not in engine.analyse(marked).plain
    )
    assert (got.answered, got.confidence) == (plain.answered, plain.confidence)
    assert got.quotes[0].text == plain.quotes[0].text
