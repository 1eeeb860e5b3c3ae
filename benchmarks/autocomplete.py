"""/ask autocomplete: the bot's cost per keystroke, and the round trip through Discord's side.

    python -m benchmarks.autocomplete [--entries 10000] [--questions 200] [--e2e 200]

Writes a log with N questions asked in one server (a quarter declined, some private, some
voted not helpful; drawn from 4,000 distinct questions made of the articles' words) into a
temporary folder, then:

1. **Bot side, in process**: members type 200 of those questions letter by letter (every
   prefix up to 40 characters: thousands of keystrokes) and each keystroke runs what the
   autocomplete callback runs — the server's questions from memory, the ranking against them,
   the article sentences and the word completion, the choices built. Median, p99 and max per
   keystroke; also the first keystroke in the server (the lazy load from the log), a
   keystroke right after a new answer (counted in) and right after a 👎 (the server's
   candidates rebuilt).
2. **Anchor, same prefixes, same file**: what a callback that queries the log on every
   keystroke costs — one indexed ``LIKE`` query for this server's answered public questions
   through the same aiosqlite connection (``LIMIT 25``; no ranking, no articles).
3. **End to end** (``--e2e N``, 0 to skip): the emulator and the real ``talks-bot run``; N
   keystrokes as interaction type 4, time from dispatch to the type 8 response (gateway,
   discord.py, the callback, HTTP): what must stay under Discord's 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from discord import app_commands

from bot.discord import suggest
from bot.discord.asked import AskedMemory
from bot.logs.models import Asked
from bot.logs.sqlite import SqliteStore
from bot.playground.emulator import Emulator
from bot.playground.process import BotProcess
from retrieval.corpus import load_corpus

TEMPLATES = (
    "Where will {a} be held?", "What did {a} say about {b}?", "Did {a} agree to {b}?",
    "When will {a} meet {b}?", "Who is {a}?", "How many {a} were there?",
    "Why did {a} reject {b}?", "Is {a} part of the {b}?",
)  # fmt: skip
PREFIX_MAX = 40  # members pick a suggestion long before typing a whole question


def questions(n: int, seed: int = 1) -> list[str]:
    """``n`` distinct questions from templates and the articles' words."""
    corpus = load_corpus()
    words = sorted({w for p in corpus.prose for w in suggest._VOCAB_WORD.findall(p.text)
                    if len(w) > 3})  # fmt: skip
    rnd = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        t = rnd.choice(TEMPLATES)
        out.add(t.format(a=rnd.choice(words), b=rnd.choice(words)))
    return sorted(out)


def fill(db: Path, n: int, pool: list[str], guild: str) -> None:
    rnd = random.Random(2)
    con = sqlite3.connect(db)
    con.executemany(
        "INSERT INTO entries (id, created_at, surface, guild_id, channel_id, user_id, user_name, "
        "question, answered, reason, answer, quotes, top_score, corpus_version, latency_ms, "
        "private) VALUES (?, ?, 'discord', ?, '1', ?, 'user', ?, ?, ?, 'answer', '[]', NULL, "
        "'v', 1.0, ?)",
        (
            (i + 1, f"2026-11-{1 + i * 22 // n:02d}T00:00:00.{i % 1000:03d}Z", guild,
             str(rnd.randrange(1000)), rnd.choice(pool), i % 4 != 0,
             None if i % 4 else "not_covered", int(i % 10 == 0))
            for i in range(n)
        ),
    )  # fmt: skip
    con.executemany(
        "INSERT INTO feedback (entry_id, user_id, helpful, reason, created_at) "
        "VALUES (?, '5', 0, NULL, '2026-11-23')",
        ((i,) for i in range(1, n + 1, 17)),
    )
    con.commit()
    con.close()


def keystrokes(pool: list[str], n: int) -> list[str]:
    rnd = random.Random(3)
    typed = []
    for q in rnd.sample(pool, min(n, len(pool))):
        typed += [q[:k] for k in range(0, min(len(q), PREFIX_MAX) + 1)]
    return typed


def summary(ms: list[float]) -> str:
    ms = sorted(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return f"{statistics.median(ms):.3f} | {p99:.3f} | {ms[-1]:.3f}"


async def bot_side(db: Path, typed: list[str], guild: int) -> None:
    corpus = load_corpus()
    articles = suggest.from_corpus(corpus)
    vocabulary = suggest.Vocabulary.of(corpus)
    async with SqliteStore(db) as store:
        memory = AskedMemory(store)
        start = time.perf_counter()
        first = await memory.candidates(guild)
        load_ms = (time.perf_counter() - start) * 1000
        read = len(await memory.recent(guild))
        costs: list[float] = []
        for text in typed:
            start = time.perf_counter()
            asked = await memory.candidates(guild)
            texts = suggest.rank(text, asked, articles, vocabulary)
            [app_commands.Choice(name=t, value=t) for t in texts]
            costs.append((time.perf_counter() - start) * 1000)
        after: list[float] = []
        for n in range(20):
            memory.note(guild, Asked(10**12 + n, f"Where is summit {n}?", True, False, False))
            start = time.perf_counter()
            asked = await memory.candidates(guild)
            suggest.rank("where", asked, articles, vocabulary)
            after.append((time.perf_counter() - start) * 1000)
        voted: list[float] = []
        for a in (await memory.recent(guild))[20:40]:
            memory.flag(guild, a.id)
            start = time.perf_counter()
            asked = await memory.candidates(guild)
            suggest.rank("where", asked, articles, vocabulary)
            voted.append((time.perf_counter() - start) * 1000)
        anchor: list[float] = []
        for text in typed:
            start = time.perf_counter()
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            await store.db.execute_fetchall(
                "SELECT DISTINCT question FROM entries WHERE guild_id = ? AND answered = 1 "
                "AND private = 0 AND question LIKE ? ESCAPE '\\' ORDER BY created_at DESC "
                "LIMIT 25",
                (str(guild), pattern),
            )
            anchor.append((time.perf_counter() - start) * 1000)
    print(f"in memory: the latest {read:,} entries of the server, {len(first):,} distinct "
          f"suggestable questions; article sentences: {len(articles)}\n")  # fmt: skip
    print(f"{len(typed)} keystrokes (every prefix up to {PREFIX_MAX} characters)\n")
    print("| per keystroke, bot side | median (ms) | p99 (ms) | max (ms) |")
    print("|---|---|---|---|")
    print(f"| Talks Bot: memory + ranking + choices | {summary(costs)} |")
    print(f"| right after a new answer (counted in) | {summary(after)} |")
    print(f"| right after a 👎 (the server's candidates rebuilt) | {summary(voted)} |")
    print(f"| anchor: one indexed LIKE query on the log per keystroke | {summary(anchor)} |")
    print(f"\nfirst keystroke in the server (lazy load from the log): {load_ms:.1f} ms")


async def end_to_end(emu: Emulator, db: Path, tmp: Path, typed: list[str], n: int) -> None:
    bot = await BotProcess(emu.env(TALKS_DB_PATH=str(db)), tmp).start()
    try:
        await asyncio.wait_for(emu.identified.wait(), 120)
        await asyncio.wait_for(emu.synced.wait(), 60)
        rnd = random.Random(4)
        times: list[float] = []
        for text in rnd.sample(typed, min(n, len(typed))):
            ex = await emu.autocomplete("member", "ask", "question", text)
            await ex.wait_choices(timeout=10)
            times.append((ex.acked_at - ex.sent_at) * 1000)  # type: ignore[operator]
        print(f"\nend to end, {len(times)} keystrokes through the emulator and `talks-bot run` "
              f"on the same log:")  # fmt: skip
        print("| dispatch → type 8 response | median (ms) | p99 (ms) | max (ms) |")
        print("|---|---|---|---|")
        print(f"| Talks Bot | {summary(times)} |")
        print(f"requests Discord would refuse: {len(emu.rejections)}")
    finally:
        await bot.stop()


async def main(entries: int, sample: int, e2e: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    db = tmp / "log.db"
    async with SqliteStore(db):
        pass
    pool = questions(4000)
    async with Emulator() as emu:
        fill(db, entries, pool, str(emu.guild_id))
        print(f"{entries:,} questions logged in one server, from {len(pool):,} distinct\n")
        typed = keystrokes(pool, sample)
        await bot_side(db, typed, emu.guild_id)
        if e2e:
            await end_to_end(emu, db, tmp, typed, e2e)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=200, help="questions typed")
    parser.add_argument("--e2e", type=int, default=200, help="keystrokes end to end (0: skip)")
    args = parser.parse_args()
    asyncio.run(main(args.entries, args.questions, args.e2e))
