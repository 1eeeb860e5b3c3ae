"""/logs on a large answer log: time to Discord's first response and to the answer.

    python -m benchmarks.logs [--entries 400000] [--runs 2]

Writes a log of N entries spread over two servers and DMs (a third each) into a temporary
folder, starts the emulator and ``talks-bot run`` on it, and runs each /logs subcommand as a
moderator of the first server. Discord invalidates an interaction not acknowledged within 3 s;
the first response must stay far below that whatever the answer takes. The anchor is the same
store query over the whole log (the operator's view, no server filter) on the same file.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from bot.logs.models import Filters
from bot.logs.sqlite import SqliteStore
from bot.playground.emulator import Emulator
from bot.playground.process import BotProcess

COMMANDS = [
    ("stats", {"days": 3650}, lambda s, g: s.stats("2000-01-01", guild_id=g)),
    ("search", {"text": "talks 4"},
     lambda s, g: s.entries(Filters(10, search="talks 4", guild_id=g))),
    ("recent", {}, lambda s, g: s.entries(Filters(10, guild_id=g))),
    ("export", {"days": 3650}, lambda s, g: s.entries(Filters(5000, since="2000", guild_id=g))),
]  # fmt: skip


def fill(db: Path, n: int, guilds: list[str | None]) -> None:
    rnd = random.Random(1)
    con = sqlite3.connect(db)
    con.executemany(
        "INSERT INTO entries (id, created_at, surface, guild_id, channel_id, user_id, user_name, "
        "question, answered, reason, answer, quotes, top_score, corpus_version, latency_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # named: later columns default
        (
            (i + 1, f"2026-11-{1 + i % 22:02d}T00:00:{i % 60:02d}.000Z", "discord",
             guilds[i % 3], "1", str(rnd.randrange(1000)), "user",
             f"question {rnd.randrange(5000)} about the talks", i % 4 != 0,
             None if i % 4 else "not_covered", "answer text", "[]", None, "v", 1.0)
            for i in range(n)
        ),
    )  # fmt: skip
    con.commit()
    con.close()


async def main(entries: int, runs: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    db = tmp / "log.db"
    emu = Emulator()
    await emu.start()
    async with SqliteStore(db):
        pass
    fill(db, entries, [str(emu.guilds[0].id), str(emu.guilds[1].id), None])
    anchors = {}
    async with SqliteStore(db) as store:
        for sub, _, query in COMMANDS:
            start = time.perf_counter()
            await query(store, None)
            anchors[sub] = (time.perf_counter() - start) * 1000
    bot = await BotProcess(emu.env(TALKS_DB_PATH=str(db)), tmp).start()
    try:
        await asyncio.wait_for(emu.identified.wait(), 120)
        print(f"{entries} entries, a third each in server A, server B and DMs; {runs} runs\n")
        print("| /logs | first response (ms) | answer (ms) | anchor: whole log, in process (ms) |")
        print("|---|---|---|---|")
        for sub, options, _ in COMMANDS:
            acks, answers = [], []
            for _ in range(runs):
                ex = await emu.invoke("moderator", "logs", options, sub=sub)
                await ex.wait(timeout=120)
                acks.append((ex.acked_at - ex.sent_at) * 1000)
                answers.append((ex.answered_at - ex.sent_at) * 1000)
            print(f"| {sub} | {max(acks):.0f} | {min(answers):.0f}–{max(answers):.0f} "
                  f"| {anchors[sub]:.0f} |")  # fmt: skip
        print(f"\nrequests Discord would refuse: {len(emu.rejections)}")
    finally:
        await bot.stop()
        await emu.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=400_000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.entries, args.runs))
