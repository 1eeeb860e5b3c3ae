"""Retrieval at scale: Talks Bot against rank-bm25, bm25s and SQLite FTS5, measured in one run.

    python -m benchmarks.retrieval [--sizes 1000,10000,100000,1000000] [--queries 200]

For each size it builds a synthetic corpus (seeded: Zipf-distributed words with the seeds'
vocabulary at the head), analyses it once with the project's analyzer and gives the *same
tokens* to every engine (FTS5 indexes them as text). Every engine uses the same BM25: k1 1.2,
b 0.75, Robertson IDF (bm25s ``method="robertson"``; rank-bm25's Okapi additionally floors
negative IDFs, which only matters for terms in more than half the documents).

- **Query time** is scores plus top-k selection. Talks Bot's ``top`` does both; bm25s is timed
  as ``get_scores`` plus the same selection (``argpartition`` of the k best, then sorted) and,
  in its own row, through its ``retrieve`` helper; rank-bm25 as ``get_scores`` plus the same
  selection, on a few queries only (it scores every document in Python).
- Two query sets: *mixed* (2-5 words drawn from the 1,500 most frequent words, what questions
  look like) and *common* (2-3 of the 30 terms in the most documents, the worst case for
  inverted indexes), reported as separate columns.
- **Build time** is measured without ``tracemalloc``; **memory** in a separate child process
  per engine: the peak resident set size while building, above the process's size with the
  tokens already loaded (Linux ``VmHWM``, reset before the build).
- ``top-k = rank-bm25``: on the queries rank-bm25 is timed on, whether an engine's k best
  scores equal rank-bm25's full scoring (to float32 precision, bm25s's default dtype; bm25s's
  Robertson scores leave out the constant factor k1 + 1, so they are compared multiplied by it).

bm25s is an optional extra: ``pip install '.[bench]'``.
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import rank_bm25

from retrieval import analyzer
from retrieval.corpus import load_corpus
from retrieval.index import BM25Index, Params

TOP_K = 5
K1, B = 1.2, 0.75
COMMON_TERMS = 30  # the common-word queries draw from the terms in the most documents
COMMON_QUERIES = 50


def rank_bm25_queries(n: int) -> int:
    """rank-bm25 scores every document in Python: ~0.2 s a query at 100k, ~2 s at 1M."""
    return 30 if n <= 100_000 else 4


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


def select_top(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The selection Talks Bot's ``top`` makes: the k best positive scores, best first."""
    k = min(k, len(scores))
    part = np.argpartition(-scores, k - 1)[:k]
    best = sorted(part.tolist(), key=lambda i: (-scores[i], i))
    return [(i, float(scores[i])) for i in best if scores[i] > 0]


def same_scores(
    top: Sequence[tuple[int, float]], expected: Sequence[tuple[int, float]], scale: float = 1.0
) -> bool:
    """The same k best scores, to float32 precision (bm25s computes in float32 by default)."""
    got, want = [s * scale for _, s in top], [s for _, s in expected]
    return len(got) == len(want) and bool(np.allclose(got, want, rtol=1e-5, atol=1e-6))


def latencies(search: Callable[[list[str]], Any], queries: Sequence[list[str]]) -> list[float]:
    out = []
    for q in queries:
        started = time.perf_counter()
        search(q)
        out.append((time.perf_counter() - started) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


# --- engines: build(tokens) -> searcher(query) -> top-k ------------------------------------------


def build_talks(tokens: list[list[str]]) -> Callable[[list[str]], Any]:
    index = BM25Index.build(tokens, Params(variant="okapi", k1=K1, b=B))
    return lambda q: index.top(q, TOP_K)


def build_rank_bm25(tokens: list[list[str]]) -> Callable[[list[str]], Any]:
    model = rank_bm25.BM25Okapi(tokens, k1=K1, b=B)
    return lambda q: select_top(model.get_scores(q), TOP_K)


def _bm25s_model(tokens: list[list[str]]) -> Any:
    import bm25s

    model = bm25s.BM25(k1=K1, b=B, method="robertson")
    model.index(tokens, show_progress=False)
    return model


def build_bm25s(tokens: list[list[str]]) -> Callable[[list[str]], Any]:
    model = _bm25s_model(tokens)
    vocab = model.vocab_dict

    def search(q: list[str]) -> Any:
        known = [t for t in q if t in vocab]
        return select_top(model.get_scores(known), TOP_K) if known else []

    return search


def build_bm25s_retrieve(tokens: list[list[str]]) -> Callable[[list[str]], Any]:
    model = _bm25s_model(tokens)
    vocab = model.vocab_dict

    def search(q: list[str]) -> Any:
        known = [t for t in q if t in vocab]
        if not known:
            return []
        docs, scores = model.retrieve([known], k=TOP_K, show_progress=False, n_threads=1)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    return search


def build_fts5(tokens: list[list[str]]) -> Callable[[list[str]], Any]:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(body)")
    db.executemany("INSERT INTO docs (body) VALUES (?)", ((" ".join(t),) for t in tokens))
    db.commit()

    def search(q: list[str]) -> Any:
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in q)
        return db.execute(
            "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?",
            (match, TOP_K),
        ).fetchall()

    return search


ENGINES: dict[str, Callable[[list[list[str]]], Callable[[list[str]], Any]]] = {
    "Talks Bot": build_talks,
    "rank-bm25": build_rank_bm25,
    "bm25s (scores + same top-k)": build_bm25s,
    "bm25s (its retrieve helper)": build_bm25s_retrieve,
    "SQLite FTS5 bm25()": build_fts5,
}
SAME_SCORES = ("Talks Bot", "bm25s (scores + same top-k)", "bm25s (its retrieve helper)")


def have_bm25s() -> bool:
    try:
        import bm25s  # noqa: F401
    except ImportError:
        return False
    return True


# --- memory: one child process per engine ------------------------------------------------------


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _memory_child(engine: str, tokens_file: str) -> None:
    with open(tokens_file, "rb") as f:
        tokens = pickle.load(f)
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    before = _status_kib("VmRSS")
    searcher = ENGINES[engine](tokens)
    gc.collect()
    after = _status_kib("VmRSS")
    peak = _status_kib("VmHWM")
    print(json.dumps({"peak": (peak - before) / 1024, "resident": (after - before) / 1024}))
    del searcher


def measure_memory(engine: str, tokens_file: Path) -> dict[str, float]:
    """Peak and retained RSS of building ``engine``, in MiB, from a fresh process."""
    if not Path("/proc/self/clear_refs").exists():
        return {"peak": float("nan"), "resident": float("nan")}
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.retrieval", "--memory-of", engine, str(tokens_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- one size ----------------------------------------------------------------------------------


def queries_for(tokens: list[list[str]], words: list[str], n_queries: int, seed: int):
    rng = random.Random(seed + 1)
    head = words[:1500]
    mixed = []
    for _ in range(n_queries):
        q = analyzer.terms(" ".join(rng.sample(head, rng.randint(2, 5))))
        mixed.append(q or ["putin"])
    df: Counter[str] = Counter()
    for doc in tokens[: min(len(tokens), 50_000)]:  # a sample is enough to rank terms by df
        df.update(set(doc))
    common_terms = [t for t, _ in df.most_common(COMMON_TERMS)]
    common = [rng.sample(common_terms, rng.randint(2, 3)) for _ in range(COMMON_QUERIES)]
    return mixed, common, common_terms


def run_size(n: int, words: list[str], n_queries: int, seed: int) -> dict[str, Any]:
    paragraphs = synthetic_paragraphs(n, words, seed)
    started = time.perf_counter()
    tokens = [analyzer.analyze(p)[0] for p in paragraphs]  # = analyzer.terms, one fold
    analysis_s = time.perf_counter() - started
    del paragraphs
    mixed, common, common_terms = queries_for(tokens, words, n_queries, seed)
    n_ref = rank_bm25_queries(n)
    checked = mixed[: n_ref // 2 + n_ref % 2] + common[: n_ref // 2]

    engines = [e for e in ENGINES if have_bm25s() or "bm25s" not in e]
    rows: dict[str, dict[str, Any]] = {}
    reference: list[Any] = []
    for name in engines:
        gc.collect()
        started = time.perf_counter()
        search = ENGINES[name](tokens)
        build_s = time.perf_counter() - started
        if name == "rank-bm25":
            lat_mixed = latencies(search, mixed[: len(checked) - n_ref // 2])
            lat_common = latencies(search, common[: n_ref // 2])
            reference = [search(q) for q in checked]
        else:
            search(mixed[0])  # warm-up: first-call imports and caches
            lat_mixed, lat_common = latencies(search, mixed), latencies(search, common)
        rows[name] = {
            "build": build_s,
            "mixed": lat_mixed,
            "common": lat_common,
            "results": [search(q) for q in checked] if name in SAME_SCORES else None,
        }
        del search
        gc.collect()
    for name, row in rows.items():
        if name == "rank-bm25":
            row["topk"] = "reference"
        elif row["results"] is None:
            row["topk"] = "other BM25"
        else:
            # bm25s's Robertson term-frequency part leaves out rank-bm25's constant (k1 + 1)
            scale = K1 + 1 if name.startswith("bm25s") else 1.0
            same = sum(
                same_scores(r, e, scale) for r, e in zip(row["results"], reference, strict=True)
            )
            row["topk"] = f"{same}/{len(checked)}"

    with tempfile.TemporaryDirectory() as tmp:
        tokens_file = Path(tmp) / "tokens.pickle"
        with open(tokens_file, "wb") as f:
            pickle.dump(tokens, f, protocol=pickle.HIGHEST_PROTOCOL)
        del tokens
        gc.collect()
        for name in engines:
            rows[name].update(measure_memory(name, tokens_file))
    return {
        "n": n,
        "analysis": analysis_s,
        "rows": rows,
        "n_ref": n_ref,
        "common_terms": common_terms[:8],
    }


def report(result: dict[str, Any]) -> str:
    rows = result["rows"]
    ours = rows["Talks Bot"]
    ours_mixed, ours_common = statistics.median(ours["mixed"]), statistics.median(ours["common"])
    lines = [
        f"\n## {result['n']:,} paragraphs (analysis of all paragraphs: {result['analysis']:.1f} s;"
        f" rank-bm25 timed on {result['n_ref']} queries; common terms: "
        f"{', '.join(result['common_terms'])}, …)",
        "",
        "| engine | build s | peak MiB | resident MiB | mixed median ms | mixed p99 ms "
        "| × ours | common median ms | common p99 ms | × ours | top-5 = rank-bm25 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        med_m, med_c = statistics.median(r["mixed"]), statistics.median(r["common"])
        lines.append(
            f"| {name} | {r['build']:.2f} | {r['peak']:.0f} | {r['resident']:.0f} | "
            f"{med_m:.3f} | {pct(r['mixed'], 99):.3f} | {med_m / ours_mixed:.2f} | "
            f"{med_c:.3f} | {pct(r['common'], 99):.3f} | {med_c / ours_common:.2f} | "
            f"{r['topk']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--memory-of"]:
        _memory_child(argv[1], argv[2])
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.retrieval",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="paragraph counts")
    parser.add_argument("--queries", type=int, default=200, help="mixed queries per size")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args(argv)
    words = vocabulary(args.seed)
    print(
        f"# Retrieval benchmark (seed {args.seed}; {args.queries} mixed and {COMMON_QUERIES} "
        f"common-word queries; top-{TOP_K}; k1 {K1}, b {B}, Robertson IDF everywhere)"
    )
    if not have_bm25s():
        print("(bm25s is not installed: pip install '.[bench]')")
    for n in (int(x) for x in args.sizes.split(",")):
        print(report(run_size(n, words, args.queries, args.seed)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
