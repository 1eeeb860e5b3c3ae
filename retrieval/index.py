"""rank-bm25's BM25, computed from an inverted index so a query costs what its postings cost.

rank-bm25 scores every document in Python for each query term. The scores only depend on a
term's frequency in a document, the document's length and the term's IDF, so each (term,
document) contribution is computed once at build time. IDF comes from rank-bm25's own
``_calc_idf`` on the same document frequencies, so scores match ``get_scores`` to floating-point
tolerance (tests compare them on random corpora).

BM25Plus adds ``idf × delta`` for every query term to every document, containing the term or
not: that part is a per-query constant, kept apart from the postings.

A query never touches an array the size of the corpus (see ``top``): short posting lists are
summed directly, and long ones (common words) are also kept best weight first, so a max-score
cut-off reads only the head of each that could still matter.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import rank_bm25

from retrieval.topk import best, best_of_repeats, down32, isin_sorted, unique, unique_any

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
# When too many documents could still reach the k-th best, read this many times deeper into
# each long term's impact order first: on the benchmark's common-word queries at 100,000
# paragraphs, survivors fall from ~22,000 after 32 to ~2,700 after 256 and ~0 after 1,024.
DEEPER = 8
# How many postings summed whole one candidate's binary searches are counted as, when choosing
# between scoring survivors, reading deeper and summing the long terms whole. Tuned on the
# retrieval benchmark's common-word queries at 100,000 paragraphs (numpy 2, x86_64): 10 gave
# a median of 0.33-0.35 ms, 3 gave 0.46-0.63 ms and 1 or less 0.57-3 ms (reading too deep).
_SEARCH_COST = 10


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
    weights alongside. Long terms (more than ``LONG_POSTINGS`` documents) are also kept in
    impact order: ``imp_ids[imp_ptr[t]:imp_ptr[t+1]]`` are their documents by ascending
    weight (best last), ``imp_weights`` the weights as float32 rounded up, so each is an upper
    bound of the exact float64 weight (half the memory; the bounds stay safe). Short terms'
    impact spans are empty.
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
        imp_ptr: np.ndarray | None = None,
        imp_ids: np.ndarray | None = None,
        imp_weights: np.ndarray | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        self.idf = idf
        self.indptr = indptr
        self.doc_ids = doc_ids
        self.weights = weights
        self.n_docs = n_docs
        self.constant = constant  # per term: what it adds to every document (BM25Plus)
        if imp_ptr is None or imp_ids is None or imp_weights is None:
            imp_ptr, imp_ids, imp_weights = _impacts(indptr, doc_ids, weights)
        self.imp_ptr, self.imp_ids, self.imp_weights = imp_ptr, imp_ids, imp_weights
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

        Exactly the top of ``scores`` among matching documents. Short terms' postings are
        summed whole in a per-thread buffer. Each long term is read best weight first
        (``imp_*``): its ``HEAD`` best documents seed the k-th best score ``theta``, and a
        document outside the seeds has at most the term's next weight (its bound) from it.
        Only the documents that could still reach ``theta`` with the other terms at their
        bounds are scored too (max-score); on a sorted list they are a prefix, found by one
        binary search, so a long list is never scanned unless so many survive that summing
        it whole is cheaper. Never an array of corpus size.
        """
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        for word in query:
            t = vocabulary.get(word)
            if t is not None:
                counts[t] = counts.get(t, 0) + 1
        if not counts or k <= 0:
            return []
        terms = list(counts)
        mult = [counts[t] for t in terms]
        base = sum(float(self.constant[t]) * m for t, m in zip(terms, mult, strict=True))
        if any(self.idf[t] <= 0 for t in terms):  # bounds assume positive weights
            return self._dense_top(terms, np.array(mult, dtype=np.float64), k, base)
        imp_ptr = self.imp_ptr
        long_ = [i for i, t in enumerate(terms) if imp_ptr[t + 1] > imp_ptr[t]]
        if not long_:
            docs, values = self._summed(terms, mult)
            return best_of_repeats(docs, values, k, len(terms), base)
        short = [i for i in range(len(terms)) if i not in long_]
        buf = self._buffer()
        short_docs = []
        for i in short:  # short terms: every posting, summed once
            lo, hi = self.indptr[terms[i]], self.indptr[terms[i] + 1]
            d = self.doc_ids[lo:hi]
            w = self.weights[lo:hi]
            buf[d] += w if mult[i] == 1 else w * mult[i]
            short_docs.append(d)
        try:
            return self._max_score(terms, mult, long_, short_docs, buf, k, base)
        finally:
            for d in short_docs:
                buf[d] = 0.0

    def _max_score(
        self,
        terms: list[int],
        mult: list[int],
        long_: list[int],
        short_docs: list[np.ndarray],
        buf: np.ndarray,
        k: int,
        base: float,
    ) -> list[tuple[int, float]]:
        spans = [(int(self.imp_ptr[terms[i]]), int(self.imp_ptr[terms[i] + 1])) for i in long_]
        postings = sum(hi - lo for lo, hi in spans)
        seen = [min(HEAD, hi - lo) for lo, hi in spans]
        cand = unique_any(
            short_docs
            + [self.imp_ids[hi - m : hi] for (lo, hi), m in zip(spans, seen, strict=True)]
        )
        if len(cand) < k:  # too few seeds for a k-th best: score everything
            return self._dense_top(terms, np.array(mult, dtype=np.float64), k, base)
        scores = buf[cand] + self._exact_long(terms, mult, long_, cand)
        while True:
            theta = float(np.partition(scores, len(scores) - k)[len(scores) - k])
            bounds = [
                float(self.imp_weights[hi - m - 1]) * mult[i] if m < hi - lo else 0.0
                for i, (lo, hi), m in zip(long_, spans, seen, strict=True)
            ]
            rest = sum(bounds)
            slack = 1e-9 * max(1.0, abs(theta))  # keep ties: rounding must not drop one
            if rest < theta - slack:  # no document outside the seeds can reach the k-th best
                return best(cand, scores, k, base)
            # A document outside the seeds reaches theta only through a weight of at least
            # ``need`` in some long term: on the impact order, the survivors are a suffix.
            firsts = []
            for j, i in enumerate(long_):
                lo, hi = spans[j]
                need = down32((theta - (rest - bounds[j]) - slack) / mult[i])
                firsts.append(lo + int(np.searchsorted(self.imp_weights[lo : hi - seen[j]], need)))
            survivors = sum(hi - m - f for (_, hi), m, f in zip(spans, seen, firsts, strict=True))
            # Scoring a document costs a binary search per long term, ~_SEARCH_COST dense
            # steps: when the survivors cost more than summing the long terms whole, read
            # deeper first (a higher theta, lower bounds), or sum them whole.
            final = survivors * len(long_) * _SEARCH_COST <= postings
            if final:
                reach = [hi - f for (_, hi), f in zip(spans, firsts, strict=True)]
            else:
                reach = [min(m * DEEPER, hi - lo) for (lo, hi), m in zip(spans, seen, strict=True)]
                if reach == seen or sum(reach) * len(long_) * _SEARCH_COST > postings:
                    floor = theta - slack
                    return self._dense_top(terms, np.array(mult, dtype=np.float64), k, base, floor)
            more = unique_any(
                [
                    self.imp_ids[hi - r : hi - m]
                    for (_, hi), m, r in zip(spans, seen, reach, strict=True)
                ]
            )
            more = more[~isin_sorted(more, cand)]
            if len(more):
                at = np.searchsorted(cand, more)
                more_scores = buf[more] + self._exact_long(terms, mult, long_, more)
                cand, scores = np.insert(cand, at, more), np.insert(scores, at, more_scores)
            if final:
                return best(cand, scores, k, base)
            seen = reach

    def _buffer(self) -> np.ndarray:
        """This thread's score buffer, one float per document, zero between queries."""
        buf = getattr(self._local, "buffer", None)
        if buf is None:
            buf = self._local.buffer = np.zeros(self.n_docs)
        return buf

    def _summed(self, terms: list[int], mult: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Every posting of the terms and its document's full score (a document appears once
        per term it holds)."""
        if len(terms) == 1:
            lo, hi = self.indptr[terms[0]], self.indptr[terms[0] + 1]
            return self.doc_ids[lo:hi], self.weights[lo:hi] * mult[0]
        buf = self._buffer()
        touched = []
        for t, m in zip(terms, mult, strict=True):
            lo, hi = self.indptr[t], self.indptr[t + 1]
            d = self.doc_ids[lo:hi]
            w = self.weights[lo:hi]
            buf[d] += w if m == 1 else w * m
            touched.append(d)
        docs = np.concatenate(touched)
        values = buf[docs]
        buf[docs] = 0.0
        return docs, values

    def _exact_long(
        self, terms: list[int], mult: list[int], long_: list[int], cand: np.ndarray
    ) -> np.ndarray:
        """The long terms' part of the scores of distinct candidate documents."""
        scores = np.zeros(len(cand))
        for i in long_:
            lo, hi = self.indptr[terms[i]], self.indptr[terms[i] + 1]
            docs = self.doc_ids[lo:hi]
            pos = np.searchsorted(docs, cand)
            pos[pos == len(docs)] = 0
            hit = docs[pos] == cand
            w = self.weights[lo:hi][pos[hit]]
            scores[hit] += w if mult[i] == 1 else w * mult[i]
        return scores

    def _dense_top(
        self, terms: list[int], mult: np.ndarray, k: int, base: float, floor: float = -np.inf
    ) -> list[tuple[int, float]]:
        """Sum into a per-thread buffer allocated once, reset only where touched.

        ``floor`` is a score the k-th best is known to reach (at least k documents do).
        """
        buf = self._buffer()
        touched = []
        for i, t in enumerate(terms):
            lo, hi = self.indptr[t], self.indptr[t + 1]
            docs = self.doc_ids[lo:hi]
            weights = self.weights[lo:hi]
            buf[docs] += weights if mult[i] == 1 else weights * mult[i]
            touched.append(docs)
        if floor > -np.inf:  # only documents at or above the floor, gathered term by term
            cand = unique([d[buf[d] >= floor] for d in touched])
            values = buf[cand]
            for d in touched:
                buf[d] = 0.0
            return best(cand, values, k, base)
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
        return best(docs, values[first], k, base)


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


def _impacts(
    indptr: np.ndarray, doc_ids: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each long term's documents by ascending weight (ties by position) and their weights as
    float32 rounded up."""
    df = np.diff(indptr)
    long_terms = np.flatnonzero(df > LONG_POSTINGS)
    imp_ptr = np.zeros(len(df) + 1, dtype=np.int64)
    imp_ptr[1:][long_terms] = df[long_terms]
    np.cumsum(imp_ptr, out=imp_ptr)
    imp_ids = np.empty(int(imp_ptr[-1]), dtype=doc_ids.dtype)
    imp_weights = np.empty(int(imp_ptr[-1]), dtype=np.float32)
    for t in long_terms.tolist():
        lo, hi = int(indptr[t]), int(indptr[t + 1])
        w = np.asarray(weights[lo:hi])
        order = np.argsort(w, kind="stable")
        imp_ids[imp_ptr[t] : imp_ptr[t + 1]] = doc_ids[lo:hi][order]
        imp_weights[imp_ptr[t] : imp_ptr[t + 1]] = _up32(w[order])
    return imp_ptr, imp_ids, imp_weights


def _up32(values: np.ndarray) -> np.ndarray:
    """float32 no smaller than each float64 value (so a bound made of it stays a bound)."""
    out = values.astype(np.float32)
    low = out.astype(np.float64) < values
    out[low] = np.nextafter(out[low], np.float32(np.inf))
    return out
