"""The answer log's one async store: a single writer connection shared by the bot and the CLI.

SQLite in WAL mode with a busy timeout and foreign keys on; every write is an explicit
transaction behind one lock, so concurrent tasks never interleave halves of two records. A
record that cannot be written after a few tries goes to a JSON Lines file next to the
database and is imported on the next open: the person asking still gets the answer, and
nothing is lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite

from bot.logs import schema
from bot.logs.models import Filters, LogEntry, Stats, utc_now

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 5.0
WRITE_RETRIES = 3
RETRY_DELAY_S = 0.05


class StoreError(Exception):
    """The log file cannot be used; the message says why and what to do."""


class LogStore:
    def __init__(self, path: Path | str, *, retry_delay: float = RETRY_DELAY_S) -> None:
        self.path = Path(path)
        self.fallback_path = self.path.with_name(self.path.name + ".pending.jsonl")
        self.retry_delay = retry_delay
        self._db: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._fallback_warned = False

    # --- lifecycle ----------------------------------------------------------------------------

    async def open(self) -> LogStore:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = await aiosqlite.connect(self.path, timeout=BUSY_TIMEOUT_S)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open answer log {self.path}: {exc}") from None
        try:
            await db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            version = await _check_version(db, self.path)  # before anything changes the file
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            db.row_factory = aiosqlite.Row
            await _migrate(db, self.path, version)
        except BaseException:
            await db.close()
            raise
        self._db = db
        await self.import_fallback()
        return self

    async def close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()

    async def __aenter__(self) -> LogStore:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError("the answer log is not open")
        return self._db

    # --- writing ------------------------------------------------------------------------------

    async def record(self, entry: LogEntry) -> bool:
        """Write one entry; True if it is in the database, False if it went to the fallback."""
        for attempt in range(WRITE_RETRIES):
            try:
                async with self._write_lock:
                    await self._insert(entry)
                return True
            except sqlite3.Error as exc:
                error = exc
                await asyncio.sleep(self.retry_delay * (2**attempt))
        await asyncio.to_thread(self._append_fallback, entry)
        if not self._fallback_warned:
            self._fallback_warned = True
            log.error(
                "cannot write to the answer log %s (%s); keeping records in %s until it can",
                self.path,
                error,
                self.fallback_path,
            )
        return False

    async def _insert(self, entry: LogEntry, *, commit: bool = True) -> None:
        db = self.db
        try:
            cur = await db.execute(
                """INSERT OR IGNORE INTO entries (id, created_at, surface, guild_id, channel_id,
                    user_id, user_name, question, answered, reason, answer, quotes, top_score,
                    corpus_version, latency_ms)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    entry.id, entry.created_at, entry.surface, entry.guild_id, entry.channel_id,
                    entry.user_id, entry.user_name, entry.question, int(entry.answered),
                    entry.reason, entry.answer, json.dumps(entry.quotes, ensure_ascii=False),
                    entry.top_score, entry.corpus_version, entry.latency_ms,
                ),
            )  # fmt: skip
            if cur.rowcount:  # not already there (a fallback record imported twice)
                await db.executemany(
                    "INSERT INTO citations (entry_id, quote, source, file, paragraph) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        (entry.id, n, c["source"], c["file"], c["paragraph"])
                        for n, q in enumerate(entry.quotes)
                        for c in q["citations"]
                    ],
                )
            if commit:
                await db.commit()
        except BaseException:
            await db.rollback()
            raise

    def _append_fallback(self, entry: LogEntry) -> None:
        with self.fallback_path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry.to_dict(), ensure_ascii=False) + "\n")

    async def import_fallback(self) -> int:
        """Import records kept aside while the database could not be written."""
        if not self.fallback_path.exists():
            return 0
        lines = (await asyncio.to_thread(self.fallback_path.read_text, "utf-8")).splitlines()
        entries = []
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entries.append(LogEntry(**json.loads(line)))
            except (json.JSONDecodeError, TypeError) as exc:
                log.error("skipping unreadable line %d of %s: %s", n, self.fallback_path, exc)
        try:
            async with self._write_lock:
                for entry in entries:
                    await self._insert(entry, commit=False)
                await self.db.commit()
        except sqlite3.Error as exc:
            log.error("could not import %s yet: %s", self.fallback_path, exc)
            return 0
        self.fallback_path.unlink()
        log.info("imported %d answer-log records from %s", len(entries), self.fallback_path)
        return len(entries)

    async def vote(
        self, entry_id: int, user_id: int | str, helpful: bool, reason: str | None = None
    ) -> bool:
        """Store one user's vote on an entry, replacing their earlier one; False if no entry."""
        async with self._write_lock:
            try:
                await self.db.execute(
                    """INSERT INTO feedback (entry_id, user_id, helpful, reason, created_at)
                       VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT (entry_id, user_id) DO UPDATE SET
                         helpful = excluded.helpful, reason = excluded.reason,
                         created_at = excluded.created_at""",
                    (entry_id, str(user_id), int(helpful), reason, utc_now()),
                )
                await self.db.commit()
            except sqlite3.IntegrityError:
                await self.db.rollback()
                return False
        return True

    async def purge(self, *, before: str | None = None, user_id: str | None = None) -> int:
        """Delete entries older than ``before`` (ISO time) or of one user, with their feedback
        (and that user's votes), in one transaction; returns the number of entries deleted."""
        if before is None and user_id is None:
            raise ValueError("purge needs a cut-off time or a user")
        clauses, params = [], []
        if before is not None:
            clauses.append("created_at < ?")
            params.append(before)
        if user_id is not None:
            clauses.append("user_id = ?")
            params.append(user_id)
        async with self._write_lock:
            try:
                cur = await self.db.execute(
                    f"DELETE FROM entries WHERE {' AND '.join(clauses)}", params
                )
                deleted = cur.rowcount
                if user_id is not None:
                    await self.db.execute("DELETE FROM feedback WHERE user_id = ?", (user_id,))
                await self.db.commit()
            except BaseException:
                await self.db.rollback()
                raise
        return deleted

    # --- reading ------------------------------------------------------------------------------

    async def entries(self, filters: Filters | None = None) -> list[LogEntry]:
        filters = filters or Filters()
        where, params = _where(filters)
        rows = await self.db.execute_fetchall(
            f"""{_SELECT} {where} ORDER BY e.created_at DESC, e.id DESC LIMIT ?""",
            [*params, filters.limit],
        )
        return [_entry(row) for row in rows]

    async def get(self, entry_id: int, *, guild_id: str | None = None) -> LogEntry | None:
        """One entry; with ``guild_id``, only if it was asked in that server."""
        sql, params = f"{_SELECT} WHERE e.id = ?", [entry_id]
        if guild_id is not None:
            sql, params = sql + " AND e.guild_id = ?", [*params, guild_id]
        rows = await self.db.execute_fetchall(sql, params)
        return _entry(rows[0]) if rows else None

    async def stats(
        self, since: str | None = None, until: str | None = None, *, guild_id: str | None = None
    ) -> Stats:
        where, params = _where(Filters(since=since, until=until, guild_id=guild_id))
        db = self.db
        total, answered = next(
            iter(
                await db.execute_fetchall(
                    f"SELECT count(*), coalesce(sum(e.answered), 0) FROM entries e {where}", params
                )
            )
        )
        reasons = await db.execute_fetchall(
            f"""SELECT e.reason, count(*) FROM entries e {where}
                {"AND" if where else "WHERE"} e.answered = 0
                GROUP BY e.reason ORDER BY count(*) DESC""",
            params,
        )
        top = await db.execute_fetchall(
            f"""SELECT min(e.question), count(*) AS n FROM entries e {where}
                GROUP BY lower(trim(e.question)) ORDER BY n DESC, min(e.created_at) LIMIT 5""",
            params,
        )
        votes = next(
            iter(
                await db.execute_fetchall(
                    f"""SELECT coalesce(sum(f.helpful), 0), coalesce(sum(1 - f.helpful), 0)
                        FROM feedback f JOIN entries e ON e.id = f.entry_id {where}""",
                    params,
                )
            )
        )
        return Stats(
            entries=total,
            answered=answered,
            declined_reasons={r[0] or "unknown": r[1] for r in reasons},
            top_questions=[(r[0], r[1]) for r in top],
            helpful=votes[0],
            not_helpful=votes[1],
            since=since,
        )


_SELECT = """
    SELECT e.*,
      (SELECT count(*) FROM feedback f WHERE f.entry_id = e.id AND f.helpful = 1) AS helpful,
      (SELECT count(*) FROM feedback f WHERE f.entry_id = e.id AND f.helpful = 0) AS not_helpful
    FROM entries e"""


def _where(f: Filters) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if f.since:
        clauses.append("e.created_at >= ?")
        params.append(f.since)
    if f.until:
        clauses.append("e.created_at < ?")
        params.append(f.until)
    if f.guild_id:
        clauses.append("e.guild_id = ?")
        params.append(f.guild_id)
    if f.user_id:
        clauses.append("e.user_id = ?")
        params.append(f.user_id)
    if f.declined:
        clauses.append("e.answered = 0")
    if f.flagged:
        clauses.append(
            "EXISTS (SELECT 1 FROM feedback f WHERE f.entry_id = e.id AND f.helpful = 0)"
        )
    if f.search:
        pattern = "%" + f.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append("(e.question LIKE ? ESCAPE '\\' OR e.answer LIKE ? ESCAPE '\\')")
        params += [pattern, pattern]
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def _entry(row: sqlite3.Row) -> LogEntry:
    return LogEntry(
        id=row["id"],
        created_at=row["created_at"],
        surface=row["surface"],
        question=row["question"],
        answered=bool(row["answered"]),
        reason=row["reason"],
        answer=row["answer"],
        quotes=json.loads(row["quotes"]),
        corpus_version=row["corpus_version"],
        latency_ms=row["latency_ms"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        user_id=row["user_id"],
        user_name=row["user_name"],
        feedback={"helpful": row["helpful"], "not_helpful": row["not_helpful"]},
    )


async def _check_version(db: aiosqlite.Connection, path: Path) -> int:
    (version,) = next(iter(await db.execute_fetchall("PRAGMA user_version")))
    if version > schema.VERSION:
        raise StoreError(
            f"{path} was written by a newer Talks Bot (log schema version {version}; this "
            f"version knows up to {schema.VERSION}). Upgrade talks-bot to use it; the file "
            "was left unchanged."
        )
    return int(version)


async def _migrate(db: aiosqlite.Connection, path: Path, version: int) -> None:
    for number in range(version + 1, schema.VERSION + 1):
        script = schema.MIGRATIONS[number - 1]
        try:
            await db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
        except sqlite3.Error as exc:
            await db.rollback()
            raise StoreError(f"cannot upgrade {path} to log schema {number}: {exc}") from None
        log.info("answer log %s upgraded to schema version %d", path, number)
