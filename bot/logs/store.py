"""The answer log's one interface, with what both backends share: never losing a record.

``LogStore`` is what the bot and the CLI use; ``bot.logs.sqlite.SqliteStore`` (one file, the
embedded default) and ``bot.logs.postgres.PostgresStore`` (a server shared by several bot
processes, when ``TALKS_DB_URL`` is set) implement it, each importing only this module, the
SQL they share (``bot.logs.sql``) and the values; ``bot.logs.factory.make_store`` above them
picks one from the settings. Writing is shared here, so both backends keep the same
promise — no record is lost without a word:

- a record that cannot be written after a few tries goes to a JSON Lines file (for SQLite
  ``<db>.pending.jsonl`` next to the database), imported when the database takes writes again
  or on the next open; while the database keeps failing, records go there at once instead of
  each waiting out the retries. Processes on one host share the file under ``flock``;
- if that file cannot be written either (disk full, folder gone), records stay in memory and
  are retried; on close, any still unwritten are counted on stderr and printed there.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from bot.logs import fallback
from bot.logs.models import Asked, Filters, LogEntry, Stats, Unanswered

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_S = 5.0  # how long one statement waits for a lock (or a server) before failing
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
# Fallback records are imported this many per transaction (each within BUSY_TIMEOUT_S); a
# batch that fails leaves the file whole, and the next import skips what is already there.
IMPORT_BATCH = 200
# Records held in memory (fallback unwritable) are retried this often.
MEMORY_RETRY_S = 5.0
# Behind a Discord interaction the member is waiting: reads and votes give up after this and
# say the log is busy (the interaction is already deferred, so Discord does not time out).
INTERACTION_WAIT_S = 4.0


class StoreError(Exception):
    """The log cannot be used; the message says why and what to do (never a password)."""


class StoreBusy(StoreError):
    """The log did not answer within the wait allowed behind an interaction."""


class LogStore(ABC):
    """Append, vote, review, purge and stats over the answer log, whatever holds it.

    Subclasses implement the database side (``_open``, ``_close_db``, ``_insert`` and the
    reads); the retries, the fallback file and the memory queue live here, once.
    """

    backend = "?"
    # Whether to keep trying the database in the background while it fails (a server that
    # went away comes back by itself; a full disk or read-only file waits for the next record).
    probe_while_failing = False

    def __init__(
        self,
        label: str,
        fallback_path: Path,
        *,
        retry_delay: float = RETRY_DELAY_S,
        wait_timeout: float | None = None,
    ) -> None:
        self.label = label  # how messages name the log: a path, or a URL without its password
        self.fallback_path = fallback_path
        self.retry_delay = retry_delay
        self.wait_timeout = wait_timeout
        self._write_lock = asyncio.Lock()
        self._aside_lock = asyncio.Lock()
        self._failed_at: float | None = None
        self._last_error: BaseException | None = None
        self._fallback_warned = False
        self._memory: list[LogEntry] = []
        self._memory_warned = False
        self._memory_task: asyncio.Task[None] | None = None
        self._probe_task: asyncio.Task[None] | None = None
        self._closing = False
        self.kept_aside = 0  # records that went to the fallback or memory since open
        self.imported = 0  # records brought back from there since open

    # --- the database side --------------------------------------------------------------------

    @abstractmethod
    async def _open(self) -> None:
        """Connect, refuse a newer schema, migrate an older one."""

    @abstractmethod
    async def _close_db(self) -> None: ...

    @property
    @abstractmethod
    def is_open(self) -> bool: ...

    @abstractmethod
    async def _insert(self, entries: list[LogEntry]) -> None:
        """Write entries (and their citations) in one transaction; an id already there is
        left alone, so importing a fallback record twice is harmless."""

    async def _prepare_write(self) -> None:
        """Called with the write lock held before each write (SQLite: a file swapped away)."""
        return None

    async def _ping(self) -> None:
        """Raise unless the database answers (the background probe's test)."""
        return None

    def _translate(self, exc: BaseException) -> StoreError | None:
        """The error a reader sees for a database error, or None when it is not one."""
        return None

    # --- lifecycle ----------------------------------------------------------------------------

    async def open(self) -> LogStore:
        await self._open()
        self._closing = False
        await self.import_fallback()
        return self

    async def close(self) -> None:
        """Close the log; records that could be written nowhere are counted on stderr."""
        self._closing = True
        for task in (self._memory_task, self._probe_task):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._memory_task = self._probe_task = None
        if self._memory:
            await self._flush_memory()
        if self.is_open:
            await self._close_db()
        if self._memory:
            self._report_unwritten()

    def _report_unwritten(self) -> None:
        n = len(self._memory)
        print(
            f"talks-bot: {n} answer-log record{'s' if n != 1 else ''} could not be written to "
            f"{self.label} nor to {self.fallback_path}; they follow as JSON lines: append them "
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
    def unwritten(self) -> int:
        """Records held in memory because neither the database nor the fallback took them."""
        return len(self._memory)

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
                        async with asyncio.timeout(BUSY_TIMEOUT_S):  # one try, bounded
                            await self._prepare_write()
                            await self._insert([entry])
                    except Exception as exc:  # a lock, a closed connection: kept aside below
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
        log.info("the answer log %s takes writes again", self.label)
        if self._memory:
            await self._flush_memory()
        await self.import_fallback()

    async def _keep_aside(self, entries: list[LogEntry], error: BaseException | None) -> None:
        """Append to the fallback file; if that fails too, hold in memory and retry."""
        self.kept_aside += len(entries)
        if self.probe_while_failing and entries and not self._closing:
            self._start_probe()
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
                self.label,
                self._say(error or self._last_error or "closing"),
                self.fallback_path,
            )

    def _say(self, error: object) -> str:
        """An error as a log line may show it (the Postgres store takes its password out)."""
        return str(error) or type(error).__name__

    def _append_fallback(self, entries: list[LogEntry]) -> None:
        fallback.append(self.fallback_path, entries)

    def _start_memory_retry(self) -> None:
        if self._memory_task is None or self._memory_task.done():
            self._memory_task = asyncio.create_task(self._retry_memory())

    async def _retry_memory(self) -> None:
        while self._memory and not self._closing:
            await asyncio.sleep(MEMORY_RETRY_S)
            await self._flush_memory()

    def _start_probe(self) -> None:
        if self._probe_task is None or self._probe_task.done():
            self._probe_task = asyncio.create_task(self._probe())

    async def _probe(self) -> None:
        """While the database fails, try it every PROBE_INTERVAL_S; when it answers, import
        what was kept aside, so records return without waiting for the next question.
        Ends when the database is back or the store closes."""
        while self._failed_at is not None and not self._closing:
            await asyncio.sleep(PROBE_INTERVAL_S)
            try:
                async with asyncio.timeout(BUSY_TIMEOUT_S):
                    await self._ping()
            except Exception as exc:
                self._last_error = exc
                continue
            await self._recovered()

    async def _flush_memory(self) -> None:
        """Write records held in memory: to the database if it takes them, else the fallback."""
        if not self._memory:
            return
        if self.is_open:
            async with self._write_lock:
                batch = list(self._memory)
                try:
                    async with asyncio.timeout(BUSY_TIMEOUT_S):
                        await self._prepare_write()
                        await self._insert(batch)
                except Exception:
                    pass
                else:
                    self._memory = [e for e in self._memory if e not in batch]
                    log.warning("wrote %d records held in memory to %s", len(batch), self.label)
                    self._memory_warned = False
                    return
        await self._keep_aside([], None)

    async def import_fallback(self) -> int:
        """Import records kept aside while the database could not be written. The lines are
        read, written, and only then cut from the file, so a crash in between imports them
        again (harmless: ids already there are skipped) rather than losing them."""
        if not self.fallback_path.exists():
            return 0
        async with self._aside_lock:
            try:
                data = await asyncio.to_thread(fallback.read, self.fallback_path)
            except OSError as exc:
                log.error("cannot read %s yet: %s", self.fallback_path, exc)
                return 0
            entries = []
            for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    entries.append(LogEntry(**json.loads(line)))
                except (json.JSONDecodeError, TypeError) as exc:
                    log.error("skipping unreadable line %d of %s: %s", n, self.fallback_path, exc)
            try:  # in batches, each bounded: a long outage can leave thousands of lines
                for start in range(0, len(entries), IMPORT_BATCH):
                    async with self._write_lock, asyncio.timeout(BUSY_TIMEOUT_S):
                        await self._insert(entries[start : start + IMPORT_BATCH])
            except Exception as exc:
                log.error("could not import %s yet: %s", self.fallback_path, self._say(exc))
                return 0
            try:
                await asyncio.to_thread(fallback.drop_imported, self.fallback_path, len(data))
            except OSError as exc:
                log.error("imported %s but cannot shorten it: %s", self.fallback_path, exc)
        self.imported += len(entries)
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
        except (StoreError, asyncio.CancelledError):
            raise
        except Exception as exc:
            translated = self._translate(exc)
            if translated is None:
                raise
            raise translated from None

    # --- what reviews and the bot ask ---------------------------------------------------------

    @abstractmethod
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

    @abstractmethod
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

    @abstractmethod
    async def unanswered(
        self, filters: Filters | None = None, *, timeout: float | None = None
    ) -> list[Unanswered]:
        """Declined, not-sure and not-helpful questions grouped by ``question_key``, most asked
        first: the list of articles to add. ``filters`` narrow the entries (time, server, user,
        search); its limit counts groups."""

    @abstractmethod
    async def count(self, *, before: str | None = None, user: str | None = None) -> int:
        """How many entries a purge with these arguments would delete."""

    @abstractmethod
    async def purge(self, *, before: str | None = None, user_id: str | None = None) -> int:
        """Delete entries older than ``before`` or of one user (id or name), with their
        feedback (and that user's votes); returns how many entries."""

    @abstractmethod
    async def entries(
        self, filters: Filters | None = None, *, timeout: float | None = None
    ) -> list[LogEntry]: ...

    @abstractmethod
    async def matching(self, filters: Filters, *, timeout: float | None = None) -> int:
        """How many entries match ``filters`` (its limit aside): "showing 20 of 56"."""

    @abstractmethod
    async def asked(
        self, guild_id: str, limit: int, *, timeout: float | None = None
    ) -> list[Asked]:
        """The latest ``limit`` questions asked in one server, newest first."""

    @abstractmethod
    async def get(
        self, entry_id: int, *, guild_id: str | None = None, timeout: float | None = None
    ) -> LogEntry | None:
        """One entry; with ``guild_id``, only if it was asked in that server."""

    @abstractmethod
    async def stats(
        self,
        since: str | None = None,
        until: str | None = None,
        *,
        guild_id: str | None = None,
        timeout: float | None = None,
    ) -> Stats: ...
