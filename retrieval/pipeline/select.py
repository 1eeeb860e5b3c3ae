"""Select: the quotes to show from the ranked candidates, each standing alone.

The best candidate first, merged with near-identical sentences of other articles (further
citations); then further candidates that say something else while their rank is within a share
of the best. Quotes are widened so a reader knows who speaks (a pronoun's sentence before, a
quotation's whole extent), and the answer says when articles give different quantities.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from retrieval import answer_types
from retrieval.answer_types import Kind
from retrieval.pipeline.signals import Candidate
from retrieval.query import Query
from retrieval.sentences import MAX_QUOTE_CHARS, quote_spans
from retrieval.tuning import Tuning

DUPLICATE_JACCARD = 0.5
_PRONOUN_START = re.compile(
    r"^[\"“‘(]*(?:He|She|They|It|His|Her|Their|Its|This|That|These|Those|Such|"
    r"The\s+(?:move|remarks?|statement|comments?))\b"
)
_OPEN_QUOTES = "“"
_CLOSE_QUOTES = "”"


def select(
    found: list[Candidate], query: Query, tuning: Tuning, max_quotes: int
) -> list[Candidate]:
    """The quotes to show: the best, merged with its near-duplicates, then diverse follow-ups."""
    passing = [c for c in found if c.coverage >= tuning.min_score]
    kind = query.answer_type.kind
    if tuning.answer_types and kind is not None and kind is not Kind.QUOTATION:
        # A question asking for a date, place, person or value is answered first by a quote
        # that holds one: "what day …" is not answered by "… since early 2022".
        passing = [c for c in passing if c.holds_type] or passing
    chosen: list[Candidate] = []
    duplicates: list[list[Candidate]] = []  # per chosen quote: other articles saying the same
    used: set[int] = set()
    for i, cand in enumerate(passing):
        if len(chosen) == max_quotes:
            break
        if i in used:
            continue
        if chosen:
            shown = [x for q, d in zip(chosen, duplicates, strict=True) for x in [q, *d]]
            seen_articles = {c.passage.source for c in shown}
            bonus = tuning.other_article_bonus if cand.passage.source not in seen_articles else 0.0
            if cand.rank + bonus < tuning.follow_up_ratio * chosen[0].rank:
                continue
            if any(
                (_same_claim(cand, x) and not _disagree(cand, x, query)) or _overlaps(cand, x)
                for x in shown
            ):
                continue
        used.add(i)
        mine: list[Candidate] = []
        for j, other in enumerate(passing):
            if j in used or other.passage.source == cand.passage.source:
                continue
            if other.passage.source in {d.passage.source for d in mine}:
                continue
            if _same_claim(cand, other) and not _disagree(cand, other, query):
                mine.append(other)
                used.add(j)
        chosen.append(cand)
        duplicates.append(mine)
    chosen = [replace(c, duplicates=tuple(d)) for c, d in zip(chosen, duplicates, strict=True)]
    if tuning.standalone:
        chosen = _merge_overlaps([_stand_alone(c) for c in chosen])
    return chosen


def _merge_overlaps(chosen: list[Candidate]) -> list[Candidate]:
    """Widened quotes from one paragraph may now overlap: show their union once, in the place
    of the better one, rather than the same words twice; a quote widened onto an earlier
    quote's further citation is left out."""
    kept: list[Candidate] = []
    for c in chosen:
        if any(_overlaps(d, c) for k in kept for d in k.duplicates):
            continue  # widened onto words an earlier quote already cites from this article
        at = next((n for n, k in enumerate(kept) if _overlaps(k, c)), None)
        if at is None:
            kept.append(c)
            continue
        earlier = kept[at]
        start, end = min(earlier.start, c.start), max(earlier.end, c.end)
        if end - start <= MAX_QUOTE_CHARS:
            kept[at] = replace(earlier, start=start, end=end)
    return kept


def _disagree(a: Candidate, b: Candidate, query: Query) -> bool:
    """Near-identical sentences that give different quantities are two versions, not one."""
    kind = query.answer_type.kind
    if kind not in answer_types.QUANTITIES:
        return False
    x, y = set(answer_types.instances(kind, a.text)), set(answer_types.instances(kind, b.text))
    return bool(x and y and x.isdisjoint(y))


def differ(chosen: Sequence[Candidate], query: Query) -> bool:
    """Whether quotes from different articles give different quantities of the kind asked for
    (a count, a period, a clock time). Dates, people and places are not compared: one date is
    told many ways ("Thursday", "May 15"), and a sentence names other people and places beside
    the one that answers, so telling them apart would announce disagreements that are not."""
    kind = query.answer_type.kind
    if kind not in answer_types.QUANTITIES:
        return False
    values: dict[str, set[str]] = {}
    for c in chosen:
        found = set(answer_types.instances(kind, c.text))
        if found:
            values.setdefault(c.passage.source, set()).update(found)
    sets = list(values.values())
    return len(sets) > 1 and any(a.isdisjoint(b) for a in sets for b in sets if a is not b)


def _stand_alone(c: Candidate) -> Candidate:
    """Widen a quote so a reader knows who speaks: take the sentence before one that opens
    with a pronoun, run on to where an opened quotation closes and back to where a closed
    one opened."""
    text = c.passage.text
    spans = quote_spans(text)
    start, end = c.start, c.end
    if _PRONOUN_START.match(text[start:end]):
        before = [a for a, b in spans if b <= start]
        if before and end - before[-1] <= MAX_QUOTE_CHARS:
            start = before[-1]
    opened = sum(text.count(q, start, end) for q in _OPEN_QUOTES)
    closed = sum(text.count(q, start, end) for q in _CLOSE_QUOTES)
    lead = text[:start]
    if closed > opened and lead.count(_OPEN_QUOTES) > lead.count(_CLOSE_QUOTES):
        # "… excuses,” Zelensky added.": go back to where the quoted words began.
        for a, b in reversed(spans):
            if b <= start and end - a <= MAX_QUOTE_CHARS:
                start = a
                if any(q in text[a:b] for q in _OPEN_QUOTES):
                    break
            elif b <= start:
                break
    if opened > closed:
        for a, b in spans:
            if a >= end and b - start <= MAX_QUOTE_CHARS:
                end = b
                if any(q in text[a:b] for q in _CLOSE_QUOTES):
                    break
    return replace(c, start=start, end=end)


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.passage is b.passage and a.start < b.end and b.start < a.end


def _same_claim(a: Candidate, b: Candidate) -> bool:
    if not a.terms or not b.terms:
        return False
    inter = len(a.terms & b.terms)
    jaccard = inter / len(a.terms | b.terms)
    overlap = inter / min(len(a.terms), len(b.terms))
    return jaccard >= DUPLICATE_JACCARD and overlap >= 0.75 and inter >= 3
