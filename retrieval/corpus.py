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
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from importlib import resources
from pathlib import Path

from retrieval.models import Article, Passage
from retrieval.sentences import split_sentences

log = logging.getLogger(__name__)

METADATA_FILE = "articles.json"
TITLE_MAX_CHARS = 90
# A label names an article in a citation line; 40 characters keeps "[1] label, outlet, date"
# on one 80-column terminal line and still reads as a headline ("Russian President Vladimir…").
LABEL_MAX_CHARS = 40
_MIN_LABEL_WORD = 4  # a distinguishing word this long is a content word, not "be" or "in"

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
class Corpus:
    articles: tuple[Article, ...]
    passages: tuple[Passage, ...]
    version: str

    def article(self, source: str) -> Article:
        return self._by_source[source]

    @cached_property
    def _by_source(self) -> dict[str, Article]:
        return {a.source: a for a in self.articles}

    @cached_property
    def prose(self) -> list[Passage]:
        """The paragraphs that may be indexed and quoted."""
        return [p for p in self.passages if p.prose]


def default_corpus_dir() -> Path:
    """The articles shipped inside the installed package."""
    return Path(str(resources.files("seeds")))


def load_corpus(directory: Path | None = None) -> Corpus:
    directory = Path(directory) if directory is not None else default_corpus_dir()
    if not directory.exists():
        raise CorpusError(f"corpus folder not found: {directory}")
    if not directory.is_dir():
        raise CorpusError(f"corpus path is not a folder: {directory}")
    files = sorted(p for p in directory.glob("*.txt") if p.is_file())
    if not files:
        raise CorpusError(f"no .txt articles in corpus folder: {directory}")
    metadata = _read_metadata(directory)

    digest = hashlib.sha256()
    articles: list[Article] = []
    passages: list[Passage] = []
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CorpusError(
                f"{path}: cannot read it ({exc.strerror or exc}); check its permissions"
            ) from None
        text = _decode(path, raw)
        paragraphs = list(_paragraphs(path.stem, text))
        if not paragraphs:
            log.warning("skipping empty article %s", path)
            continue
        digest.update(path.name.encode() + b"\0" + raw + b"\0")
        meta = metadata.get(path.name) or metadata.get(path.stem) or {}
        articles.append(
            Article(
                source=path.stem,
                file=path.name,
                title=str(meta.get("title") or derive_title(paragraphs)),
                text=text,
                paragraphs=paragraphs[-1].paragraph,
                outlet=meta.get("outlet"),
                date=meta.get("date"),
                url=meta.get("url"),
                label=str(meta.get("label") or ""),
            )
        )
        passages.extend(paragraphs)
    if not articles:
        raise CorpusError(f"every .txt article in {directory} is empty")
    return Corpus(tuple(with_labels(articles)), tuple(passages), digest.hexdigest()[:16])


def _decode(path: Path, raw: bytes) -> str:
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


def derive_title(paragraphs: list[Passage]) -> str:
    """The first sentence of the first prose paragraph, cut at a word boundary."""
    first = next((p for p in paragraphs if p.prose), paragraphs[0])
    spans = split_sentences(first.text)
    sentence = first.text[spans[0][0] : spans[0][1]] if spans else first.text
    return shorten(sentence, TITLE_MAX_CHARS)


def with_labels(articles: list[Article]) -> list[Article]:
    """Give every article a short label that tells it apart from the others.

    A label from ``articles.json`` is kept as given. Otherwise the title is cut at a word
    boundary; when several cut titles read the same, each gets the first word of its own title
    that the others in the group lack, else its number in the group.
    """
    labels = [a.label or shorten(a.title, LABEL_MAX_CHARS) for a in articles]
    groups: dict[str, list[int]] = {}
    for i, (article, label) in enumerate(zip(articles, labels, strict=True)):
        if not article.label:
            groups.setdefault(label, []).append(i)
    taken = set(labels)
    for label, members in groups.items():
        if len(members) < 2 and labels.count(label) < 2:
            continue
        words = [_title_words(articles[i].title) for i in members]
        for n, (i, own) in enumerate(zip(members, words, strict=True), 1):
            others = {w.lower() for j, ws in enumerate(words) if j != n - 1 for w in ws}
            unique = [w for w in own if w.lower() not in others]
            # A content word says more than "be" or "in"; fall back to any distinct word.
            distinct = next((w for w in unique if len(w) >= _MIN_LABEL_WORD), None) or next(
                iter(unique), None
            )
            candidate = f"{label} ({distinct})" if distinct else ""
            if not candidate or candidate in taken:
                candidate = f"{label} ({n})"
            labels[i] = candidate
            taken.add(candidate)
    return [replace(a, label=label) for a, label in zip(articles, labels, strict=True)]


def _title_words(title: str) -> list[str]:
    words = (w.strip(".,;:!?…\"“”‘’'()[]") for w in title.split())
    return [w for w in words if w]


def shorten(text: str, limit: int) -> str:
    """Cut at the last word boundary that fits, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:—–-") + "…"


def _read_metadata(directory: Path) -> dict[str, dict[str, str]]:
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
