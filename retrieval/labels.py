"""Titles and labels of articles, and the one way text is shortened for showing.

A title derived from an article's first sentence when it has none; a short label per article
that tells it apart from the others in citation lines; ``shorten``, which cuts at a word
boundary and marks the cut with an ellipsis.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from retrieval.models import Article, Passage
from retrieval.sentences import split_sentences

TITLE_MAX_CHARS = 90
# A label names an article in a citation line; 40 characters keeps "[1] label, outlet, date"
# on one 80-column terminal line and still reads as a headline ("Russian President Vladimir…").
LABEL_MAX_CHARS = 40
_MIN_LABEL_WORD = 4  # a distinguishing word this long is a content word, not "be" or "in"
_LEAD_WORDS = 2  # words of a shared opening kept before where titles differ ("Putin has")


def derive_title(paragraphs: list[Passage]) -> str:
    """The first sentence of the first prose paragraph, cut at a word boundary."""
    first = next((p for p in paragraphs if p.prose), paragraphs[0])
    spans = split_sentences(first.text)
    sentence = first.text[spans[0][0] : spans[0][1]] if spans else first.text
    return shorten(sentence, TITLE_MAX_CHARS)


def with_labels(articles: list[Article]) -> list[Article]:
    """Give every article a short label that tells it apart from the others.

    A label from ``articles.json`` is kept as given. Otherwise the title is cut at a word
    boundary. When several cut titles read the same (news leads often open alike: "Russian
    President Vladimir Putin has…"), each shows where its own title goes on instead: the
    shared opening's last two words ("Putin has"), then the rest of its title ("…Putin has
    called for direct peace…"). Where that still does not tell them apart,
    each gets the first word of its own title that the others lack, else its number.
    """
    labels = [a.label or shorten(a.title, LABEL_MAX_CHARS) for a in articles]
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
                candidate = f"{label} ({distinct})" if distinct else ""
            if not candidate or candidate in taken:
                candidate = f"{label} ({n})"
            counts[labels[i]] -= 1
            counts[candidate] += 1
            labels[i] = candidate
            taken.add(candidate)
    return [replace(a, label=label) for a, label in zip(articles, labels, strict=True)]


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
