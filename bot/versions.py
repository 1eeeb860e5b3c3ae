"""Which articles each corpus version had, so a log entry's version can be read later.

Every log entry records the corpus version it was answered from (a hash of the files). Once
articles are added and removed the hash alone no longer says what the bot knew, so each
version the bot or the CLI answers from is remembered here: version → article ids and
titles, in ``corpus-versions.json`` beside the answer log. A small JSON file (a few hundred
bytes a version, the newest ``MAX_VERSIONS`` kept), written whole or not at all; losing it
loses only this explanation, never an answer, so writing it is best effort.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from pathlib import Path

from bot.times import utc_now
from config import Settings
from retrieval.atomic import write_atomic
from retrieval.corpus import Corpus

log = logging.getLogger(__name__)

FILE = "corpus-versions.json"
MAX_VERSIONS = 500


def path_for(settings: Settings) -> Path:
    """``corpus-versions.json`` in the answer log's folder."""
    return Path(settings.db_path).parent / FILE


def remember(path: Path, corpus: Corpus) -> None:
    """Record ``corpus``'s version and its articles (once; a known version is left as is)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # the CLI and the bot may write at once
            known = _read(path)
            if corpus.version in known:
                return
            known[corpus.version] = {
                "first_used": utc_now(),
                "articles": [[a.source, a.title] for a in corpus.articles],
            }
            newest = sorted(known.items(), key=lambda kv: str(kv[1].get("first_used", "")))
            _write(path, dict(newest[-MAX_VERSIONS:]))
        finally:
            os.close(fd)
    except OSError as exc:
        log.warning("could not record corpus version %s in %s: %s", corpus.version, path, exc)


def articles_of(path: Path, version: str) -> list[tuple[str, str]] | None:
    """The (id, title) of each article version ``version`` had; ``None`` when not recorded."""
    try:
        entry = _read(path).get(version)
    except OSError:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("articles"), list):
        return None
    rows = [a for a in entry["articles"] if isinstance(a, list) and len(a) == 2]
    return [(str(source), str(title)) for source, title in rows]


def describe(articles: list[tuple[str, str]] | None) -> list[str]:
    """Lines for a log entry: how many articles, then ``id  title`` each (or "not recorded")."""
    if articles is None:
        return ["articles not recorded (answered before versions were kept)"]
    return [f"{len(articles)} articles", *(f"{source}  {title}" for source, title in articles)]


def _read(path: Path) -> dict[str, dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        log.warning("ignoring %s: not valid JSON", path)
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, dict]) -> None:
    body = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    write_atomic(path, body.encode("utf-8"))
