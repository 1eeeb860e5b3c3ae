"""The answer log on real SQLite files: schema upgrades, concurrency, fallback, review queries."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3

import pytest
from conftest import assert_none_lost, three_outcomes

from bot.logs import formats, schema
from bot.logs.models import Filters, LogEntry, new_entry_id
from bot.logs.sqlite import SqliteStore
from bot.logs.store import StoreError
from retrieval import Engine


def entry(engine: Engine, question: str, **who) -> LogEntry:
    return LogEntry.from_answer(engine.answer(question), "discord" if who else "cli", **who)


async def test_new_file_is_wal_with_current_schema(tmp_path) -> None:
    async with SqliteStore(tmp_path / "sub" / "log.db"):
        pass
    db = sqlite3.connect(tmp_path / "sub" / "log.db")
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.execute("pragma user_version").fetchone()[0] == schema.VERSION
    db.close()


async def test_upgrade_from_previous_version_keeps_entries(tmp_path, engine) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(schema.MIGRATIONS[0] + "; PRAGMA user_version = 1;")  # every upgrade
    old = entry(engine, "Where will the talks be held?")
    db.execute(
        "INSERT INTO entries (id, created_at, surface, question, answered, answer, quotes, "
        "corpus_version, latency_ms) VALUES (?, ?, 'cli', ?, 1, ?, ?, 'v', 1.0)",
        (old.id, old.created_at, old.question, old.answer, json.dumps(old.quotes)),
    )
    db.commit()
    db.close()
    async with SqliteStore(path) as store:
        got = await store.get(old.id)
        assert got is not None and got.quotes == old.quotes
        rows = await store.db.execute_fetchall(
            "SELECT source FROM citations WHERE entry_id = ?", (old.id,)
        )
        assert {r[0] for r in rows} == {c["source"] for q in old.quotes for c in q["citations"]}


async def test_upgrade_to_schema_5_records_privacy_and_is_done_once(tmp_path, engine) -> None:
    """A schema 4 file: the message command's entries become private (it always is); others'
    privacy is unknown (NULL), so autocomplete treats them as private. Opening again changes
    nothing; new entries record their privacy."""
    path = tmp_path / "v4.db"
    db = sqlite3.connect(path)
    db.executescript(";".join(schema.MIGRATIONS[:4]) + "; PRAGMA user_version = 4;")
    for n, surface in enumerate(("discord", "context_menu", "cli"), 1):
        db.execute(
            "INSERT INTO entries (id, created_at, surface, guild_id, question, answered, answer, "
            "corpus_version, latency_ms) VALUES (?, '2025-05-12', ?, '7', 'q', 1, 'a', 'v', 1.0)",
            (n, surface),
        )
    db.commit()
    db.close()
    for _ in range(2):
        async with SqliteStore(path) as store:
            assert [(a.id, a.private) for a in await store.asked("7", 10)] == [
                (3, None), (2, True), (1, None),
            ]  # fmt: skip
    public = entry(engine, "Where will the talks be held?", guild_id=7, private=False)
    async with SqliteStore(path) as store:
        await store.record(public)
        got = await store.get(public.id)
        assert got is not None and got.private is False
    db = sqlite3.connect(path)
    assert db.execute("pragma user_version").fetchone()[0] == schema.VERSION
    db.close()


async def test_asked_reads_one_servers_latest_questions_with_their_flags(store, engine) -> None:
    a = [entry(engine, f"Where will the talks be held {n}?", guild_id=1, private=False)
         for n in range(3)]  # fmt: skip
    other = entry(engine, "Where will the talks be held?", guild_id=2, private=False)
    for e in (*a, other):
        await store.record(e)
    await store.vote(a[1].id, 99, False, "wrong")
    await store.vote(a[2].id, 98, True)
    got = await store.asked("1", 2)
    assert [(x.id, x.flagged) for x in got] == [(a[2].id, False), (a[1].id, True)]


async def test_newer_schema_is_refused_and_left_unchanged(tmp_path) -> None:
    path = tmp_path / "future.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {schema.VERSION + 1}")
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer Talks Bot"):
        await SqliteStore(path).open()
    assert path.read_bytes() == before


async def test_fifty_parallel_writers_all_land(store, engine) -> None:
    answer = engine.answer("Where will the talks be held?")
    entries = [LogEntry.from_answer(answer, "discord", user_id=i) for i in range(50)]
    results = await asyncio.gather(*(store.record(e) for e in entries))
    assert all(results)
    got = await store.entries(Filters(limit=100))
    assert {e.id for e in got} == {e.id for e in entries}


async def test_unwritable_database_keeps_records_in_fallback_and_imports_them(
    tmp_path, engine, caplog
) -> None:
    path = tmp_path / "log.db"
    store = await SqliteStore(path, retry_delay=0.001).open()
    kept = entry(engine, "Where will the talks be held?")
    assert await store.record(kept)
    await store.db.execute("PRAGMA query_only = ON")  # the file turns read-only mid-run
    lost = [
        entry(engine, "What is photosynthesis?"),
        entry(engine, "Who is the Kremlin spokesperson?"),
    ]
    assert [await store.record(e) for e in lost] == [False, False]
    assert caplog.text.count("cannot write to the answer log") == 1
    await store.close()
    assert store.fallback_path.exists()
    async with SqliteStore(path) as reopened:
        got = {e.id: e for e in await reopened.entries()}
    assert set(got) == {kept.id, *(e.id for e in lost)}
    assert_none_lost("read-only database mid-run", 3, len(got))
    assert got[lost[1].id].quotes == lost[1].quotes
    assert not store.fallback_path.exists()


async def test_votes_replace_and_unknown_entries_are_refused(store, engine) -> None:
    e = entry(engine, "Where will the talks be held?", user_id=1)
    await store.record(e)
    assert await store.vote(e.id, 7, helpful=True)
    assert await store.vote(e.id, 7, helpful=False, reason="wrong article")
    assert await store.vote(e.id, 8, helpful=True)
    assert (await store.get(e.id)).feedback == {"helpful": 1, "not_helpful": 1}
    assert not await store.vote(new_entry_id(), 7, helpful=True)
    flagged = await store.entries(Filters(flagged=True))
    assert [x.id for x in flagged] == [e.id]
    assert await store.vote(e.id, 9, helpful=False, reason="red \x1b[31malert")
    assert await store.vote(e.id, 10, helpful=False)  # no reason given: not listed
    (got,) = await store.entries(Filters(flagged=True))
    assert sorted(got.reasons) == ["red \x1b[31malert", "wrong article"]
    shown = formats.table([got])  # what `talks-bot logs --flagged` prints
    assert "✗ wrong article" in shown and "\x1b" not in shown and "alert" in shown


async def test_filters(store, engine) -> None:
    a = entry(engine, "Where will the talks be held?", user_id=1, user_name="ann")
    b = entry(engine, "What is photosynthesis?", user_id=2)
    b.created_at = "2025-01-01T00:00:00.000Z"
    for x in (a, b):
        await store.record(x)
    assert [x.id for x in await store.entries(Filters(declined=True))] == [b.id]
    assert [x.id for x in await store.entries(Filters(user_id="1"))] == [a.id]
    assert [x.id for x in await store.entries(Filters(since="2025-06-01"))] == [a.id]
    assert [x.id for x in await store.entries(Filters(search="istanbul"))] == [a.id]
    assert [x.id for x in await store.entries(Filters(search="%"))] == []
    assert len(await store.entries(Filters(limit=1))) == 1


async def test_hostile_and_long_text_is_stored_and_shown_intact(store, engine) -> None:
    question = "'; DROP TABLE entries; -- \" <b>@everyone</b> " + "é" * 250
    e = LogEntry.from_answer(engine.answer(question), "cli")
    await store.record(e)
    got = await store.get(e.id)
    assert got.question == question
    assert json.loads(formats.json_lines([got]))["question"] == question
    rows = list(csv.DictReader(io.StringIO(formats.csv_text([got]).lstrip("\ufeff"))))
    assert rows[0]["question"] == question


async def test_purge_old_entries_and_one_user(store, engine) -> None:
    old = entry(engine, "Where will the talks be held?", user_id=1)
    old.created_at = "2020-01-01T00:00:00.000Z"
    new = entry(engine, "Who is the Kremlin spokesperson?", user_id=2)
    mine = entry(engine, "Who is Trump's Ukraine envoy?", user_id=3)
    for x in (old, new, mine):
        await store.record(x)
    await store.vote(old.id, 9, helpful=False)
    await store.vote(new.id, 3, helpful=True)
    assert await store.purge(before="2021-01-01T00:00:00Z") == 1
    assert await store.purge(user_id="3") == 1
    assert [x.id for x in await store.entries()] == [new.id]
    assert (await store.get(new.id)).feedback == {"helpful": 0, "not_helpful": 0}
    stats = await store.stats()  # every vote is gone: the purged user's and on purged entries
    assert (stats.helpful, stats.not_helpful) == (0, 0)


async def test_stats(store, engine) -> None:
    for q in [
        "Where will the talks be held?",
        "where will the talks be held?",
        "What is photosynthesis?",
    ]:
        await store.record(entry(engine, q))
    s = await store.stats()
    assert (s.entries, s.answered) == (3, 2)
    assert s.declined_reasons == {"not_covered": 1}
    assert s.top_questions[0][1] == 2
    assert "Declined: 1 (33%)" in formats.stats_text(s)


async def test_stats_and_every_view_tell_the_three_outcomes_apart(store) -> None:
    confident, not_sure, declined = three_outcomes()
    for e in (confident, not_sure, declined):
        await store.record(e)
    s = await store.stats()
    assert (s.entries, s.answered, s.not_sure) == (3, 2, 1)
    text = formats.stats_text(s)
    for line in ("Answered confidently: 1 (33%)", "Answered, not sure: 1 (33%)",
                 "Declined: 1 (33%)"):  # fmt: skip
        assert line in text.splitlines(), text
    entries = await store.entries(Filters(limit=None))  # newest first
    rows = formats.table(entries).splitlines()[2:]
    results = ["declined: not_covered", "not sure", "answered"]
    for row, e, result in zip(rows, entries, results, strict=True):
        assert f"  {result}  " in row and e.question in row, row
    as_json = [json.loads(x) for x in formats.json_lines(entries).splitlines()]
    assert [x["result"] for x in as_json] == results
    as_csv = list(csv.DictReader(io.StringIO(formats.csv_text(entries).lstrip("\ufeff"))))
    assert [r["result"] for r in as_csv] == results
    assert "  result    not sure\n" in formats.detail(entries[1])
    assert "  result    declined: not_covered\n" in formats.detail(entries[0])


def test_table_and_detail_render(engine) -> None:
    e = entry(engine, "Where will the talks be held?", user_id=1, user_name="ann")
    assert "Where will the talks be held?" in formats.table([e])
    detail = formats.detail(e)
    assert "quote 1" in detail and "paragraph" not in detail.split("quote 1")[0]
    assert formats.table([]) == "No log entries match."


async def test_guild_filter_keeps_other_servers_and_dms_out(store, engine) -> None:
    a = entry(engine, "Where will the talks be held?", guild_id=1, user_id=7)
    b = entry(engine, "Who is the Kremlin spokesperson?", guild_id=2, user_id=7)
    dm = entry(engine, "What is photosynthesis?", user_id=7)
    for e in (a, b, dm):
        assert await store.record(e)
    assert [e.id for e in await store.entries(Filters(guild_id="1"))] == [a.id]
    assert len(await store.entries(Filters())) == 3  # the operator's view: everything
    assert await store.get(b.id, guild_id="1") is None
    assert (await store.get(b.id, guild_id="2")).id == b.id
    assert (await store.stats(guild_id="1")).entries == 1
    assert (await store.stats()).entries == 3


async def test_processes_opening_a_new_file_at_once_migrate_it_once(tmp_path) -> None:
    """Two bot processes (shards) started together on a log that does not exist yet."""
    path = tmp_path / "new.db"
    stores = [SqliteStore(path) for _ in range(4)]
    await asyncio.gather(*(s.open() for s in stores))
    try:
        db = sqlite3.connect(path)
        assert db.execute("pragma user_version").fetchone()[0] == schema.VERSION
        db.close()
    finally:
        await asyncio.gather(*(s.close() for s in stores))


async def test_a_follow_up_records_the_entry_it_follows(store, engine) -> None:
    """Log schema 9 on both backends: the id of the entry a follow-up was read with, shown by
    the table, the detail and CSV."""
    first = entry(engine, "Where did Putin propose holding the talks?")
    follow = LogEntry.from_answer(
        engine.answer("and when?", after=first.question), "cli", follows=first.id
    )
    for e in (first, follow):
        await store.record(e)
    got = await store.get(follow.id)
    assert got is not None and got.follows == first.id and got.question == "and when?"
    assert (await store.get(first.id)).follows is None  # type: ignore[union-attr]
    listed = await store.entries(Filters(limit=None))
    assert {e.id: e.follows for e in listed} == {first.id: None, follow.id: first.id}
    assert f"↳ follows {first.id}" in formats.table(listed)
    assert f"follows   entry {first.id}" in formats.detail(got)
    row = next(r for r in csv.DictReader(io.StringIO(formats.csv_text([got]).lstrip("\ufeff"))))
    assert row["follows"] == str(first.id)
