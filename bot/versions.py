"""Which articles each corpus version had, so a log entry's version can be read later.

Every log entry records the corpus version it was answered from (a hash of the files). Once
articles are added and removed the hash alone no longer says what the bot knew, so each
version the bot or the CLI answers from is remembered here: one small JSON file per version
(its article ids and titles) in ``corpus-versions/`` beside the answer log, written whole or
not at all, the newest ``MAX_VERSIONS`` kept. One file per version, so a start that answers
from a known version checks one name instead of reading every version's list (at 50,000
articles a list is megabytes). Losing them loses only this explanation, never an answer, so
writing is best effort. Versions recorded in the older single ``corpus-versions.json`` are
still read.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from bot.times import utc_now
from config import Settings
from retrieval.atomic import write_atomic
from retrieval.corpus import Corpus

log = logging.getLogger(__name__)

FOLDER = "corpus-versions"
LEGACY_FILE = "corpus-versions.json"  # every version in one file, before the folder
MAX_VERSIONS = 500
_VERSION = re.compile(r"[0-9a-f]{1,64}")  # a corpus version is a hash: nothing else names a file


def path_for(settings: Settings) -> Path:
    """The ``corpus-versions`` folder in the answer log's folder."""
    return Path(settings.db_path).parent / FOLDER


def remember(folder: Path, corpus: Corpus) -> None:
    """Record ``corpus``'s version and its articles (once; a known version is left as is)."""
    if not _VERSION.fullmatch(corpus.version):
        return
    target = folder / f"{corpus.version}.json"
    try:
        if target.exists():
            return
        folder.mkdir(parents=True, exist_ok=True)
        entry = {
            "first_used": utc_now(),
            "articles": [[a.source, a.title] for a in corpus.articles],
        }
        body = json.dumps(entry, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        write_atomic(target, body.encode("utf-8"))  # the CLI and the bot may write at once
        _keep_newest(folder)
    except OSError as exc:
        log.warning("could not record corpus version %s in %s: %s", corpus.version, folder, exc)


def articles_of(folder: Path, version: str) -> list[tuple[str, str]] | None:
    """The (id, title) of each article version ``version`` had; ``None`` when not recorded."""
    if not _VERSION.fullmatch(version):
        return None
    try:
        entry = _read(folder / f"{version}.json")
        if entry is None:
            entry = (_read(folder.parent / LEGACY_FILE) or {}).get(version)
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


def _keep_newest(folder: Path) -> None:
    """The newest ``MAX_VERSIONS`` versions' files stay; older ones go (by write time)."""
    found = []
    for path in folder.glob("*.json"):
        try:
            found.append((path.stat().st_mtime_ns, path))
        except FileNotFoundError:
            continue  # removed by another process meanwhile
    for _, old in sorted(found)[:-MAX_VERSIONS]:
        old.unlink(missing_ok=True)


def _read(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (UnicodeDecodeError, json.JSONDecodeError):
        log.warning("ignoring %s: not valid JSON", path)
        return None
    return data if isinstance(data, dict) else None
