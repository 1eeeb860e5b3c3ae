"""Answer latency (retrieval + sentence choice), this tree against an earlier commit, same run.

    python -m benchmarks.answer_latency [--paragraphs 100000] [--compare-with b922a3b]

Writes one synthetic corpus (``benchmarks.start``'s generator, seeded), then times
``Engine.answer`` on both question sets in a child process per code version: this tree, and
the given commit checked out into a temporary git worktree (removed afterwards). Index building
is outside the timing; each question is answered once to warm caches, then timed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SETS = [DATA / "questions.jsonl", DATA / "dev_questions.jsonl"]

# Runs inside the child, with the code version under test first on sys.path. It uses only the
# API each version has (load_corpus, its way to build an engine, Engine.answer).
CHILD = """
import json, statistics, sys, time
from retrieval.corpus import load_corpus
from retrieval import Engine
corpus = load_corpus(sys.argv[1])
if hasattr(Engine, "build"):  # this tree: defaults come from the settings class
    from bot.app import engine_options
    engine = Engine.build(corpus, **engine_options())
else:  # earlier commits: Engine(corpus) with its own defaults
    engine = Engine(corpus)
questions = json.loads(sys.argv[2])
for q in questions:
    engine.answer(q)
times = []
for q in questions:
    t = time.perf_counter(); engine.answer(q); times.append((time.perf_counter() - t) * 1000)
times.sort()
print(json.dumps({"median": statistics.median(times), "p99": times[int(0.99 * (len(times) - 1))],
                  "max": times[-1]}))
"""


def questions() -> list[str]:
    out = []
    for path in SETS:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    return out


def measure(code: Path, corpus: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(corpus), json.dumps(questions())],
        cwd=code, env=env, capture_output=True, text=True, check=False, timeout=1800,
    )  # fmt: skip
    if result.returncode:
        raise SystemExit(f"{code}: the child failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    from benchmarks.start import write_corpus

    parser = argparse.ArgumentParser(prog="python -m benchmarks.answer_latency")
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--compare-with", default="b922a3b", help="git commit to compare with")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="talks-latency-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        write_corpus(corpus, args.paragraphs, args.seed)
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old),
                        args.compare_with], check=True)  # fmt: skip
        try:
            started = time.perf_counter()
            rows = {
                f"commit {args.compare_with}": measure(old, corpus),
                "this tree": measure(ROOT, corpus),
            }
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                           check=False)  # fmt: skip
    print(f"answer latency at {args.paragraphs:,} paragraphs, {len(questions())} questions "
          f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
    print("| code | median ms | p99 ms | max ms |\n|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['median']:.2f} | {r['p99']:.2f} | {r['max']:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
