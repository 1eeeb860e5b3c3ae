"""rank-bm25's BM25, computed from an inverted index so a query costs what its postings cost.

rank-bm25 scores every document in Python for each query term. The scores only depend on a
term's frequency in a document, the document's length and the term's IDF, so each (term,
document) contribution is computed once at build time. IDF comes from rank-bm25's own
``_calc_idf`` on the same document frequencies, so scores match ``get_scores`` to floating-point
tolerance (tests compare them on random corpora).

BM25Plus adds ``idf × delta`` for every query term to every document, containing the term or
not: that part is a per-query constant, kept apart from the postings.

A query never touches an array the size of the corpus (see ``top``): short posting lists are
scored directly, and long ones (common words) through a max-score cut-off that uses, per long
term, its ``HEAD`` highest-weighted documents and the weight bound of all the others.
"""

from __future__ import annotations

import threading
from collections import Counter
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

# A posting list longer than this is "long": its documents are not all scored per query.
# Below it, scoring every posting (a few µs per thousand) is cheaper than any cut-off.
LONG_POSTINGS = 2048
# Per long term, the documents it weighs most: they seed the k-th best score.
HEAD = 32
# Scoring a candidate by binary search in a posting list costs about this many dense
# scatter-add steps (measured with numpy 2 on x86_64): past that, sum postings densely.
_SEARCH_COST = 3


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
        model: rank_bm25.BM25 = object.__new__(cls)
        model.k1, model.b, model.idf = self.k1, self.b, {}
        if self.variant == "okapi":
            model.epsilon = self.epsilon
        else:
            model.delta = (
                self.delta if self.delta is not None else (1.0 if self.variant == "plus" else 0.5)
            )
        return model


@dataclass(frozen=True)
class Postings:
    """Analysed documents as (document, term, frequency) triples, documents ascending."""

    terms: list[str]  # term id -> term, in order of first appearance
    doc: np.ndarray  # int32
    term: np.ndarray  # int32
    tf: np.ndarray  # int32
    lengths: np.ndarray  # int64, terms per document


def count_terms(documents: Sequence[Sequence[str]]) -> Postings:
    """Term frequencies of tokenised documents (one Python pass, counting by numpy)."""
    vocabulary: dict[str, int] = {}
    setdefault = vocabulary.setdefault
    flat = np.fromiter(
        (setdefault(t, len(vocabulary)) for doc in documents for t in doc), dtype=np.int64
    )
    lengths = np.fromiter(map(len, documents), dtype=np.int64, count=len(documents))
    doc, term, tf = _triples(flat, lengths, len(vocabulary))
    return Postings(list(vocabulary), doc, term, tf, lengths)


def _triples(flat: np.ndarray, lengths: np.ndarray, n_terms: int):
    n_terms = max(n_terms, 1)
    keys = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths) * n_terms + flat
    pairs, counts = np.unique(keys, return_counts=True)
    return (
        (pairs // n_terms).astype(np.int32),
        (pairs % n_terms).astype(np.int32),
        counts.astype(np.int32),
    )


class BM25Index:
    """Postings of precomputed per-(term, document) BM25 weights in CSR layout.

    ``doc_ids[indptr[t]:indptr[t+1]]`` are term ``t``'s documents, ascending, with their
    weights alongside. For long terms, ``head_ids[head_ptr[t]:head_ptr[t+1]]`` are its
    ``HEAD`` highest-weighted documents (ascending) and ``bound[t]`` the highest weight of any
    other of its documents; for short terms ``bound`` is 0 and the head is empty.
    """

    def __init__(
        self,
        vocabulary: dict[str, int],
        idf: np.ndarray,
        indptr: np.ndarray,
        doc_ids: np.ndarray,
        weights: np.ndarray,
        n_docs: int,
        constant: np.ndarray,
        head_ptr: np.ndarray | None = None,
        head_ids: np.ndarray | None = None,
        bound: np.ndarray | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        self.idf = idf
        self.indptr = indptr
        self.doc_ids = doc_ids
        self.weights = weights
        self.n_docs = n_docs
        self.constant = constant  # per term: what it adds to every document (BM25Plus)
        if head_ptr is None or head_ids is None or bound is None:
            head_ptr, head_ids, bound = _heads(indptr, doc_ids, weights)
        self.head_ptr, self.head_ids, self.bound = head_ptr, head_ids, bound
        self._local = threading.local()

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]], params: Params = Params()) -> BM25Index:
        if not documents:
            raise ValueError("cannot index an empty corpus")
        return cls.from_postings(count_terms(documents), params)

    @classmethod
    def from_postings(cls, postings: Postings, params: Params = Params()) -> BM25Index:
        """The index of counted documents; the triples' arrays are consumed (freed early)."""
        terms, lengths = postings.terms, postings.lengths.astype(np.float64)
        n_docs = len(lengths)
        if not n_docs:
            raise ValueError("cannot index an empty corpus")
        df = np.bincount(postings.term, minlength=len(terms))
        model = params.model()
        model.corpus_size = n_docs
        model.avgdl = float(lengths.sum()) / n_docs
        model._calc_idf(dict(zip(terms, df.tolist(), strict=True)))
        idf = np.fromiter((model.idf[t] for t in terms), dtype=np.float64, count=len(terms))

        # Group by term, documents ascending within each (the triples come in document order).
        order = np.argsort(postings.term, kind="stable")
        doc_ids = postings.doc[order]
        tf_sorted = postings.tf[order]
        del order
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        weights = np.empty(len(doc_ids))
        for lo in range(0, len(doc_ids), _BLOCK):  # blocks bound the temporaries' memory
            hi = min(lo + _BLOCK, len(doc_ids))
            term = np.searchsorted(indptr, np.arange(lo, hi), side="right") - 1
            weights[lo:hi] = _weights(
                params.variant,
                model,
                idf[term],
                tf_sorted[lo:hi].astype(np.float64),
                lengths[doc_ids[lo:hi]],
            )
        del tf_sorted
        constant = idf * model.delta if params.variant == "plus" else np.zeros(len(terms))
        vocabulary = {t: i for i, t in enumerate(terms)}
        return cls(vocabulary, idf, indptr, doc_ids, weights, n_docs, constant)

    def document_frequency(self, term: str) -> int:
        t = self.vocabulary.get(term)
        return 0 if t is None else int(self.indptr[t + 1] - self.indptr[t])

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """Scores of every document, equal to rank-bm25's ``get_scores(query)`` (tests only)."""
        ids = [self.vocabulary[t] for t in query if t in self.vocabulary]
        scores = np.full(self.n_docs, float(sum(self.constant[t] for t in ids)))
        for t in ids:
            lo, hi = self.indptr[t], self.indptr[t + 1]
            scores[self.doc_ids[lo:hi]] += self.weights[lo:hi]
        return scores

    def top(self, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The ``k`` best documents with a positive match, best first (ties by position).

        Exactly the top of ``scores`` among matching documents. Candidates are every document
        of the short terms plus each long term's head; their exact scores give the k-th best,
        ``theta``. A document outside them has, for each long term, at most that term's
        ``bound``; only postings that could still reach ``theta`` with the other terms at their
        bounds are scored too (max-score). Cost: the short postings, the heads, and a
        vectorised filter over the long ones; never an array of corpus size.
        """
        counts = Counter(self.vocabulary[t] for t in query if t in self.vocabulary)
        if not counts or k <= 0:
            return []
        terms = list(counts)
        mult = np.array([counts[t] for t in terms], dtype=np.float64)
        base = float(sum(self.constant[t] * counts[t] for t in terms))
        if any(self.idf[t] <= 0 for t in terms):  # bounds assume positive weights
            return self._dense_top(terms, mult, k, base)
        long_ = [i for i, t in enumerate(terms) if self.head_ptr[t + 1] > self.head_ptr[t]]
        seeds = []
        for i, t in enumerate(terms):
            if i in long_:
                seeds.append(self.head_ids[self.head_ptr[t] : self.head_ptr[t + 1]])
            else:
                seeds.append(self.doc_ids[self.indptr[t] : self.indptr[t + 1]])
        cand = _unique(seeds)
        if len(cand) < k and long_:  # too few seeds for a k-th best: score everything
            return self._dense_top(terms, mult, k, base)
        scores = self._exact(terms, mult, cand)
        if not long_:
            return _best(cand, scores, k, base)
        theta = float(np.partition(scores, len(scores) - k)[len(scores) - k])
        bounds = np.array([self.bound[terms[i]] * mult[i] for i in long_])
        rest = float(bounds.sum())
        slack = 1e-9 * max(1.0, abs(theta))  # keep ties: rounding must not drop an equal score
        if rest < theta - slack:  # no document outside the seeds can reach the k-th best
            return _best(cand, scores, k, base)
        extra, postings = [], 0
        for j, i in enumerate(long_):
            t = terms[i]
            lo, hi = self.indptr[t], self.indptr[t + 1]
            need = theta - (rest - bounds[j]) - slack
            extra.append(self.doc_ids[lo:hi][self.weights[lo:hi] * mult[i] >= need])
            postings += hi - lo
        survivors = sum(map(len, extra))
        # Scoring survivors by binary search costs ~3x a dense pass per posting and term.
        if survivors * len(terms) * _SEARCH_COST > postings:
            return self._dense_top(terms, mult, k, base, theta - slack)
        more = _unique(extra)
        more = more[~_isin_sorted(more, cand)]
        if len(more):
            cand = np.concatenate([cand, more])
            scores = np.concatenate([scores, self._exact(terms, mult, more)])
        return _best(cand, scores, k, base)

    def _exact(self, terms: list[int], mult: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """Full scores (without the constant) of sorted candidate documents."""
        scores = np.zeros(len(cand))
        for i, t in enumerate(terms):
            lo, hi = self.indptr[t], self.indptr[t + 1]
            docs = self.doc_ids[lo:hi]
            pos = np.searchsorted(docs, cand)
            pos[pos == len(docs)] = 0
            hit = docs[pos] == cand
            scores[hit] += self.weights[lo:hi][pos[hit]] * mult[i]
        return scores

    def _dense_top(
        self, terms: list[int], mult: np.ndarray, k: int, base: float, floor: float = -np.inf
    ) -> list[tuple[int, float]]:
        """Sum into a per-thread buffer allocated once, reset only where touched.

        ``floor`` is a score the k-th best is known to reach (at least k documents do).
        """
        buf = getattr(self._local, "buffer", None)
        if buf is None:
            buf = self._local.buffer = np.zeros(self.n_docs)
        touched = []
        for i, t in enumerate(terms):
            lo, hi = self.indptr[t], self.indptr[t + 1]
            docs = self.doc_ids[lo:hi]
            weights = self.weights[lo:hi]
            buf[docs] += weights if mult[i] == 1 else weights * mult[i]
            touched.append(docs)
        if floor > -np.inf:  # only documents at or above the floor, gathered term by term
            cand = _unique([d[buf[d] >= floor] for d in touched])
            values = buf[cand]
            for d in touched:
                buf[d] = 0.0
            return _best(cand, values, k, base)
        docs = np.concatenate(touched) if len(touched) > 1 else touched[0]
        values = buf[docs]
        buf[docs] = 0.0
        # A document appears once per query term it holds: keep enough to have k distinct.
        keep = min(len(docs), k * len(terms))
        part = None
        if keep < len(docs):
            threshold = values[np.argpartition(-values, keep - 1)[:keep]].min()
            part = np.flatnonzero(values >= threshold)  # ties with the last kept stay in
        if part is not None:
            docs, values = docs[part], values[part]
        docs, first = np.unique(docs, return_index=True)
        return _best(docs, values[first], k, base)


_BLOCK = 1 << 20  # postings per block when computing weights


def _weights(
    variant: str, model: rank_bm25.BM25, idf: np.ndarray, tf: np.ndarray, lengths: np.ndarray
) -> np.ndarray:
    norm = 1 - model.b + model.b * lengths / model.avgdl
    k1 = model.k1
    if variant == "okapi":
        return idf * (tf * (k1 + 1) / (tf + k1 * norm))
    if variant == "plus":
        return idf * ((tf * (k1 + 1)) / (k1 * norm + tf))
    # BM25L as rank-bm25 writes it (its score is multiplied by the term frequency)
    ctd = tf / norm
    return idf * tf * (k1 + 1) * (ctd + model.delta) / (k1 + ctd + model.delta)


def _best(cand: np.ndarray, scores: np.ndarray, k: int, base: float) -> list[tuple[int, float]]:
    k = min(k, len(cand))
    if k < len(cand):
        part = np.argpartition(-scores, k - 1)[:k]
        threshold = scores[part].min()
        part = np.flatnonzero(scores >= threshold)  # every tie with the k-th, ordered below
    else:
        part = np.arange(len(cand))
    best = sorted(part.tolist(), key=lambda i: (-scores[i], cand[i]))[:k]
    return [(int(cand[i]), float(scores[i]) + base) for i in best]


def _unique(arrays: list[np.ndarray]) -> np.ndarray:
    """Sorted distinct values (sort-based: numpy's hash-based ``unique`` is slower here)."""
    if len(arrays) == 1:
        return arrays[0]  # a posting list or head is sorted and distinct already
    values = np.sort(np.concatenate(arrays))
    if len(values) < 2:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def _isin_sorted(values: np.ndarray, sorted_ref: np.ndarray) -> np.ndarray:
    if not len(sorted_ref):
        return np.zeros(len(values), dtype=bool)
    pos = np.searchsorted(sorted_ref, values)
    pos[pos == len(sorted_ref)] = 0
    return sorted_ref[pos] == values


def _heads(
    indptr: np.ndarray, doc_ids: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each long term's ``HEAD`` best documents and the weight bound of the rest."""
    df = np.diff(indptr)
    long_terms = np.flatnonzero(df > LONG_POSTINGS)
    head_ptr = np.zeros(len(df) + 1, dtype=np.int64)
    head_ptr[1:][long_terms] = HEAD
    np.cumsum(head_ptr, out=head_ptr)
    head_ids = np.empty(len(long_terms) * HEAD, dtype=doc_ids.dtype)
    bound = np.zeros(len(df))
    for n, t in enumerate(long_terms.tolist()):
        w = weights[indptr[t] : indptr[t + 1]]
        part = np.argpartition(w, len(w) - HEAD - 1)
        head = part[len(w) - HEAD :]
        bound[t] = w[part[len(w) - HEAD - 1]]  # the best weight outside the head
        head_ids[n * HEAD : (n + 1) * HEAD] = np.sort(doc_ids[indptr[t] : indptr[t + 1]][head])
    return head_ptr, head_ids, bound
