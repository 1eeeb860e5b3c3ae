"""The bot run as two processes (shards 0 and 1 of 2) against the emulator and one PostgreSQL:
questions from both shards' servers all land in the one log, each server's /logs shows exactly
its own, a process stopped mid-burst loses no answered question, and the server stopped for
10 s loses no record. Real ``talks-bot run`` processes and a real server: marked slow."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import signal
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from harness import assert_discord_accepted_everything

from bot.playground.emulator import Emulator, Exchange
from bot.playground.process import BotProcess

pytestmark = pytest.mark.slow

STARTUP_S = 90  # two engines loading side by side on two shared cores


class Fleet:
    """Two bot processes, one per shard, writing to one PostgreSQL database."""

    def __init__(self, emu: Emulator, folder: Path, url: str) -> None:
        self.emu = emu
        self.url = url
        # One data folder for both, as on one host: they share the fallback file there.
        self.env = emu.env(
            global_commands=True, TALKS_DB_URL=url, TALKS_DB_PATH=str(folder / "talks.db"),
            TALKS_ASK_COOLDOWN_SECONDS="0",
        )  # fmt: skip
        self.bots = [
            BotProcess(self.env, folder, ("--shard-ids", str(n), "--shard-count", "2"))
            for n in range(2)
        ]

    async def start(self) -> None:
        """Both processes up: both shards identified and the commands synced (bounded; a
        process that exits early fails at once)."""
        for bot in self.bots:
            await bot.start()
        deadline = time.monotonic() + STARTUP_S
        while not ({0, 1} <= self.emu.identified_shards and "global" in self.emu.sync_calls):
            exited = any(b.proc is not None and b.proc.returncode is not None for b in self.bots)
            if exited or time.monotonic() > deadline:
                raise AssertionError(
                    "the bots did not connect:\n" + "\n".join(b.output for b in self.bots)
                )
            await asyncio.sleep(0.1)

    async def stop(self) -> list[int | None]:
        return [await bot.stop(timeout=60) for bot in self.bots]

    async def rows(self, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.url, timeout=10)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    async def count(self) -> int:
        return (await self.rows("SELECT count(*) FROM entries"))[0][0]

    async def wait_count(self, n: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while (got := await self.count()) < n and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        return got


@pytest.fixture
async def fleet(pg_url: str, tmp_path: Path) -> AsyncIterator[Fleet]:
    async with Emulator(shards=2) as emu:
        f = Fleet(emu, tmp_path, pg_url)
        try:
            await f.start()
            yield f
        finally:
            await f.stop()


async def ask(emu: Emulator, who: str, guild: int, question: str) -> Exchange:
    return await emu.invoke(who, "ask", {"question": question}, guild=guild)


def answered(ex: Exchange) -> bool:
    """The member saw an answer (not the "thinking…" placeholder)."""
    return bool(ex.messages) and not ex.loading


async def export(emu: Emulator, guild: int) -> list[dict[str, str]]:
    ex = await emu.invoke("moderator", "logs", {}, sub="export", guild=guild)
    reply = await ex.wait(timeout=30)
    return list(csv.DictReader(io.StringIO(reply["attachments"][0]["content"].lstrip("\ufeff"))))


async def test_two_processes_answer_both_shards_into_one_log(fleet: Fleet) -> None:
    emu = fleet.emu
    assert emu.shard_of(0) == 0 and emu.shard_of(1) == 1  # a server on each process
    assert emu.sync_calls == ["global"]  # synced once, by the process holding shard 0
    exchanges = await asyncio.gather(
        *(ask(emu, f"asker-{n}", n % 2, f"Where will the talks be held? ({n})") for n in range(200))
    )
    await asyncio.gather(*(ex.wait(timeout=120) for ex in exchanges))
    assert all(answered(ex) for ex in exchanges)
    assert await fleet.wait_count(200, 30) == 200
    by_server = await fleet.rows("SELECT guild_id, shard_id, count(*) FROM entries GROUP BY 1, 2")
    assert {(r[0], r[1], r[2]) for r in by_server} == {
        (str(emu.guilds[0].id), 0, 100), (str(emu.guilds[1].id), 1, 100),
    }  # fmt: skip
    for guild in (0, 1):  # each server's /logs: exactly its own 100, whichever process answers
        rows = await export(emu, guild)
        assert len(rows) == 100
        assert {r["guild_id"] for r in rows} == {str(emu.guilds[guild].id)}
    assert_discord_accepted_everything(emu)


async def test_a_process_stopped_mid_burst_loses_no_answered_question(fleet: Fleet) -> None:
    emu = fleet.emu
    names = [f"burst-{n}" for n in range(120)]
    burst = [
        asyncio.ensure_future(ask(emu, name, n % 2, f"Who is the Kremlin spokesperson? ({n})"))
        for n, name in enumerate(names)
    ]
    await asyncio.sleep(0.3)
    fleet.bots[1].proc.send_signal(signal.SIGTERM)  # shard 1's process, while it answers
    delivered: list[tuple[str, Exchange]] = []
    for name, task in zip(names, burst, strict=True):
        with contextlib.suppress(RuntimeError):  # shard 1 gone: Discord would not deliver it
            delivered.append((name, await task))
    assert await fleet.bots[1].wait(timeout=60) == 0, fleet.bots[1].output
    for _, ex in delivered:
        if ex.guild_id == emu.guilds[0].id:  # shard 0's process runs on: all answered
            await ex.wait(timeout=60)
    shown = [(name, ex) for name, ex in delivered if answered(ex)]
    on_stopped = [name for name, ex in shown if ex.guild_id == emu.guilds[1].id]
    assert on_stopped, "no question reached shard 1 before it stopped: the test tests nothing"
    recorded = {r[0] for r in await fleet.rows("SELECT user_id FROM entries")}
    missing = [name for name, _ in shown if str(emu.members[name].id) not in recorded]
    print(f"\nLOST-RECORDS shard process SIGTERM mid-burst: answered {len(shown)} "
          f"({len(on_stopped)} by the stopped process), lost {len(missing)}")  # fmt: skip
    assert missing == []


async def test_postgres_stopped_for_ten_seconds_loses_no_record(fleet: Fleet, postgres) -> None:
    emu = fleet.emu

    async def round_of(n: int, tag: str) -> list[Exchange]:
        exs = await asyncio.gather(
            *(ask(emu, f"{tag}-{i}", i % 2, f"Where will the talks be held? {tag} {i}")
              for i in range(n))
        )  # fmt: skip
        await asyncio.gather(*(ex.wait(timeout=60) for ex in exs))
        assert all(answered(ex) for ex in exs)
        return exs

    await round_of(20, "before")
    assert await fleet.wait_count(20, 30) == 20
    postgres.stop()
    stopped = time.monotonic()
    try:
        during = []
        while time.monotonic() - stopped < 10:  # answers go on while the server is away
            during += await round_of(10, f"during{len(during)}")
            await asyncio.sleep(1)
        assert await asyncio.to_thread(lambda: not postgres.running())
    finally:
        postgres.start()
    after = await round_of(10, "after")
    total = 20 + len(during) + len(after)
    got = await fleet.wait_count(total, 40)  # kept aside, written back when it returned
    print(
        f"\nLOST-RECORDS PostgreSQL stopped 10 s: answered {total} ({len(during)} while "
        f"stopped), on record {got}"
    )
    assert got == total
    assert all(code == 0 for code in await fleet.stop())
    for bot in fleet.bots:
        assert postgres.password not in bot.output
        assert "keeping records in" in bot.output or "takes writes again" in bot.output


async def test_one_process_opens_every_shard_with_shards_n(tmp_path: Path) -> None:
    """``--shards 2``: both shards' sessions in one process (AutoShardedBot), answers in both
    servers, the shard recorded per entry (here in the default SQLite log)."""
    async with Emulator(shards=2) as emu:
        db = tmp_path / "talks.db"
        env = emu.env(global_commands=True, TALKS_DB_PATH=str(db), TALKS_ASK_COOLDOWN_SECONDS="0")
        bot = await BotProcess(env, tmp_path, ("--shards", "2")).start()
        try:
            deadline = time.monotonic() + STARTUP_S
            while not {0, 1} <= emu.identified_shards and time.monotonic() < deadline:
                assert bot.proc is not None and bot.proc.returncode is None, bot.output
                await asyncio.sleep(0.1)
            assert {0, 1} <= emu.identified_shards, bot.output
            exs = [await ask(emu, f"solo-{g}", g, "Where will the talks be held?") for g in (0, 1)]
            for ex in exs:
                await ex.wait(timeout=30)
        finally:
            assert await bot.stop() == 0, bot.output
        assert all(answered(ex) for ex in exs)
        assert emu.sync_calls == ["global"]
        conn = sqlite3.connect(db)
        try:
            rows = set(conn.execute("SELECT guild_id, shard_id FROM entries").fetchall())
        finally:
            conn.close()
        assert rows == {(str(emu.guilds[0].id), 0), (str(emu.guilds[1].id), 1)}
