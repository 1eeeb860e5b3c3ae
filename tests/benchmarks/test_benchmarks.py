"""The benchmarks still run (tiny sizes): figures come from running them, not from tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow


def _need(sets: list[Path]) -> None:
    """Skip, as the answer tests do, where the shared question sets are not beside the checkout
    (CI lays them there; a clone elsewhere has none)."""
    if not sets:
        pytest.skip("the shared evaluation sets are not beside the checkout (../shared/eval)")


def run(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_retrieval_benchmark_prints_every_engine_with_ratios() -> None:
    out = run("benchmarks.retrieval", "--sizes", "300", "--queries", "10")
    for name in ("| Talks Bot |", "| rank-bm25 |", "| SQLite FTS5 bm25() |"):
        assert name in out
    ours = next(line for line in out.splitlines() if line.startswith("| Talks Bot |"))
    assert ours.endswith("| 25/25 |")  # our top-5 equals rank-bm25's on every checked query


def test_bot_benchmark_answers_and_logs_everything() -> None:
    out = run("benchmarks.bot", "--levels", "1,5", "--single-runs", "2")
    assert "| 1 |" in out and "| 2/2 (0) | 2/2 |" in out  # answered (none told busy), logged
    assert "| 5 |" in out and "| 5/5 (0) | 5/5 |" in out
    assert "Largest event-loop stall in the bot:" in out and "exit code 0" in out


def test_start_benchmark_answers_every_question_end_to_end() -> None:
    out = run("benchmarks.start", "--sizes", "2000")
    row, parts = [line for line in out.splitlines() if line.startswith("| 2,000 |")]
    cells = [c.strip() for c in row.strip("|").split("|")]
    questions = int(cells[5])
    assert questions >= 80  # the question set plus the extra questions, each one answered
    # the restart's parts: imports, corpus, engine, answer, ready (their sum), start and exit
    values = [float(c) for c in parts.strip("|").split("|")[1:]]
    imports, corpus, engine, answer, ready, rest = values
    assert min(imports, corpus, engine, answer, rest) > 0
    assert abs(imports + corpus + engine + answer - ready) < 0.05


def test_logs_benchmark_acknowledges_every_view_and_nothing_is_refused() -> None:
    out = run("benchmarks.logs", "--entries", "3000", "--runs", "1")
    for sub in ("stats", "search", "recent", "export"):
        assert f"| {sub} |" in out
    assert "requests Discord would refuse: 0" in out


def test_autocomplete_benchmark_measures_every_keystroke_and_the_round_trip() -> None:
    out = run("benchmarks.autocomplete", "--entries", "500", "--questions", "5", "--e2e", "5")
    for row in ("| Talks Bot: memory + ranking + choices |", "| anchor: one indexed LIKE",
                "right after a 👎", "| Talks Bot |"):  # fmt: skip
        assert row in out, out
    assert "requests Discord would refuse: 0" in out


def test_log_backends_benchmark_writes_every_record_on_both(postgres) -> None:
    """``postgres``: skipped (or failed under CI) where PostgreSQL is not installed; the
    benchmark starts its own cluster."""
    out = run("benchmarks.log_backends", "--records", "40", "--runs", "1")
    rows = [line for line in out.splitlines() if line.startswith(("| sqlite", "| postgresql"))]
    assert [r.split("|")[1:3] for r in rows] == [
        [" sqlite ", " 1 "], [" sqlite ", " 2 "], [" postgresql ", " 1 "], [" postgresql ", " 2 "],
    ]  # fmt: skip
    assert all(r.rstrip().endswith("| 0 |") for r in rows), out  # nothing kept aside


def test_short_answers_are_always_exact_slices_of_their_quotes() -> None:
    """Every answer of the shared question sets: a short answer is never anything but the
    quote's own text at its offsets; the step's span holds an accepted answer in most of the
    right first quotes that ask for a value or a name (31 of 46, 67 %, with the shipped reader;
    issue 29's target is 70 %: the floor catches a broken step, not the target)."""
    from benchmarks import short_answers

    _need(short_answers.SETS)
    f = short_answers.run(short_answers.SETS)
    assert f["answers"] > 100 and f["exact"] == f["short"]
    assert f["typed"] and f["picked_right"] / f["typed"] >= 0.6


def test_followup_benchmark_inherits_the_topic_and_reads_own_topics_as_asked() -> None:
    from benchmarks import followups

    _need(followups.SETS)
    figures = followups.run(followups.SETS[:1])
    (f,) = figures.values()
    assert f["pairs"] and f["followup"] > 3 * max(1, f["alone"])  # the topic is taken
    assert f["followup"] >= f["full"] - 2  # nearly what the full question gets
    assert f["read_as_asked"] == f["other_pairs"]
