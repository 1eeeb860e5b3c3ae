"""The real bot under load: 1, 50 and 200 concurrent /ask against the Discord emulator.

    python -m benchmarks.bot [--levels 1,50,200] [--single-runs 20]

Starts the emulator on 127.0.0.1 and ``talks-bot run`` as a subprocess (cooldown off, a fresh
answer log in a temporary folder), fires the questions at once, and prints for each level the
acknowledgement and answer latency (median, p95, max; ratio to one question at a time),
answers per second (a burst: its questions over the time from the first sent to the last
answered; level 1: the questions over the sum of their rounds, one at a time) and its ratio
to the one-at-a-time rate of the same run, how many were told "busy, ask again shortly"
(``bot/answering.py``), whether every question was answered and logged, and at the end the
largest event-loop stall the bot itself saw (its loop watch, logged at shutdown).

Every /ask in a run is a different question (the project's question sets and the shared dev
sets, each asked once), so each one goes through the whole pipeline: the engine keeps recent
answers by exact text, and repeating a handful of questions would time that cache instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bot.playground.emulator import Emulator
from bot.playground.process import BotProcess

ROOT = Path(__file__).resolve().parent.parent
QUESTION_FILES = [
    *sorted((ROOT / "tests" / "data").glob("*questions*.jsonl")),
    *sorted((ROOT.parent / "shared" / "eval").glob("dev_questions*.jsonl")),
]
LOG_WAIT_S = 60


def distinct_questions() -> list[str]:
    """Every question of the question sets once, in a fixed shuffled order."""
    seen: dict[str, None] = {}
    for path in QUESTION_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line).get("question")
                if isinstance(text, str) and text.strip() and len(text) <= 300:
                    seen.setdefault(text, None)
    questions = list(seen)
    random.Random(7).shuffle(questions)
    return questions


def count(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    finally:
        conn.close()


def ms(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(values) * 1000, p95 * 1000, max(values) * 1000


BUSY_TEXT = "Many questions are being asked right now"


async def fire(
    emu: Emulator, questions: list[str], round_no: int
) -> tuple[list[float], list[float], int, int, float]:
    """Acknowledgement and answer times, answered, told busy, and the burst's span (first
    sent to last answered, seconds)."""
    exchanges = await asyncio.gather(
        *(emu.invoke(f"r{round_no}u{i}", "ask", {"question": q}) for i, q in enumerate(questions))
    )
    await asyncio.gather(*(ex.wait(timeout=900) for ex in exchanges), return_exceptions=True)
    answered = sum(ex.done.is_set() and bool(ex.reply.get("embeds")) for ex in exchanges)
    busy = sum(BUSY_TEXT in json.dumps(ex.reply.get("embeds") or []) for ex in exchanges)
    acks = [ex.acked_at - ex.sent_at for ex in exchanges if ex.acked_at]
    answers = [ex.answered_at - ex.sent_at for ex in exchanges if ex.answered_at]
    done = [ex.answered_at for ex in exchanges if ex.answered_at]
    span = max(done) - min(ex.sent_at for ex in exchanges) if done else float("nan")
    return acks, answers, answered, busy, span


async def run(levels: list[int], single_runs: int) -> int:
    pool = distinct_questions()
    needed = sum(single_runs if n == 1 else n for n in levels)
    if needed > len(pool):
        print(f"only {len(pool)} distinct questions for {needed} asks: some repeat (cached)")
    emu = Emulator()
    await emu.start()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "log.db"
        # The bot runs this checkout's code, not whichever one an editable install points at.
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
        env = emu.env(TALKS_DB_PATH=str(db), TALKS_ASK_COOLDOWN_SECONDS="0", PYTHONPATH=path)
        bot = await BotProcess(env, Path(tmp)).start()
        try:
            await asyncio.wait_for(emu.identified.wait(), 60)
            results = {}
            round_no = used = 0
            for n in levels:
                acks: list[float] = []
                answers: list[float] = []
                answered = sent = told_busy = 0
                span = 0.0
                before = count(db)
                for _ in range(single_runs if n == 1 else 1):
                    round_no += 1
                    batch = [pool[(used + i) % len(pool)] for i in range(n)]
                    used += n
                    a, b, ok, busy, took = await fire(emu, batch, round_no)
                    acks += a
                    answers += b
                    answered += ok
                    told_busy += busy
                    span += took
                    sent += n
                deadline = time.monotonic() + LOG_WAIT_S
                while count(db) - before < sent and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                results[n] = (acks, answers, answered, sent, count(db) - before, told_busy, span)
        finally:
            code = await bot.stop()
            await emu.stop()
        stall = re.findall(r"largest event-loop stall: ([0-9.]+) ms", bot.output)
    base_ack = statistics.median(results[levels[0]][0])
    base_ans = statistics.median(results[levels[0]][1])
    base_rate = results[levels[0]][3] / results[levels[0]][6]
    print("# Bot under load (real `talks-bot run` against the local Discord emulator)\n")
    print(f"{needed} asks, {min(needed, len(pool))} distinct questions.\n")
    print(
        "| concurrent /ask | ack median / p95 / max ms | × single | answer median / p95 / "
        "max ms | × single | answers/s | × one at a time | answered (busy) | logged |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, (acks, answers, answered, sent, logged, busy, span) in results.items():
        a, b = ms(acks), ms(answers)
        rate = sent / span
        print(
            f"| {n} | {a[0]:.1f} / {a[1]:.1f} / {a[2]:.1f} | "
            f"{statistics.median(acks) / base_ack:.1f} | {b[0]:.1f} / {b[1]:.1f} / {b[2]:.1f} | "
            f"{statistics.median(answers) / base_ans:.1f} | {rate:.2f} | "
            f"{rate / base_rate:.2f} | {answered}/{sent} ({busy}) | {logged}/{sent} |"
        )
    print(
        f"\nLargest event-loop stall in the bot: {stall[-1] if stall else '?'} ms "
        f"(exit code {code}). Discord requires an acknowledgement within 3000 ms."
    )
    return 0 if code == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bot",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--levels", default="1,50,200", help="concurrency levels")
    parser.add_argument("--single-runs", type=int, default=20, help="rounds at level 1")
    args = parser.parse_args(argv)
    return asyncio.run(run([int(x) for x in args.levels.split(",")], args.single_runs))


if __name__ == "__main__":
    raise SystemExit(main())
