"""What moderators come to the log for: unanswered questions grouped, the review mark, names.

Through the store and the ``talks-bot logs`` command; /logs in Discord is tested with the
other Discord surfaces (tests/bot/discord/test_review_commands.py).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3

from conftest import run_cli

from bot.logs import schema
from bot.logs.models import Filters, LogEntry, question_key
from bot.logs.sqlite import SqliteStore
from retrieval import Engine

SERVER_A = {"guild_id": 1001, "guild_name": "Peace Watch", "channel_id": 7, "channel_name": "news"}
SERVER_B = {"guild_id": 2002, "guild_name": "Other Place", "channel_id": 8, "channel_name": "chat"}


def entry(engine: Engine, question: str, at: str, **where) -> LogEntry:
    return LogEntry.from_answer(
        engine.answer(question), "discord" if where else "cli", created_at=at, **where
    )


def sure(engine: Engine, question: str, at: str, **where) -> LogEntry:
    """An entry answered confidently: these tests are about the log's grouping, not about how
    sure the reader is of a given question (``retrieval`` is tested on its own)."""
    from dataclasses import replace

    got = entry(engine, question, at, **where)
    assert got.answered
    return replace(got, confidence="high")


def test_question_key_folds_case_punctuation_and_discord_markup() -> None:
    same = [
        "What is photosynthesis?",
        "what is PHOTOSYNTHESIS",
        "**What** is  _photosynthesis_ ?!",
        "<@123456789012345678> what is photosynthesis",
        "`What is photosynthesis`",
        "> what is photosynthesis ||?||",
    ]
    assert {question_key(q) for q in same} == {"what is photosynthesis"}
    assert question_key("What is photosynthesis in plants?") != question_key(same[0])


async def test_unanswered_groups_declined_and_flagged_questions(store, engine) -> None:
    declined = [
        entry(engine, "What is photosynthesis?", "2025-05-11T08:00:00.000Z", **SERVER_A),
        entry(engine, "what is **photosynthesis**", "2025-05-11T09:00:00.000Z", **SERVER_B),
        entry(engine, "What is photosynthesis??", "2025-05-12T10:00:00.000Z", **SERVER_A),
        entry(engine, "What is the boiling point of lead?", "2025-05-11T11:00:00.000Z"),
    ]
    answered = sure(engine, "Where will the talks be held?", "2025-05-12T12:00:00.000Z",
                    **SERVER_A)  # fmt: skip
    kept = sure(engine, "Where will the talks be held?", "2025-05-12T13:00:00.000Z", **SERVER_A)
    assert not any(e.answered for e in declined) and answered.answered and kept.answered
    for e in [*declined, answered, kept]:
        assert await store.record(e)
    await store.vote(answered.id, 42, helpful=False, reason="wrong city")

    groups = await store.unanswered(Filters(limit=None))
    assert [(g.question, g.count, g.declined, g.flagged) for g in groups] == [
        ("What is photosynthesis??", 3, 3, 0),  # the latest wording, three askings
        ("Where will the talks be held?", 1, 0, 1),  # the voted answer only, not the other
        ("What is the boiling point of lead?", 1, 1, 0),
    ]
    assert groups[0].servers == ["Other Place", "Peace Watch"]  # names, not ids
    assert groups[0].last_asked == "2025-05-12T10:00:00.000Z"
    assert groups[0].latest_id == declined[2].id
    assert groups[2].servers == ["DM / terminal"]

    # a server's moderators see their own server's askings only, and no other server's name
    mine = await store.unanswered(Filters(limit=None, guild_id="1001"))
    assert (mine[0].question, mine[0].count, mine[0].servers) == (
        "What is photosynthesis??", 2, ["Peace Watch"],
    )  # fmt: skip
    assert all("Other Place" not in g.servers for g in mine)
    assert len(await store.unanswered(Filters(limit=1))) == 1


async def test_review_mark_records_who_when_and_note_in_one_server_only(store, engine) -> None:
    e = entry(engine, "Where will the talks be held?", "2025-05-12T12:00:00.000Z", **SERVER_A)
    await store.record(e)
    await store.vote(e.id, 42, helpful=False)
    assert [x.id for x in await store.entries(Filters(flagged=True, unreviewed=True))] == [e.id]

    assert await store.review(e.id, "mod", "x", guild_id="2002") is None  # not that server's
    assert (await store.get(e.id)).reviewed_at is None
    for forged in (0, -1, 2**63, 2**70):
        assert await store.review(forged, "mod") is None

    marked = await store.review(e.id, "Mod One", "  article\x00 added \n ", guild_id="1001")
    assert marked is not None and marked.reviewed_by == "Mod One"
    # whitespace folded, text kept as given (PostgreSQL text cannot hold NUL: U+FFFD there)
    nul = "\x00" if store.backend == "sqlite" else "\ufffd"
    assert marked.review_note == f"article{nul} added"
    assert marked.reviewed_at >= "2026-"
    assert await store.entries(Filters(flagged=True, unreviewed=True)) == []
    again = await store.review(e.id, "Mod Two")  # a later mark replaces the earlier one
    assert (again.reviewed_by, again.review_note) == ("Mod Two", None)


async def test_upgrade_to_schema_7_groups_old_entries_too(tmp_path, engine) -> None:
    """A schema 6 file: old entries get their grouping key (the Python function, run inside
    the migration) and no names or review marks; new ones record names."""
    path = tmp_path / "v6.db"
    db = sqlite3.connect(path)
    db.executescript(";".join(schema.MIGRATIONS[:6]) + "; PRAGMA user_version = 6;")
    for n, question in enumerate(["What is photosynthesis?", "WHAT is photosynthesis!"], 1):
        db.execute(
            "INSERT INTO entries (id, created_at, surface, question, answered, reason, answer, "
            "corpus_version, latency_ms, guild_id) "
            "VALUES (?, ?, 'discord', ?, 0, 'not_covered', 'no', 'v', 1.0, '1001')",
            (n, f"2025-05-1{n}T00:00:00.000Z", question),
        )
    db.commit()
    db.close()
    async with SqliteStore(path) as store:
        (group,) = await store.unanswered()
        assert (group.count, group.servers) == (2, ["1001"])  # no name was recorded then
        old = await store.get(1)
        assert (old.guild_name, old.reviewed_at) == (None, None)
        new = entry(engine, "What is photosynthesis", "2025-05-13T00:00:00.000Z", **SERVER_A)
        await store.record(new)
        (group,) = await store.unanswered()
        assert (group.count, group.servers) == (3, ["1001", "Peace Watch"])
        assert (await store.get(new.id)).channel_name == "news"


async def _filled(path, engine) -> dict[str, int]:
    ids = {}
    async with SqliteStore(path) as store:
        for key, question, at, where in [
            ("a1", "What is photosynthesis?", "2025-05-11T08:00:00.000Z", SERVER_A),
            ("a2", "what is photosynthesis", "2025-05-11T09:00:00.000Z", SERVER_B),
            ("ok", "Where will the talks be held?", "2025-05-11T10:00:00.000Z", SERVER_A),
        ]:
            e = entry(engine, question, at, **where)
            await store.record(e)
            ids[key] = e.id
        await store.vote(ids["ok"], 42, helpful=False, reason="wrong")
    return ids


def test_cli_unanswered_view_in_every_format(tmp_path, engine) -> None:
    import asyncio

    db = tmp_path / "talks.db"
    asyncio.run(_filled(db, engine))
    env = {"TALKS_DB_PATH": str(db)}

    table = run_cli("logs", "--unanswered", env=env)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if "photosynthesis" in line)
    assert lines[first].split()[:3] == ["2", "2", "0"]  # times, declined, flagged
    assert "Other Place, Peace Watch" in lines[first]

    rows = [json.loads(x) for x in run_cli("logs", "--unanswered", "--format", "json",
                                           env=env).stdout.splitlines()]  # fmt: skip
    assert [(r["question"], r["count"]) for r in rows] == [
        ("what is photosynthesis", 2), ("Where will the talks be held?", 1),
    ]  # fmt: skip
    assert set(rows[0]) >= {"question", "count", "last_asked", "servers"}
    assert rows[0]["last_asked"] == "2025-05-11T09:00:00.000Z"

    text = run_cli("logs", "--unanswered", "--format", "csv", env=env).stdout.lstrip("\ufeff")
    got = list(csv.DictReader(io.StringIO(text)))
    assert (got[0]["question"], got[0]["count"], got[0]["servers"]) == (
        "what is photosynthesis", "2", "Other Place; Peace Watch",
    )  # fmt: skip


def test_cli_review_mark_shows_in_show_and_leaves_the_to_review_list(tmp_path, engine) -> None:
    import asyncio

    db = tmp_path / "talks.db"
    ids = asyncio.run(_filled(db, engine))
    env = {"TALKS_DB_PATH": str(db)}
    todo = run_cli("logs", "--flagged", "--unreviewed", "--format", "json", env=env)
    assert [json.loads(x)["id"] for x in todo.stdout.splitlines()] == [ids["ok"]]

    marked = run_cli("logs", "review", str(ids["ok"]), "--note", "added Reuters piece",
                     "--by", "mod-ann", env=env)  # fmt: skip
    assert marked.returncode == 0, marked.stderr
    assert f"Entry {ids['ok']} marked reviewed by mod-ann." in marked.stdout
    shown = run_cli("logs", "show", str(ids["ok"]), env=env).stdout
    assert "reviewed  by mod-ann at 20" in shown and "added Reuters piece" in shown
    assert "Peace Watch #news" in shown  # names beside the ids
    todo = run_cli("logs", "--flagged", "--unreviewed", "--format", "json", env=env)
    assert todo.stdout.strip() == ""

    for bad in ("0", "9223372036854775808", "123"):
        refused = run_cli("logs", "review", bad, env=env)
        assert refused.returncode == 2 and "no log entry with id" in refused.stderr
    too_long = run_cli("logs", "review", str(ids["ok"]), "--note", "x" * 501, env=env)
    assert too_long.returncode == 2 and "at most 500" in too_long.stderr

    exported = run_cli("logs", "--format", "csv", env=env).stdout.lstrip("\ufeff")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(exported))}
    assert rows[str(ids["ok"])]["answered"] == "yes" and rows[str(ids["a1"])]["answered"] == "no"
    assert rows[str(ids["ok"])]["reviewed_by"] == "mod-ann"
    assert rows[str(ids["a2"])]["guild_name"] == "Other Place"


async def test_not_sure_answers_are_unanswered_too(store, engine) -> None:
    """An answer given with "the articles may not answer this directly" counts as unanswered;
    a confident one that nobody voted down does not."""
    from dataclasses import replace

    from bot.logs.models import new_entry_id

    confident = sure(
        engine, "Where will the talks be held?", "2025-05-12T12:00:00.000Z", **SERVER_A
    )
    unsure = replace(
        confident, id=new_entry_id(), question="Where are the talks?", confidence="low"
    )
    for e in (confident, unsure):
        await store.record(e)
    (group,) = await store.unanswered()
    assert (group.question, group.count, group.declined, group.not_sure) == (
        "Where are the talks?", 1, 0, 1,
    )  # fmt: skip
