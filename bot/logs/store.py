"""The answer log's one async store: a single writer connection shared by the bot and the CLI.

SQLite in WAL mode with a busy timeout, foreign keys and ``secure_delete`` on; every write is
an explicit transaction behind one lock, so concurrent tasks never interleave halves of two
records. No record is lost without a word:

- a record that cannot be written after a few tries goes to a JSON Lines file next to the
  database (``<db>.pending.jsonl``), imported when the database takes writes again or on the
  next open; while the database keeps failing, records go there at once instead of each
  waiting out the retries;
- if that file cannot be written either (disk full, folder gone), records stay in memory and
  are retried; on close, any still unwritten are counted on stderr and printed there;
- a database file deleted or replaced while open is detected before each write (the path no
  longer names the open inode), reported, and recreated with its schema.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.logs import schema
from bot.logs.models import (
    REVIEW_NOTE_MAX,
    Asked,
    Filters,
    LogEntry,
    Stats,
    Unanswered,
    is_entry_id,
    question_key,
    utc_now,
)
from bot.logs.queries import FLAGGED as _FLAGGED
from bot.logs.queries import unanswered_sql
from bot.text import repair

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_S = 5.0  # how long one statement waits for another process's lock
WRITE_RETRIES = 3
RETRY_DELAY_S = 0.05
# The longest one record can take before it is kept aside: every try waiting out the busy
# timeout, plus the back-off between tries. Shutdown grace must be longer than this.
RETRY_BUDGET_S = WRITE_RETRIES * BUSY_TIMEOUT_S + sum(
    RETRY_DELAY_S * 2**n for n in range(WRITE_RETRIES - 1)
)
# While the database fails, records skip it and go to the fallback at once; it is tried again
# at most this often, so a burst of records does not queue behind one record's retries.
PROBE_INTERVAL_S = 5.0
# Records held in memory (fallback unwritable) are retried this often.
MEMORY_RETRY_S = 5.0
# Behind a Discord interaction the member is waiting: reads and votes give up after this and
# say the log is busy (the interaction is already deferred, so Discord does not time out).
INTERACTION_WAIT_S = 4.0
# Paths that are not ordinary storage; a log there fails in confusing ways.
_SYSTEM_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))


class StoreError(Exception):
    """The log file cannot be used; the message says why and what to do."""


class StoreBusy(StoreError):
    """The log did not answer within the wait allowed behind an interaction."""


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


class LogStore:
    def __init__(
        self,
        path: Path | str,
        *,
        retry_delay: float = RETRY_DELAY_S,
        wait_timeout: float | None = None,
    ) -> None:
        self.path = Path(path)
        self.fallback_path = self.path.with_name(self.path.name + ".pending.jsonl")
        self.retry_delay = retry_delay
        self.wait_timeout = wait_timeout
        self._db: aiosqlite.Connection | None = None
        self._identity: tuple[int, int] | None = None
        self._write_lock = asyncio.Lock()
        self._aside_lock = asyncio.Lock()
        self._failed_at: float | None = None
        self._last_error: BaseException | None = None
        self._fallback_warned = False
        self._memory: list[LogEntry] = []
        self._memory_warned = False
        self._memory_task: asyncio.Task[None] | None = None
        self._closing = False

    # --- lifecycle ----------------------------------------------------------------------------

    async def open(self) -> LogStore:
        check_path(self.path)
        self._db = await self._connect()
        self._closing = False
        await self.import_fallback()
        return self

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
            await db.execute("PRAGMA journal_mode = WAL")
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

    async def close(self) -> None:
        """Close the log; records that could be written nowhere are counted on stderr."""
        self._closing = True
        if self._memory_task is not None:
            self._memory_task.cancel()
            await asyncio.gather(self._memory_task, return_exceptions=True)
            self._memory_task = None
        if self._memory:
            await self._flush_memory()
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()
        if self._memory:
            self._report_unwritten()

    def _report_unwritten(self) -> None:
        n = len(self._memory)
        print(
            f"talks-bot: {n} answer-log record{'s' if n != 1 else ''} could not be written to "
            f"{self.path} nor to {self.fallback_path}; they follow as JSON lines: append them "
            f"to {self.fallback_path} when there is space, and they are imported on next start",
            file=sys.stderr,
        )
        for entry in self._memory:
            print(json.dumps(entry.to_dict(), allow_nan=False), file=sys.stderr)
        sys.stderr.flush()

    async def __aenter__(self) -> LogStore:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError("the answer log is not open")
        return self._db

    @property
    def unwritten(self) -> int:
        """Records held in memory because neither the database nor the fallback took them."""
        return len(self._memory)

    def _file_changed(self) -> str | None:
        """'deleted' or 'replaced' when the path no longer names the file that is open."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return "deleted"
        except OSError:
            return None  # cannot tell; the write itself will say
        return "replaced" if (st.st_dev, st.st_ino) != self._identity else None

    async def _ensure_current_file(self) -> None:
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

    def _db_failing(self) -> bool:
        return self._failed_at is not None and time.monotonic() - self._failed_at < PROBE_INTERVAL_S

    async def record(self, entry: LogEntry) -> bool:
        """Write one entry; True if it is in the database, False if it was kept aside (the
        fallback file, or memory when that fails too)."""
        error: BaseException | None = None
        if not self._closing and not self._db_failing():
            for attempt in range(WRITE_RETRIES):
                if attempt:
                    await asyncio.sleep(self.retry_delay * (2 ** (attempt - 1)))
                async with self._write_lock:
                    if self._closing or (attempt == 0 and self._db_failing()):
                        break  # another record found the database failing while this waited
                    try:
                        await self._ensure_current_file()
                        await self._insert(entry)
                    except Exception as exc:  # sqlite, a closed connection: kept aside below
                        error = self._last_error = exc
                        self._failed_at = time.monotonic()
                        continue
                await self._recovered()
                return True
        await self._keep_aside([entry], error)
        return False

    async def _recovered(self) -> None:
        """The database took a write: bring back what was kept aside meanwhile."""
        if self._failed_at is None:
            return
        self._failed_at = None
        log.info("the answer log %s takes writes again", self.path)
        if self._memory:
            await self._flush_memory()
        await self.import_fallback()

    async def _insert(self, entry: LogEntry, *, commit: bool = True) -> None:
        db = self.db
        try:
            cur = await db.execute(
                """INSERT OR IGNORE INTO entries (id, created_at, surface, guild_id, channel_id,
                    user_id, user_name, question, answered, reason, answer, quotes, top_score,
                    corpus_version, latency_ms, locale, private, confidence, guild_name,
                    channel_name, question_key)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    entry.id, entry.created_at, entry.surface, entry.guild_id, entry.channel_id,
                    entry.user_id, entry.user_name, entry.question, int(entry.answered),
                    entry.reason, entry.answer, json.dumps(entry.quotes, ensure_ascii=False),
                    entry.top_score, entry.corpus_version, entry.latency_ms, entry.locale,
                    None if entry.private is None else int(entry.private), entry.confidence,
                    entry.guild_name, entry.channel_name, entry.question_key,
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
            with contextlib.suppress(Exception):
                await db.rollback()
            raise

    async def _keep_aside(self, entries: list[LogEntry], error: BaseException | None) -> None:
        """Append to the fallback file; if that fails too, hold in memory and retry."""
        async with self._aside_lock:
            self._memory.extend(entries)
            try:
                await asyncio.to_thread(self._append_fallback, list(self._memory))
            except OSError as exc:
                if not self._memory_warned:
                    self._memory_warned = True
                    log.error(
                        "cannot write the answer log's fallback file %s either (%s); keeping "
                        "records in memory and retrying every %.0f s",
                        self.fallback_path,
                        exc.strerror or exc,
                        MEMORY_RETRY_S,
                    )
                self._start_memory_retry()
                return
            held, self._memory = len(self._memory) - len(entries), []
        if held:
            log.warning("wrote %d records held in memory to %s", held, self.fallback_path)
            self._memory_warned = False
        if not self._fallback_warned and entries:
            self._fallback_warned = True
            log.error(
                "cannot write to the answer log %s (%s); keeping records in %s until it can",
                self.path,
                error or self._last_error or "closing",
                self.fallback_path,
            )

    def _append_fallback(self, entries: list[LogEntry]) -> None:
        """All lines in one write, synced; on failure the file is cut back to where it was, so
        a half-written line never reaches the import."""
        if not entries:
            return
        data = "".join(json.dumps(e.to_dict(), allow_nan=False) + "\n" for e in entries)
        with self.fallback_path.open("a", encoding="utf-8") as f:
            size = f.tell()
            try:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            except OSError:
                with contextlib.suppress(OSError):
                    f.truncate(size)
                raise

    def _start_memory_retry(self) -> None:
        if self._memory_task is None or self._memory_task.done():
            self._memory_task = asyncio.create_task(self._retry_memory())

    async def _retry_memory(self) -> None:
        while self._memory and not self._closing:
            await asyncio.sleep(MEMORY_RETRY_S)
            await self._flush_memory()

    async def _flush_memory(self) -> None:
        """Write records held in memory: to the database if it takes them, else the fallback."""
        if not self._memory:
            return
        if self._db is not None:
            async with self._write_lock:
                batch = list(self._memory)
                try:
                    await self._ensure_current_file()
                    for entry in batch:
                        await self._insert(entry, commit=False)
                    await self.db.commit()
                except Exception:
                    with contextlib.suppress(Exception):
                        await self.db.rollback()
                else:
                    self._memory = [e for e in self._memory if e not in batch]
                    log.warning("wrote %d records held in memory to %s", len(batch), self.path)
                    self._memory_warned = False
                    return
        await self._keep_aside([], None)

    async def import_fallback(self) -> int:
        """Import records kept aside while the database could not be written."""
        if not self.fallback_path.exists():
            return 0
        async with self._aside_lock:
            try:
                text = await asyncio.to_thread(self.fallback_path.read_text, "utf-8", "replace")
            except OSError as exc:
                log.error("cannot read %s yet: %s", self.fallback_path, exc)
                return 0
            entries = []
            for n, line in enumerate(text.splitlines(), 1):
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
                with contextlib.suppress(Exception):
                    await self.db.rollback()
                log.error("could not import %s yet: %s", self.fallback_path, exc)
                return 0
            self.fallback_path.unlink()
        log.info("imported %d answer-log records from %s", len(entries), self.fallback_path)
        return len(entries)

    async def _bounded(self, work: Callable[[], Awaitable[T]], timeout: float | None) -> T:
        """Run a read or vote, giving up after ``timeout`` (default: ``wait_timeout``)."""
        timeout = self.wait_timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(timeout):
                return await work()
        except TimeoutError:
            raise StoreBusy(
                f"the answer log did not answer within {timeout:.0f} s (another program may "
                "hold it locked); try again in a minute"
            ) from None
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy(
                    f"the answer log {self.path} is locked by another program; try again later"
                ) from None
            raise StoreError(f"cannot read the answer log {self.path}: {exc}") from None
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the answer log {self.path}: {exc}") from None

    async def vote(
        self,
        entry_id: int,
        user_id: int | str,
        helpful: bool,
        reason: str | None = None,
        *,
        timeout: float | None = None,
    ) -> bool:
        """Store one user's vote on an entry, replacing their earlier one; False if no entry."""
        if not is_entry_id(entry_id):
            return False

        async def go() -> bool:
            async with self._write_lock:
                await self._ensure_current_file()
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
        """Mark an entry reviewed by ``reviewer`` now, with an optional note (a later mark
        replaces it); with ``guild_id``, only an entry asked in that server. Returns the
        entry as marked, or None when there is no such entry (there)."""
        if not is_entry_id(entry_id):
            return None
        note = repair(" ".join(note.split()))[:REVIEW_NOTE_MAX] if note else None
        sql = "UPDATE entries SET reviewed_by = ?, reviewed_at = ?, review_note = ? WHERE id = ?"
        params: list[Any] = [repair(reviewer), utc_now(), note or None, entry_id]
        if guild_id is not None:
            sql, params = sql + " AND guild_id = ?", [*params, guild_id]

        async def go() -> bool:
            async with self._write_lock:
                await self._ensure_current_file()
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
        """Declined, not-sure and not-helpful questions grouped by ``question_key``, most asked
        first: the list of articles to add. ``filters`` narrow the entries (time, server, user,
        search); its limit counts groups."""
        filters = filters or Filters()
        where, params = _where(filters)
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

    async def count(self, *, before: str | None = None, user: str | None = None) -> int:
        """How many entries a purge with these arguments would delete."""
        where, params = _purge_where(before, user)
        rows = await self.db.execute_fetchall(f"SELECT count(*) FROM entries {where}", params)
        return int(next(iter(rows))[0])

    async def purge(self, *, before: str | None = None, user_id: str | None = None) -> int:
        """Delete entries older than ``before`` (ISO time) or of one user (id or name), with
        their feedback (and that user's votes), in one transaction; returns how many entries.

        With ``secure_delete`` on and the WAL checkpointed and truncated afterwards, the
        deleted text is left in neither the database nor its WAL file.
        """
        where, params = _purge_where(before, user_id)
        async with self._write_lock:
            await self._ensure_current_file()
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
        where, params = _where(filters)

        async def go() -> list[LogEntry]:
            rows = await self.db.execute_fetchall(
                f"""{_SELECT} {where} ORDER BY e.created_at DESC, e.id DESC LIMIT ?""",
                [*params, -1 if filters.limit is None else filters.limit],
            )
            return [_entry(row) for row in rows]

        return await self._bounded(go, timeout)

    async def matching(self, filters: Filters, *, timeout: float | None = None) -> int:
        """How many entries match ``filters`` (its limit aside): "showing 20 of 56"."""
        where, params = _where(filters)

        async def go() -> int:
            rows = await self.db.execute_fetchall(f"SELECT COUNT(*) FROM entries e {where}", params)
            return int(rows[0][0])

        return await self._bounded(go, timeout)

    async def asked(
        self, guild_id: str, limit: int, *, timeout: float | None = None
    ) -> list[Asked]:
        """The latest ``limit`` questions asked in one server, newest first, without their
        answers: what /ask autocomplete and /logs show's id picker keep in memory. Bounded and
        served by the (guild_id, created_at) index, so it costs the same on any log size."""

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
        """One entry; with ``guild_id``, only if it was asked in that server."""
        if not is_entry_id(entry_id):
            return None
        sql, params = f"{_SELECT} WHERE e.id = ?", [entry_id]
        if guild_id is not None:
            sql, params = sql + " AND e.guild_id = ?", [*params, guild_id]

        async def go() -> LogEntry | None:
            rows = await self.db.execute_fetchall(sql, params)
            return _entry(rows[0]) if rows else None

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


def _key(text: object) -> str | None:
    """``question_key`` for SQLite (migration 7 fills in older entries with it)."""
    return question_key(text) if isinstance(text, str) else None


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
    if f.user_id:  # an id, or a name (Discord display name, or the OS user for the CLI)
        clauses.append("(e.user_id = ? OR e.user_name = ?)")
        params += [f.user_id, f.user_id]
    if f.declined:
        clauses.append("e.answered = 0")
    if f.flagged:
        clauses.append(_FLAGGED)
    if f.unreviewed:
        clauses.append("e.reviewed_at IS NULL")
    if f.search:
        pattern = "%" + f.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append("(e.question LIKE ? ESCAPE '\\' OR e.answer LIKE ? ESCAPE '\\')")
        params += [pattern, pattern]
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def _purge_where(before: str | None, user: str | None) -> tuple[str, list[Any]]:
    if before is None and user is None:
        raise ValueError("purge needs a cut-off time or a user")
    clauses, params = [], []
    if before is not None:
        clauses.append("created_at < ?")
        params.append(before)
    if user is not None:
        clauses.append("(user_id = ? OR user_name = ?)")
        params += [user, user]
    return "WHERE " + " AND ".join(clauses), params


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
        locale=row["locale"],
        private=None if row["private"] is None else bool(row["private"]),
        confidence=row["confidence"],
        guild_name=row["guild_name"],
        channel_name=row["channel_name"],
        reviewed_by=row["reviewed_by"],
        reviewed_at=row["reviewed_at"],
        review_note=row["review_note"],
        feedback={"helpful": row["helpful"], "not_helpful": row["not_helpful"]},
        reasons=json.loads(row["reasons"] or "[]"),
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
