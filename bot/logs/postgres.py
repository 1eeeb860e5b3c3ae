"""The answer log on a PostgreSQL server through asyncpg, for bots run as several processes.

Chosen when ``TALKS_DB_URL=postgresql://…`` is set. The same promise as SQLite: a record the
server does not take (restarting, unreachable, refusing) goes to the shared fallback file
(``LogStore``) and comes back when the server answers again — a background probe tries it
every few seconds, so records return even if no one asks anything. Every wait is bounded:
connecting, acquiring a pooled connection and each statement.

The URL's password is never shown: messages name the server by ``redact(url)``, and errors
from the driver pass through ``scrub`` before they are logged or raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import asyncpg

from bot.logs import schema, sql
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
from bot.logs.sql import POSTGRES
from bot.logs.store import BUSY_TIMEOUT_S, RETRY_DELAY_S, LogStore, StoreBusy, StoreError
from bot.text import repair

log = logging.getLogger("bot.logs.store")

POOL_SIZE = 4  # writes go one at a time (the write lock); reads share the rest
PURGE_TIMEOUT_S = 600.0  # a purge of a large log may take minutes; still bounded
MIGRATION_LOCK = 0x7A1C5B07  # pg_advisory_xact_lock key: one process migrates at a time
_VERSION_TABLE = "talks_schema"


def _password(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.password:
        return unquote(parts.password)
    for key, value in parse_qsl(parts.query):
        if key == "password":
            return value
    return None


def redact(url: str) -> str:
    """The URL with its password replaced by ``***``: how logs, errors and doctor name it."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        name = user.split(":", 1)[0]
        netloc = f"{name}:***@{host}"
    query = urlencode(
        [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query)], safe="/*"
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def scrub(text: object, url: str) -> str:
    """An error's text with the URL's password (raw or percent-encoded) taken out."""
    out = str(text) or type(text).__name__
    secret = _password(url)
    if secret:
        for form in {secret, urlsplit(url).password or secret}:
            out = out.replace(form, "***")
    return out


def fallback_file(folder: Path, url: str) -> Path:
    """Where records wait while this server is away: one file per server and database on this
    host, shared by its bot processes (named by a hash of the URL without its password)."""
    digest = hashlib.sha256(redact(url).encode()).hexdigest()[:12]
    return folder / f"postgres-{digest}.pending.jsonl"


def _clean(text: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL; SQLite can. Stored as U+FFFD, like other bad input."""
    return None if text is None else text.replace("\x00", "\ufffd")


class PostgresStore(LogStore):
    backend = "postgresql"
    probe_while_failing = True

    def __init__(
        self,
        url: str,
        *,
        fallback_dir: Path,
        retry_delay: float = RETRY_DELAY_S,
        wait_timeout: float | None = None,
    ) -> None:
        self.url = url
        super().__init__(
            redact(url),
            fallback_file(Path(fallback_dir), url),
            retry_delay=retry_delay,
            wait_timeout=wait_timeout,
        )
        self._pool: asyncpg.Pool | None = None

    def _say(self, error: object) -> str:
        return scrub(error, self.url)

    # --- lifecycle ----------------------------------------------------------------------------

    async def _open(self) -> None:
        try:
            self.fallback_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create {self.fallback_path.parent} for records kept aside while "
                f"PostgreSQL is away: {exc.strerror or exc}; set TALKS_DB_PATH to a file in a "
                "writable folder (its folder holds them)"
            ) from None
        timeout = BUSY_TIMEOUT_S if self.wait_timeout is None else min(
            BUSY_TIMEOUT_S, self.wait_timeout
        )  # fmt: skip
        try:
            self._pool = await asyncpg.create_pool(
                self.url, min_size=1, max_size=POOL_SIZE, timeout=BUSY_TIMEOUT_S,
                command_timeout=timeout, server_settings={"application_name": "talks-bot"},
            )  # fmt: skip
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError,
                TimeoutError) as exc:  # fmt: skip
            raise StoreError(
                f"cannot connect to the answer log {self.label}: {self._say(exc)}; check that "
                "the server runs and TALKS_DB_URL (user, password, host, port, database)"
            ) from None
        try:
            await self._migrate()
        except BaseException:
            await self._close_db()
            raise

    async def _close_db(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                async with asyncio.timeout(BUSY_TIMEOUT_S):  # waits for connections in use
                    await pool.close()
            except Exception:  # a statement stuck on a server that went away
                pool.terminate()

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StoreError("the answer log is not open")
        return self._pool

    async def _migrate(self) -> None:
        """Refuse a newer schema; bring an older one up to date, one step per transaction,
        holding an advisory lock so two bot processes starting together migrate once."""
        async with self.pool.acquire(timeout=BUSY_TIMEOUT_S) as conn:
            try:
                async with conn.transaction():
                    # Under the lock: a process creating the tables commits them together,
                    # so a look here never sees its 'entries' without its version.
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
                    version = await _version(conn)
                if version > schema.VERSION:
                    raise StoreError(
                        f"the answer log {self.label} was written by a newer Talks Bot (log "
                        f"schema version {version}; this version knows up to "
                        f"{schema.VERSION}). Upgrade talks-bot to use it; the database was "
                        "left unchanged."
                    )
                if version == schema.VERSION:
                    return
                for number in range(1, schema.VERSION + 1):
                    async with conn.transaction():
                        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
                        await conn.execute(
                            f"CREATE TABLE IF NOT EXISTS {_VERSION_TABLE} "
                            "(version INTEGER NOT NULL)"
                        )
                        current = await _version(conn)
                        if current >= number:
                            continue  # another process took this step while we waited
                        await conn.execute(schema.POSTGRES_MIGRATIONS[number - 1])
                        if number in _IN_PYTHON:
                            await _IN_PYTHON[number](conn)
                        await conn.execute(f"DELETE FROM {_VERSION_TABLE}")
                        await conn.execute(f"INSERT INTO {_VERSION_TABLE} VALUES ($1)", number)
                    log.info("answer log %s upgraded to schema version %d", self.label, number)
            except StoreError:
                raise
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                raise StoreError(
                    f"cannot prepare the answer log {self.label}: {self._say(exc)} (the role "
                    "needs CREATE on its schema for the first start and each upgrade)"
                ) from None

    async def _ping(self) -> None:
        async with self.pool.acquire(timeout=BUSY_TIMEOUT_S) as conn:
            await conn.fetchval("SELECT 1")

    def _translate(self, exc: BaseException) -> StoreError | None:
        if isinstance(exc, asyncpg.exceptions.LockNotAvailableError | asyncpg.QueryCanceledError):
            return StoreBusy(f"the answer log {self.label} is busy; try again later")
        if isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError | OSError):
            return StoreError(f"cannot read the answer log {self.label}: {self._say(exc)}")
        return None

    # --- writing ------------------------------------------------------------------------------

    async def _insert(self, entries: list[LogEntry]) -> None:
        if not entries:
            return
        async with self.pool.acquire(timeout=BUSY_TIMEOUT_S) as conn, conn.transaction():
            for entry in entries:
                inserted = await conn.fetchval(
                    sql.insert_entry_sql(POSTGRES),
                    entry.id, entry.created_at, entry.surface, entry.guild_id, entry.channel_id,
                    entry.user_id, _clean(entry.user_name), _clean(entry.question),
                    int(entry.answered), entry.reason, _clean(entry.answer),
                    json.dumps(entry.quotes, ensure_ascii=True).replace("\\u0000", "\\ufffd"),
                    entry.top_score, entry.corpus_version, entry.latency_ms, entry.locale,
                    None if entry.private is None else int(entry.private), entry.confidence,
                    _clean(entry.guild_name), _clean(entry.channel_name),
                    _clean(entry.question_key), entry.shard_id, entry.follows,
                )  # fmt: skip
                if inserted is not None:  # not already there (a fallback record imported twice)
                    rows = sql.citation_rows(entry)
                    if rows:
                        await conn.executemany(sql.insert_citations_sql(POSTGRES), rows)

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
            async with self.pool.acquire() as conn:
                try:
                    await conn.execute(
                        sql.vote_sql(POSTGRES),
                        entry_id, str(user_id), int(helpful), _clean(reason), utc_now(),
                    )  # fmt: skip
                except asyncpg.ForeignKeyViolationError:
                    return False
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
            entry_id, _clean(repair(reviewer)) or "", _clean(review_note(note)), utc_now(),
            guild_id, POSTGRES,
        )  # fmt: skip

        async def go() -> bool:
            async with self.pool.acquire() as conn:
                status = await conn.execute(update, *params)
            return status.split()[-1] != "0"

        if not await self._bounded(go, timeout):
            return None
        return await self.get(entry_id, guild_id=guild_id, timeout=timeout)

    async def unanswered(
        self, filters: Filters | None = None, *, timeout: float | None = None
    ) -> list[Unanswered]:
        query, params = sql.unanswered_query(filters or Filters(), POSTGRES)

        async def go() -> list[Unanswered]:
            async with self.pool.acquire() as conn:
                rows = await conn.fetch(query, *params)
            return [
                Unanswered(
                    question=r["question"], count=int(r["times"]), declined=int(r["declined"]),
                    not_sure=int(r["not_sure"]), flagged=int(r["flagged"]),
                    last_asked=r["last_asked"], servers=sorted(json.loads(r["servers"])),
                    latest_id=r["latest_id"],
                )
                for r in rows
            ]  # fmt: skip

        return await self._bounded(go, timeout)

    async def count(self, *, before: str | None = None, user: str | None = None) -> int:
        query, params = sql.purge_count_sql(before, user, POSTGRES)
        return await self._bounded(lambda: self._value(query, *params), PURGE_TIMEOUT_S)

    async def purge(self, *, before: str | None = None, user_id: str | None = None) -> int:
        """Deleted in one transaction, then VACUUM, so the deleted rows leave the tables' live
        data at once rather than at autovacuum's next pass (docs/scaling.md says what PostgreSQL
        may still hold: free space in pages, WAL segments, backups)."""
        delete, params = sql.purge_sql(before, user_id, POSTGRES)
        async with self._write_lock, self.pool.acquire(timeout=BUSY_TIMEOUT_S) as conn:
            async with conn.transaction():
                status = await conn.execute(delete, *params, timeout=PURGE_TIMEOUT_S)
                if user_id is not None:
                    await conn.execute(sql.purge_votes_sql(POSTGRES), user_id)
            try:
                await conn.execute("VACUUM entries, citations, feedback", timeout=PURGE_TIMEOUT_S)
            except asyncpg.PostgresError as exc:
                log.warning(
                    "purge: VACUUM failed (%s); the deleted rows stay in the table files until "
                    "autovacuum or the owner's VACUUM",
                    self._say(exc),
                )
        return int(status.split()[-1])

    async def _value(self, sql: str, *params: Any) -> Any:
        async with self.pool.acquire() as conn:
            return await conn.fetchval(sql, *params)

    # --- reading ------------------------------------------------------------------------------

    async def entries(
        self, filters: Filters | None = None, *, timeout: float | None = None
    ) -> list[LogEntry]:
        query, params = sql.entries_sql(filters or Filters(), POSTGRES)

        async def go() -> list[LogEntry]:
            async with self.pool.acquire() as conn:
                rows = await conn.fetch(query, *params)
            return [LogEntry.from_row(row) for row in rows]

        return await self._bounded(go, timeout)

    async def matching(self, filters: Filters, *, timeout: float | None = None) -> int:
        query, params = sql.matching_sql(filters, POSTGRES)
        return int(await self._bounded(lambda: self._value(query, *params), timeout))

    async def asked(
        self, guild_id: str, limit: int, *, timeout: float | None = None
    ) -> list[Asked]:
        query, params = sql.asked_sql(guild_id, limit, POSTGRES)

        async def go() -> list[Asked]:
            async with self.pool.acquire() as conn:
                rows = await conn.fetch(query, *params)
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
        query, params = sql.get_sql(entry_id, guild_id, POSTGRES)

        async def go() -> LogEntry | None:
            async with self.pool.acquire() as conn:
                row = await conn.fetchrow(query, *params)
            return LogEntry.from_row(row) if row is not None else None

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
        where, params = sql.filter_where(filters, POSTGRES)
        totals, by_reason, most_asked, by_vote = sql.stats_sql(where)
        async with self.pool.acquire() as conn:
            total, answered, not_sure = await conn.fetchrow(totals, *params)
            reasons = await conn.fetch(by_reason, *params)
            top = await conn.fetch(most_asked, *params)
            votes = await conn.fetchrow(by_vote, *params)
        return Stats(
            entries=int(total),
            answered=int(answered),
            not_sure=int(not_sure),
            declined_reasons={r[0] or "unknown": int(r[1]) for r in reasons},
            top_questions=[(r[0], int(r[1])) for r in top],
            helpful=int(votes[0]),
            not_helpful=int(votes[1]),
            since=since,
        )


async def _fill_question_keys(conn: asyncpg.Connection) -> None:
    """Step 7's grouping key for entries logged before it, by the Python function SQLite
    registers (``question_key``), so both backends group old questions the same way."""
    rows = await conn.fetch("SELECT id, question FROM entries WHERE question_key IS NULL")
    await conn.executemany(
        "UPDATE entries SET question_key = $2 WHERE id = $1",
        [(r["id"], question_key(r["question"])) for r in rows],
    )


# Steps whose data is filled in by Python after their SQL (same transaction).
_IN_PYTHON = {7: _fill_question_keys}


async def _version(conn: asyncpg.Connection) -> int:
    exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", _VERSION_TABLE)
    if not exists:
        if await conn.fetchval("SELECT to_regclass('entries') IS NOT NULL"):
            raise StoreError(
                "the database has an 'entries' table but no talks_schema version: it is not a "
                "Talks Bot log; point TALKS_DB_URL at another database"
            )
        return 0
    with contextlib.suppress(TypeError):
        return int(await conn.fetchval(f"SELECT max(version) FROM {_VERSION_TABLE}") or 0)
    return 0
