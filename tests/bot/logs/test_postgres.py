"""What only the PostgreSQL backend needs checking, on a real server (the throwaway cluster):
its schema steps match SQLite's, a newer schema is refused, the server going away loses no
record, purge vacuums, the password never shows, and the CLI and doctor work on it."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import asyncpg
import pytest
from conftest import assert_none_lost

from bot.logs import schema
from bot.logs import store as store_module
from bot.logs.models import Filters, LogEntry
from bot.logs.postgres import MIGRATION_LOCK, PostgresStore, fallback_file, redact
from bot.logs.sqlite import SqliteStore
from bot.logs.store import StoreError
from retrieval import Engine


def entries(engine: Engine, n: int, prefix: str = "Where will the talks be held") -> list[LogEntry]:
    answer = engine.answer("Where will the talks be held?")
    out = []
    for i in range(n):
        e = LogEntry.from_answer(answer, "discord", user_id=i, guild_id=7, shard_id=i % 2)
        e.question = f"{prefix} {i}?"
        out.append(e)
    return out


async def sql(url: str, query: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


def test_both_backends_have_the_same_steps() -> None:
    assert len(schema.POSTGRES_MIGRATIONS) == len(schema.MIGRATIONS) == schema.VERSION


async def test_both_backends_end_with_the_same_columns(pg_url, tmp_path) -> None:
    async with SqliteStore(tmp_path / "log.db") as lite:
        rows = await lite.db.execute_fetchall(
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p "
            "WHERE m.type = 'table'"
        )
        sqlite_columns = {(r[0], r[1]) for r in rows}
    async with PostgresStore(pg_url, fallback_dir=tmp_path):
        rows = await sql(
            pg_url,
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name <> 'talks_schema'",
        )
    assert {(r[0], r[1]) for r in rows} == sqlite_columns
    assert ("entries", "shard_id") in sqlite_columns


async def test_newer_schema_is_refused_and_left_unchanged(postgres, pg_url, tmp_path) -> None:
    async with PostgresStore(pg_url, fallback_dir=tmp_path):
        pass
    await sql(pg_url, "UPDATE talks_schema SET version = $1", schema.VERSION + 1)
    with pytest.raises(StoreError, match="newer Talks Bot") as caught:
        await PostgresStore(pg_url, fallback_dir=tmp_path).open()
    assert "***" in str(caught.value) and postgres.password not in str(caught.value)
    assert (await sql(pg_url, "SELECT version FROM talks_schema"))[0][0] == schema.VERSION + 1


async def test_upgrade_from_the_first_step_keeps_entries_and_fills_citations(
    pg_url, tmp_path, engine
) -> None:
    old = entries(engine, 1)[0]
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(schema.POSTGRES_MIGRATIONS[0])
        await conn.execute("CREATE TABLE talks_schema (version INTEGER NOT NULL)")
        await conn.execute("INSERT INTO talks_schema VALUES (1)")
        await conn.execute(
            "INSERT INTO entries (id, created_at, surface, question, answered, answer, quotes, "
            "corpus_version, latency_ms) VALUES ($1, $2, 'cli', $3, 1, $4, $5::jsonb, 'v', 1.0)",
            old.id, old.created_at, old.question, old.answer, json.dumps(old.quotes),
        )  # fmt: skip
    finally:
        await conn.close()
    async with PostgresStore(pg_url, fallback_dir=tmp_path) as store:
        got = await store.get(old.id)
        assert got is not None and got.quotes == old.quotes and got.shard_id is None
    rows = await sql(pg_url, "SELECT source FROM citations WHERE entry_id = $1", old.id)
    assert {r[0] for r in rows} == {c["source"] for q in old.quotes for c in q["citations"]}
    assert (await sql(pg_url, "SELECT version FROM talks_schema"))[0][0] == schema.VERSION


async def test_two_processes_starting_together_migrate_once(pg_url, tmp_path, engine) -> None:
    stores = [PostgresStore(pg_url, fallback_dir=tmp_path / str(n)) for n in range(3)]
    await asyncio.gather(*(s.open() for s in stores))
    try:
        batches = [entries(engine, 20, f"store {n}") for n in range(3)]
        pairs = zip(stores, batches, strict=True)
        await asyncio.gather(*(s.record(e) for s, b in pairs for e in b))
        assert await stores[0].matching(Filters(limit=None)) == 60
    finally:
        await asyncio.gather(*(s.close() for s in stores))


async def test_shard_is_recorded_and_read_back(store, engine) -> None:
    batch = entries(engine, 4)
    for e in batch:
        assert await store.record(e)
    got = {e.id: e.shard_id for e in await store.entries(Filters(limit=None))}
    assert got == {e.id: e.id and e.shard_id for e in batch}


async def test_server_stopped_mid_run_loses_nothing(
    postgres, pg_url, tmp_path, engine, monkeypatch, caplog
) -> None:
    """Records written while the server is down go to the fallback file at once (no waiting
    out retries per record), and come back by themselves when it returns."""
    monkeypatch.setattr(store_module, "PROBE_INTERVAL_S", 0.2)
    store = await PostgresStore(pg_url, fallback_dir=tmp_path, retry_delay=0.01).open()
    try:
        before = entries(engine, 5, "before")
        assert all([await store.record(e) for e in before])
        postgres.stop()
        try:
            during = entries(engine, 20, "while the server is down")
            start = time.monotonic()
            results = [await store.record(e) for e in during]
            took = time.monotonic() - start
            assert results == [False] * 20
            assert took < 10, f"20 records took {took:.1f} s while the server was down"
            assert store.kept_aside == 20
            assert len(store.fallback_path.read_text().splitlines()) == 20
        finally:
            postgres.start()
        deadline = time.monotonic() + 15
        while store.imported < 20 and time.monotonic() < deadline:  # no question needed
            await asyncio.sleep(0.1)
        assert not store.fallback_path.exists(), "the kept records were not imported"
        after = entries(engine, 3, "after")
        assert all([await store.record(e) for e in after])
        got = await store.matching(Filters(limit=None))
        assert store.imported == 20, (got, store.imported)
        assert caplog.text.count("cannot write to the answer log") == 1
        assert postgres.password not in caplog.text
    finally:
        await store.close()
    assert_none_lost("PostgreSQL stopped mid-run", 5 + 20 + 3, got)


async def test_unreachable_at_start_is_one_line_without_the_password(tmp_path) -> None:
    url = "postgresql://talks:hunter2-secret@127.0.0.1:9/talks"  # nothing listens on port 9
    start = time.monotonic()
    with pytest.raises(StoreError) as caught:
        await PostgresStore(url, fallback_dir=tmp_path).open()
    assert time.monotonic() - start < 10
    message = str(caught.value)
    assert "hunter2" not in message and "postgresql://talks:***@127.0.0.1:9/talks" in message


def test_redact_hides_passwords_in_every_place_a_url_holds_them() -> None:
    assert redact("postgresql://u:p%40ss@h:5/d") == "postgresql://u:***@h:5/d"
    assert redact("postgresql://u@h/d?password=x&sslmode=require") == (
        "postgresql://u@h/d?password=***&sslmode=require"
    )
    assert redact("postgresql://h/d") == "postgresql://h/d"


async def test_purge_deletes_and_vacuums(pg_url, tmp_path, engine) -> None:
    async with PostgresStore(pg_url, fallback_dir=tmp_path) as store:
        keep = entries(engine, 3, "kept question")
        gone = entries(engine, 2, "secret question")
        for e in gone:
            e.user_id = "42"
        for e in keep + gone:
            await store.record(e)
        await store.vote(keep[0].id, "42", helpful=False, reason="the purged user's vote")
        assert await store.purge(user_id="42") == 2
        assert await store.entries(Filters(search="secret")) == []
        assert (await store.get(keep[0].id)).reasons == []  # the user's vote went too
    rows = await sql(
        pg_url,
        "SELECT relname, last_vacuum IS NOT NULL FROM pg_stat_user_tables "
        "WHERE relname IN ('entries', 'citations', 'feedback')",
    )
    assert dict(rows) == {"entries": True, "citations": True, "feedback": True}
    rows = await sql(pg_url, "SELECT count(*) FROM entries WHERE question LIKE '%secret%'")
    assert rows[0][0] == 0


async def test_fallback_file_is_shared_per_server_and_named_without_the_password(tmp_path):
    a = fallback_file(tmp_path, "postgresql://u:one@h:5/d")
    assert a == fallback_file(tmp_path, "postgresql://u:two@h:5/d")  # same server and database
    assert a != fallback_file(tmp_path, "postgresql://u:one@h:5/other")
    assert "one" not in a.name


async def test_two_processes_share_the_fallback_file_without_losing_lines(tmp_path, engine) -> None:
    """Two stores (as two bot processes on one host) append while a third imports: every
    line is either imported or still in the file, never both lost."""
    url = "postgresql://u:p@127.0.0.1:9/d"
    writers = [PostgresStore(url, fallback_dir=tmp_path) for _ in range(2)]
    batches = [entries(engine, 50, f"writer {n}") for n in range(2)]

    async def write(store: PostgresStore, batch: list[LogEntry]) -> None:
        for e in batch:
            await asyncio.to_thread(store._append_fallback, [e])

    await asyncio.gather(*(write(s, b) for s, b in zip(writers, batches, strict=True)))
    lines = Path(writers[0].fallback_path).read_text().splitlines()
    assert sorted(json.loads(x)["id"] for x in lines) == sorted(e.id for b in batches for e in b)


async def test_upgrade_to_step_7_groups_old_entries_as_sqlite_does(pg_url, tmp_path) -> None:
    """A database at step 6: older entries get their grouping key from the same Python
    function SQLite's migration uses, so the unanswered view groups them."""
    conn = await asyncpg.connect(pg_url)
    try:
        for step in schema.POSTGRES_MIGRATIONS[:6]:
            await conn.execute(step)
        await conn.execute("CREATE TABLE talks_schema (version INTEGER NOT NULL)")
        await conn.execute("INSERT INTO talks_schema VALUES (6)")
        for n, question in enumerate(["What is photosynthesis?", "WHAT is **photosynthesis**"]):
            await conn.execute(
                "INSERT INTO entries (id, created_at, surface, question, answered, reason, "
                "answer, corpus_version, latency_ms, guild_id) "
                "VALUES ($1, $2, 'discord', $3, 0, 'not_covered', 'no', 'v', 1.0, '1001')",
                n + 1, f"2025-05-1{n + 1}T00:00:00.000Z", question,
            )  # fmt: skip
    finally:
        await conn.close()
    async with PostgresStore(pg_url, fallback_dir=tmp_path) as store:
        (group,) = await store.unanswered()
        assert (group.question, group.count, group.servers) == (
            "WHAT is **photosynthesis**", 2, ["1001"],
        )  # fmt: skip


async def test_a_long_outages_fallback_file_is_imported_in_batches(make_store, engine) -> None:
    """More records than one import transaction takes (both backends): all imported on open,
    the file removed."""
    store = make_store()
    kept = entries(engine, store_module.IMPORT_BATCH * 2 + 50, "kept during a long outage")
    store._append_fallback(kept)
    async with make_store() as reopened:
        got = await reopened.matching(Filters(limit=None))
        assert not reopened.fallback_path.exists()
    assert_none_lost("a long outage's fallback file", len(kept), got)


async def test_a_first_start_looking_while_another_creates_the_log_is_not_refused(
    pg_url, tmp_path, monkeypatch
) -> None:
    """Two shards on a new database: one has created the tables, not yet committed, when the
    other looks. Its commit landing between the look's two questions (a version table? an
    entries table?) once made a new log "not a Talks Bot log" (CI, two shards). The look waits
    for the migration lock now; here the commit is made to land exactly there, or after a
    second if the look is waiting for the lock."""
    other = await asyncpg.connect(pg_url, timeout=10)
    tx = other.transaction()
    await tx.start()
    await other.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
    await other.execute("CREATE TABLE talks_schema (version INTEGER NOT NULL)")
    await other.execute(schema.POSTGRES_MIGRATIONS[0])
    await other.execute("INSERT INTO talks_schema VALUES (1)")
    committed = asyncio.Event()

    async def commit() -> None:
        if not committed.is_set():
            committed.set()
            await tx.commit()

    fetchval = asyncpg.Connection.fetchval

    async def looking(self: asyncpg.Connection, query: str, *args: object, **kw: object) -> object:
        value = await fetchval(self, query, *args, **kw)
        if "to_regclass" in query and args == ("talks_schema",) and not value:
            await commit()  # the other shard commits between the two questions
        return value

    monkeypatch.setattr(asyncpg.Connection, "fetchval", looking)
    later = asyncio.get_running_loop().call_later(1.0, lambda: asyncio.ensure_future(commit()))
    try:
        async with PostgresStore(pg_url, fallback_dir=tmp_path) as store:
            assert await store.matching(Filters(limit=None)) == 0
    finally:
        later.cancel()
        await commit()
        await other.close()
    assert (await sql(pg_url, "SELECT version FROM talks_schema"))[0][0] == schema.VERSION


async def test_another_applications_entries_table_is_refused_and_left_alone(
    pg_url, tmp_path
) -> None:
    """A database another program keeps its own ``entries`` in: the bot will not start on it
    (nor alter it), and ``doctor`` says why, both with the fix."""
    from bot.logs.health import check_postgres

    await sql(pg_url, "CREATE TABLE entries (id TEXT PRIMARY KEY, body TEXT)")
    await sql(pg_url, "INSERT INTO entries VALUES ('a', 'theirs')")
    with pytest.raises(StoreError, match="not a Talks Bot log") as caught:
        await PostgresStore(pg_url, fallback_dir=tmp_path).open()
    assert "TALKS_DB_URL" in str(caught.value)
    found = await check_postgres(pg_url, tmp_path / "talks.db")
    assert found.ok is False and "not a Talks Bot log" in found.text
    assert "another database" in found.fix
    assert [tuple(r) for r in await sql(pg_url, "SELECT * FROM entries")] == [("a", "theirs")]
    assert (await sql(pg_url, "SELECT to_regclass('talks_schema')"))[0][0] is None
