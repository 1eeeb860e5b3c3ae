"""Titles and labels of articles, and the one way text is shortened for showing.

A title derived from an article's first sentence when it has none; a short label per article
that tells it apart from the others in citation lines (a headline made from the title, since a
news lead cut at 40 characters reads "In a bold diplomatic maneuver…"); ``shorten``, which
cuts at a word boundary and marks the cut with an ellipsis.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from retrieval.models import Article, Passage
from retrieval.sentences import split_sentences

TITLE_MAX_CHARS = 90
# A label names an article beside a quote's number; 60 characters is a news headline's usual
# length (most stay under 70) and keeps "[1] label" on one line of a Discord embed or terminal.
LABEL_MAX_CHARS = 60
_MIN_LABEL_WORD = 4  # a distinguishing word this long is a content word, not "be" or "in"
_LEAD_WORDS = 2  # words of a shared opening kept before where titles differ ("Putin has")


def derive_title(paragraphs: list[Passage]) -> str:
    """The first sentence of the first prose paragraph, cut at a word boundary."""
    first = next((p for p in paragraphs if p.prose), paragraphs[0])
    spans = split_sentences(first.text)
    sentence = first.text[spans[0][0] : spans[0][1]] if spans else first.text
    return shorten(sentence, TITLE_MAX_CHARS)


# A lead often opens with a scene-setting phrase before its subject ("In a bold diplomatic
# maneuver, Zelenskyy has proposed …"): a headline starts at the subject. Only a short phrase
# (at most 8 words before the comma) that opens with one of these words is dropped.
_INTRO = re.compile(
    r"^(?:In|On|At|After|Amid|Following|During|Despite|With|As|Late|Early|Earlier|Meanwhile|"
    r"Hours|Days|Weeks|Just|Now|Today|Yesterday|Overnight)\b(?:[^,.;:!?]\s*){0,60}?,\s+"
)
_INTRO_MAX_WORDS = 8
# Headlines name people by surname: "Russian President Vladimir Putin" becomes "Putin". Only
# a run of capitalised words holding one of these office words is shortened, so "European
# Central Bank" or "United Nations" stay as written.
_OFFICES = (
    "President|Prime Minister|Minister|Chancellor|Secretary|Spokesperson|Spokesman|Spokeswoman|"
    "King|Queen|Pope|Senator|Governor|Mayor|General|Ambassador|Envoy|Leader|Chief|Premier"
)
_TITLED_NAME = re.compile(
    rf"(?:\b[A-Z][\w’'.-]*\s+)*?\b(?:{_OFFICES})(?:\s+of\s+[A-Z][\w’'-]*)?"
    r"(?:\s+[A-Z][\w’'.-]*)*\s+(?P<surname>[A-Z][\w’'-]+)\b"
)
# A cut headline does not end on a word that needs the next one ("…peace talks with…").
_DANGLING = frozenset("a an the and or of to in on at by for with from as that".split())


def headline(title: str, limit: int = LABEL_MAX_CHARS) -> str:
    """A title as a short headline: the scene-setting opening dropped, people named by
    surname, cut at a word boundary within ``limit`` without a dangling last word."""
    text = " ".join(title.split())
    intro = _INTRO.match(text)
    if intro and len(intro.group().split()) <= _INTRO_MAX_WORDS and len(text) > intro.end():
        rest = text[intro.end() :]
        text = rest[0].upper() + rest[1:]
    text = _TITLED_NAME.sub(lambda m: m.group("surname"), text)
    if len(text) <= limit and not text.endswith("…"):
        return text
    text = text.removesuffix("…")  # cut before: cut again, at a word that stands at the end
    words: list[str] = []
    for word in text.split():
        if len(" ".join([*words, word])) > limit - 1:  # room for the "…"
            break
        words.append(word)
    while len(words) > 1 and words[-1].lower() in _DANGLING:
        words.pop()
    if not words:  # one word longer than the limit
        return shorten(text, limit)
    return " ".join(words).rstrip(" ,;:—–-") + "…"


def with_labels(articles: list[Article]) -> list[Article]:
    """Give every article a short label that tells it apart from the others.

    A label from ``articles.json`` is kept as given (cut to ``LABEL_MAX_CHARS``). Otherwise
    the title made a headline (``headline``). When several read the same (news leads often
    open alike: "Putin has proposed…"), each shows where its own title goes on instead: the
    shared opening's last two words ("Putin has"), then the rest of its title ("…Putin has
    called for direct peace…"). Where that still does not tell them apart,
    each gets the first word of its own title that the others lack, else its number.
    """
    labels = [shorten(a.label, LABEL_MAX_CHARS) if a.label else headline(_whole_title(a))
              for a in articles]  # fmt: skip
    groups: dict[str, list[int]] = {}
    for i, (article, label) in enumerate(zip(articles, labels, strict=True)):
        if not article.label:
            groups.setdefault(label, []).append(i)
    taken = set(labels)
    counts = Counter(labels)  # kept in step with ``labels``: a list scan per group is O(n²)
    for label, members in groups.items():
        if len(members) < 2 and counts[label] < 2:
            continue
        words = [_title_words(articles[i].title) for i in members]
        tails = _tail_labels([articles[i].title for i in members])
        for n, (i, own) in enumerate(zip(members, words, strict=True), 1):
            candidate = tails[n - 1] if tails else ""
            if not candidate or candidate in taken:
                others = {w.lower() for j, ws in enumerate(words) if j != n - 1 for w in ws}
                unique = [w for w in own if w.lower() not in others]
                # A content word says more than "be" or "in"; fall back to any distinct word.
                distinct = next((w for w in unique if len(w) >= _MIN_LABEL_WORD), None) or next(
                    iter(unique), None
                )
                candidate = _marked(label, distinct) if distinct else ""
            if not candidate or candidate in taken:
                candidate = _marked(label, str(n))
            counts[labels[i]] -= 1
            counts[candidate] += 1
            labels[i] = candidate
            taken.add(candidate)
    return [replace(a, label=label) for a, label in zip(articles, labels, strict=True)]


_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*(?=\s|$)|\n")


def _whole_title(article: Article) -> str:
    """The title, or where it was cut from the article's own first sentence (``derive_title``),
    that whole sentence: a headline is made from the words, not from a cut."""
    title = article.title
    if not title.endswith("…"):
        return title
    start = article.text.find(title[:-1])
    if start < 0:
        return title
    end = _SENTENCE_END.search(article.text, start + len(title) - 1)
    return article.text[start : end.start() if end else len(article.text)]


def _marked(label: str, mark: str) -> str:
    """``label (mark)`` within ``LABEL_MAX_CHARS``: the label is cut to make room."""
    suffix = f" ({shorten(mark, LABEL_MAX_CHARS // 3)})"
    return shorten(label, LABEL_MAX_CHARS - len(suffix)) + suffix


def _tail_labels(titles: list[str]) -> list[str]:
    """Labels for titles that open alike, each from where it differs (see ``with_labels``);
    empty when they share no opening or the labels would still collide."""
    split = [title.split() for title in titles]
    shared = 0
    while all(len(ws) > shared + 1 for ws in split) and len({ws[shared] for ws in split}) == 1:
        shared += 1
    if shared < 2:
        return []
    opening = split[0][:shared]
    # The subject if it is near ("Putin has"), else just the two words before the split, so
    # the label's 40 characters go to what tells the articles apart.
    named = max((k for k, w in enumerate(opening) if w[:1].isupper()), default=0)
    start = max(named, shared - _LEAD_WORDS)
    lead = ("…" if start else "") + " ".join(opening[start:])
    labels = [shorten(f"{lead} {' '.join(ws[shared:])}", LABEL_MAX_CHARS) for ws in split]
    return labels if len(set(labels)) == len(labels) else []


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
