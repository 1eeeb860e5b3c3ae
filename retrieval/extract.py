"""Choose the sentences to quote from the retrieved paragraphs.

Each sentence of a retrieved paragraph is scored by how much of the question's weighted terms
it covers (weights are IDF, so rare words count more), helped a little by its paragraph's
coverage and BM25 score, and by the answer type the question asks for (a date for "when", a
place for "where", a number for "how many"). The best sentence must cover ``min_score`` of the
question or the engine declines. Near-identical sentences from different articles become one
quote citing all of them; further quotes come from other articles where they can, so that
articles that disagree are both seen.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from retrieval import analyzer
from retrieval.index import BM25Index
from retrieval.models import Passage
from retrieval.sentences import split_sentences

SENTENCE_WEIGHT = 0.6  # coverage of the sentence itself vs. its paragraph, for the threshold
BM25_WEIGHT = 0.3
TYPE_BONUS = 0.12
PROXIMITY_WEIGHT = 0.1
OTHER_ARTICLE_BONUS = 0.08
FOLLOW_UP_RATIO = 0.8  # a further quote must rank within this share of the best
MIN_QUOTE_CHARS = 40  # shorter sentences ("Personally.") take their neighbour along
MAX_QUOTE_CHARS = 450
DUPLICATE_JACCARD = 0.5

_MONTHS = "january february march april may june july august september october november december"
_DAYS = "monday tuesday wednesday thursday friday saturday sunday"
_DATE = re.compile(
    rf"\b(?:{'|'.join((_MONTHS + ' ' + _DAYS).split())}|today|tomorrow|yesterday|tonight|"
    r"(?:19|20)\d\d|week|weekend|month|year|hours?|days?|morning|evening|night|early|"
    r"later|since|ago)\b",
    re.IGNORECASE,
)
_PLACE = re.compile(r"\b(?:in|at|to|from)\s+(?:the\s+)?[A-Z][a-z]", re.UNICODE)
_NUMBER = re.compile(
    r"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|hundreds?|thousands?|"
    r"dozens?|millions?)\b",
    re.IGNORECASE,
)
_WH = {
    "when": _DATE,
    "where": _PLACE,
    "how many": _NUMBER,
    "how much": _NUMBER,
    "how long": _DATE,
}
# "What date …", "Which city …": the noun names the answer type and is not itself looked up.
_TYPE_NOUNS = {
    "date": _DATE, "day": _DATE, "year": _DATE, "month": _DATE, "time": _DATE,
    "city": _PLACE, "country": _PLACE, "place": _PLACE, "venue": _PLACE, "location": _PLACE,
}  # fmt: skip
_TYPE_NOUN = re.compile(
    rf"^\W*(?:what|which|in which|on which|on what)\s+({'|'.join(_TYPE_NOUNS)})\b"
)


@dataclass(frozen=True, slots=True)
class AnswerType:
    pattern: re.Pattern[str] | None
    cue: str | None  # the question's answer-type noun, to leave out of the lookup


def answer_type(question: str) -> AnswerType:
    """The pattern an answer to this kind of question usually contains, if any."""
    folded = " ".join(analyzer.fold(question).lower().split())
    noun = _TYPE_NOUN.search(folded)
    if noun:
        return AnswerType(_TYPE_NOUNS[noun.group(1)], noun.group(1))
    for cue, pattern in _WH.items():
        if re.search(rf"\b{cue}\b", folded):
            return AnswerType(pattern, None)
    return AnswerType(None, None)


@dataclass(slots=True)
class Candidate:
    passage: Passage
    start: int  # offsets into passage.text
    end: int
    terms: frozenset[str]
    coverage: float
    rank: float = 0.0
    duplicates: list[Candidate] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.passage.text[self.start : self.end]


class Weights:
    """Positive IDF per term (Robertson-Sparck Jones with +1), the weight used for coverage.

    A word the corpus never uses weighs as one found in ``unseen_df`` paragraphs: it is what
    makes off-topic questions fall short, but counting it as infinitely rare made paraphrased
    questions fall short too (measured on the question set: 2 answers 3 more of them).
    """

    def __init__(self, index: BM25Index, unseen_df: int = 2) -> None:
        self.index = index
        self.n = index.n_docs
        self.unseen_df = unseen_df

    def __call__(self, term: str) -> float:
        df = self.index.document_frequency(term) or self.unseen_df
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))


def candidates(
    question_terms: Sequence[str],
    retrieved: Sequence[tuple[Passage, float]],
    weight: Weights,
    wanted: re.Pattern[str] | None,
) -> list[Candidate]:
    """Every sentence of the retrieved paragraphs, ranked best first."""
    unique = set(question_terms)
    total = sum(weight(t) for t in unique) or 1.0
    best_bm25 = max((s for _, s in retrieved), default=0.0) or 1.0
    found: list[Candidate] = []
    for passage, bm25 in retrieved:
        spans = _quote_spans(passage.text)
        sentence_terms = [analyzer.terms(passage.text[a:b]) for a, b in spans]
        para_terms: set[str] = set()
        for terms in sentence_terms:
            para_terms.update(unique.intersection(terms))
        para_cov = sum(weight(t) for t in para_terms) / total
        for (a, b), terms in zip(spans, sentence_terms, strict=True):
            matched = unique.intersection(terms)
            cov = sum(weight(t) for t in matched) / total
            coverage = SENTENCE_WEIGHT * cov + (1 - SENTENCE_WEIGHT) * para_cov
            rank = (
                coverage
                + BM25_WEIGHT * bm25 / best_bm25
                + PROXIMITY_WEIGHT * proximity(terms, matched)
            )
            if wanted is not None and wanted.search(passage.text, a, b):
                rank += TYPE_BONUS
            found.append(Candidate(passage, a, b, frozenset(terms), coverage, rank))
    found.sort(key=lambda c: (-c.rank, c.passage.source, c.passage.paragraph, c.start))
    return found


def proximity(terms: Sequence[str], matched: set[str]) -> float:
    """How tightly the matched question terms sit together: matched count over the shortest
    window of sentence terms holding them all (1.0 when adjacent; 0 for fewer than two)."""
    if len(matched) < 2:
        return 0.0
    last: dict[str, int] = {}
    best = len(terms)
    for i, t in enumerate(terms):
        if t in matched:
            last[t] = i
            if len(last) == len(matched):
                best = min(best, i - min(last.values()) + 1)
    return len(matched) / best


def select(found: list[Candidate], min_score: float, max_quotes: int) -> list[Candidate]:
    """The quotes to show: the best, merged with its near-duplicates, then diverse follow-ups."""
    if not found or found[0].coverage < min_score:
        return []
    chosen: list[Candidate] = []
    used: set[int] = set()
    for i, cand in enumerate(found):
        if len(chosen) == max_quotes:
            break
        if i in used:
            continue
        if chosen:
            if cand.coverage < min_score:
                continue
            seen_articles = {c.passage.source for q in chosen for c in [q, *q.duplicates]}
            bonus = OTHER_ARTICLE_BONUS if cand.passage.source not in seen_articles else 0.0
            if cand.rank + bonus < FOLLOW_UP_RATIO * chosen[0].rank:
                continue
            if any(_same_claim(cand, x) for q in chosen for x in [q, *q.duplicates]):
                continue
        used.add(i)
        for j, other in enumerate(found):
            if j in used or other.passage.source == cand.passage.source:
                continue
            if other.passage.source in {d.passage.source for d in cand.duplicates}:
                continue
            if _same_claim(cand, other):
                cand.duplicates.append(other)
                used.add(j)
        chosen.append(cand)
    return chosen


def _same_claim(a: Candidate, b: Candidate) -> bool:
    if not a.terms or not b.terms:
        return False
    inter = len(a.terms & b.terms)
    jaccard = inter / len(a.terms | b.terms)
    overlap = inter / min(len(a.terms), len(b.terms))
    return jaccard >= DUPLICATE_JACCARD and overlap >= 0.75 and inter >= 3


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans, with very short sentences joined to a neighbour."""
    spans = split_sentences(text)
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged:
            last = merged[-1][1] - merged[-1][0]
            short = b - a < MIN_QUOTE_CHARS or last < MIN_QUOTE_CHARS
            if short and last + (b - a) <= MAX_QUOTE_CHARS:
                merged[-1] = (merged[-1][0], b)
                continue
        merged.append((a, b))
    return merged
