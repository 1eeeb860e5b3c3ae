"""Opening a SQLite log at the current schema: refuse a newer one, switch to WAL, and run the
steps of ``bot.logs.schema.MIGRATIONS`` not yet applied, each in its own transaction.
(PostgreSQL's runner, with its advisory lock, is in ``bot.logs.postgres``.)
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path

import aiosqlite

from bot.logs import schema
from bot.logs.store import StoreError

log = logging.getLogger("bot.logs.store")


async def check_version(db: aiosqlite.Connection, path: Path) -> int:
    (version,) = next(iter(await db.execute_fetchall("PRAGMA user_version")))
    if version > schema.VERSION:
        raise StoreError(
            f"{path} was written by a newer Talks Bot (log schema version {version}; this "
            f"version knows up to {schema.VERSION}). Upgrade talks-bot to use it; the file "
            "was left unchanged."
        )
    return int(version)


async def migrate(db: aiosqlite.Connection, path: Path, version: int) -> None:
    """Each step in its own write transaction, the version read again inside it: two bot
    processes opening a new file at once wait for each other instead of both running step 1."""
    for number in range(version + 1, schema.VERSION + 1):
        try:
            await db.execute("BEGIN IMMEDIATE")
            (current,) = next(iter(await db.execute_fetchall("PRAGMA user_version")))
            if current >= number:
                await db.rollback()
                continue
            for statement in statements(schema.MIGRATIONS[number - 1]):
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {number}")
            await db.commit()
        except sqlite3.Error as exc:
            await db.rollback()
            raise StoreError(f"cannot upgrade {path} to log schema {number}: {exc}") from None
        log.info("answer log %s upgraded to schema version %d", path, number)


async def wal(db: aiosqlite.Connection, wait: float) -> None:
    """Switch to WAL. SQLite answers "locked" at once, without its busy wait, while another
    process switches the same new file: try again for up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


def statements(script: str) -> list[str]:
    """A migration script as its statements (``executescript`` would commit first)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    if current.strip():
        out.append(current.strip())
    return out
