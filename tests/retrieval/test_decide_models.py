"""The decide step's two kinds of model: what they learn, and that the shipped file reads back."""

from __future__ import annotations

import numpy as np

from retrieval.pipeline import logistic


def questions(rng: np.random.Generator, n: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Questions of 5 candidates: the right one has the highest first signal, plus a
    question-wide offset (an easy or hard question) that says nothing about which is right."""
    xs, ys = [], []
    for _ in range(n):
        x = rng.normal(size=(5, 2))
        x[:, 0] += rng.normal(scale=3.0)  # the same for all the question's candidates
        right = int(np.argmax(x[:, 0] + rng.normal(scale=0.3, size=5)))
        y = np.zeros(5)
        y[right] = 1.0
        xs.append(x)
        ys.append(y)
    return xs, ys


def test_the_softmax_ranker_puts_the_right_candidate_first_on_questions_it_never_saw() -> None:
    rng = np.random.default_rng(3)
    xs, ys = questions(rng, 200)
    ranker = logistic.fit_softmax(("signal", "noise"), xs, ys)
    new_xs, new_ys = questions(rng, 200)
    first_right = np.mean(
        [y[np.argmax(ranker.probability(x))] for x, y in zip(new_xs, new_ys, strict=True)]
    )
    assert first_right > 0.8  # by chance: 0.2
    assert abs(ranker.weights[0]) > 5 * abs(ranker.weights[1])
    shares = ranker.probability(new_xs[0])
    assert abs(shares.sum() - 1.0) < 1e-9


def test_a_question_without_a_right_candidate_does_not_move_the_ranker() -> None:
    rng = np.random.default_rng(4)
    xs, ys = questions(rng, 100)
    alone = logistic.fit_softmax(("signal", "noise"), xs, ys)
    xs_more = [*xs, rng.normal(size=(5, 2)) * 50]
    ys_more = [*ys, np.zeros(5)]
    more = logistic.fit_softmax(("signal", "noise"), xs_more, ys_more)
    first = np.array(alone.weights) / np.array(alone.scale)
    second = np.array(more.weights) / np.array(more.scale)
    assert np.allclose(first, second, rtol=0.05)


def test_each_kind_of_model_reads_back_as_itself() -> None:
    rng = np.random.default_rng(5)
    xs, ys = questions(rng, 50)
    ranker = logistic.fit_softmax(("signal", "noise"), xs, ys)
    pointwise = logistic.fit(("signal", "noise"), np.vstack(xs), np.concatenate(ys))
    for model in (ranker, pointwise):
        again = logistic.Logistic.from_dict(model.to_dict())
        assert type(again) is type(model)
        assert np.allclose(again.probability(xs[0]), model.probability(xs[0]))
    assert not np.isclose(pointwise.probability(xs[0]).sum(), 1.0)
