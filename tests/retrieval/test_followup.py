"""Follow-up questions read with the question they follow (``retrieval.followup``)."""

from __future__ import annotations

import re

import pytest

from retrieval import Engine
from retrieval.answer_types import Kind
from retrieval.followup import combined_text, names_own_topic

WHERE = "Where did Putin propose holding the talks?"


def test_a_bare_wh_follow_up_takes_the_earlier_topic_with_its_own_wh_word() -> None:
    assert combined_text("and when?", WHERE) == "When did Putin propose holding the talks?"
    assert combined_text("So... how many exactly?", "Who was released in the exchange?") == (
        "How many was released in the exchange?"
    )
    # words of its own: read side by side with the earlier question
    assert combined_text("when was it announced?", WHERE) == (
        "when was it announced (Where did Putin propose holding the talks)?"
    )


def test_the_engine_answers_a_topic_less_follow_up_with_the_earlier_topic(engine: Engine) -> None:
    alone = engine.answer("and when?")
    assert not alone.answered  # no topic on its own
    follow = engine.answer("and when?", after=WHERE)
    assert follow.answered and follow.question == "and when?"
    assert re.search(r"May 1[15]|Thursday|Sunday", follow.quotes[0].text)
    query = engine.analyse("and when?", WHERE)
    assert query.answer_type.kind is Kind.DATE  # the follow-up's wh-word decides the kind
    assert {"putin", "talk"} <= {t.term for t in query.terms}


@pytest.mark.parametrize(
    "question", ["Who is the Kremlin spokesperson?", "Who is Peskov?", "what about the ceasefire?"]
)
def test_a_follow_up_that_names_its_own_topic_is_read_as_asked(
    engine: Engine, question: str
) -> None:
    assert names_own_topic(engine.analyse(question))
    assert engine.analyse(question, WHERE) == engine.analyse(question)
    assert engine.answer(question, WHERE).quotes == engine.answer(question).quotes


def test_words_of_its_own_lead_and_the_earlier_topic_weighs_less(engine: Engine) -> None:
    query = engine.analyse("when was it announced?", WHERE)
    weights = {t.term: t.weight for t in query.terms}
    alone = {t.term: t.weight for t in engine.analyse(WHERE).terms}
    assert weights["announc"] > 0
    assert weights["putin"] == pytest.approx(alone["putin"] * 0.5)
