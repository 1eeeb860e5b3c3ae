"""Browse the answer log in Datasette: read-only, on 127.0.0.1, with canned review queries.

Datasette gives moderators faceting, full-table filters, CSV/JSON export and SQL without the
project writing a web app. Its read connections open the file in SQLite's read-only mode and
the canned queries are all SELECTs, so browsing never changes the log.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path


class BrowseError(Exception):
    pass


# Ids are 53-bit numbers; shown as text they are not summed, formatted or rounded by a browser.
_ID = "CAST(e.id AS TEXT) AS id"
_VOTES = (
    "(SELECT count(*) FROM feedback f WHERE f.entry_id = e.id AND f.helpful = 1) AS helpful, "
    "(SELECT count(*) FROM feedback f WHERE f.entry_id = e.id AND f.helpful = 0) AS not_helpful"
)
_RESULT = "CASE WHEN e.answered THEN 'answered' ELSE 'declined: ' || e.reason END AS result"
_LIST = (
    f"SELECT {_ID}, e.created_at, e.surface, CAST(e.guild_id AS TEXT) AS server, e.user_name, "
    f"e.question, {_RESULT}, round(e.top_score, 2) AS top_score, {_VOTES} FROM entries e"
)

CANNED_QUERIES: dict[str, dict[str, object]] = {
    "recent": {
        "title": "Recent questions",
        "description": "Newest first, one line each. Open one with the answer query.",
        "sql": f"{_LIST} ORDER BY e.created_at DESC, e.id DESC LIMIT 500",
    },
    "answer": {
        "title": "One answer, readable",
        "description": "The question, each quote with its citations, and the votes, built "
        "from the citations and feedback tables. Give the entry id.",
        "sql": "SELECT c.quote + 1 AS quote, "
        "json_extract(e.quotes, '$[' || c.quote || '].text') AS text, "
        "group_concat(coalesce(json_extract(e.quotes, '$[' || c.quote || '].citations[' "
        "|| (c.rowid - (SELECT min(rowid) FROM citations x WHERE x.entry_id = c.entry_id "
        "AND x.quote = c.quote)) || '].label'), c.source) || ' ¶' || c.paragraph, '; ') "
        "AS citations, e.question, "
        f"{_RESULT}, {_VOTES} "
        "FROM entries e JOIN citations c ON c.entry_id = e.id WHERE e.id = CAST(:id AS INTEGER) "
        "GROUP BY c.quote ORDER BY c.quote",
    },
    "server": {
        "title": "Questions in one server",
        "description": "Newest first. Give the server (guild) id.",
        "sql": f"{_LIST} WHERE e.guild_id = :server ORDER BY e.created_at DESC LIMIT 500",
    },
    "declined": {
        "title": "Declined questions",
        "sql": f"SELECT {_ID}, e.created_at, e.surface, CAST(e.guild_id AS TEXT) AS server, "
        "e.user_name, e.question, e.reason FROM entries e "
        "WHERE e.answered = 0 ORDER BY e.created_at DESC LIMIT 500",
    },
    "not_helpful": {
        "title": "Answers voted not helpful",
        "sql": f"SELECT {_ID}, e.created_at, CAST(e.guild_id AS TEXT) AS server, e.question, "
        "count(*) AS not_helpful, group_concat(f.reason, ' | ') AS reasons FROM entries e "
        "JOIN feedback f ON f.entry_id = e.id AND f.helpful = 0 "
        "GROUP BY e.id ORDER BY not_helpful DESC, e.created_at DESC LIMIT 500",
    },
    "most_asked": {
        "title": "Most asked questions",
        "sql": "SELECT min(question) AS question, count(*) AS times, "
        "sum(answered) AS answered FROM entries GROUP BY lower(trim(question)) "
        "ORDER BY times DESC LIMIT 100",
    },
}

TABLES: dict[str, dict[str, object]] = {
    "entries": {
        "description": "One row per question. The readable view of an answer is the "
        "'answer' query; quotes are also in the citations table.",
        "sort_desc": "created_at",
        "facets": ["answered", "reason", "surface", "guild_id"],
        "label_column": "question",
        "size": 50,
    },
    "citations": {"description": "One row per quoted article paragraph.", "facets": ["source"]},
    "feedback": {"sort_desc": "created_at", "facets": ["helpful"]},
}


def server_queries(guild_ids: list[str]) -> dict[str, dict[str, object]]:
    """One canned query per server in the log, so a moderator opens theirs in one click."""
    return {
        f"server_{gid}": {
            "title": f"Server {gid}: questions",
            "sql": f"{_LIST} WHERE e.guild_id = '{gid}' ORDER BY e.created_at DESC LIMIT 500",
        }
        for gid in guild_ids
        if gid.isdigit()  # ids are Discord snowflakes; anything else is not put into SQL
    }


def guild_ids(db_path: Path) -> list[str]:
    """The servers that have entries in the log, read without changing the file."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT DISTINCT guild_id FROM entries WHERE guild_id IS NOT NULL ORDER BY guild_id"
        ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        db.close()
    return [str(r[0]) for r in rows]


def metadata(db_path: Path, guilds: list[str] | None = None) -> dict[str, object]:
    queries = {**CANNED_QUERIES, **server_queries(guilds or [])}
    return {
        "title": "Talks Bot answer log",
        "description": "Every question asked and what the bot quoted. Read-only.",
        "databases": {db_path.stem: {"tables": TABLES, "queries": queries}},
    }


def command(db_path: Path, port: int, metadata_path: Path) -> list[str]:
    return [
        sys.executable, "-m", "datasette", "serve", str(db_path),
        "--host", "127.0.0.1", "--port", str(port), "--metadata", str(metadata_path),
        "--setting", "allow_download", "off",
    ]  # fmt: skip


class _Stopped(Exception):
    """``logs serve`` itself got SIGTERM or SIGHUP: Datasette is stopped with it."""


def port_holder(port: int) -> str | None:
    """Which process listens on ``port`` (Linux /proc), e.g. "process 4242 (datasette …)";
    None when it cannot tell."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            listening = len(fields) > 9 and fields[3] == "0A"  # TCP_LISTEN
            if listening and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in inodes for fd in fds):
                raw = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").strip()
                cmd = raw.decode("utf-8", "replace")
                return f"process {pid} ({cmd[:80]}{'…' if len(cmd) > 80 else ''})"
        except OSError:
            continue
    return None


def check_port(port: int) -> None:
    """Fail before saying "Serving" when another program already listens on the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Datasette binds
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            holder = port_holder(port)
            by = f" by {holder}" if holder else ""
            raise BrowseError(
                f"port {port} on 127.0.0.1 is already in use{by} ({exc.strerror}); stop it "
                "or choose another with --port N"
            ) from None


def serve(db_path: Path, port: int) -> int:
    """Run Datasette until it exits or this process is stopped (Ctrl+C, SIGTERM, SIGHUP):
    then Datasette is stopped too, never left holding the port."""
    if importlib.util.find_spec("datasette") is None:
        raise BrowseError("Datasette is not installed: pip install 'talks-bot[review]'")
    check_port(port)
    with tempfile.TemporaryDirectory() as tmp:
        meta = Path(tmp) / "metadata.json"
        meta.write_text(json.dumps(metadata(db_path, guild_ids(db_path))), encoding="utf-8")

        def stop(signum: int, frame: object) -> None:
            raise _Stopped(signum)

        stops = (signal.SIGTERM, signal.SIGHUP)
        before = {sig: signal.signal(sig, stop) for sig in stops}
        proc: subprocess.Popen[bytes] | None = None
        try:
            proc = subprocess.Popen(command(db_path, port, meta))
            print(f"Serving {db_path} read-only at http://127.0.0.1:{port}/ (Ctrl+C stops)")
            sys.stdout.flush()
            return proc.wait()
        except (KeyboardInterrupt, _Stopped):
            return 0
        finally:
            for sig, handler in before.items():
                signal.signal(sig, handler)
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
