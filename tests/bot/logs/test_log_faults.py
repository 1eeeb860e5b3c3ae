"""The answer log under faults, on real SQLite files: each test counts records before and after.

Rows of issue 9's table that need no Discord: disk full (a small tmpfs when the machine allows,
and simulated at the write call always), the database file deleted or replaced while open,
text that cannot be encoded. The bot-level rows are in ``test_bot_faults.py``.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from conftest import assert_none_lost

from bot.logs import store as store_module
from bot.logs.models import Filters, LogEntry
from bot.logs.sqlite import SqliteStore
from bot.logs.store import LogStore, StoreBusy
from retrieval import Engine


def entries(engine: Engine, n: int, prefix: str = "Where will the talks be held") -> list[LogEntry]:
    answer = engine.answer("Where will the talks be held?")
    out = []
    for i in range(n):
        e = LogEntry.from_answer(answer, "discord", user_id=i)
        e.question = f"{prefix} {i}?"
        out.append(e)
    return out


def count_rows(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT count(*) FROM entries").fetchone()[0]
    finally:
        db.close()


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry intervals short enough for a test."""
    monkeypatch.setattr(store_module, "PROBE_INTERVAL_S", 0.05)
    monkeypatch.setattr(store_module, "MEMORY_RETRY_S", 0.05)


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 1 MiB tmpfs, or skip where mounting is not allowed (the simulated test still runs)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if result.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


async def test_disk_full_keeps_records_in_memory_and_writes_them_when_space_returns(
    tiny_disk: Path, engine: Engine, fast, caplog
) -> None:
    path = tiny_disk / "talks.db"
    store = await SqliteStore(path, retry_delay=0.001).open()
    before = entries(engine, 3, "before")
    for e in before:
        assert await store.record(e)
    filler = fill(tiny_disk)
    during = entries(engine, 40, "while the disk is full " + "x" * 2000)
    results = [await store.record(e) for e in during]
    assert not all(results)  # the database and the fallback refused at least some
    assert store.unwritten > 0
    assert caplog.text.count("fallback file") == 1  # said once, not per record
    filler.unlink()  # space returns
    for e in entries(engine, 1, "after"):
        await store.record(e)
    await store.close()
    async with SqliteStore(path) as reopened:
        got = await reopened.entries(Filters(limit=1000))
    assert_none_lost("disk full (1 MiB tmpfs)", 3 + 40 + 1, len(got))


async def test_disk_full_simulated_at_the_write_call(tmp_path, engine, fast, monkeypatch) -> None:
    """The same fault where no tmpfs can be mounted: the database refuses writes (read-only)
    and the fallback write fails with ENOSPC, until it does not."""
    path = tmp_path / "talks.db"
    store = await SqliteStore(path, retry_delay=0.001).open()
    await store.db.execute("PRAGMA query_only = ON")
    full = True
    real_append = LogStore._append_fallback

    def append(self, batch):
        if full:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_append(self, batch)

    monkeypatch.setattr(LogStore, "_append_fallback", append)
    batch = entries(engine, 25)
    assert [await store.record(e) for e in batch] == [False] * 25
    assert store.unwritten == 25
    full = False
    await store.record(entries(engine, 1, "space again")[0])
    assert store.unwritten == 0
    await store.close()
    async with SqliteStore(path) as reopened:  # imports the fallback
        got = await reopened.entries(Filters(limit=100))
    assert_none_lost("disk full (simulated at the write call)", 26, len(got))


async def test_records_nowhere_to_go_at_shutdown_are_counted_and_printed(
    tmp_path, engine, fast, monkeypatch, capsys
) -> None:
    store = await SqliteStore(tmp_path / "talks.db", retry_delay=0.001).open()
    await store.db.execute("PRAGMA query_only = ON")

    def append(self, batch):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(LogStore, "_append_fallback", append)
    batch = entries(engine, 4)
    for e in batch:
        await store.record(e)
    await store.close()
    err = capsys.readouterr().err.splitlines()
    assert "4 answer-log records could not be written" in err[0]
    assert str(store.fallback_path) in err[0]
    printed = [json.loads(line) for line in err[1:]]
    assert [p["id"] for p in printed] == [e.id for e in batch]
    assert_none_lost("nowhere to write at shutdown (printed)", 4, len(printed))


@pytest.mark.parametrize("how", ["deleted", "replaced"])
async def test_database_file_deleted_or_replaced_is_recreated(tmp_path, engine, caplog, how):
    path = tmp_path / "talks.db"
    store = await SqliteStore(path, retry_delay=0.001).open()
    first = entries(engine, 3, "first")
    for e in first:
        assert await store.record(e)
    os.remove(path)
    if how == "replaced":
        sqlite3.connect(path).close()  # an empty file in its place
    later = entries(engine, 5, "later")
    for e in later:
        assert await store.record(e)
    assert f"was {how} while in use" in caplog.text
    await store.close()
    assert_none_lost(f"database file {how} while running", 5, count_rows(path))


async def test_lone_surrogates_and_escapes_are_repaired_once_and_logged(store, engine) -> None:
    answer = engine.answer("Where will the talks be held? \ud800 \udcff")
    e = LogEntry.from_answer(answer, "discord", user_id=1, user_name="ann\udc80")
    assert await store.record(e)
    got = await store.get(e.id)
    assert got.question.endswith("\ufffd \ufffd") and got.user_name == "ann\ufffd"


async def test_purged_text_is_nowhere_in_the_files(tmp_path, engine) -> None:
    path = tmp_path / "talks.db"
    secret = f"secret-{uuid.uuid4().hex}"
    async with SqliteStore(path) as store:
        keep = entries(engine, 5, "kept question")
        for e in keep:
            await store.record(e)
        gone = entries(engine, 1, secret)[0]
        gone.user_id = "42"
        await store.record(gone)
        files = [p for p in tmp_path.iterdir() if p.name.startswith("talks.db")]
        assert any(secret.encode() in p.read_bytes() for p in files)  # the test can fail
        assert await store.purge(user_id="42") == 1
        for p in tmp_path.iterdir():
            if p.name.startswith("talks.db"):
                assert secret.encode() not in p.read_bytes(), p.name
    for p in tmp_path.iterdir():
        assert secret.encode() not in p.read_bytes(), p.name
    assert count_rows(path) == 5


async def test_a_locked_database_makes_a_vote_wait_a_bounded_time(tmp_path, engine) -> None:
    """The configured wait bounds the whole vote, measured: SQLite's own busy wait (5 s by
    default) used to hold the cancelled statement and its rollback, 5.01 s for a 0.5 s limit."""
    path = tmp_path / "talks.db"
    async with SqliteStore(path, wait_timeout=0.5) as store:
        e = entries(engine, 1)[0]
        await store.record(e)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        try:
            start = time.monotonic()
            with pytest.raises(StoreBusy, match="try again"):
                await store.vote(e.id, 7, helpful=True)
            waited = time.monotonic() - start
            assert 0.3 < waited < 1.5, f"a 0.5 s limit waited {waited:.2f} s"
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert await store.vote(e.id, 7, helpful=True)


async def test_shutdown_grace_is_longer_than_the_retry_budget() -> None:
    from bot.discord.client import SHUTDOWN_GRACE_S

    assert store_module.RETRY_BUDGET_S >= store_module.WRITE_RETRIES * store_module.BUSY_TIMEOUT_S
    assert SHUTDOWN_GRACE_S > store_module.RETRY_BUDGET_S


def test_corrupt_database_is_one_clear_error(tmp_path) -> None:
    import asyncio

    from bot.logs.store import StoreError

    path = tmp_path / "talks.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a usable answer log"):
        asyncio.run(SqliteStore(path).open())


logging.getLogger("bot.logs.store").setLevel(logging.INFO)
