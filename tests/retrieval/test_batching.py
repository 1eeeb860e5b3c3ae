"""Questions read together get exactly the answers they get one at a time."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from conftest import SHARED, SHARED_PARTS

from bot.app import engine_options
from retrieval import Answer, Engine
from retrieval.corpus import load_corpus
from retrieval.evaluate import load_items

BATCH = 7  # not a divisor of the sets' sizes: batches of every size and mix of outcomes
ODD = ["", "the the", "Where will the talks be held?", "Where will the talks be held?", "x" * 5000]


def _values(answer: Answer) -> dict:
    values = asdict(answer)
    values.pop("latency_ms")  # the time of the call, not part of the answer
    return values


@pytest.mark.slow  # answers the ~290 shared questions twice (a minute or two on 2 cores)
def test_answers_read_together_equal_answers_read_alone(engine: Engine) -> None:
    paths = [SHARED / part for part in SHARED_PARTS]
    if not all(p.exists() for p in paths):
        pytest.skip(f"the shared evaluation sets are not in {SHARED}")
    asked = [item.question for p in paths for item in load_items(p)] + ODD
    assert len(asked) > 250
    together = Engine.build(load_corpus(), **engine_options())  # nothing remembered yet
    batched: list[Answer] = []
    for at in range(0, len(asked), BATCH):
        batched.extend(together.answer_many(asked[at : at + BATCH]))
    alone = [engine.answer(q) for q in asked]
    assert [a.question for a in batched] == asked
    differ = [q for q, a, b in zip(asked, batched, alone, strict=True) if _values(a) != _values(b)]
    assert differ == []
    assert sum(a.answered for a in batched) > 100  # answers, not a wall of declines


def test_a_batch_keeps_order_repeats_and_refusals(engine: Engine) -> None:
    answers = engine.answer_many(ODD)
    assert [a.question for a in answers] == ODD
    assert [a.reason for a in answers[:2]] == ["empty", "only_common_words"]
    assert answers[2].answered and _values(answers[2]) == _values(answers[3])
    assert answers[2] is not answers[3]  # each caller gets its own copy
    assert answers[4].reason == "too_long"
    assert engine.answer_many([]) == []
