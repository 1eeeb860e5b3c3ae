"""Choosing the k best among scored documents, the sets of candidates, and float32 rounding
for the index's impact order (``retrieval.index``): pure functions on numpy arrays."""

from __future__ import annotations

import numpy as np


def best(cand: np.ndarray, scores: np.ndarray, k: int, base: float) -> list[tuple[int, float]]:
    k = min(k, len(cand))
    if k < len(cand):
        part = np.argpartition(-scores, k - 1)[:k]
        threshold = scores[part].min()
        part = np.flatnonzero(scores >= threshold)  # every tie with the k-th, ordered below
    else:
        part = np.arange(len(cand))
    best = sorted(part.tolist(), key=lambda i: (-scores[i], cand[i]))[:k]
    return [(int(cand[i]), float(scores[i]) + base) for i in best]


def best_of_repeats(
    docs: np.ndarray, values: np.ndarray, k: int, n_terms: int, base: float
) -> list[tuple[int, float]]:
    """The k best of postings where a document appears once per query term it holds, each
    time with its full score: the ``k × n_terms`` best entries hold k distinct documents."""
    keep = min(len(docs), k * n_terms)
    if keep < len(docs):
        threshold = values[np.argpartition(values, len(values) - keep)[len(values) - keep :]].min()
        part = np.flatnonzero(values >= threshold)  # ties with the last kept stay in
        docs, values = docs[part], values[part]
    if n_terms > 1:
        docs, first = np.unique(docs, return_index=True)
        values = values[first]
    return best(docs, values, k, base)


def unique_any(arrays: list[np.ndarray]) -> np.ndarray:
    """Sorted distinct values of arrays in any order."""
    values = np.sort(np.concatenate(arrays) if len(arrays) > 1 else arrays[0])
    if len(values) < 2:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def unique(arrays: list[np.ndarray]) -> np.ndarray:
    """Sorted distinct values (sort-based: numpy's hash-based ``unique`` is slower here)."""
    if len(arrays) == 1:
        return arrays[0]  # a posting list or head is sorted and distinct already
    values = np.sort(np.concatenate(arrays))
    if len(values) < 2:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def isin_sorted(values: np.ndarray, sorted_ref: np.ndarray) -> np.ndarray:
    if not len(sorted_ref):
        return np.zeros(len(values), dtype=bool)
    pos = np.searchsorted(sorted_ref, values)
    pos[pos == len(sorted_ref)] = 0
    return sorted_ref[pos] == values


def down32(value: float) -> np.float32:
    """float32 no larger than ``value`` (so a cut-off made of it keeps every equal weight)."""
    out = np.float32(value)
    return np.nextafter(out, np.float32(-np.inf)) if float(out) > value else out
