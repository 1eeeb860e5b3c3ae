"""The operator's own articles: where they live, seeding them, adding and removing one.

The corpus is a folder of ``.txt`` articles plus an optional ``articles.json``. Unless
``TALKS_CORPUS_DIR`` names one, it is ``articles/`` in the user's data folder, created on first
use as a copy of the shipped articles; the package's own files are never written. Every write
goes to a temporary file in the same folder first and is then renamed into place, so a
half-written article never enters the corpus. Nothing here knows of Discord.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from bot.source_values import Added, Extracted, SourceError
from config.settings import APP_NAME, Settings
from retrieval.atomic import write_atomic
from retrieval.corpus import METADATA_FILE, _paragraphs, default_corpus_dir
from retrieval.labels import derive_title

if TYPE_CHECKING:
    from bot.fetch import Policy

MIN_WORDS = 150  # less than this is a stub: a paywall, a cookie wall, an index page
MAX_TEXT_BYTES = 5_000_000


def operator_corpus_dir() -> Path:
    """``articles/`` in the user's data folder (``~/.local/share/talks-bot/articles``)."""
    return platformdirs.user_data_path(APP_NAME) / "articles"


def corpus_dir(settings: Settings, *, create: bool = True) -> Path | None:
    """The corpus folder these settings answer from: ``TALKS_CORPUS_DIR`` when set, else the
    operator's folder, seeded from the shipped articles on first use. With ``create=False``
    (for checks that change nothing) an operator folder not made yet gives ``None``: the
    shipped articles, which it would be a copy of."""
    if settings.corpus_dir is not None:
        return Path(settings.corpus_dir)
    directory = operator_corpus_dir()
    try:
        if directory.is_dir():
            return directory
    except OSError:  # a data folder this user may not even look into: as if not made yet
        pass
    if not create:
        return None
    seed(directory)
    return directory


def refuse_shipped(directory: Path) -> None:
    """Refuse to change the articles shipped inside the package (``TALKS_CORPUS_DIR`` may
    point at them): an upgrade would silently undo the change."""
    if directory.resolve() == default_corpus_dir().resolve():
        raise SourceError(
            f"{directory} holds the shipped articles, which are never changed; "
            "unset TALKS_CORPUS_DIR to use your own copy"
        )


def seed(directory: Path) -> None:
    """Copy the shipped articles (and their ``articles.json``) into ``directory``, whole or not
    at all: copied into a temporary sibling folder, then renamed."""
    from retrieval.corpus import CorpusError

    shipped = default_corpus_dir()
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".articles-", dir=directory.parent))
        try:
            for path in sorted(shipped.iterdir()):
                if path.suffix == ".txt" or path.name == METADATA_FILE:
                    shutil.copyfile(path, tmp / path.name)
            os.rename(tmp, directory)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if directory.is_dir():  # another process seeded it first: theirs is as good
                return
            raise
    except OSError as exc:
        raise CorpusError(
            f"cannot create the articles folder {directory} ({exc.strerror or exc}); "
            "set TALKS_CORPUS_DIR to a writable folder"
        ) from None


def add_file(directory: Path, path: Path) -> Added:
    """Add a local ``.txt`` or ``.html`` file to the corpus in ``directory``."""
    suffix = path.suffix.lower()
    if suffix not in {".txt", ".html", ".htm"}:
        raise SourceError(f"{path.name}: not an .html or .txt file")
    try:
        if path.stat().st_size > MAX_TEXT_BYTES:
            raise SourceError(f"{path.name}: too large (over {MAX_TEXT_BYTES // 1_000_000} MB)")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if suffix == ".txt":
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SourceError(f"{path.name}: not UTF-8 text") from None
        extracted = Extracted(text=text)
    else:
        from bot.extract_html import extract

        extracted = extract(raw, path.name)
    return add_extracted(directory, extracted, path.name)


def is_url(source: str) -> bool:
    """Whether ``source`` is written as an address (``scheme://…``) rather than a file name."""
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", source) is not None


def add_source(directory: Path, source: str, policy: Policy) -> Added:
    """Add ``source``: an http(s) URL (fetched under ``policy``) or a local file."""
    return (
        add_url(directory, source, policy) if is_url(source) else add_file(directory, Path(source))
    )


def add_url(directory: Path, url: str, policy: Policy) -> Added:
    """Fetch ``url`` (see ``bot.fetch`` for the checks) and add the article it holds. The same
    URL already in the corpus is refused before anything is fetched."""
    from bot.fetch import FetchError, fetch

    what = url if len(url) <= 120 else url[:119] + "…"
    _refuse_known_urls(directory, what, [url])
    try:
        page = fetch(url, policy)
    except FetchError as exc:
        raise SourceError(f"{what}: {exc}") from None
    _refuse_known_urls(directory, what, [page.url])
    if page.content_type == "text/html":
        from bot.extract_html import extract

        extracted = extract(page.body, what, url=page.url)
    else:
        try:
            text = page.body.decode(page.charset or "utf-8")
        except (LookupError, UnicodeDecodeError):
            raise SourceError(
                f"{what}: not readable text (charset {page.charset or 'utf-8'})"
            ) from None
        extracted = Extracted(text=text, url=page.url)
    return add_extracted(directory, extracted, what, also_urls=(url, page.url))


def _refuse_known_urls(directory: Path, what: str, urls: list[str]) -> None:
    wanted = {u for u in urls if u}
    for name, meta in _read_metadata(directory).items():
        if meta.get("url") in wanted or wanted & set(str(meta.get("fetched_from") or "").split()):
            raise SourceError(f"{what}: the same URL as {name.removesuffix('.txt')} is already "
                              "in the corpus")  # fmt: skip


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One writer at a time (the CLI and the bot may add at once): an advisory lock on the
    folder itself (no lock file to leave behind), released when the block ends or the
    process dies."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise SourceError(
            f"{directory}: cannot open the articles folder ({exc.strerror})"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def add_extracted(
    directory: Path, article: Extracted, what: str, *, also_urls: tuple[str, ...] = ()
) -> Added:
    """Check the article and write it: one ``.txt`` file plus its ``articles.json`` entry.
    ``also_urls``: the addresses it was fetched from, refused again if asked for later."""
    with _locked(directory):
        return _add_locked(directory, article, what, also_urls)


def _add_locked(
    directory: Path, article: Extracted, what: str, also_urls: tuple[str, ...]
) -> Added:
    paragraphs = [line.strip() for line in article.text.splitlines() if line.strip()]
    text = "\n".join(paragraphs) + "\n"
    words = re.findall(r"\w+", text)
    if len(words) < MIN_WORDS:
        raise SourceError(
            f"{what}: too little article text ({len(words)} words; a paywall, cookie wall or "
            "index page?)"
        )
    letters = [c for c in text if c.isalpha()]
    latin = sum(1 for c in letters if c.isascii() or "\u00c0" <= c <= "\u024f")
    if latin * 2 < len(letters):
        raise SourceError(f"{what}: not English (the articles are English)")
    names = sorted(n for n in os.listdir(directory) if n.endswith(".txt"))
    digest = hashlib.sha256(_normal(text).encode()).hexdigest()[:16]
    metadata = _read_metadata(directory)
    for name in names:
        try:
            other = (directory / name).read_text(encoding="utf-8-sig", errors="replace")
        except OSError:
            continue
        if _normal(other) == _normal(text):
            raise SourceError(f"{what}: the same text as {name[:-4]} is already in the corpus")
    if article.url:
        _refuse_known_urls(directory, what, [article.url])
    numbers = [int(m.group(1)) for n in names if (m := re.match(r"(\d+)_", n))]
    file = f"{(max(numbers) + 1) if numbers else 0:03d}_{digest}.txt"
    if (directory / file).exists():
        raise SourceError(f"{what}: a file named {file} already exists")
    meta = {k: v for k, v in (("title", article.title), ("outlet", article.outlet),
                              ("date", article.date), ("url", article.url)) if v}  # fmt: skip
    fetched_from = " ".join(u for u in dict.fromkeys(also_urls) if u and u != article.url)
    if fetched_from:
        meta["fetched_from"] = fetched_from
    write_atomic(directory / file, text.encode("utf-8"))
    if meta:
        metadata[file] = meta
        try:
            _write_metadata(directory, metadata)
        except OSError:
            (directory / file).unlink(missing_ok=True)
            raise
    # No title of its own: the one the corpus derives (its first sentence), as `sources` shows.
    title = article.title or derive_title(list(_paragraphs(file[:-4], text)))
    return Added(file[:-4], file, title, article.outlet, article.date, article.url,
                 len(paragraphs))  # fmt: skip


def remove(directory: Path, source: str) -> str:
    """Remove the article ``source`` (its id, the file stem) and its metadata; returns the file
    name. The last article is never removed: a corpus needs one."""
    file = source if source.endswith(".txt") else f"{source}.txt"
    if "/" in file or os.sep in file or file.startswith("."):
        raise SourceError(f"{source}: not an article id")
    with _locked(directory):
        return _remove_locked(directory, source, file)


def _remove_locked(directory: Path, source: str, file: str) -> str:
    path = directory / file
    if not path.is_file():
        raise SourceError(f"{source}: no such article (`talks-bot sources` lists them)")
    if sum(1 for n in os.listdir(directory) if n.endswith(".txt")) <= 1:
        raise SourceError(f"{source}: the only article; add another before removing it")
    metadata = _read_metadata(directory)
    path.unlink()
    if metadata.pop(file, None) is not None or metadata.pop(file[:-4], None) is not None:
        _write_metadata(directory, metadata)
    return file


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _read_metadata(directory: Path) -> dict[str, dict[str, str]]:
    """The folder's ``articles.json``, read and checked as the corpus reads it."""
    from retrieval.corpus import CorpusError, read_metadata

    try:
        return read_metadata(directory)
    except (CorpusError, OSError) as exc:
        raise SourceError(f"{exc}; fix or delete it first") from None


def _write_metadata(directory: Path, metadata: dict[str, dict[str, str]]) -> None:
    body = json.dumps(metadata, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_atomic(directory / METADATA_FILE, body.encode("utf-8"))
