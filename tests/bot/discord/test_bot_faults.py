"""The bot under faults, end to end against the Discord emulator: records counted before and
after SIGTERM in a burst, SIGTERM with the database locked, and a lone surrogate in a question.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import assert_none_lost
from harness import Harness

from bot.logs.models import Filters
from bot.logs.sqlite import SqliteStore
from bot.playground.emulator import Emulator

QUESTIONS = [
    "Where will the talks be held?",
    "Who is the Kremlin spokesperson?",
    "What is photosynthesis?",
    "What did Trump call Putin's announcement?",
]
# Longer than the bot's shutdown grace (the retry budget plus a margin).
STOP_TIMEOUT_S = 45


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as e:
        yield e


async def rows_when_ready(h: Harness, n: int, timeout: float = 15) -> list[tuple]:
    """Rows of a log file that may be being recreated (absent, or not yet migrated)."""
    deadline = asyncio.get_running_loop().time() + timeout
    rows: list[tuple] = []
    while asyncio.get_running_loop().time() < deadline:
        try:
            rows = h.rows("SELECT id FROM entries")
        except sqlite3.OperationalError:
            rows = []
        if len(rows) >= n:
            break
        await asyncio.sleep(0.05)
    return rows


async def all_records(db: Path) -> list[int]:
    """Every record the bot kept: in the database, or in the fallback file it imports."""
    async with SqliteStore(db) as store:
        return [e.id for e in await store.entries(Filters(limit=10_000))]


async def test_sigterm_during_a_burst_loses_no_record(emu: Emulator, tmp_path: Path) -> None:
    h = Harness(emu, tmp_path, TALKS_ASK_COOLDOWN_SECONDS="0")
    await h.start()
    assert h.bot is not None
    sends = [
        asyncio.ensure_future(emu.invoke(f"user{i}", "ask", {"question": QUESTIONS[i % 4]}))
        for i in range(150)
    ]
    await asyncio.sleep(0.3)  # some answered, many in flight, some not yet sent
    assert await h.bot.stop(timeout=STOP_TIMEOUT_S) == 0, h.bot.output if h.bot else ""
    results = await asyncio.gather(*sends, return_exceptions=True)  # the last ones may fail
    exchanges = [r for r in results if not isinstance(r, BaseException)]
    await asyncio.sleep(0.2)
    acked = [ex for ex in exchanges if ex.callback is not None]
    answered = [ex for ex in acked if ex.messages]
    assert answered, "the burst was stopped before anything was answered"
    assert len(answered) == len(acked)  # nobody left "thinking"
    assert_none_lost("SIGTERM during a burst of 150", len(answered), len(await all_records(h.db)))


@pytest.mark.slow  # waits out a real lock, backoff or grace period: runs in CI (-m "")
async def test_sigterm_with_the_database_locked_loses_no_record(
    emu: Emulator,
    tmp_path: Path,
) -> None:
    h = Harness(emu, tmp_path, TALKS_ASK_COOLDOWN_SECONDS="0")
    await h.start()
    assert h.bot is not None
    await (await emu.invoke("member", "ask", {"question": QUESTIONS[0]})).wait()
    await h.wait_rows("SELECT id FROM entries", 1)
    lock = sqlite3.connect(h.db, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        exchanges = await asyncio.gather(
            *(emu.invoke(f"user{i}", "ask", {"question": QUESTIONS[i % 4]}) for i in range(20))
        )
        await asyncio.gather(*(ex.wait(timeout=30) for ex in exchanges))  # all answered
        assert await h.bot.stop(timeout=STOP_TIMEOUT_S) == 0, h.bot.output if h.bot else ""
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert "Traceback" not in (h.bot.output if h.bot else "")
    assert_none_lost("SIGTERM with the database locked", 21, len(await all_records(h.db)))


async def test_a_lone_surrogate_in_a_question_is_repaired_answered_and_logged(
    emu: Emulator,
    tmp_path: Path,
) -> None:
    h = Harness(emu, tmp_path)
    await h.start()
    try:
        reply = await (
            await emu.invoke("member", "ask", {"question": "Where will the talks be held? \ud800"})
        ).wait()
        assert "Istanbul" in reply["embeds"][0]["description"]
        rows = await h.wait_rows("SELECT question FROM entries", 1)
        assert rows == [("Where will the talks be held? \ufffd",)]
        assert_none_lost("lone surrogate in a Discord question", 1, len(rows))
    finally:
        assert await h.stop() == 0


async def test_database_deleted_while_the_bot_runs_is_recreated(
    emu: Emulator, tmp_path: Path
) -> None:
    h = Harness(emu, tmp_path, TALKS_ASK_COOLDOWN_SECONDS="0")
    await h.start()
    assert h.bot is not None
    try:
        await (await emu.invoke("member", "ask", {"question": QUESTIONS[0]})).wait()
        await h.wait_rows("SELECT id FROM entries", 1)
        h.db.unlink()  # an operator's rm, while the bot holds the file open
        for i in range(3):
            await (await emu.invoke(f"user{i}", "ask", {"question": QUESTIONS[i]})).wait()
        rows = await rows_when_ready(h, 3)
    finally:
        assert await h.stop() == 0
    assert "was deleted while in use" in h.bot.output
    assert_none_lost("database file deleted under the running bot", 3, len(rows))
