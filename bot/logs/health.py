"""``talks-bot doctor``'s checks of the answer log, beside the backends they check.

Each opens nothing for writing and changes nothing: the SQLite file is read in read-only
mode; the PostgreSQL server is asked what the role may do. The URL is shown without its
password, and driver errors have it taken out.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.checks import Check, plain
from bot.logs import schema

if TYPE_CHECKING:
    from config import Settings


async def check_answer_log(settings: Settings) -> Check:
    """The log the settings name: PostgreSQL when ``TALKS_DB_URL`` is set, else the file."""
    if settings.db_url is not None:
        return await check_postgres(settings.db_url.get_secret_value(), settings.db_path)
    return await asyncio.to_thread(check_log, settings.db_path)


def check_log(path: Path) -> Check:
    """Writable (or creatable) and at a schema this version reads, without touching the file."""
    path = Path(path)
    name = f"answer log {plain(path, 200)}"
    fix = "set TALKS_DB_PATH to a file in a folder you can write to"
    if path.is_dir():
        return Check(False, f"{name} is a folder", fix)
    if not path.exists():
        folder = path.parent
        while not folder.exists():
            folder = folder.parent
        if not folder.is_dir():
            return Check(False, f"{name} cannot be created: {folder} is a file", fix)
        if not os.access(folder, os.W_OK | os.X_OK):
            return Check(False, f"{name} cannot be created: {folder} is not writable", fix)
        return Check(True, f"{name}: created at first use (folder writable)")
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK | os.X_OK):
        what = "the file" if not os.access(path, os.W_OK) else "its folder"
        return Check(
            False,
            f"{name} is not writable ({what})",
            f"give your user write access to it and its folder, or {fix[0].lower()}{fix[1:]}",
        )
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            (version,) = db.execute("PRAGMA user_version").fetchone()
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            db.close()
    except sqlite3.Error as exc:
        return Check(
            False,
            f"{name} cannot be read: {plain(exc, 200)}",
            "if it is not a Talks Bot log, move it away or " + fix,
        )
    if version > schema.VERSION:
        return Check(
            False,
            f"{name}: schema {version} is newer than this version's {schema.VERSION}",
            "upgrade talks-bot (pip install -U .)",
        )
    if (version >= 1 and "entries" not in tables) or (version == 0 and tables):
        return Check(False, f"{name} is not a Talks Bot log", "move it away or " + fix)
    pending = Path(f"{path}.pending.jsonl")
    note = f"; {pending.name} waits to be imported at the next start" if pending.exists() else ""
    if version < schema.VERSION:
        return Check(
            True,
            f"{name}: writable, schema {version}, upgraded to {schema.VERSION} "
            f"at the next start{note}",
        )
    return Check(True, f"{name}: writable, schema {version} (current){note}")


POSTGRES_FIX = "check TALKS_DB_URL (user, password, host, port, database) and that the server runs"
TABLES = ("entries", "feedback", "citations")


async def check_postgres(url: str, db_path: Path, timeout: float = 5.0) -> Check:
    """The server answers, the schema is one this version reads, and the role may write the
    log (or create it, before the first start), without changing anything. The URL is shown
    without its password, and driver errors have it taken out."""
    import asyncpg

    from bot.logs.postgres import fallback_file, redact, scrub

    name = f"answer log {redact(url)}"
    try:
        conn = await asyncpg.connect(url, timeout=timeout, command_timeout=timeout)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError,
            ValueError) as exc:  # fmt: skip
        return Check(False, f"{name}: cannot connect ({plain(scrub(exc, url), 200)})", POSTGRES_FIX)
    try:
        async with asyncio.timeout(timeout):
            return await _postgres_checks(conn, name, fallback_file(Path(db_path).parent, url))
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        return Check(False, f"{name}: {plain(scrub(exc, url), 200)}", POSTGRES_FIX)
    finally:
        await conn.close(timeout=timeout)


async def _postgres_checks(conn: Any, name: str, pending: Path) -> Check:
    from bot.logs.postgres import MIGRATION_LOCK

    user = await conn.fetchval("SELECT current_user")
    grant = (
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON entries, feedback, citations TO {user}; "
        f"GRANT SELECT ON talks_schema TO {user}"
    )
    async with conn.transaction():
        # Shared with other looks, exclusive with a migration: a first start creating the
        # tables commits them together, so this never sees its entries without its version.
        await conn.execute("SELECT pg_advisory_xact_lock_shared($1)", MIGRATION_LOCK)
        unversioned = await conn.fetchval("SELECT to_regclass('talks_schema') IS NULL")
        foreign = await conn.fetchval("SELECT to_regclass('entries') IS NOT NULL")
    if unversioned:
        if foreign:
            return Check(False, f"{name} is not a Talks Bot log (an entries table, no version)",
                         "point TALKS_DB_URL at another database")  # fmt: skip
        if not await conn.fetchval("SELECT has_schema_privilege(current_schema(), 'CREATE')"):
            return Check(
                False,
                f"{name}: empty, and role {user} may not create tables in it",
                f"as the database owner: GRANT CREATE ON SCHEMA public TO {user}",
            )
        return Check(True, f"{name}: reachable, created at first start (role {user} may)")
    if not await conn.fetchval("SELECT has_table_privilege('talks_schema', 'SELECT')"):
        return Check(False, f"{name}: role {user} may not read and write the log (talks_schema)",
                     f"as the tables' owner: {grant}")  # fmt: skip
    version = int(await conn.fetchval("SELECT max(version) FROM talks_schema") or 0)
    if version > schema.VERSION:
        return Check(
            False,
            f"{name}: schema {version} is newer than this version's {schema.VERSION}",
            "upgrade talks-bot (pip install -U .)",
        )
    missing = [
        t for t in TABLES
        if await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", t) and not await conn.fetchval(
            "SELECT has_table_privilege($1, 'SELECT, INSERT, UPDATE, DELETE')", t
        )
    ]  # fmt: skip
    if missing:
        return Check(False, f"{name}: role {user} may not read and write {', '.join(missing)}",
                     f"as the tables' owner: {grant}")  # fmt: skip
    if version < schema.VERSION and not await conn.fetchval(
        "SELECT has_schema_privilege(current_schema(), 'CREATE') AND "
        "pg_has_role((SELECT tableowner FROM pg_tables WHERE tablename = 'entries' "
        "AND schemaname = current_schema()), 'USAGE')"
    ):
        return Check(False, f"{name}: schema {version} needs upgrading to {schema.VERSION}, "
                     f"which role {user} may not do", "start the new version once as the "
                     "tables' owner, or have the owner grant it")  # fmt: skip
    owner = await conn.fetchval(
        "SELECT pg_has_role(tableowner, 'USAGE') FROM pg_tables WHERE tablename = 'entries' "
        "AND schemaname = current_schema()"
    )
    notes = "" if owner else "; not the tables' owner, so purges cannot VACUUM (autovacuum will)"
    if pending.exists():
        notes += f"; {pending.name} waits to be imported at the next start"
    if version < schema.VERSION:
        return Check(True, f"{name}: role {user} reads and writes, schema {version}, upgraded "
                     f"to {schema.VERSION} at the next start{notes}")  # fmt: skip
    return Check(True, f"{name}: role {user} reads and writes, schema {version} (current){notes}")
