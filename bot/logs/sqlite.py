"""The answer log in one SQLite file through aiosqlite: the embedded default.

WAL mode with a busy timeout, foreign keys and ``secure_delete`` on; every write is an
explicit transaction behind one lock, so concurrent tasks never interleave halves of two
records. A database file deleted or replaced while open is detected before each write (the
path no longer names the open inode), reported, and recreated with its schema. Retries, the
fallback file and the memory queue are ``LogStore``'s.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from pathlib import Path

import aiosqlite

from bot.logs import migrate, sql
from bot.logs.models import (
    Asked,
    Filters,
    LogEntry,
    Stats,
    Unanswered,
    is_entry_id,
    question_key,
    review_note,
    utc_now,
)
from bot.logs.sql import SQLITE
from bot.logs.store import BUSY_TIMEOUT_S, RETRY_DELAY_S, LogStore, StoreBusy, StoreError
from bot.text import repair

log = logging.getLogger("bot.logs.store")

# Paths that are not ordinary storage; a log there fails in confusing ways.
_SYSTEM_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))


def check_path(path: Path) -> None:
    """Refuse paths that cannot hold a log, with one line saying what to do."""
    if not str(path).strip() or str(path) == ".":
        raise StoreError("the answer log path is empty: set TALKS_DB_PATH to a file path")
    resolved = path.expanduser().absolute()
    for root in _SYSTEM_ROOTS:
        if resolved == root or root in resolved.parents:
            raise StoreError(
                f"the answer log cannot live under {root} ({path}): set TALKS_DB_PATH or "
                "--db to a file in a normal folder"
            )
    if resolved.is_dir():
        raise StoreError(f"the answer log path {path} is a folder: give a file path")


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
            version = await migrate.check_version(db, self.path)  # before anything changes the file
            await migrate.wal(db, busy)
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA secure_delete = ON")  # purged text is overwritten
            await db.create_function("talks_question_key", 1, _key, deterministic=True)
            db.row_factory = aiosqlite.Row
            await migrate.migrate(db, self.path, version)
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
                    sql.insert_entry_sql(SQLITE),
                    (
                        entry.id, entry.created_at, entry.surface, entry.guild_id,
                        entry.channel_id, entry.user_id, entry.user_name, entry.question,
                        int(entry.answered), entry.reason, entry.answer,
                        json.dumps(entry.quotes, ensure_ascii=False), entry.top_score,
                        entry.corpus_version, entry.latency_ms, entry.locale,
                        None if entry.private is None else int(entry.private), entry.confidence,
                        entry.guild_name, entry.channel_name, entry.question_key, entry.shard_id,
                        entry.follows,
                    ),
                )  # fmt: skip
                if cur.rowcount:  # not already there (a fallback record imported twice)
                    await db.executemany(sql.insert_citations_sql(SQLITE), sql.citation_rows(entry))
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
                        sql.vote_sql(SQLITE),
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
        update, params = sql.review_sql(
            entry_id, repair(reviewer), review_note(note), utc_now(), guild_id, SQLITE
        )

        async def go() -> bool:
            async with self._write_lock:
                await self._prepare_write()
                try:
                    cur = await self.db.execute(update, params)
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
        query, params = sql.unanswered_query(filters or Filters(), SQLITE)

        async def go() -> list[Unanswered]:
            rows = await self.db.execute_fetchall(query, params)
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
        query, params = sql.purge_count_sql(before, user, SQLITE)
        rows = await self.db.execute_fetchall(query, params)
        return int(next(iter(rows))[0])

    async def purge(self, *, before: str | None = None, user_id: str | None = None) -> int:
        """With ``secure_delete`` on and the WAL checkpointed and truncated afterwards, the
        deleted text is left in neither the database nor its WAL file."""
        delete, params = sql.purge_sql(before, user_id, SQLITE)
        async with self._write_lock:
            await self._prepare_write()
            try:
                cur = await self.db.execute(delete, params)
                deleted = cur.rowcount
                if user_id is not None:
                    await self.db.execute(sql.purge_votes_sql(SQLITE), (user_id,))
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
        query, params = sql.entries_sql(filters or Filters(), SQLITE)

        async def go() -> list[LogEntry]:
            rows = await self.db.execute_fetchall(query, params)
            return [LogEntry.from_row(row) for row in rows]

        return await self._bounded(go, timeout)

    async def matching(self, filters: Filters, *, timeout: float | None = None) -> int:
        query, params = sql.matching_sql(filters, SQLITE)

        async def go() -> int:
            rows = list(await self.db.execute_fetchall(query, params))
            return int(rows[0][0])

        return await self._bounded(go, timeout)

    async def asked(
        self, guild_id: str, limit: int, *, timeout: float | None = None
    ) -> list[Asked]:
        """Without answers: what /ask autocomplete and /logs show's id picker keep in memory.
        Bounded and served by the (guild_id, created_at) index, so it costs the same on any
        log size."""

        query, params = sql.asked_sql(guild_id, limit, SQLITE)

        async def go() -> list[Asked]:
            rows = await self.db.execute_fetchall(query, params)
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
        query, params = sql.get_sql(entry_id, guild_id, SQLITE)

        async def go() -> LogEntry | None:
            rows = list(await self.db.execute_fetchall(query, params))
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
        filters = Filters(since=since, until=until, guild_id=guild_id)
        where, params = sql.filter_where(filters, SQLITE)
        totals, by_reason, most_asked, by_vote = sql.stats_sql(where)
        db = self.db
        total, answered, not_sure = next(iter(await db.execute_fetchall(totals, params)))
        reasons = await db.execute_fetchall(by_reason, params)
        top = await db.execute_fetchall(most_asked, params)
        votes = next(iter(await db.execute_fetchall(by_vote, params)))
        return Stats(
            entries=total,
            answered=answered,
            not_sure=not_sure,
            declined_reasons={r[0] or "unknown": r[1] for r in reasons},
            top_questions=[(r[0], r[1]) for r in top],
            helpful=votes[0],
            not_helpful=votes[1],
            since=since,
        )


def _key(text: object) -> str | None:
    """``question_key`` for SQLite (migration 7 fills in older entries with it)."""
    return question_key(text) if isinstance(text, str) else None
