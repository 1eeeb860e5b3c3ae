"""The inverted index must give rank-bm25's own scores and top-k, for every variant."""

from __future__ import annotations

import random

import numpy as np
import pytest
import rank_bm25

from retrieval.index import BM25Index, Params

CLASSES = {"okapi": rank_bm25.BM25Okapi, "plus": rank_bm25.BM25Plus, "l": rank_bm25.BM25L}


def random_corpus(seed: int, docs: int = 300, vocab: int = 200) -> list[list[str]]:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(vocab)]
    weights = [1 / (i + 1) for i in range(vocab)]  # Zipf-like: some words in most documents
    return [rng.choices(words, weights, k=rng.randint(1, 40)) for _ in range(docs)]


@pytest.mark.parametrize("variant", ["okapi", "plus", "l"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scores_and_top_k_match_rank_bm25(variant: str, seed: int) -> None:
    corpus = random_corpus(seed)
    params = Params(variant=variant, k1=1.2, b=0.75)  # type: ignore[arg-type]
    kwargs = {"k1": 1.2, "b": 0.75}
    reference = CLASSES[variant](corpus, **kwargs)
    index = BM25Index.build(corpus, params)
    rng = random.Random(seed * 100)
    for _ in range(25):
        query = rng.sample([f"w{i}" for i in range(220)], k=rng.randint(1, 5))  # some unseen
        query += query[:1]  # a repeated term counts twice, as in rank-bm25
        expected = reference.get_scores(query)
        np.testing.assert_allclose(index.scores(query), expected, rtol=1e-9, atol=1e-9)
        top = index.top(query, 5)
        assert [round(s, 9) for _, s in top] == [
            round(s, 9) for s in sorted(expected, reverse=True)[: len(top)]
        ]


def test_okapi_floors_common_terms_to_epsilon_times_mean_idf() -> None:
    corpus = [["putin", "talk"], ["putin", "istanbul"], ["putin"], ["other"]]
    index = BM25Index.build(corpus, Params(variant="okapi"))
    reference = rank_bm25.BM25Okapi(corpus)
    # "putin" is in 3 of 4 documents: its raw IDF is negative and rank-bm25 floors it.
    assert index.idf[index.vocabulary["putin"]] == pytest.approx(reference.idf["putin"])
    assert reference.idf["putin"] > 0
    assert index.scores(["istanbul"])[1] > index.scores(["putin"])[1]


def test_unknown_terms_match_nothing() -> None:
    index = BM25Index.build([["a", "b"], ["c"]])
    assert index.top(["zzz"], 3) == []
