"""Choose the sentences to quote from the retrieved paragraphs, or decline.

Each sentence is scored by how much of the question's weight it covers (a word matched through
a synonym earns part of its weight), helped by its paragraph's coverage, its BM25 score, how
tightly the matched words sit together, and the answer type: a sentence holding a new instance
of the kind asked for (a date for "when", the asked-about speaker's words for "what did X say")
ranks higher, and when only a neighbouring sentence holds it, the quote takes that sentence
along. Answering is a separate check (``answerable``): enough coverage, an exactly matched
salient word, and, for counts, durations and clock times, a value to quote. Near-identical
sentences from different articles become one quote citing all of them; further quotes come
from other articles where they can, and when they give a different value than the first, the
answer says the articles differ.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from retrieval import analyzer, answer_types, lexicon
from retrieval.answer_types import AnswerType, Kind
from retrieval.models import Passage
from retrieval.query import Query
from retrieval.sentences import split_sentences
from retrieval.tuning import Tuning

MIN_QUOTE_CHARS = 40  # shorter sentences ("Personally.") take their neighbour along
MAX_QUOTE_CHARS = 450
DUPLICATE_JACCARD = 0.5
SPEAKER_DISTANCE = 4  # words between a speaker and a speech verb that attributes words to them

_PRONOUN_START = re.compile(
    r"^[\"“‘(]*(?:He|She|They|It|His|Her|Their|Its|This|That|These|Those|Such|"
    r"The\s+(?:move|remarks?|statement|comments?))\b"
)
_OPEN_QUOTES = "“"
_CLOSE_QUOTES = "”"


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int  # offsets into the passage text
    end: int
    terms: tuple[str, ...]
    term_set: frozenset[str]


class SentenceTable:
    """Sentence spans and terms per paragraph, analysed once per paragraph and kept for the
    ``MAX_KEPT`` most recently used paragraphs, so a long-running bot's memory stays bounded."""

    MAX_KEPT = 20_000  # paragraphs (tens of MB at most); far more than a day of questions touches

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._passages = passages
        self._cache: dict[int, tuple[tuple[Sentence, ...], frozenset[str]]] = {}

    def passage(self, i: int) -> Passage:
        """The paragraph itself (to see whether the one before is of the same article)."""
        return self._passages[i]

    def __call__(self, i: int) -> tuple[tuple[Sentence, ...], frozenset[str]]:
        """The paragraph's sentences, and the terms of the whole paragraph."""
        found = self._cache.pop(i, None)
        if found is not None:
            self._cache[i] = found  # most recently used last
        else:
            text = self._passages[i].text
            table = tuple(
                Sentence(a, b, tuple(t := analyzer.terms(text[a:b])), frozenset(t))
                for a, b in quote_spans(text)
            )
            found = self._cache[i] = (table, frozenset().union(*(s.term_set for s in table)))
            if len(self._cache) > self.MAX_KEPT:
                del self._cache[next(iter(self._cache))]  # least recently used
        return found


@dataclass(slots=True)
class Candidate:
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
    duplicates: list[Candidate] = field(default_factory=list)

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
                # The answer may sit in the neighbouring sentence: quote both.
                if n + 1 < len(table) and typed[n + 1]:
                    end, holds, borrowed = table[n + 1].end, True, True
                elif n > 0 and typed[n - 1]:
                    start, holds, borrowed = table[n - 1].start, True, True
            coverage = tuning.sentence_weight * cov + (1 - tuning.sentence_weight) * para_cov
            near = proximity(s.terms, own & s.term_set)
            rank = coverage + tuning.bm25_weight * bm25 / best_bm25 + tuning.proximity_weight * near
            if (
                agent_verbs
                and s.term_set & agent_verbs
                and _doer_nearest(
                    query.answer_type.agent, passage.text[s.start : s.end], agent_verbs
                )
            ):
                rank += tuning.agent_bonus  # "when did Putin propose": Putin proposing
            if query.answer_type.plural and typed[n] >= 2:
                rank += tuning.list_bonus  # "which countries": a sentence naming several
            attributed = False
            if kind is Kind.QUOTATION and tuning.speakers:
                before = table[n - 1].term_set if n else _last_before(sentences, i, passage)
                attributed = _attributed(
                    query.answer_type.speaker, s, before, passage.text
                ) or _in_their_quote(query.answer_type.speaker, passage.text, s)
                if attributed:
                    rank += tuning.speaker_bonus
                elif _speaks(s):
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
        found[n].rank += tuning.redundancy_weight * (best - 1) / (articles - 1)


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


def _speaks(s: Sentence) -> bool:
    return bool(s.term_set & answer_types.SPEECH_VERBS)


def _last_before(sentences: SentenceTable, i: int, passage: Passage) -> frozenset[str]:
    """The terms of the last sentence of the paragraph before, in the same article."""
    if i == 0:
        return frozenset()
    previous = sentences.passage(i - 1)
    if previous.source != passage.source:
        return frozenset()
    table, _ = sentences(i - 1)
    return table[-1].term_set if table else frozenset()


def _attributed(speaker: tuple[str, ...], s: Sentence, before: frozenset[str], text: str) -> bool:
    """Whether sentence ``s`` gives the speaker's words: the speaker is the name nearest a
    speech verb ("… leaders stood beside Zelensky, urging …, or face what Macron described
    as …" gives Macron's words, not Zelensky's), or a speech verb in a sentence right after one
    naming the speaker ("… Kellogg had voiced support. 'Not the other way around,' he
    emphasized."); ``before`` is the terms of that sentence (the previous paragraph's last
    one for a paragraph's first: news paragraphs are short and a quote often opens one)."""
    if not s.term_set & answer_types.SPEECH_VERBS:
        return False
    if _speaker_nearest(speaker, text[s.start : s.end]):
        return True
    names = any(t in speaker for t in s.terms)
    if names or not any(t in before for t in speaker):
        return False
    # "… Kellogg had voiced support. 'Not the other way around,' he emphasized." carries the
    # speaker over; "… Zelenskyy's move came after … Putin signaled …, suggesting …" does not:
    # no pronoun stands for the speaker there.
    return _pronoun_speaks(text[s.start : s.end])


_WORD = re.compile(r"[^\W\d_][\w’'-]*")
_PRONOUNS = frozenset({"he", "she", "they"})


@lru_cache(maxsize=8192)
def _pronoun_speaks(sentence: str) -> bool:
    """Whether "he" / "she" / "they" is the subject of a speech verb: right after it ("said
    he") or within ``SPEAKER_DISTANCE`` words before it ("he wrote", "she had earlier said")."""
    words = [m.group() for m in _WORD.finditer(sentence)]
    for i, word in enumerate(words):
        if set(analyzer.terms(word)) & answer_types.SPEECH_VERBS:
            near = words[max(0, i - SPEAKER_DISTANCE) : i] + words[i + 1 : i + 2]
            if any(w.lower() in _PRONOUNS for w in near):
                return True
    return False


# Prepositions after which a name is an object, not a speaker ("by" stays: "… said by Peskov").
_NOT_SPEAKER_BEFORE = frozenset(
    "beside besides with to of for from on at in into against about toward towards "
    "between among like than".split()
)


def _speaker_nearest(speaker: tuple[str, ...], sentence: str) -> bool:
    """Whether, for some speech verb, the nearest run of name words (capitalised words and the
    speaker's own words: "Kremlin spokesperson Dmitry Peskov") within ``SPEAKER_DISTANCE``
    words names the speaker in full; on a tie the run before the verb wins ("Peskov said")."""
    return _doer_nearest(speaker, sentence, answer_types.SPEECH_VERBS)


@lru_cache(maxsize=8192)
def _doer_nearest(doer: tuple[str, ...], sentence: str, verbs: frozenset[str]) -> bool:
    """Whether, for some verb of ``verbs``, the nearest run of name words names ``doer`` (who
    speaks, for speech verbs; who does it, for the verb a question asks about)."""
    known = lexicon.shared()
    found = list(_WORD.finditer(sentence))
    words = [(m.group(), analyzer.terms(m.group())) for m in found]
    kinds: list[str] = []  # per word: "verb", "name" or ""
    runs: list[int] = []  # per word: where its run of name words starts, or -1
    for i, (word, terms) in enumerate(words):
        mine = any(t in doer for t in terms)
        capital = word[0].isupper() and (i > 0 or known.entry(word.lower()) is None)
        if terms and not mine and set(terms) & verbs:
            kinds.append("verb")
        elif terms and (mine or capital):
            kinds.append("name")
        elif word == "of" and i and kinds[i - 1] == "name":
            kinds.append("of")  # "Secretary of State": one name
        else:
            kinds.append("")
        # A run of names stops at punctuation: "On Thursday, Trump warned" names Trump alone.
        joined = (
            i
            and kinds[i - 1] in ("name", "of")
            and sentence[found[i - 1].end() : found[i].start()].isspace()
        )
        runs.append((runs[i - 1] if joined else i) if kinds[i] in ("name", "of") else -1)
    wanted = set(doer)
    # A name after a preposition ("stood beside Zelensky, urging …") or in the possessive
    # ("Zelenskyy's move came after …") is not who speaks.
    ends: dict[int, int] = {}  # run start → its last word
    for i, run in enumerate(runs):
        if run >= 0:
            ends[run] = i
    silent = {
        run
        for run, last in ends.items()
        if (run and words[run - 1][0].lower() in _NOT_SPEAKER_BEFORE)
        or words[last][0].endswith(("’s", "'s", "s’", "s'"))
    }
    for v, kind in enumerate(kinds):
        if kind != "verb":
            continue
        lo, hi = max(0, v - SPEAKER_DISTANCE), min(len(words), v + SPEAKER_DISTANCE + 1)
        near = [
            (abs(i - v), i > v, runs[i])
            for i in range(lo, hi)
            if kinds[i] == "name" and runs[i] not in silent
        ]
        if near:
            run = min(near)[2]
            if {t for i, (_, terms) in enumerate(words) if runs[i] == run for t in terms} >= wanted:
                return True
    return False


_QUOTATION = re.compile(r"“[^“”]{2,}”|\"[^\"]{2,}\"")
ATTRIBUTION_CHARS = 120  # how far before or after a quotation its "…, X said" is looked for


@lru_cache(maxsize=4096)
def quotations(text: str) -> tuple[tuple[int, int, str], ...]:
    """Each quotation in a paragraph with the clause that attributes it: the one right after
    it ("…,” Zelensky added.") or, failing that, the one right before it ("Zelenskyy said.
    “…" or "Peskov told reporters: “…"). A quotation runs across sentences, so every sentence
    inside it has its speaker, even when only the last names them."""
    out = []
    for m in _QUOTATION.finditer(text):
        after = re.split(r"(?<=[.!?])\s|[“\"]", text[m.end() : m.end() + ATTRIBUTION_CHARS])[0]
        lead = text[max(0, m.start() - ATTRIBUTION_CHARS) : m.start()].rstrip(" .:,")
        before = re.split(r"[.!?”\"]\s", lead)[-1]
        for clause in (after, before):
            if set(analyzer.terms(clause)) & answer_types.SPEECH_VERBS:
                out.append((m.start(), m.end(), clause))
                break
    return tuple(out)


def _in_their_quote(speaker: tuple[str, ...], text: str, s: Sentence) -> bool:
    """Whether the sentence lies inside a quotation whose attribution names the speaker as
    the one speaking ("European leaders pushed …, Peskov responded by stating that …
    “resistant …”" is Peskov's)."""
    return any(
        a < s.end and s.start < b and _speaker_nearest(speaker, clause)
        for a, b, clause in quotations(text)
    )


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


@dataclass(frozen=True, slots=True)
class Verdict:
    answered: bool
    reason: str | None  # "not_covered", "no_salient_match", "no_value", "no_speaker", "no_event"


def answerable(query: Query, found: Sequence[Candidate], tuning: Tuning) -> Verdict:
    """Whether the best candidates answer the question (a calibrated rule, not a ranking)."""
    passing = [c for c in found if c.coverage >= tuning.min_score]
    if not passing:
        return Verdict(False, "not_covered")
    weights = [t.weight for t in query.terms]
    salient = {
        t.term
        for t in query.terms
        if t.in_corpus and t.weight >= tuning.min_salient_share * max(weights)
    }
    if not any(c.exact & salient for c in passing):
        return Verdict(False, "no_salient_match")
    wanted = query.answer_type
    if tuning.answer_types and wanted.required and not any(c.holds_type for c in passing):
        return Verdict(False, "no_value")
    if wanted.kind is Kind.QUOTATION and tuning.speakers and not any(c.attributed for c in passing):
        return Verdict(False, "no_speaker")  # "what did X say" where X is never quoted
    if wanted.event and tuning.events and not any(_tells(c, query) for c in passing):
        return Verdict(False, "no_event")  # "did X agree …" where no quote has the agreeing
    return Verdict(True, None)


def _tells(c: Candidate, query: Query) -> bool:
    """Whether the quote tells the event a yes/no question asks about (the verb or a synonym)
    together with its subject and something of what it was done to: "did Putin agree …" is
    not answered by "if Russia doesn't agree …" nor by Putin doing something else, nor "did
    the talks produce a signed agreement" by the talks producing something else."""
    wanted = query.answer_type
    terms = frozenset(analyzer.terms(c.text))
    if wanted.subject and not terms & set(wanted.subject):
        return False
    if wanted.complement and not any(_says(terms, query, t) for t in wanted.complement):
        return False  # "did the talks produce a signed agreement": not "… produced a proposal"
    return _says(terms, query, wanted.event)


def _says(terms: frozenset[str], query: Query, term: str | None) -> bool:
    """Whether the terms hold a question term or one of its synonyms."""
    if term in terms:
        return True
    return any(terms.issuperset(syn) for t in query.terms if t.term == term for syn in t.synonyms)


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
    used: set[int] = set()
    for i, cand in enumerate(passing):
        if len(chosen) == max_quotes:
            break
        if i in used:
            continue
        if chosen:
            seen_articles = {c.passage.source for q in chosen for c in [q, *q.duplicates]}
            bonus = tuning.other_article_bonus if cand.passage.source not in seen_articles else 0.0
            if cand.rank + bonus < tuning.follow_up_ratio * chosen[0].rank:
                continue
            shown = [x for q in chosen for x in [q, *q.duplicates]]
            if any(
                (_same_claim(cand, x) and not _disagree(cand, x, query)) or _overlaps(cand, x)
                for x in shown
            ):
                continue
        used.add(i)
        for j, other in enumerate(passing):
            if j in used or other.passage.source == cand.passage.source:
                continue
            if other.passage.source in {d.passage.source for d in cand.duplicates}:
                continue
            if _same_claim(cand, other) and not _disagree(cand, other, query):
                cand.duplicates.append(other)
                used.add(j)
        chosen.append(cand)
    if tuning.standalone:
        for c in chosen:
            _stand_alone(c)
        chosen = _merge_overlaps(chosen)
    return chosen


def _merge_overlaps(chosen: list[Candidate]) -> list[Candidate]:
    """Widened quotes from one paragraph may now overlap: show their union once, in the place
    of the better one, rather than the same words twice."""
    kept: list[Candidate] = []
    for c in chosen:
        earlier = next((k for k in kept if _overlaps(k, c)), None)
        if earlier is None:
            kept.append(c)
        elif max(earlier.end, c.end) - min(earlier.start, c.start) <= MAX_QUOTE_CHARS:
            earlier.start, earlier.end = min(earlier.start, c.start), max(earlier.end, c.end)
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


def _stand_alone(c: Candidate) -> None:
    """Widen a quote so a reader knows who speaks: take the sentence before one that opens
    with a pronoun, run on to where an opened quotation closes and back to where a closed
    one opened."""
    text = c.passage.text
    spans = quote_spans(text)
    if _PRONOUN_START.match(text[c.start : c.end]):
        before = [a for a, b in spans if b <= c.start]
        if before and c.end - before[-1] <= MAX_QUOTE_CHARS:
            c.start = before[-1]
    opened = sum(text.count(q, c.start, c.end) for q in _OPEN_QUOTES)
    closed = sum(text.count(q, c.start, c.end) for q in _CLOSE_QUOTES)
    lead = text[: c.start]
    if closed > opened and lead.count(_OPEN_QUOTES) > lead.count(_CLOSE_QUOTES):
        # "… excuses,” Zelensky added.": go back to where the quoted words began.
        for a, b in reversed(spans):
            if b <= c.start and c.end - a <= MAX_QUOTE_CHARS:
                c.start = a
                if any(q in text[a:b] for q in _OPEN_QUOTES):
                    break
            elif b <= c.start:
                break
    if opened > closed:
        for a, b in spans:
            if a >= c.end and b - c.start <= MAX_QUOTE_CHARS:
                c.end = b
                if any(q in text[a:b] for q in _CLOSE_QUOTES):
                    break


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.passage is b.passage and a.start < b.end and b.start < a.end


def _same_claim(a: Candidate, b: Candidate) -> bool:
    if not a.terms or not b.terms:
        return False
    inter = len(a.terms & b.terms)
    jaccard = inter / len(a.terms | b.terms)
    overlap = inter / min(len(a.terms), len(b.terms))
    return jaccard >= DUPLICATE_JACCARD and overlap >= 0.75 and inter >= 3


def quote_spans(text: str) -> list[tuple[int, int]]:
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
