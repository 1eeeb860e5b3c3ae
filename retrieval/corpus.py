"""Load a folder of articles into paragraphs, keeping every character where the file has it.

A paragraph is a non-empty line, so one-line-per-paragraph and blank-line-separated files read
the same. Lines that are not article prose (headlines, "Read: …" link lines) are kept for
paragraph numbering but marked so they are never indexed or quoted. A very long line (a file
with no line breaks) is split at sentence boundaries into passages of bounded size that keep
its paragraph number, so one paragraph cannot make every answer slow.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import overload

import numpy as np

from retrieval.atomic import replacing
from retrieval.labels import derive_title, with_labels
from retrieval.models import Article, Passage
from retrieval.sentences import split_sentences

log = logging.getLogger(__name__)

METADATA_FILE = "articles.json"

# A sentence ends in . ! ? or … optionally followed by closing quotes or brackets.
_SENTENCE_END = frozenset(".!?…")
_CLOSERS = "\"”’')]"
# A label glued to its text, as page cruft has it: "Read:49 Afrikaners …", "Watch:Video …".
_GLUED_LABEL = re.compile(r"^[A-Za-z]{2,12}:\S")
_MIN_PROSE_WORDS = 6
# Paragraphs longer than this are split into passages. Sentence choice looks at every sentence
# of a retrieved passage, so a passage's size bounds the cost of an answer; news paragraphs
# are far shorter (the seeds' longest line is 536 characters), so real articles are unchanged.
MAX_PASSAGE_CHARS = 2000
# Passages cut from a long line aim at this size: a few sentences, like a news paragraph.
PASSAGE_TARGET_CHARS = 800


class CorpusError(Exception):
    """The corpus cannot be loaded; the message names the file and what is wrong."""


def is_prose(line: str) -> bool:
    """Whether a paragraph is article prose, by the shape of the line alone.

    Headlines and link lines have no closing sentence punctuation; page cruft glues a label to
    its text. Very short lines are bylines, datelines or captions.
    """
    text = line.strip()
    if text.rstrip(_CLOSERS)[-1:] not in _SENTENCE_END:
        return False
    if text.count(" ") < _MIN_PROSE_WORDS - 1 and len(text.split()) < _MIN_PROSE_WORDS:
        return False
    return not (":" in text[:13] and _GLUED_LABEL.match(text))


@dataclass(frozen=True)
class ParagraphTable:
    """Where each passage is: one row per passage, in corpus order (a few bytes a row)."""

    article: np.ndarray  # int32: index into the corpus's articles
    number: np.ndarray  # int32: paragraph number in its file (1-based)
    start: np.ndarray  # int64: character offsets into the article's text
    end: np.ndarray  # int64
    prose: np.ndarray  # bool


class Passages(Sequence[Passage]):
    """Passages made on access from the table and the article texts, not kept in memory.

    At a million paragraphs, a million ``Passage`` objects cost seconds to create and
    hundreds of megabytes; a question reads a handful.
    """

    def __init__(
        self, articles: tuple[Article, ...], table: ParagraphTable, rows: np.ndarray | None
    ) -> None:
        self._articles = articles
        self._table = table
        self._rows = rows  # None: every row

    def __len__(self) -> int:
        return len(self._table.number) if self._rows is None else len(self._rows)

    @overload
    def __getitem__(self, i: int) -> Passage: ...
    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...
    def __getitem__(self, i: int | slice) -> Passage | list[Passage]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        row = i if self._rows is None else int(self._rows[i])
        t = self._table
        article = self._articles[t.article[row]]
        start, end = int(t.start[row]), int(t.end[row])
        return Passage(
            article.source,
            int(t.number[row]),
            start,
            end,
            article.text[start:end],
            bool(t.prose[row]),
        )

    def __iter__(self) -> Iterator[Passage]:
        return (self[i] for i in range(len(self)))


@dataclass(frozen=True)
class Corpus:
    articles: tuple[Article, ...]
    table: ParagraphTable
    version: str

    def article(self, source: str) -> Article:
        return self._by_source[source]

    @cached_property
    def _by_source(self) -> dict[str, Article]:
        return {a.source: a for a in self.articles}

    @cached_property
    def passages(self) -> Passages:
        """Every paragraph, prose or not, in file order."""
        return Passages(self.articles, self.table, None)

    @cached_property
    def prose(self) -> Passages:
        """The paragraphs that may be indexed and quoted."""
        return Passages(self.articles, self.table, np.flatnonzero(self.table.prose))


def default_corpus_dir() -> Path:
    """The articles shipped inside the installed package."""
    return Path(str(resources.files("seeds")))


def load_corpus(directory: Path | None = None, cache_dir: Path | None = None) -> Corpus:
    """Read every article; with ``cache_dir``, reuse the paragraph table of the same files.

    The files are always read and hashed (the version must be the files' own), but splitting
    them into paragraphs and deriving titles is done once per version: at a million
    paragraphs that is most of a restart.
    """
    directory = Path(directory) if directory is not None else default_corpus_dir()
    if not directory.exists():
        raise CorpusError(f"corpus folder not found: {directory}")
    if not directory.is_dir():
        raise CorpusError(f"corpus path is not a folder: {directory}")
    with os.scandir(directory) as entries:  # names, not Paths: sorting 50,000 Paths is slow
        names = sorted(e.name for e in entries if e.name.endswith(".txt") and e.is_file())
    if not names:
        raise CorpusError(f"no .txt articles in corpus folder: {directory}")
    metadata = read_metadata(directory)

    # Plain strings for the 50,000-file case: pathlib's per-path overhead is most of a restart.
    base = os.fspath(directory)
    digest = hashlib.sha256()
    texts: list[tuple[str, str]] = []  # (file name, text)
    for name in names:
        full = os.path.join(base, name)
        try:
            with open(full, "rb") as f:
                raw = f.read()
        except OSError as exc:
            raise CorpusError(
                f"{full}: cannot read it ({exc.strerror or exc}); check its permissions"
            ) from None
        text = _decode(full, raw)
        if _empty(text):
            log.warning("skipping empty article %s", full)
            continue
        digest.update(name.encode() + b"\0" + raw + b"\0")
        texts.append((name, text))
    if not texts:
        raise CorpusError(f"every .txt article in {directory} is empty")
    version = digest.hexdigest()[:16]
    table_path = None if cache_dir is None else Path(cache_dir) / f"paragraphs-{version}.npz"
    loaded = _load_table(table_path, len(texts)) if table_path is not None else None
    if loaded is None:
        table, titles, counts = _parse(texts)
        if table_path is not None:
            _save_table(table_path, table, titles, counts)
    else:
        table, titles, counts = loaded
    articles = tuple(
        Article(
            source=name[:-4],  # the stem: every name ends in ".txt"
            file=name,
            title=str(meta.get("title") or titles[n]),
            text=text,
            paragraphs=counts[n],
            outlet=meta.get("outlet"),
            date=meta.get("date"),
            url=meta.get("url"),
            label=str(meta.get("label") or ""),
        )
        for n, (name, text) in enumerate(texts)
        for meta in [metadata.get(name) or metadata.get(name[:-4]) or {}]
    )
    return Corpus(tuple(with_labels(list(articles))), table, version)


def _empty(text: str) -> bool:
    """Whether the text has no paragraph (checked in C unless the file has a BOM)."""
    if "\ufeff" not in text:
        return not text.strip()
    return next(iter(_paragraphs("", text)), None) is None


def _parse(texts: list[tuple[str, str]]) -> tuple[ParagraphTable, list[str], list[int]]:
    article, number, start, end, prose = [], [], [], [], []
    titles, counts = [], []
    for n, (name, text) in enumerate(texts):
        paragraphs = list(_paragraphs(name[:-4], text))
        titles.append(derive_title(paragraphs))
        counts.append(paragraphs[-1].paragraph)
        article.extend([n] * len(paragraphs))
        for p in paragraphs:
            number.append(p.paragraph)
            start.append(p.start)
            end.append(p.end)
            prose.append(p.prose)
    table = ParagraphTable(
        np.array(article, dtype=np.int32),
        np.array(number, dtype=np.int32),
        np.array(start, dtype=np.int64),
        np.array(end, dtype=np.int64),
        np.array(prose, dtype=bool),
    )
    return table, titles, counts


_TABLE_FORMAT = "1"


def _save_table(path: Path, table: ParagraphTable, titles: list[str], counts: list[int]) -> None:
    """Best effort, like the index cache: written whole (fsync, rename) or not at all."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path) as f:
            np.savez(
                f,
                format=np.array(_TABLE_FORMAT + "|" + _parser_version()),
                titles=np.array(json.dumps(titles)),
                counts=np.array(counts, dtype=np.int64),
                **{k: getattr(table, k) for k in _TABLE_FIELDS},
            )
        for old in path.parent.glob("paragraphs-*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not write the paragraph table in %s: %s", path.parent, exc)


def _load_table(path: Path, n_articles: int) -> tuple[ParagraphTable, list[str], list[int]] | None:
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["format"]) != _TABLE_FORMAT + "|" + _parser_version():
                return None  # written by another version of the parser: parse again
            table = ParagraphTable(*(data[k] for k in _TABLE_FIELDS))
            titles = json.loads(str(data["titles"]))
            counts = data["counts"].tolist()
        if len(titles) != n_articles or len(counts) != n_articles:
            raise ValueError("written for other files")
        if len({len(getattr(table, k)) for k in _TABLE_FIELDS}) != 1:
            raise ValueError("inconsistent arrays")
        return table, titles, counts
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        log.warning("ignoring paragraph table %s (%s); parsing the articles again", path, exc)
        return None


_TABLE_FIELDS = ("article", "number", "start", "end", "prose")


def _parser_version() -> str:
    """Changes when the paragraph rules do (this module or sentence splitting), so a table
    written by another version is parsed again rather than trusted."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(Path(split_sentences.__code__.co_filename).read_bytes())
    return digest.hexdigest()[:12]


def _decode(path: str | Path, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None
    return text


def _paragraphs(source: str, text: str) -> Iterable[Passage]:
    number = 0
    offset = 0
    for line in text.split("\n"):
        line_start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped or stripped == "\ufeff":
            continue
        number += 1
        start = line_start + len(line) - len(line.lstrip())
        if len(stripped) <= MAX_PASSAGE_CHARS:
            end = start + len(stripped)
            yield Passage(source, number, start, end, stripped, is_prose(stripped))
            continue
        for a, b in split_long(stripped):
            piece = stripped[a:b]
            yield Passage(source, number, start + a, start + b, piece, is_prose(piece))


def split_long(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` in passages of whole sentences of about ``PASSAGE_TARGET_CHARS``, none
    longer than ``MAX_PASSAGE_CHARS``: a sentence longer than that is cut at spaces (or, with
    no space, anywhere). Linear in the length of ``text``."""
    spans: list[tuple[int, int]] = []
    first = last = -1
    for a, b in split_sentences(text):
        if b - a > MAX_PASSAGE_CHARS:
            if first >= 0:
                spans.append((first, last))
                first = -1
            spans.extend(_cut_words(text, a, b))
            continue
        if first >= 0 and b - first > PASSAGE_TARGET_CHARS:
            spans.append((first, last))
            first = -1
        if first < 0:
            first = a
        last = b
    if first >= 0:
        spans.append((first, last))
    return spans


def _cut_words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    while end - start > MAX_PASSAGE_CHARS:
        cut = text.rfind(" ", start + 1, start + PASSAGE_TARGET_CHARS)
        if cut < 0:
            cut = start + PASSAGE_TARGET_CHARS
        spans.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    spans.append((start, end))
    return spans


def read_metadata(directory: Path) -> dict[str, dict[str, str]]:
    path = directory / METADATA_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise CorpusError(f"{path}: expected an object of file name → {{title, outlet, date, url}}")
    return data
