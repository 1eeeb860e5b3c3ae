"""``talks-bot`` with TALKS_DB_URL: the same commands on PostgreSQL, the password never shown,
``doctor``'s checks of the server, and the sharding options of ``run``."""

from __future__ import annotations

import json

import asyncpg
import pytest

from bot.logs import schema
from bot.logs.health import check_postgres
from bot.logs.postgres import PostgresStore

WHERE = "Where will the talks be held?"
OFF_TOPIC = "What is photosynthesis?"


def test_logs_commands_work_on_postgres_and_never_show_the_password(cli, postgres, pg_url):
    env = {"TALKS_DB_URL": pg_url}
    assert cli("ask", WHERE, env=env).returncode == 0
    assert cli("ask", OFF_TOPIC, env=env).returncode == 0
    listed = cli("logs", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "Answer log: postgresql://talks:***@127.0.0.1:" in listed.stdout
    assert WHERE in listed.stdout and OFF_TOPIC in listed.stdout
    entries = [json.loads(x) for x in cli("logs", "--format", "json", env=env).stdout.splitlines()]
    assert [e["question"] for e in entries] == [OFF_TOPIC, WHERE]
    shown = cli("logs", "show", str(entries[1]["id"]), env=env)
    assert shown.returncode == 0 and "quote 1" in shown.stdout
    stats = cli("logs", "stats", env=env)
    assert "Declined: 1 (50%)" in stats.stdout and "not_covered" in stats.stdout
    assert "Answered confidently: " in stats.stdout and "Answered, not sure: " in stats.stdout
    purged = cli("logs", "purge", "--older-than", "0s", "--yes", env=env)
    assert purged.stdout.strip() == "Deleted 2 log entries."
    assert cli("logs", env=env).stdout.strip().endswith("No log entries match.")
    for result in (listed, shown, stats, purged):
        assert postgres.password not in result.stdout + result.stderr


def test_logs_serve_points_at_psql_for_postgres(cli, pg_url) -> None:
    refused = cli("logs", "serve", env={"TALKS_DB_URL": pg_url})
    assert refused.returncode == 2
    assert "psql" in refused.stderr and "pgAdmin" in refused.stderr
    assert pg_url not in refused.stderr and "***" in refused.stderr


def test_db_on_the_command_line_wins_over_the_url(cli, tmp_path) -> None:
    env = {"TALKS_DB_URL": "postgresql://talks:pw@127.0.0.1:9/none"}  # unreachable
    db = tmp_path / "here.db"
    assert cli("ask", WHERE, "--db", str(db), env=env).returncode == 0
    assert db.exists()


def test_bad_url_and_unreachable_server_are_one_line_without_the_password(cli) -> None:
    bad = cli("logs", env={"TALKS_DB_URL": "mysql://root:topsecret@host/db"})
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "talks-bot: invalid setting TALKS_DB_URL: must start with postgresql:// (or be empty "
        "for the SQLite file)"
    )
    down = cli("logs", env={"TALKS_DB_URL": "postgresql://talks:topsecret@127.0.0.1:9/talks"})
    assert down.returncode == 2 and len(down.stderr.strip().splitlines()) == 1
    assert "topsecret" not in down.stderr and "postgresql://talks:***@127.0.0.1:9" in down.stderr


async def test_doctor_checks_the_connection_schema_and_rights(postgres, pg_url, tmp_path):
    fresh = await check_postgres(pg_url, tmp_path / "talks.db")
    assert fresh.ok and "created at first start" in fresh.text
    async with PostgresStore(pg_url, fallback_dir=tmp_path):
        pass
    current = await check_postgres(pg_url, tmp_path / "talks.db")
    assert current.ok and f"schema {schema.VERSION} (current)" in current.text
    assert postgres.password not in current.text

    wrong = pg_url.replace(postgres.password, "not-the-password")
    refused = await check_postgres(wrong, tmp_path / "talks.db")
    assert refused.ok is False and "not-the-password" not in refused.text + refused.fix
    assert "password authentication failed" in refused.text

    # A role that may connect but not write the log: doctor says so and gives the GRANT.
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute("CREATE ROLE reader LOGIN PASSWORD 'reader-pw'")
    except asyncpg.DuplicateObjectError:
        pass
    finally:
        await conn.close()
    reader = pg_url.replace(f"talks:{postgres.password}", "reader:reader-pw")
    limited = await check_postgres(reader, tmp_path / "talks.db")
    assert limited.ok is False and "may not read and write" in limited.text
    assert "GRANT SELECT, INSERT, UPDATE, DELETE" in limited.fix

    newer = await asyncpg.connect(pg_url)
    try:
        await newer.execute("UPDATE talks_schema SET version = $1", schema.VERSION + 1)
    finally:
        await newer.close()
    future = await check_postgres(pg_url, tmp_path / "talks.db")
    assert future.ok is False and "newer than this version's" in future.text


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--shards", "2", "--shard-ids", "0", "--shard-count", "2"], "either --shards N"),
        (["--shard-ids", "0,1"], "go together"),
        (["--shard-ids", "0,2", "--shard-count", "2"], "from 0 to 1"),
        (["--shard-ids", "a", "--shard-count", "2"], "not a list of shard numbers"),
    ],
)
def test_run_refuses_inconsistent_shard_options(cli, args, says) -> None:
    result = cli("run", *args, env={"TALKS_DISCORD_TOKEN": "x"})
    assert result.returncode == 2 and says in result.stderr
