"""The answer log in one SQLite file through aiosqlite: the embedded default.

WAL mode with a busy timeout, foreign keys and ``secure_delete`` on; every write is an
explicit transaction behind one lock, so concurrent tasks never interleave halves of two
records. A database file deleted or replaced while open is detected before each write (the
path no longer names the open inode), reported, and recreated with its schema. Retries, the
fallback file and the memory queue are ``LogStore``'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import aiosqlite

from bot.logs import schema
from bot.logs.models import (
    Asked,
    Filters,
    LogEntry,
    Stats,
    Unanswered,
    is_entry_id,
    question_key,
    utc_now,
)
from bot.logs.queries import FLAGGED, unanswered_sql
from bot.logs.store import (
    BUSY_TIMEOUT_S,
    RETRY_DELAY_S,
    LogStore,
    StoreBusy,
    StoreError,
    check_path,
    review_note,
)
from bot.text import repair

log = logging.getLogger("bot.logs.store")


class SqliteStore(LogStore):
    backend = "sqlite"

    def __init__(
        self,
        path: Path | str,
        *,
        retry_delay: float = RETRY_DELAY_S,
        wait_timeout: float | None = None,
    ) -> None:
        self.path = Path(path)
        super().__init__(
            str(self.path),
            self.path.with_name(self.path.name + ".pending.jsonl"),
            retry_delay=retry_delay,
            wait_timeout=wait_timeout,
        )
        self._db: aiosqlite.Connection | None = None
        self._identity: tuple[int, int] | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    async def _open(self) -> None:
        check_path(self.path)
        self._db = await self._connect()

    async def _close_db(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()

    @property
    def is_open(self) -> bool:
        return self._db is not None

    async def _connect(self) -> aiosqlite.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder for the answer log {self.path}: "
                f"{exc.strerror or exc}; set TALKS_DB_PATH or --db to a writable place"
            ) from None
        # SQLite's own wait for a lock: bounded by the configured wait, so a read or vote
        # behind an interaction gives up in that time (a cancelled statement still runs to
        # its busy timeout, and the rollback after it waits for that).
        busy = BUSY_TIMEOUT_S if self.wait_timeout is None else min(
            BUSY_TIMEOUT_S, self.wait_timeout
        )  # fmt: skip
        try:
            db = await aiosqlite.connect(self.path, timeout=busy)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open answer log {self.path}: {exc}") from None
        try:
            await db.execute(f"PRAGMA busy_timeout = {int(busy * 1000)}")
            version = await _check_version(db, self.path)  # before anything changes the file
            await _wal(db, busy)
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA secure_delete = ON")  # purged text is overwritten
            await db.create_function("talks_question_key", 1, _key, deterministic=True)
            db.row_factory = aiosqlite.Row
            await _migrate(db, self.path, version)
            st = os.stat(self.path)
        except sqlite3.DatabaseError as exc:
            await db.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(
                    f"the answer log {self.path} is locked by another program ({exc}); "
                    "try again when it is done"
                ) from None
            raise StoreError(
                f"{self.path} is not a usable answer log ({exc}): move it aside (a new one is "
                "created) or point TALKS_DB_PATH / --db at another file"
            ) from None
        except OSError as exc:
            await db.close()
            raise StoreError(f"cannot open answer log {self.path}: {exc}") from None
        except BaseException:
            await db.close()
            raise
        self._identity = (st.st_dev, st.st_ino)
        return db

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError("the answer log is not open")
        return self._db

    def _file_changed(self) -> str | None:
        """'deleted' or 'replaced' when the path no longer names the file that is open."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return "deleted"
        except OSError:
            return None  # cannot tell; the write itself will say
        return "replaced" if (st.st_dev, st.st_ino) != self._identity else None

    async def _prepare_write(self) -> None:
        """Reopen (and recreate) the database if its file was deleted or replaced while open.

        Called with the write lock held. The old connection is closed first, so SQLite removes
        the old WAL instead of replaying it into the new file.
        """
        if self._db is None or self._closing:
            return
        change = self._file_changed()
        if change is None:
            return
        log.warning(
            "the answer log %s was %s while in use; reopening it (a new file is created with "
            "its schema) and writing there",
            self.path,
            change,
        )
        old, self._db = self._db, None
        with contextlib.suppress(Exception):
            await old.close()
        self._db = await self._connect()

    # --- writing ------------------------------------------------------------------------------

    async def _insert(self, entries: list[LogEntry]) -> None:
        db = self.db
        try:
            for entry in entries:
                cur = await db.execute(
                    """INSERT OR IGNORE INTO entries (id, created_at, surface, guild_id,
                        channel_id, user_id, user_name, question, answered, reason, answer,
                        quotes, top_score, corpus_version, latency_ms, locale, private,
                        confidence, guild_name, channel_name, question_key, shard_id)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                        ?)""",
                    (
                        entry.id, entry.created_at, entry.surface, entry.guild_id,
                        entry.channel_id, entry.user_id, entry.user_name, entry.question,
                        int(entry.answered), entry.reason, entry.answer,
                        json.dumps(entry.quotes, ensure_ascii=False), entry.top_score,
                        entry.corpus_version, entry.latency_ms, entry.locale,
                        None if entry.private is None else int(entry.private), entry.confidence,
                        entry.guild_name, entry.channel_name, entry.question_key, entry.shard_id,
                    ),
                )  # fmt: skip
                if cur.rowcount:  # not already there (a fallback record imported twice)
                    await db.executemany(
                        "INSERT INTO citations (entry_id, quote, source, file, paragraph) "
                        "VALUES (?, ?, ?, ?, ?)",
                        citation_rows(entry),
                    )
            await db.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                await db.rollback()
            raise

    async def vote(
        self,
        entry_id: int,
        user_id: int | str,
        helpful: bool,
        reason: str | None = None,
        *,
        timeout: float | None = None,
    ) -> bool:
        if not is_entry_id(entry_id):
            return False

        async def go() -> bool:
            async with self._write_lock:
                await self._prepare_write()
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
                except BaseException:
                    with contextlib.suppress(Exception):
                        await self.db.rollback()
                    raise
            return True

        return await self._bounded(go, timeout)

    async def review(
        self,
        entry_id: int,
        reviewer: str,
        note: str | None = None,
        *,
        guild_id: str | None = None,
        timeout: float | None = None,
    ) -> LogEntry | None:
        if not is_entry_id(entry_id):
            return None
        sql = "UPDATE entries SET reviewed_by = ?, reviewed_at = ?, review_note = ? WHERE id = ?"
        params: list[Any] = [repair(reviewer), utc_now(), review_note(note), entry_id]
        if guild_id is not None:
            sql, params = sql + " AND guild_id = ?", [*params, guild_id]

        async def go() -> bool:
            async with self._write_lock:
                await self._prepare_write()
                try:
                    cur = await self.db.execute(sql, params)
                    await self.db.commit()
                except BaseException:
                    with contextlib.suppress(Exception):
                        await self.db.rollback()
                    raise
                return cur.rowcount > 0

        if not await self._bounded(go, timeout):
            return None
        return await self.get(entry_id, guild_id=guild_id, timeout=timeout)

    async def unanswered(
        self, filters: Filters | None = None, *, timeout: float | None = None
    ) -> list[Unanswered]:
        filters = filters or Filters()
        where, params = filter_where(filters, QMARK)
        sql = unanswered_sql(where, limit="?")

        async def go() -> list[Unanswered]:
            rows = await self.db.execute_fetchall(
                sql, [*params, -1 if filters.limit is None else filters.limit]
            )
            return [
                Unanswered(
                    question=r["question"], count=r["times"], declined=r["declined"],
                    not_sure=r["not_sure"], flagged=r["flagged"], last_asked=r["last_asked"],
                    servers=sorted(json.loads(r["servers"])), latest_id=r["latest_id"],
                )
                for r in rows
            ]  # fmt: skip

        return await self._bounded(go, timeout)

    def _translate(self, exc: BaseException) -> StoreError | None:
        if isinstance(exc, sqlite3.OperationalError) and (
            "locked" in str(exc) or "busy" in str(exc)
        ):
            return StoreBusy(
                f"the answer log {self.path} is locked by another program; try again later"
            )
        if isinstance(exc, sqlite3.Error):
            return StoreError(f"cannot read the answer log {self.path}: {exc}")
        return None

    async def count(self, *, before: str | None = None, user: str | None = None) -> int:
        where, params = purge_where(before, user, QMARK)
        rows = await self.db.execute_fetchall(f"SELECT count(*) FROM entries {where}", params)
        return int(next(iter(rows))[0])

    async def purge(self, *, before: str | None = None, user_id: str | None = None) -> int:
        """With ``secure_delete`` on and the WAL checkpointed and truncated afterwards, the
        deleted text is left in neither the database nor its WAL file."""
        where, params = purge_where(before, user_id, QMARK)
        async with self._write_lock:
            await self._prepare_write()
            try:
                cur = await self.db.execute(f"DELETE FROM entries {where}", params)
                deleted = cur.rowcount
                if user_id is not None:
                    await self.db.execute("DELETE FROM feedback WHERE user_id = ?", (user_id,))
                await self.db.commit()
            except BaseException:
                with contextlib.suppress(Exception):
                    await self.db.rollback()
                raise
            rows = await self.db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = next(iter(rows))[0]
            if busy:
                log.warning(
                    "purge: another program is reading %s, so its WAL file keeps old pages "
                    "until it is checkpointed again",
                    self.path,
                )
        return deleted

    # --- reading ------------------------------------------------------------------------------

    async def entries(
        self, filters: Filters | None = None, *, timeout: float | None = None
    ) -> list[LogEntry]:
        filters = filters or Filters()
        where, params = filter_where(filters, QMARK)

        async def go() -> list[LogEntry]:
            rows = await self.db.execute_fetchall(
                f"""{_SELECT} {where} ORDER BY e.created_at DESC, e.id DESC LIMIT ?""",
                [*params, -1 if filters.limit is None else filters.limit],
            )
            return [LogEntry.from_row(row) for row in rows]

        return await self._bounded(go, timeout)

    async def matching(self, filters: Filters, *, timeout: float | None = None) -> int:
        where, params = filter_where(filters, QMARK)

        async def go() -> int:
            rows = await self.db.execute_fetchall(f"SELECT COUNT(*) FROM entries e {where}", params)
            return int(rows[0][0])

        return await self._bounded(go, timeout)

    async def asked(
        self, guild_id: str, limit: int, *, timeout: float | None = None
    ) -> list[Asked]:
        """Without answers: what /ask autocomplete and /logs show's id picker keep in memory.
        Bounded and served by the (guild_id, created_at) index, so it costs the same on any
        log size."""

        async def go() -> list[Asked]:
            rows = await self.db.execute_fetchall(
                """SELECT e.id, e.question, e.answered AND coalesce(e.confidence, 'high') = 'high',
                     e.private,
                     EXISTS (SELECT 1 FROM feedback f
                             WHERE f.entry_id = e.id AND f.helpful = 0) AS flagged
                   FROM entries e WHERE e.guild_id = ?
                   ORDER BY e.created_at DESC, e.id DESC LIMIT ?""",
                (guild_id, limit),
            )
            return [
                Asked(r[0], r[1], bool(r[2]), None if r[3] is None else bool(r[3]), bool(r[4]))
                for r in rows
            ]

        return await self._bounded(go, timeout)

    async def get(
        self, entry_id: int, *, guild_id: str | None = None, timeout: float | None = None
    ) -> LogEntry | None:
        if not is_entry_id(entry_id):
            return None
        sql, params = f"{_SELECT} WHERE e.id = ?", [entry_id]
        if guild_id is not None:
            sql, params = sql + " AND e.guild_id = ?", [*params, guild_id]

        async def go() -> LogEntry | None:
            rows = await self.db.execute_fetchall(sql, params)
            return LogEntry.from_row(rows[0]) if rows else None

        return await self._bounded(go, timeout)

    async def stats(
        self,
        since: str | None = None,
        until: str | None = None,
        *,
        guild_id: str | None = None,
        timeout: float | None = None,
    ) -> Stats:
        return await self._bounded(lambda: self._stats(since, until, guild_id), timeout)

    async def _stats(self, since: str | None, until: str | None, guild_id: str | None) -> Stats:
        where, params = filter_where(Filters(since=since, until=until, guild_id=guild_id), QMARK)
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
                GROUP BY e.question_key ORDER BY n DESC, min(e.created_at) LIMIT 5""",
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
      (SELECT count(*) FROM feedback f WHERE f.entry_id = e.id AND f.helpful = 0) AS not_helpful,
      (SELECT json_group_array(f.reason) FROM feedback f
        WHERE f.entry_id = e.id AND f.helpful = 0 AND coalesce(f.reason, '') != '') AS reasons
    FROM entries e"""


class QMARK:
    """SQLite's placeholders: every one is ``?``."""

    like = "LIKE"  # SQLite's LIKE ignores case (ASCII)

    def __init__(self) -> None:
        self.params: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.params.append(value)
        return "?"


class Numbered(QMARK):
    """PostgreSQL's placeholders: ``$1``, ``$2``, … in the order the values are added."""

    like = "ILIKE"  # PostgreSQL's LIKE is case-sensitive; search ignores case on both

    def __call__(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}"


def filter_where(f: Filters, style: type[QMARK]) -> tuple[str, list[Any]]:
    """The WHERE clause of a review filter, with its parameters, in either placeholder style."""
    p = style()
    clauses: list[str] = []
    if f.since:
        clauses.append(f"e.created_at >= {p(f.since)}")
    if f.until:
        clauses.append(f"e.created_at < {p(f.until)}")
    if f.guild_id:
        clauses.append(f"e.guild_id = {p(f.guild_id)}")
    if f.user_id:  # an id, or a name (Discord display name, or the OS user for the CLI)
        clauses.append(f"(e.user_id = {p(f.user_id)} OR e.user_name = {p(f.user_id)})")
    if f.declined:
        clauses.append("e.answered = 0")
    if f.flagged:
        clauses.append(FLAGGED)
    if f.unreviewed:
        clauses.append("e.reviewed_at IS NULL")
    if f.search:
        pattern = "%" + f.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        like = p.like
        clauses.append(
            f"(e.question {like} {p(pattern)} ESCAPE '\\' OR e.answer {like} {p(pattern)} "
            "ESCAPE '\\')"
        )
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return where, p.params


def purge_where(before: str | None, user: str | None, style: type[QMARK]) -> tuple[str, list[Any]]:
    if before is None and user is None:
        raise ValueError("purge needs a cut-off time or a user")
    p = style()
    clauses = []
    if before is not None:
        clauses.append(f"created_at < {p(before)}")
    if user is not None:
        clauses.append(f"(user_id = {p(user)} OR user_name = {p(user)})")
    return "WHERE " + " AND ".join(clauses), p.params


def citation_rows(entry: LogEntry) -> list[tuple[int, int, str, str, int]]:
    return [
        (entry.id, n, c["source"], c["file"], c["paragraph"])
        for n, q in enumerate(entry.quotes)
        for c in q["citations"]
    ]


def _key(text: object) -> str | None:
    """``question_key`` for SQLite (migration 7 fills in older entries with it)."""
    return question_key(text) if isinstance(text, str) else None


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
    """Each step in its own write transaction, the version read again inside it: two bot
    processes opening a new file at once wait for each other instead of both running step 1."""
    for number in range(version + 1, schema.VERSION + 1):
        try:
            await db.execute("BEGIN IMMEDIATE")
            (current,) = next(iter(await db.execute_fetchall("PRAGMA user_version")))
            if current >= number:
                await db.rollback()
                continue
            for statement in _statements(schema.MIGRATIONS[number - 1]):
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {number}")
            await db.commit()
        except sqlite3.Error as exc:
            await db.rollback()
            raise StoreError(f"cannot upgrade {path} to log schema {number}: {exc}") from None
        log.info("answer log %s upgraded to schema version %d", path, number)


async def _wal(db: aiosqlite.Connection, wait: float) -> None:
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


def _statements(script: str) -> list[str]:
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
