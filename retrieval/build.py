"""Build the engine's index from a corpus, or load it from the on-disk cache.

Analysis is the expensive part of a first start (every paragraph through the analyzer). It
runs in chunks, over a process pool when the corpus is large enough to pay for starting one;
each chunk returns compact arrays (its own term ids and (document, term, frequency) triples)
and the chunks are merged in order, so the result is identical to one process's.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from retrieval import analyzer, cache
from retrieval.corpus import Corpus
from retrieval.index import BM25Index, Params, Postings, _triples
from retrieval.lazy import LazySequence
from retrieval.spelling import Speller

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]

CHUNK = 20_000  # paragraphs per task: ~0.5 s of analysis, a few MB to send and return
# Below this many paragraphs one process finishes before a pool's workers have started
# (spawning a worker and importing the analyzer takes ~0.5 s).
PARALLEL_MIN = 60_000
MAX_WORKERS = 8  # more processes than this mostly contend for memory bandwidth


@dataclass(frozen=True)
class Built:
    index: BM25Index
    speller: Speller


@dataclass(frozen=True)
class _Chunk:
    """One chunk's analysis, in the term ids of the process that analysed it."""

    pid: int
    new_terms: tuple[int, list[str]]  # (first id, terms) the process added for this chunk
    first_seen: np.ndarray  # the chunk's term ids in order of first appearance
    doc: np.ndarray
    term: np.ndarray
    tf: np.ndarray
    lengths: np.ndarray
    words: Counter[str]


_table: analyzer.TermTable | None = None  # per process: analysis caches outlive chunks


def _analyse_chunk(texts: Sequence[str], table: analyzer.TermTable | None = None) -> _Chunk:
    global _table
    if table is None:
        table = _table = _table or analyzer.TermTable()
    known = len(table.terms)
    ids: list[int] = []
    lengths = np.empty(len(texts), dtype=np.int64)
    chunks: Counter[str] = Counter()
    for n, text in enumerate(texts):
        found = table.paragraph(text, chunks)
        ids.extend(found)
        lengths[n] = len(found)
    flat = np.asarray(ids, dtype=np.int64)
    seen, first = np.unique(flat, return_index=True)
    doc, term, tf = _triples(flat, lengths, len(table.terms))
    return _Chunk(
        os.getpid(),
        (known, table.terms[known:]),
        seen[np.argsort(first, kind="stable")].astype(np.int32),
        doc,
        term,
        tf,
        lengths,
        analyzer.surface_counts(chunks),
    )


def workers_for(n_texts: int) -> int:
    if n_texts < PARALLEL_MIN:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS))


def analyse(
    texts: Sequence[str], progress: ProgressFn | None = None, workers: int | None = None
) -> tuple[Postings, Counter[str]]:
    """Term frequencies and surface-word counts of ``texts``, in their order.

    Term ids follow first appearance across the whole corpus, whichever process saw a term.
    """
    workers = workers_for(len(texts)) if workers is None else workers
    vocabulary: dict[str, int] = {}
    setdefault = vocabulary.setdefault
    process_terms: dict[int, list[str]] = {}
    docs, terms, tfs, lengths = [], [], [], []
    words: Counter[str] = Counter()
    done = 0
    for chunk in _chunks(texts, workers):
        known = process_terms.setdefault(chunk.pid, [])
        start, new = chunk.new_terms
        if start != len(known):
            raise RuntimeError("analysis results arrived out of order")
        known.extend(new)
        remap = np.zeros(len(known), dtype=np.int32)
        for local in chunk.first_seen.tolist():
            remap[local] = setdefault(known[local], len(vocabulary))
        docs.append(chunk.doc + np.int32(done))
        terms.append(remap[chunk.term])
        tfs.append(chunk.tf)
        lengths.append(chunk.lengths)
        words.update(chunk.words)
        done += len(chunk.lengths)
        if progress is not None:
            progress(done, len(texts))
    postings = Postings(
        list(vocabulary),
        _concat(docs, np.int32),
        _concat(terms, np.int32),
        _concat(tfs, np.int32),
        _concat(lengths, np.int64),
    )
    return postings, words


def _concat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)


def _chunks(texts: Sequence[str], workers: int) -> Iterator[_Chunk]:
    slices = [texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK)]
    if workers <= 1 or len(slices) <= 1:
        table = analyzer.TermTable()  # this process's caches go when the build is done
        for texts_slice in slices:
            yield _analyse_chunk(texts_slice, table)
        return
    # spawn, not fork: the bot builds on a worker thread, and forking a threaded process
    # can deadlock on locks held by other threads.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        pending: list[Future[_Chunk]] = []
        at = 0
        while at < len(slices) or pending:
            while at < len(slices) and len(pending) < 2 * workers:  # bounded memory in flight
                pending.append(pool.submit(_analyse_chunk, slices[at]))
                at += 1
            yield pending.pop(0).result()


def build(
    texts: Sequence[str],
    params: Params | None = None,
    progress: ProgressFn | None = None,
    workers: int | None = None,
) -> tuple[BM25Index, Counter[str]]:
    postings, words = analyse(texts, progress, workers)
    return BM25Index.from_postings(postings, params or Params()), words


class _Texts(LazySequence[str]):
    """The prose texts, made a chunk at a time rather than all at once."""

    def __init__(self, corpus: Corpus) -> None:
        self._prose = corpus.prose

    def __len__(self) -> int:
        return len(self._prose)

    def _item(self, i: int) -> str:
        return self._prose[i].text


def load_or_build(
    corpus: Corpus,
    params: Params | None = None,
    cache_dir: Path | None = None,
    progress: ProgressFn | None = None,
    workers: int | None = None,
) -> Built:
    """The corpus's index and speller: from the cache when it matches, else built (and cached).

    The cache key covers the corpus version, the BM25 parameters and the analyzer's version;
    other files in the cache folder are removed after a successful write.
    """
    n_docs = len(corpus.prose)
    params = params or Params()
    if cache_dir is not None:
        key = cache.key(corpus.version, params, analyzer.version())
        path = cache.path_for(cache_dir, key)
        cached = cache.load(path, key)
        if cached is not None and cached.index.n_docs == n_docs:
            return Built(cached.index, Speller(cached.word_counts))
    index, words = build(_Texts(corpus), params, progress, workers)
    if cache_dir is not None:
        try:
            cache.save(path, key, index, words)
            cache.evict(cache_dir, keep=path)
        except OSError as exc:
            log.warning("could not write the index cache in %s: %s", cache_dir, exc)
    return Built(index, Speller(words))
