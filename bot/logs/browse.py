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

from bot.logs.sql import most_asked_sql, result_sql, unanswered_sql


class BrowseError(Exception):
    pass


# Ids are 53-bit numbers; shown as text they are not summed, formatted or rounded by a browser.
_ID = "CAST(e.id AS TEXT) AS id"
_VOTES = (
    "(SELECT count(*) FROM feedback f WHERE f.entry_id = e.id AND f.helpful = 1) AS helpful, "
    "(SELECT count(*) FROM feedback f WHERE f.entry_id = e.id AND f.helpful = 0) AS not_helpful"
)
_RESULT = f"{result_sql()} AS result"  # "answered", "not sure" or "declined: REASON"
_ANSWERED = "CASE WHEN e.answered THEN 'yes' ELSE 'no' END AS answered"
# Names as they were when asked (log schema 7), the id where an older entry has none.
_SERVER = "coalesce(e.guild_name, CAST(e.guild_id AS TEXT)) AS server"
_CHANNEL = "coalesce('#' || e.channel_name, CAST(e.channel_id AS TEXT)) AS channel"
_REVIEWED = (
    "CASE WHEN e.reviewed_at IS NULL THEN '' ELSE e.reviewed_by || ', ' || e.reviewed_at END "
    "AS reviewed"
)
DEFAULT_PORT = 8001


_URL_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _in_path(name: str) -> str:
    """A database name as Datasette writes it in a URL (its "tilde encoding")."""
    return "".join(
        chr(b) if b in _URL_SAFE else "+" if b == 0x20 else f"~{b:02X}" for b in name.encode()
    )


def _open(port: int, database: str, column: str = "e.id") -> str:
    """A column whose value is the URL of that entry's answer view: Datasette shows a value
    that is exactly one http(s) URL as a link, so every list row opens its answer."""
    url = f"http://127.0.0.1:{int(port)}/{_in_path(database)}/answer?id="
    return f"'{url}' || {column} AS open"  # the encoded name holds no quote


def _follows(port: int, database: str) -> str:
    """A follow-up's earlier entry (log schema 9) as a link to that entry's answer view;
    empty for a question asked on its own."""
    url = f"http://127.0.0.1:{int(port)}/{_in_path(database)}/answer?id="
    return f"CASE WHEN e.follows IS NULL THEN NULL ELSE '{url}' || e.follows END AS follows"


def canned_queries(
    port: int = DEFAULT_PORT, database: str = "talks"
) -> dict[str, dict[str, object]]:
    """The review views; ``port`` and ``database`` make each row's link to its answer."""
    link = _open(port, database)
    follows = _follows(port, database)
    listing = (
        f"SELECT {_ID}, {link}, e.created_at, {_SERVER}, {_CHANNEL}, e.user_name, e.question, "
        f"{follows}, {_RESULT}, round(e.top_score, 2) AS top_score, {_VOTES}, {_REVIEWED} "
        "FROM entries e"
    )
    return {
        "recent": {
            "title": "Recent questions",
            "description": "Newest first, one line each; 'open' shows the answer.",
            "sql": f"{listing} ORDER BY e.created_at DESC, e.id DESC LIMIT 500",
        },
        "answer": {
            "title": "One answer, readable",
            "description": "The question, each quote with its citations, the votes and the "
            "review mark, built from the citations and feedback tables; a declined question "
            "shows the message the member read. Give the entry id.",
            "sql": "SELECT c.quote + 1 AS quote, "
            "coalesce(json_extract(e.quotes, '$[' || c.quote || '].text'), e.answer) AS text, "
            "group_concat(coalesce(json_extract(e.quotes, '$[' || c.quote || '].citations[' "
            "|| (c.rowid - (SELECT min(rowid) FROM citations x WHERE x.entry_id = c.entry_id "
            "AND x.quote = c.quote)) || '].label'), c.source) || ' ¶' || c.paragraph, '; ') "
            f"AS citations, e.question, {follows}, {_SERVER}, {_CHANNEL}, {_RESULT}, {_VOTES}, "
            f"{_REVIEWED}, e.review_note "
            "FROM entries e LEFT JOIN citations c ON c.entry_id = e.id "
            "WHERE e.id = CAST(:id AS INTEGER) "
            "GROUP BY c.quote ORDER BY c.quote",
        },
        "server": {
            "title": "Questions in one server",
            "description": "Newest first. Give the server (guild) id.",
            "sql": f"{listing} WHERE e.guild_id = :server ORDER BY e.created_at DESC LIMIT 500",
        },
        "unanswered": {
            "title": "Unanswered questions, grouped",
            "description": "Declined, not-sure and not-helpful questions grouped by their text "
            "(case, punctuation and Discord markup folded), most asked first: the articles to "
            "add. The same groups as `talks-bot logs --unanswered`; 'open' shows the latest.",
            "sql": f"SELECT u.*, {_open(port, database, 'u.latest_id')} "
            f"FROM ({unanswered_sql()}) u",
        },
        "declined": {
            "title": "Declined questions",
            "sql": f"SELECT {_ID}, {link}, e.created_at, {_SERVER}, {_CHANNEL}, e.user_name, "
            f"e.question, e.reason, {_REVIEWED} FROM entries e "
            "WHERE e.answered = 0 ORDER BY e.created_at DESC LIMIT 500",
        },
        "not_helpful": {
            "title": "Answers voted not helpful",
            "sql": f"SELECT {_ID}, {link}, e.created_at, {_SERVER}, e.question, {_RESULT}, "
            f"count(*) AS not_helpful, group_concat(f.reason, ' | ') AS reasons, {_REVIEWED} "
            "FROM entries e JOIN feedback f ON f.entry_id = e.id AND f.helpful = 0 "
            "GROUP BY e.id ORDER BY not_helpful DESC, e.created_at DESC LIMIT 500",
        },
        "to_review": {
            "title": "Not helpful, not yet reviewed",
            "description": "Answers voted not helpful that no moderator has marked reviewed "
            "(`talks-bot logs review ID`, `/logs review`).",
            "sql": f"SELECT {_ID}, {link}, e.created_at, {_SERVER}, e.question, {_RESULT}, "
            "count(*) AS not_helpful, group_concat(f.reason, ' | ') AS reasons "
            "FROM entries e JOIN feedback f ON f.entry_id = e.id AND f.helpful = 0 "
            "WHERE e.reviewed_at IS NULL "
            "GROUP BY e.id ORDER BY e.created_at DESC LIMIT 500",
        },
        "most_asked": {
            "title": "Most asked questions",
            "description": "How often each was answered confidently, answered not sure, and "
            "declined.",
            "sql": most_asked_sql(limit=100),
        },
        "entries_readable": {
            "title": "Every entry, readable",
            "description": "The entries table with names beside ids, the result (answered, "
            "not sure or declined) and answered as yes/no.",
            "sql": f"SELECT {_ID}, {link}, e.created_at, e.surface, {_SERVER}, {_CHANNEL}, "
            f"e.user_name, e.question, {follows}, {_RESULT}, {_ANSWERED}, e.reason, "
            "e.confidence, "
            f"{_REVIEWED}, "
            "e.review_note FROM entries e ORDER BY e.created_at DESC LIMIT 1000",
        },
    }


TABLES: dict[str, dict[str, object]] = {
    "entries": {
        "description": "One row per question. The readable view of an answer is the "
        "'answer' query; quotes are also in the citations table.",
        "sort_desc": "created_at",
        "facets": ["answered", "confidence", "reason", "surface", "guild_name"],
        "label_column": "question",
        "size": 50,
    },
    "citations": {"description": "One row per quoted article paragraph.", "facets": ["source"]},
    "feedback": {"sort_desc": "created_at", "facets": ["helpful"]},
}


def server_queries(
    servers: list[tuple[str, str | None]], port: int = DEFAULT_PORT, database: str = "talks"
) -> dict[str, dict[str, object]]:
    """One canned query per server in the log (titled with its latest name), so a moderator
    opens theirs in one click."""
    listing = canned_queries(port, database)["server"]["sql"]
    return {
        f"server_{gid}": {
            "title": f"{name or 'Server ' + gid}: questions",
            "sql": str(listing).replace(":server", f"'{gid}'"),
        }
        for gid, name in servers
        if gid.isdigit()  # ids are Discord snowflakes; anything else is not put into SQL
    }


def servers(db_path: Path) -> list[tuple[str, str | None]]:
    """The servers that have entries in the log, with the latest name each was seen with,
    read without changing the file."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT guild_id, guild_name, max(created_at) FROM entries "
            "WHERE guild_id IS NOT NULL GROUP BY guild_id ORDER BY guild_id"
        ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        db.close()
    return [(str(r[0]), r[1]) for r in rows]


def metadata(
    db_path: Path, guilds: list[tuple[str, str | None]] | None = None, port: int = DEFAULT_PORT
) -> dict[str, object]:
    database = db_path.stem
    queries = {
        **canned_queries(port, database),
        **server_queries(guilds or [], port, database),
    }
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
        meta.write_text(json.dumps(metadata(db_path, servers(db_path), port)), encoding="utf-8")

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
