"""Retrieval at scale: Talks Bot against rank-bm25, bm25s and SQLite FTS5, measured in one run.

    python -m benchmarks.retrieval [--sizes 1000,10000,100000] [--queries 200]

For each size it builds a synthetic corpus (seeded: Zipf-distributed words with the seeds'
vocabulary at the head, written to article files), analyses it once with the project's
analyzer, and gives the same terms to every engine (FTS5 indexes the analysed terms as
text). It prints build time, retained memory and query latency (median, p99) with each one's
ratio to Talks Bot, whether each top-5 matches rank-bm25's full scoring, then Talks Bot's
answer latency (retrieval plus sentence choice) and its restart time from the index cache.
bm25s is an optional extra: ``pip install '.[bench]'``.
"""

from __future__ import annotations

import argparse
import gc
import random
import sqlite3
import statistics
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import rank_bm25

from retrieval import Engine, analyzer
from retrieval.corpus import load_corpus
from retrieval.index import BM25Index, Params

TOP_K = 5
PARAGRAPHS_PER_FILE = 100
RANK_BM25_MAX_QUERIES = 30  # it takes ~0.2 s a query at 100k paragraphs


def vocabulary(seed: int, size: int = 40_000) -> list[str]:
    """The seeds' words, most frequent first, then made-up words for the long tail."""
    counts = Counter(w for p in load_corpus().prose for w in p.text.split() if w.isalpha())
    head = [w for w, _ in counts.most_common()]
    rng = random.Random(seed)
    letters = "bcdfghjklmnprstvz"
    vowels = "aeiou"
    tail = set()
    while len(tail) < size - len(head):
        tail.add(
            "".join(rng.choice(letters) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))
        )
    return head + sorted(tail)


def synthetic_paragraphs(n: int, words: list[str], seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, len(words) + 1)
    p = 1 / ranks**1.07
    p /= p.sum()
    lengths = rng.integers(15, 60, size=n)
    picks = rng.choice(len(words), size=int(lengths.sum()), p=p)
    out, at = [], 0
    for length in lengths:
        chunk = [words[i] for i in picks[at : at + length]]
        at += length
        half = len(chunk) // 2
        out.append(
            " ".join(chunk[:half]).capitalize() + ". " + " ".join(chunk[half:]).capitalize() + "."
        )
    return out


def write_articles(folder: Path, paragraphs: list[str]) -> None:
    for i in range(0, len(paragraphs), PARAGRAPHS_PER_FILE):
        text = "\n".join(paragraphs[i : i + PARAGRAPHS_PER_FILE]) + "\n"
        (folder / f"article_{i // PARAGRAPHS_PER_FILE:05d}.txt").write_text(text, encoding="utf-8")


def measure_build(build: Callable[[], Any]) -> tuple[Any, float, float]:
    """The built object, seconds, and retained megabytes (traced allocations still alive)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    obj = build()
    seconds = time.perf_counter() - started
    gc.collect()
    retained = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return obj, seconds, retained / 1e6


def latencies(search: Callable[[list[str]], Any], queries: Sequence[list[str]]) -> list[float]:
    out = []
    for q in queries:
        started = time.perf_counter()
        search(q)
        out.append((time.perf_counter() - started) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def top_scores(scores: np.ndarray) -> list[float]:
    """rank-bm25's top-k scores among matching documents (it pads with zero-score ones)."""
    return [round(float(s), 6) for s in np.sort(scores)[::-1][:TOP_K] if s > 0]


def run_size(n: int, words: list[str], n_queries: int, seed: int) -> dict[str, Any]:
    paragraphs = synthetic_paragraphs(n, words, seed)
    started = time.perf_counter()
    tokens = [analyzer.terms(p) for p in paragraphs]
    analysis_s = time.perf_counter() - started
    rng = random.Random(seed + 1)
    head = words[:1500]
    questions = [" ".join(rng.sample(head, rng.randint(2, 5))) for _ in range(n_queries)]
    queries = [analyzer.terms(q) or ["putin"] for q in questions]

    rows: dict[str, dict[str, Any]] = {}
    params = Params(variant="okapi", k1=1.2, b=0.75)
    index, s, mb = measure_build(lambda: BM25Index.build(tokens, params))
    lat = latencies(lambda q: index.top(q, TOP_K), queries)
    rows["Talks Bot"] = {"build": s, "mem": mb, "lat": lat}

    ref, s, mb = measure_build(lambda: rank_bm25.BM25Okapi(tokens, k1=1.2, b=0.75))
    ref_queries = queries[:RANK_BM25_MAX_QUERIES]
    rows["rank-bm25"] = {"build": s, "mem": mb, "lat": latencies(ref.get_scores, ref_queries)}
    expected = [top_scores(ref.get_scores(q)) for q in ref_queries]
    same = sum(
        [round(sc, 6) for _, sc in index.top(q, TOP_K)] == e
        for q, e in zip(ref_queries, expected, strict=True)
    )
    rows["Talks Bot"]["topk"] = f"{same}/{len(ref_queries)}"
    rows["rank-bm25"]["topk"] = "reference"
    del ref
    gc.collect()

    try:
        import bm25s
    except ImportError:
        bm25s = None
    if bm25s is not None:

        def build_bm25s() -> Any:
            model = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
            model.index(tokens, show_progress=False)
            return model

        model, s, mb = measure_build(build_bm25s)
        vocab = model.vocab_dict

        def ask(q: list[str]) -> Any:
            known = [t for t in q if t in vocab] or [next(iter(vocab))]
            return model.retrieve([known], k=TOP_K, show_progress=False, n_threads=1)

        rows["bm25s"] = {"build": s, "mem": mb, "lat": latencies(ask, queries), "topk": "other IDF"}
        del model

    db, s, _ = measure_build(lambda: _fts5(tokens))
    rows["SQLite FTS5"] = {
        "build": s,
        "mem": float("nan"),
        "topk": "other IDF",
        "lat": latencies(lambda q: _fts5_search(db, q), queries),
    }
    db.close()

    with tempfile.TemporaryDirectory() as tmp:
        folder, cache_dir = Path(tmp) / "articles", Path(tmp) / "cache"
        folder.mkdir()
        write_articles(folder, paragraphs)
        started = time.perf_counter()
        Engine(load_corpus(folder), params=params, cache_dir=cache_dir)
        first_start = time.perf_counter() - started
        started = time.perf_counter()
        engine = Engine(load_corpus(folder), params=params, cache_dir=cache_dir)
        restart = time.perf_counter() - started
        answer_lat = [engine.answer(q).latency_ms for q in questions]
    return {
        "n": n,
        "analysis": analysis_s,
        "rows": rows,
        "first_start": first_start,
        "restart": restart,
        "answer": answer_lat,
    }


def _fts5(tokens: list[list[str]]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(body)")
    db.executemany("INSERT INTO docs (body) VALUES (?)", ((" ".join(t),) for t in tokens))
    db.commit()
    return db


def _fts5_search(db: sqlite3.Connection, q: list[str]) -> list[Any]:
    match = " OR ".join('"' + t.replace('"', "") + '"' for t in q)
    return db.execute(
        "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", (match, TOP_K)
    ).fetchall()


def report(result: dict[str, Any]) -> str:
    rows = result["rows"]
    ours = rows["Talks Bot"]
    ours_med = statistics.median(ours["lat"])
    lines = [
        f"\n## {result['n']:,} paragraphs (analysis of all paragraphs: {result['analysis']:.1f} s)",
        "",
        "| engine | build s | × ours | memory MB | × ours | median ms | p99 ms | × ours "
        "(median) | top-5 = rank-bm25 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        med = statistics.median(r["lat"])
        mem = "n/a" if r["mem"] != r["mem"] else f"{r['mem']:.1f}"
        mem_ratio = "n/a" if r["mem"] != r["mem"] else f"{r['mem'] / ours['mem']:.2f}"
        lines.append(
            f"| {name} | {r['build']:.2f} | {r['build'] / ours['build']:.2f} | {mem} | "
            f"{mem_ratio} | {med:.3f} | {pct(r['lat'], 99):.3f} | {med / ours_med:.1f} | "
            f"{r['topk']} |"
        )
    ans = result["answer"]
    lines += [
        "",
        f"Talks Bot answer (retrieval + sentence choice): median {statistics.median(ans):.2f} ms,"
        f" p99 {pct(ans, 99):.2f} ms. Start from files: first {result['first_start']:.2f} s "
        f"(analysis + index + cache write), restart from the index cache "
        f"{result['restart']:.2f} s.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.retrieval",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="paragraph counts")
    parser.add_argument("--queries", type=int, default=200, help="queries per size")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args(argv)
    words = vocabulary(args.seed)
    print(
        f"# Retrieval benchmark (seed {args.seed}, {args.queries} queries; rank-bm25 timed on "
        f"the first {RANK_BM25_MAX_QUERIES})"
    )
    for n in (int(x) for x in args.sizes.split(",")):
        print(report(run_size(n, words, args.queries, args.seed)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
