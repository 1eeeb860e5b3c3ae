"""rank-bm25's BM25, computed from an inverted index so a query costs what its postings cost.

rank-bm25 scores every document in Python for each query term. The scores only depend on a
term's frequency in a document, the document's length and the term's IDF, so each (term,
document) contribution is computed once at build time. IDF comes from rank-bm25's own
``_calc_idf`` on the same document frequencies, so scores match ``get_scores`` to floating-point
tolerance (tests compare them on random corpora).

BM25Plus adds ``idf × delta`` for every query term to every document, containing the term or
not: that part is a per-query constant, kept apart from the postings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import rank_bm25

Variant = Literal["okapi", "plus", "l"]

_CLASSES: dict[str, type[rank_bm25.BM25]] = {
    "okapi": rank_bm25.BM25Okapi,
    "plus": rank_bm25.BM25Plus,
    "l": rank_bm25.BM25L,
}


@dataclass(frozen=True)
class Params:
    variant: Variant = "okapi"
    k1: float = 1.2
    b: float = 0.75
    delta: float | None = None  # rank-bm25's default for the variant when None
    epsilon: float = 0.25

    def model(self) -> rank_bm25.BM25:
        """A rank-bm25 instance with these parameters, without its (slow) corpus pass."""
        cls = _CLASSES[self.variant]
        model = cls.__new__(cls)
        model.k1, model.b, model.idf = self.k1, self.b, {}
        if self.variant == "okapi":
            model.epsilon = self.epsilon
        else:
            model.delta = (
                self.delta if self.delta is not None else (1.0 if self.variant == "plus" else 0.5)
            )
        return model


class BM25Index:
    """Postings of precomputed per-(term, document) BM25 weights in CSR layout."""

    def __init__(
        self,
        vocabulary: dict[str, int],
        idf: np.ndarray,
        indptr: np.ndarray,
        doc_ids: np.ndarray,
        weights: np.ndarray,
        n_docs: int,
        constant: np.ndarray,
    ) -> None:
        self.vocabulary = vocabulary
        self.idf = idf
        self.indptr = indptr
        self.doc_ids = doc_ids
        self.weights = weights
        self.n_docs = n_docs
        self.constant = constant  # per term: what it adds to every document (BM25Plus)

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]], params: Params = Params()) -> BM25Index:
        if not documents:
            raise ValueError("cannot index an empty corpus")
        # One Python pass maps tokens to ids; counting is numpy's: sort (document, term) keys.
        vocabulary: dict[str, int] = {}
        setdefault = vocabulary.setdefault
        flat = [setdefault(t, len(vocabulary)) for doc in documents for t in doc]
        lengths = np.fromiter(map(len, documents), dtype=np.int64, count=len(documents))
        n_terms = max(len(vocabulary), 1)
        keys = np.repeat(np.arange(len(documents), dtype=np.int64), lengths) * n_terms
        keys += np.asarray(flat, dtype=np.int64)
        pairs, counts = np.unique(keys, return_counts=True)
        did = (pairs // n_terms).astype(np.int32)
        tid = pairs % n_terms
        tf = counts.astype(np.float64)
        df = np.bincount(tid, minlength=len(vocabulary))
        lengths = lengths.astype(np.float64)

        model = params.model()
        model.corpus_size = len(documents)
        model.avgdl = float(lengths.sum()) / len(documents)
        terms = list(vocabulary)
        model._calc_idf(dict(zip(terms, df.tolist(), strict=True)))
        idf = np.fromiter((model.idf[t] for t in terms), dtype=np.float64, count=len(terms))

        norm = 1 - model.b + model.b * lengths[did] / model.avgdl
        term_idf = idf[tid]
        k1 = model.k1
        if params.variant == "okapi":
            weights = term_idf * (tf * (k1 + 1) / (tf + k1 * norm))
            constant = np.zeros(len(terms))
        elif params.variant == "plus":
            weights = term_idf * ((tf * (k1 + 1)) / (k1 * norm + tf))
            constant = idf * model.delta
        else:  # BM25L as rank-bm25 writes it (its score is multiplied by the term frequency)
            ctd = tf / norm
            weights = term_idf * tf * (k1 + 1) * (ctd + model.delta) / (k1 + ctd + model.delta)
            constant = np.zeros(len(terms))

        order = np.argsort(tid, kind="stable")
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        return cls(vocabulary, idf, indptr, did[order], weights[order], len(documents), constant)

    def document_frequency(self, term: str) -> int:
        t = self.vocabulary.get(term)
        return 0 if t is None else int(self.indptr[t + 1] - self.indptr[t])

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """Scores of every document, equal to rank-bm25's ``get_scores(query)``."""
        ids = [self.vocabulary[t] for t in query if t in self.vocabulary]
        scores = np.full(self.n_docs, float(sum(self.constant[t] for t in ids)))
        for t in ids:
            lo, hi = self.indptr[t], self.indptr[t + 1]
            scores[self.doc_ids[lo:hi]] += self.weights[lo:hi]
        return scores

    def top(self, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The ``k`` best documents with a positive match, best first (ties by position)."""
        ids = {self.vocabulary[t] for t in query if t in self.vocabulary}
        if not ids:
            return []
        scores = self.scores(query)
        matched = np.zeros(self.n_docs, dtype=bool)
        for t in ids:
            matched[self.doc_ids[self.indptr[t] : self.indptr[t + 1]]] = True
        candidates = np.flatnonzero(matched)
        k = min(k, len(candidates))
        cand_scores = scores[candidates]
        if k < len(candidates):
            part = np.argpartition(-cand_scores, k - 1)[:k]
        else:
            part = np.arange(len(candidates))
        best = sorted(part.tolist(), key=lambda i: (-cand_scores[i], candidates[i]))
        return [(int(candidates[i]), float(cand_scores[i])) for i in best]
