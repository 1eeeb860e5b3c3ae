"""Browse the answer log in Datasette: read-only, on 127.0.0.1, with canned review queries.

Datasette gives moderators faceting, full-table filters, CSV/JSON export and SQL without the
project writing a web app. Its read connections open the file in SQLite's read-only mode and
the canned queries are all SELECTs, so browsing never changes the log.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path


class BrowseError(Exception):
    pass


CANNED_QUERIES: dict[str, dict[str, str]] = {
    "declined": {
        "title": "Declined questions",
        "sql": "SELECT id, created_at, surface, user_name, question, reason FROM entries "
        "WHERE answered = 0 ORDER BY created_at DESC LIMIT 500",
    },
    "not_helpful": {
        "title": "Answers voted not helpful",
        "sql": "SELECT e.id, e.created_at, e.question, e.answer, count(*) AS not_helpful, "
        "group_concat(f.reason, ' | ') AS reasons FROM entries e "
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


def metadata(db_path: Path) -> dict[str, object]:
    return {
        "title": "Talks Bot answer log",
        "description": "Every question asked and what the bot quoted. Read-only.",
        "databases": {db_path.stem: {"queries": CANNED_QUERIES}},
    }


def command(db_path: Path, port: int, metadata_path: Path) -> list[str]:
    return [
        sys.executable, "-m", "datasette", "serve", str(db_path),
        "--host", "127.0.0.1", "--port", str(port), "--metadata", str(metadata_path),
        "--setting", "allow_download", "off",
    ]  # fmt: skip


def serve(db_path: Path, port: int) -> int:
    if importlib.util.find_spec("datasette") is None:
        raise BrowseError("Datasette is not installed: pip install 'talks-bot[review]'")
    with tempfile.TemporaryDirectory() as tmp:
        meta = Path(tmp) / "metadata.json"
        meta.write_text(json.dumps(metadata(db_path)), encoding="utf-8")
        print(f"Serving {db_path} read-only at http://127.0.0.1:{port}/ (Ctrl+C stops)")
        try:
            return subprocess.call(command(db_path, port, meta))
        except KeyboardInterrupt:
            return 0
