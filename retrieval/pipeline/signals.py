"""The hand-written rule signals of each candidate sentence: the candidates step's pre-ranker.

Each sentence is scored by how much of the question's weight it covers (a word matched through
a synonym earns part of its weight), helped by its paragraph's coverage, its BM25 score, how
tightly the matched words sit together, and the answer type: a sentence holding a new instance
of the kind asked for (a date for "when", the asked-about speaker's words for "what did X say")
ranks higher, and when only a neighbouring sentence holds it, the candidate takes that sentence
along. The order decides which sentences the reader reads; the signals are features of the
decide step and of the rules' verdict (``retrieval.pipeline.rules``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from retrieval import analyzer, answer_types
from retrieval.answer_types import AnswerType, Kind
from retrieval.models import Passage
from retrieval.pipeline import speakers
from retrieval.pipeline.sentence_table import Sentence, SentenceTable
from retrieval.query import Query
from retrieval.sentences import MAX_QUOTE_CHARS
from retrieval.tuning import Tuning


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence (or two) that could be quoted, with the signals that ranked it. A value:
    later steps make changed copies (``dataclasses.replace``), never change it."""

    passage: Passage
    start: int  # offsets into passage.text
    end: int
    terms: frozenset[str]
    coverage: float
    rank: float = 0.0
    exact: frozenset[str] = frozenset()  # question terms the paragraph matches exactly
    holds_type: bool = False
    attributed: bool = False
    sentence_coverage: float = 0.0  # inputs of ``rank``, kept for the learned re-ranker
    paragraph_coverage: float = 0.0
    bm25: float = 0.0  # the paragraph's BM25 score over the best retrieved paragraph's
    proximity: float = 0.0
    order: int = 0  # the sentence's place in its paragraph
    duplicates: tuple[Candidate, ...] = ()  # other articles' near-identical sentences

    @property
    def text(self) -> str:
        return self.passage.text[self.start : self.end]


def credit(query: Query, terms: frozenset[str], synonym_weight: float) -> float:
    """The share of the question's weight a set of terms covers."""
    got = 0.0
    for t in query.terms:
        if t.in_corpus and t.term in terms:
            got += t.weight
        elif t.synonyms and any(terms.issuperset(syn) for syn in t.synonyms):
            got += synonym_weight * t.weight
    return got / query.total


def candidates(
    query: Query,
    retrieved: Sequence[tuple[int, Passage, float]],
    sentences: SentenceTable,
    tuning: Tuning,
) -> list[Candidate]:
    """Every sentence of the retrieved paragraphs that could answer, ranked best first."""
    kind = query.answer_type.kind
    asked = {w for t in query.terms for w in (t.word, t.term)}
    best_bm25 = max((s for _, _, s in retrieved), default=0.0) or 1.0
    own = {t.term for t in query.terms if t.in_corpus}
    found: list[Candidate] = []
    scored = 0
    agent_verbs = _agent_verbs(query) if tuning.agents else frozenset()
    for i, passage, bm25 in retrieved:
        table, para_terms = sentences(i)
        para_cov = credit(query, para_terms, tuning.synonym_weight)
        if para_cov < tuning.min_score:
            # A sentence covers no more than its paragraph, so none here can reach the
            # threshold: skipping them changes no answer and bounds the work per question.
            continue
        scored += 1
        if scored > tuning.max_scored_paragraphs:
            break
        exact = frozenset(own & para_terms)
        typed = [
            _holds_new(query.answer_type, passage.text, s, asked)
            * _counts_it(query, s.term_set | (table[n - 1].term_set if n else frozenset()))
            * _measures_it(query, passage.text, s)
            for n, s in enumerate(table)
        ]
        for n, s in enumerate(table):
            cov = credit(query, s.term_set, tuning.synonym_weight)
            leans = False
            if n and tuning.context:
                # What the sentence refers back to ("the gesture", "he") is in the one
                # before: its words count at a discount, and the quote takes it along.
                both = credit(query, s.term_set | table[n - 1].term_set, tuning.synonym_weight)
                leans = both - cov >= tuning.context_share
                cov += tuning.context_weight * (both - cov)
            start, end, holds = s.start, s.end, bool(typed[n])
            if leans and s.end - table[n - 1].start <= MAX_QUOTE_CHARS:
                start = table[n - 1].start
            borrowed = False
            if kind is not None and kind is not Kind.QUOTATION and not holds:
                # The answer may sit in the neighbouring sentence: quote both (while the two
                # fit in one quote; a longer one would be shown cut).
                if (
                    n + 1 < len(table)
                    and typed[n + 1]
                    and table[n + 1].end - start <= MAX_QUOTE_CHARS
                ):
                    end, holds, borrowed = table[n + 1].end, True, True
                elif n > 0 and typed[n - 1] and end - table[n - 1].start <= MAX_QUOTE_CHARS:
                    start, holds, borrowed = table[n - 1].start, True, True
            coverage = tuning.sentence_weight * cov + (1 - tuning.sentence_weight) * para_cov
            near = proximity(s.terms, own & s.term_set)
            rank = coverage + tuning.bm25_weight * bm25 / best_bm25 + tuning.proximity_weight * near
            if (
                agent_verbs
                and s.term_set & agent_verbs
                and speakers.doer_nearest(
                    query.answer_type.agent, passage.text[s.start : s.end], agent_verbs
                )
            ):
                rank += tuning.agent_bonus  # "when did Putin propose": Putin proposing
            if query.answer_type.plural and typed[n] >= 2:
                rank += tuning.list_bonus  # "which countries": a sentence naming several
            attributed = False
            if kind is Kind.QUOTATION and tuning.speakers:
                before = table[n - 1].term_set if n else speakers.last_before(sentences, i, passage)
                attributed = speakers.attributed(
                    query.answer_type.speaker, s, before, passage.text
                ) or speakers.in_their_quote(query.answer_type.speaker, passage.text, s)
                if attributed:
                    rank += tuning.speaker_bonus
                elif speakers.speaks(s):
                    rank -= tuning.other_speaker_penalty
                # Words in quotation marks answer "what did X say" only when they are X's.
                holds = holds and attributed
            if holds:
                rank += tuning.type_bonus * (tuning.borrowed_type_share if borrowed else 1.0)
            candidate = Candidate(
                passage, start, end, s.term_set, coverage, rank, exact, holds, attributed,
                cov, para_cov, bm25 / best_bm25, near, n,
            )  # fmt: skip
            found.append(candidate)
    if tuning.redundancy and kind in answer_types.VALUES:
        _reward_redundancy(found, query.answer_type, asked, tuning)
    found.sort(key=lambda c: (-c.rank, c.passage.source, c.passage.paragraph, c.start))
    return found


def _agent_verbs(query: Query) -> frozenset[str]:
    """The terms that say the verb a typed wh-question asks about (with its synonyms), when the
    question names who does it."""
    wanted = query.answer_type
    if not wanted.predicate or not wanted.agent or wanted.kind in (None, Kind.QUOTATION):
        return frozenset()
    verbs = {wanted.predicate}
    for t in query.terms:
        if t.term == wanted.predicate:
            verbs.update(syn[0] for syn in t.synonyms if len(syn) == 1)
    return frozenset(verbs)


def _reward_redundancy(
    found: list[Candidate], wanted: AnswerType, asked: set[str], tuning: Tuning
) -> None:
    """Answer redundancy: a value of the asked kind that many articles give among the
    candidates ("Thursday" in four of five) is likelier the answer than one only a single
    article gives ("Sunday, May 11", the day of the announcement). Each typed candidate earns
    a share of ``redundancy_weight`` by its best-supported new value. Only for values (dates,
    counts, periods, times): the people and places a story is about recur in every article
    whatever the question, so their redundancy says nothing."""
    values: dict[int, set[str]] = {}
    support: dict[str, set[str]] = {}
    for n, c in enumerate(found):
        if not c.holds_type or c.coverage < tuning.min_score:
            continue
        mine = set(_new_values(wanted, c.text, asked))
        values[n] = mine
        for v in mine:
            support.setdefault(v, set()).add(c.passage.source)
    articles = len({found[n].passage.source for n in values})
    if articles < 2:
        return
    for n, mine in values.items():
        best = max((len(support[v]) for v in mine), default=1)
        bonus = tuning.redundancy_weight * (best - 1) / (articles - 1)
        found[n] = replace(found[n], rank=found[n].rank + bonus)


def _named_in(value: str, asked: set[str], kind: Kind | None) -> bool:
    """Whether the question already names the value ("Kyiv" in "who went to Kyiv"); a person
    by their surname, the last word ("Ukrainian President Volodymyr Zelensky" is named by
    "Zelensky's chief of staff")."""
    if kind is Kind.PERSON:
        last = analyzer.terms(value.split()[-1])
        return bool(last) and last[-1] in asked
    words = {analyzer.stem(w) for w in re.findall(r"[a-z0-9]+", value)} | set(value.split())
    return words <= asked


def _holds_new(wanted: AnswerType, text: str, s: Sentence, asked: set[str]) -> int:
    """How many instances of the asked kind the sentence holds that the question does not
    already name (for "what did X say": whether it has words in quotation marks)."""
    kind = wanted.kind
    if kind is None:
        return 0
    if kind is Kind.QUOTATION:
        return int(answer_types.QUOTE_MARKS.search(text, s.start, s.end) is not None)
    return len(_new_values(wanted, text[s.start : s.end], asked))


def _new_values(wanted: AnswerType, text: str, asked: set[str]) -> list[str]:
    """The instances of the asked kind in ``text`` that could answer: as precise as asked, not
    named by the question, and for "when is / will …" not the start of a period ("since March",
    when something began, not when what is asked will happen)."""
    kind = wanted.kind
    found = answer_types.instances(kind, text)  # cached per sentence
    anchors = answer_types.since_values(text) if wanted.ahead and found else frozenset()
    return [
        v
        for v in found
        if answer_types.fits(wanted, v) and not _named_in(v, asked, kind) and v not in anchors
    ]


def _counts_it(query: Query, terms: frozenset[str]) -> bool:
    """For "how many X": a count holds the answer only in a sentence about X (or a synonym),
    or right after one ("… accused each other of violations. Ukraine claimed more than 700"),
    so "how many soldiers" is not answered by "the two sides"."""
    counted = query.answer_type.counted
    if counted is None:
        return True
    for t in query.terms:
        if t.term == counted:
            return counted in terms or any(terms.issuperset(syn) for syn in t.synonyms)
    return True  # the counted word is not looked up (chatter, a type noun): no constraint


def _measures_it(query: Query, text: str, s: Sentence) -> bool:
    """For "how long is X": a period written as a modifier is the length of the noun it
    modifies, so "how long will the talks last" is not answered by "a 30-day ceasefire",
    while "how long would the truce last" is (a synonym). Periods written otherwise ("for
    three days") are not tied to a noun and count."""
    measured = query.answer_type.measured
    if not measured:
        return True
    text = text[s.start : s.end]
    modifiers = answer_types.modified(text)
    if not modifiers or len(answer_types.instances(Kind.DURATION, text)) > len(modifiers):
        return True
    wanted = set(measured) | {
        term for t in query.terms if t.term in measured for syn in t.synonyms for term in syn
    }
    return any(wanted.intersection(m) for m in modifiers)


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
