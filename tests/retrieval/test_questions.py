"""Questions in another script are refused as not English; a foreign name in English is not."""

from __future__ import annotations

from retrieval import Engine
from retrieval.models import NOT_COVERED, NOT_ENGLISH


def test_a_question_in_cyrillic_is_refused_as_not_english(engine: Engine) -> None:
    for question in ("Де відбудуться переговори?", "Где пройдут переговоры в Стамбуле?"):
        answer = engine.answer(question)
        assert not answer.answered and answer.reason == NOT_ENGLISH


def test_an_english_question_with_a_cyrillic_name_is_looked_up(engine: Engine) -> None:
    answer = engine.answer("Where will the talks with Зеленський be held?")
    assert answer.reason != NOT_ENGLISH
    assert engine.answer("Кто выиграл the 2018 World Cup?").reason in (NOT_COVERED, None)
