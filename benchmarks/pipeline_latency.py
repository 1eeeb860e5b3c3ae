"""Answer latency of the whole pipeline on the shipped articles, and what the reader takes.

    python -m benchmarks.pipeline_latency

Answers every question of the project's sets once to warm up, then times each again on a
fresh engine (the answer cache would otherwise serve them), and prints median, p95 and max
per question, with the reader's share; the CPU time an answer costs (all threads), and the
reader's part of it (its pairs read again alone), which bound the answers a second the
machine's cores can give however questions are batched; then a cold ``talks-bot ask`` (a new
process: Python, the index cache, the model) as a member's first question would meet it.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot.app import build_engine
from config import Settings
from retrieval.evaluate import load_items
from retrieval.pipeline.read import Pair

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SETS = [DATA / "questions.jsonl", DATA / "dev_questions.jsonl"]


class TimedReader:
    def __init__(self, reader) -> None:  # type: ignore[no-untyped-def]
        self.reader = reader
        self.spent: list[float] = []
        self.pairs: list[list[Pair]] = []

    def run(self, pairs):  # type: ignore[no-untyped-def]
        self.pairs.append(list(pairs))
        started = time.perf_counter()
        try:
            return self.reader.run(pairs)
        finally:
            self.spent.append((time.perf_counter() - started) * 1000)


def summary(name: str, times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    median = statistics.median(times)
    return f"{name:<12} median {median:6.1f} ms  p95 {p95:6.1f} ms  max {times[-1]:6.1f} ms"


def _cpu_s() -> float:
    """This process's CPU time so far, every thread's."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    questions = [item.question for path in SETS for item in load_items(path)]
    warm = build_engine(Settings())
    warm.load_models()
    for q in questions:
        warm.answer(q)
    engine = build_engine(Settings())
    engine.reader = timed = TimedReader(warm.reader)
    totals = []
    cpu = _cpu_s()
    for q in questions:
        started = time.perf_counter()
        engine.answer(q)
        totals.append((time.perf_counter() - started) * 1000)
    cpu = _cpu_s() - cpu
    reader_cpu = _cpu_s()
    for pairs in timed.pairs:
        warm.reader.run(pairs)
    reader_cpu = _cpu_s() - reader_cpu
    print(f"{len(questions)} questions, shipped articles")
    print(summary("answer", totals))
    print(summary("reader", timed.spent))
    n, cores = len(questions), len(os.sched_getaffinity(0))
    pairs = sum(len(p) for p in timed.pairs) / n
    print(
        f"CPU per answer {cpu / n * 1000:.0f} ms, of which the reader {reader_cpu / n * 1000:.0f}"
        f" ms ({pairs:.1f} pairs): at most {cores * n / cpu:.1f} answers/s on {cores} cores"
    )
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--no-log", "Where will the talks be held?"],
        check=True, capture_output=True,
    )  # fmt: skip
    print(f"cold talks-bot ask: {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
