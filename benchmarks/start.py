"""Start-up and worst question, end to end through ``talks-bot ask``, at each corpus size.

    python -m benchmarks.start [--sizes 10000,100000,1000000]

For each size it writes a synthetic corpus (the retrieval benchmark's generator, 20
paragraphs per article file) to a temporary folder, then runs the real command line as a
child process, three times:

1. **first start**: no index cache; analysis, index build and cache write, then one question;
2. **restart**: the same command again, loading the cache; then, three times, the restart's
   parts (``benchmarks.restart_parts``: imports, corpus, engine, first answer; those of the
   median run), the interpreter's start and exit being the rest of that process's wall time;
3. **questions**: the project's question set (``tests/data/questions.jsonl``: typos, unknown
   words, off-topic and bad input included) plus common-word questions, in one batch; each
   answer's own ``latency_ms`` gives the median, the 95th percentile and the worst question.

The children run with Python's bytecode cache on (``child_environment``). Wall time is from
process start to exit, CPU time the child's user + system time including
its build workers (on a shared machine wall time includes waiting for a core); peak memory
is the child's maximum resident set size (``wait4``). The temporary folder, with the corpus
and its cache, is deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks.retrieval import synthetic_paragraphs, vocabulary

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPHS_PER_FILE = 20
EXTRA_QUESTIONS = [
    "What did Russia and Ukraine say about the talks?",
    "What did the president say about the peace proposal?",
    "Russia Ukraine president talks peace ceasefire",
    "Who is the Kremln spokesperson?",
    "What did Zelenskky propse in Istambul?",
    "Was the qwertyuiop zxcvbnmasd discussed?",
]


def write_corpus(folder: Path, n: int, seed: int) -> None:
    paragraphs = synthetic_paragraphs(n, vocabulary(seed), seed)
    for i in range(0, n, PARAGRAPHS_PER_FILE):
        text = "\n".join(paragraphs[i : i + PARAGRAPHS_PER_FILE]) + "\n"
        (folder / f"article_{i // PARAGRAPHS_PER_FILE:06d}.txt").write_text(text, "utf-8")


def questions() -> list[str]:
    lines = (ROOT / "tests" / "data" / "questions.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()] + EXTRA_QUESTIONS


def child_environment() -> dict[str, str]:
    """This process's environment, with Python's bytecode cache on: an installed package's
    modules are compiled when pip installs them, and a checkout's on first import, unless
    ``PYTHONDONTWRITEBYTECODE`` is set (as on some build machines), when every start compiles
    them again (about 0.07 s) — a cost operators' restarts do not pay."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_cli(folder: Path, work: Path, batch: list[str]) -> tuple[float, float, float, list[dict]]:
    """Wall seconds, CPU seconds (with the process pool's), peak RSS in MiB, and the JSON
    answers of one ``talks-bot ask`` run."""
    env = {
        **child_environment(),
        "TALKS_DB_PATH": str(work / "talks.db"),
        "TALKS_INDEX_CACHE_DIR": str(work / "cache"),  # never the user's own cache folder
    }
    lines = "".join(json.dumps({"id": i, "question": q}) + "\n" for i, q in enumerate(batch))
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "ask",
            "--corpus",
            str(folder),
            "--batch",
            "-",
            "--json",
            "--no-log",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=work,
        text=True,
    )
    assert proc.stdin and proc.stdout and proc.stderr
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()))  # type: ignore[union-attr]
    reader.start()
    proc.stdin.write(lines)
    proc.stdin.close()
    out = proc.stdout.read()
    reader.join()
    _, status, usage = os.wait4(proc.pid, 0)  # reaped here, not by Popen, to get its rusage
    proc.returncode = status
    err = "".join(errors)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"talks-bot ask exited with {code}: {err.strip()[-500:]}")
    answers = [json.loads(line) for line in out.splitlines() if line.strip()]
    cpu = usage.ru_utime + usage.ru_stime  # includes the build's worker processes
    return wall, cpu, usage.ru_maxrss / 1024, answers


def run_size(n: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="talks-start-") as tmp:
        folder, work = Path(tmp) / "articles", Path(tmp) / "work"
        folder.mkdir()
        work.mkdir()
        write_corpus(folder, n, seed)
        one = ["Where will the talks be held?"]
        first, first_cpu, first_mem, _ = run_cli(folder, work, one)
        restart, restart_cpu, restart_mem, _ = run_cli(folder, work, one)
        parts = restart_parts(folder, work)
        batch = questions()
        _, _, batch_mem, answers = run_cli(folder, work, batch)
    lat = [a["latency_ms"] for a in answers if "latency_ms" in a]
    worst = max(range(len(lat)), key=lat.__getitem__)
    return {
        "n": n,
        "first": first,
        "first_cpu": first_cpu,
        "restart_cpu": restart_cpu,
        "first_mem": first_mem,
        "restart": restart,
        "restart_mem": restart_mem,
        "batch_mem": batch_mem,
        "median": statistics.median(lat),
        "p95": float(np.percentile(lat, 95)),
        "worst": lat[worst],
        "worst_q": answers[worst]["question"],
        "count": len(lat),
        "parts": parts,
    }


PARTS = ("imports", "corpus", "engine", "answer", "ready", "start_and_exit")


def restart_parts(folder: Path, work: Path, runs: int = 3) -> dict[str, float]:
    """The parts of the median restart of ``runs`` (``benchmarks.restart_parts``): one run's
    own parts, so they add up to its ``ready`` (medians taken part by part need not)."""
    env = {**child_environment(), "TALKS_DB_PATH": str(work / "talks.db")}
    seen: list[dict[str, float]] = []
    for _ in range(runs):
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.restart_parts", str(folder), str(work / "cache")],
            capture_output=True, text=True, env=env, cwd=ROOT, check=True,
        )  # fmt: skip
        wall = time.perf_counter() - started
        parts = json.loads(out.stdout.strip().splitlines()[-1])
        parts["start_and_exit"] = wall - parts["ready"]
        seen.append(parts)
    seen.sort(key=lambda p: p["ready"])
    return {k: seen[len(seen) // 2][k] for k in PARTS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.start",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="10000,100000", help="paragraph counts")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args(argv)
    print(
        "| paragraphs | first start s (CPU s) | peak MiB | restart s (CPU s) | peak MiB "
        "| questions | median ms | p95 ms | worst ms | worst question |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        r = run_size(n, args.seed)
        rows.append(r)
        print(
            f"| {r['n']:,} | {r['first']:.1f} ({r['first_cpu']:.1f}) | {r['first_mem']:.0f} | "
            f"{r['restart']:.2f} ({r['restart_cpu']:.2f}) | "
            f"{r['restart_mem']:.0f} | {r['count']} | {r['median']:.2f} | {r['p95']:.1f} | "
            f"{r['worst']:.1f} | "
            f"{r['worst_q'][:60]} |",
            flush=True,
        )
    heading = "| paragraphs | " + " | ".join(PARTS) + " |\n" + "|---" * (len(PARTS) + 1) + "|"
    print(
        "\nA restart's parts, seconds (the median run of three; `ready`: first line to "
        f"its first answer):\n\n{heading}"
    )
    for r in rows:
        print(f"| {r['n']:,} | " + " | ".join(f"{r['parts'][k]:.3f}" for k in PARTS) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
