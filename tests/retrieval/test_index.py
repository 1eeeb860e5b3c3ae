"""The inverted index must give rank-bm25's own scores and top-k, for every variant."""

from __future__ import annotations

import random
from collections import Counter

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


def reference_top(scores: np.ndarray, matched: set[int], k: int) -> list[tuple[int, float]]:
    order = sorted(matched, key=lambda d: (-round(scores[d], 9), d))[:k]
    return [(d, round(scores[d], 9)) for d in order]


@pytest.mark.parametrize("variant", ["okapi", "plus", "l"])
@pytest.mark.parametrize("path", ["survivors", "deeper", "dense"])
def test_max_score_cut_off_and_dense_path_give_rank_bm25s_top_k(
    variant: str, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Common words take the long-postings paths (the survivors of the cut-off scored at
    once, read deeper first, or summed whole); the top-k must not change."""
    from retrieval import index as index_module

    monkeypatch.setattr(index_module, "LONG_POSTINGS", 15)  # most words count as long here
    monkeypatch.setattr(index_module, "HEAD", 3)
    monkeypatch.setattr(index_module, "DEEPER", 2)
    cost = {"survivors": 0, "deeper": 1, "dense": 10**9}[path]  # "deeper": 137 of 200 read deeper
    monkeypatch.setattr(index_module, "_SEARCH_COST", cost)
    corpus = random_corpus(7, docs=600, vocab=60)  # small vocabulary: many ties
    reference = CLASSES[variant](corpus, k1=1.2, b=0.75)
    index = BM25Index.build(corpus, Params(variant=variant, k1=1.2, b=0.75))  # type: ignore[arg-type]
    assert (np.diff(index.imp_ptr) > 0).sum() > 20  # the cut-off is really exercised
    rng = random.Random(11)
    for _ in range(200):
        query = rng.sample([f"w{i}" for i in range(65)], k=rng.randint(1, 4))
        query += rng.sample(query, k=rng.randint(0, 1))
        k = rng.choice([1, 3, 5, 8, 40])
        scores = reference.get_scores(query)
        matched = {d for d, doc in enumerate(corpus) if set(doc) & set(query)}
        expected = reference_top(scores, matched, k)
        got = [(d, round(s, 9)) for d, s in index.top(query, k)]
        assert [s for _, s in got] == [s for _, s in expected], query
        counts = Counter(np.round(scores, 9).tolist())
        unique = {s for s, n in counts.items() if n == 1}
        assert [d for d, s in got if s in unique] == [d for d, s in expected if s in unique]
