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
import stat
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from importlib import resources
from pathlib import Path

import numpy as np

from retrieval import corpus_cache
from retrieval import labels as labels_module
from retrieval.articles import Articles, metadata_of
from retrieval.labels import derive_title, with_labels
from retrieval.lazy import LazySequence
from retrieval.models import Article, Passage
from retrieval.sentences import split_sentences
from retrieval.texts import Texts, file_stamp

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


class Passages(LazySequence[Passage]):
    """Passages made on access from the table and the article texts, not kept in memory.

    At a million paragraphs, a million ``Passage`` objects cost seconds to create and
    hundreds of megabytes; a question reads a handful.
    """

    def __init__(self, articles: Articles, table: ParagraphTable, rows: np.ndarray | None) -> None:
        self._articles = articles
        self._table = table
        self._rows = rows  # None: every row

    def __len__(self) -> int:
        return len(self._table.number) if self._rows is None else len(self._rows)

    def _item(self, i: int) -> Passage:
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


@dataclass(frozen=True)
class Corpus:
    articles: Articles
    table: ParagraphTable
    version: str

    def article(self, source: str) -> Article:
        return self.articles[self.articles.position(source)]

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
    """Read every article; with ``cache_dir``, reuse what was made of the same files.

    The corpus version is the files' own (a hash of their names and bytes). With a cache
    (``retrieval.corpus_cache``), a folder whose files all have the size, modification and
    change time and inode they had when it was hashed keeps that version without being read
    again, and its articles' texts are read when first quoted (``retrieval.texts``): at
    50,000 files, reading and hashing them was most of a restart. Splitting into paragraphs
    and labelling are done once per version.
    """
    directory = Path(directory) if directory is not None else default_corpus_dir()
    if not directory.exists():
        raise CorpusError(f"corpus folder not found: {directory}")
    if not directory.is_dir():
        raise CorpusError(f"corpus path is not a folder: {directory}")
    listing = _listing(directory)
    if not listing.names:
        raise CorpusError(f"no .txt articles in corpus folder: {directory}")
    metadata_raw = _metadata_bytes(directory)
    metadata = parse_metadata(metadata_raw, directory / METADATA_FILE)
    parser = _parser_version()
    base = os.fspath(directory)  # plain strings: pathlib's per-path cost counts at 50,000 files
    cache = Path(cache_dir) if cache_dir is not None else None
    entry = corpus_cache.find(cache, listing, parser) if cache is not None else None
    known_texts = entry is None
    if entry is not None:
        kept = np.flatnonzero(entry.kept)
        names = [listing.names[int(i)] for i in kept]
        texts = Texts(base, names, listing.stamps[kept])
    else:
        names, known, kept_mask, version = _read_all(base, list(listing.names))
        texts = Texts(base, names, listing.stamps[kept_mask], list(known))
        same = corpus_cache.load(corpus_cache.path_for(cache, version), parser) if cache else None
        if same is not None:  # the same names and bytes: only the stamps changed (a touch)
            arrays, derived, counts = same.arrays, same.titles, same.counts
        else:
            table, derived, counts = _parse(list(zip(names, known, strict=True)))
            arrays = {k: getattr(table, k) for k in corpus_cache.TABLE_FIELDS}
        entry = corpus_cache.Entry(version, listing, kept_mask, arrays, derived, counts, [], "")
    titles: Sequence[str] = entry.titles
    if metadata:  # an operator's titles replace derived ones
        titles = [
            str(metadata_of(metadata, name).get("title") or title)
            for name, title in zip(names, entry.titles, strict=True)
        ]
    labels_key = _labels_key(metadata_raw)
    if entry.labels_key != labels_key:  # a new entry, or articles.json changed
        given = [str(metadata_of(metadata, name).get("label") or "") for name in names]
        unlabelled = Articles(names, titles, entry.counts, given, metadata, texts)
        made = [a.label for a in with_labels(list(unlabelled))]
        entry = replace(entry, labels=made, labels_key=labels_key)
        if cache is not None:  # written once per new entry or metadata, then only read
            corpus_cache.save(cache, entry, parser)
    articles = Articles(names, titles, entry.counts, entry.labels, metadata, texts)
    if known_texts:
        # Made now, before the index build reads every passage: made during it, 50,000 small
        # long-lived objects land among the build's freed text slices and pin them (the
        # first start at 1M peaked 200 MB higher).
        articles.make_all()
    table = ParagraphTable(*(entry.arrays[k] for k in corpus_cache.TABLE_FIELDS))
    return Corpus(articles, table, entry.version)


def _listing(directory: Path) -> corpus_cache.Listing:
    """The folder's ``.txt`` files, sorted by name, with what each is now (``file_stamp``).
    Each is stat'ed relative to the open folder (at 50,000 files a quarter faster than by
    path), and its stat also says whether it is a file: the stamps are the restart's largest
    cost left."""
    listed = sorted(name for name in os.listdir(directory) if name.endswith(".txt"))
    names: list[str] = []
    flat = array("q")
    folder = os.open(directory, os.O_RDONLY)
    try:
        for name in listed:
            try:
                st = os.stat(name, dir_fd=folder)
            except OSError:
                continue  # gone since it was listed: not an article of this corpus
            if stat.S_ISREG(st.st_mode):
                flat.extend(file_stamp(st))
                names.append(name)
    finally:
        os.close(folder)
    return corpus_cache.Listing(names, np.frombuffer(flat, dtype=np.int64).reshape(len(names), 4))


def _read_all(base: str, listed: list[str]) -> tuple[list[str], list[str], np.ndarray, str]:
    """The non-empty articles' names and texts, which listed files they are, and the version:
    a hash of their names and bytes."""
    digest = hashlib.sha256()
    names: list[str] = []
    texts: list[str] = []
    kept = np.zeros(len(listed), dtype=bool)
    for n, name in enumerate(listed):
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
        names.append(name)
        texts.append(text)
        kept[n] = True
    if not texts:
        raise CorpusError(f"every .txt article in {base} is empty")
    return names, texts, kept, digest.hexdigest()[:16]


def _labels_key(metadata_raw: bytes) -> str:
    """Changes when the labels could: ``articles.json`` or the labelling code."""
    digest = hashlib.sha256(metadata_raw)
    digest.update(Path(labels_module.__file__).read_bytes())
    return digest.hexdigest()[:12]


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
    return parse_metadata(_metadata_bytes(directory), directory / METADATA_FILE)


def _metadata_bytes(directory: Path) -> bytes:
    """``articles.json``'s bytes, empty when there is none."""
    try:
        return (directory / METADATA_FILE).read_bytes()
    except FileNotFoundError:
        return b""
    except OSError as exc:
        raise CorpusError(f"{directory / METADATA_FILE}: cannot read it ({exc})") from None


def parse_metadata(raw: bytes, path: Path) -> dict[str, dict[str, str]]:
    if not raw:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise CorpusError(f"{path}: expected an object of file name → {{title, outlet, date, url}}")
    return data
