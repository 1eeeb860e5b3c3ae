"""A question, analysed once: the clause that asks, its weighted terms and the answer type.

Everything after this step (retrieval, sentence choice, the decline check, ``--explain``) reads
the same ``Query`` value, so a question is never re-analysed along the way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from retrieval import analyzer, answer_types, focus, lexicon
from retrieval.answer_types import AnswerType
from retrieval.index import BM25Index
from retrieval.spelling import Speller
from retrieval.tuning import Tuning

CORPUS = "corpus"  # the word is in the corpus: weight from its IDF (and general rarity)
GENERAL = "general"  # the corpus never uses it: weight from general English alone
SPELLING = "spelling"  # an unknown word corrected to a corpus word


@dataclass(frozen=True, slots=True)
class Term:
    """One question word: its index term, weight, and the corpus terms that may stand in."""

    word: str  # folded, aliased question word
    term: str  # its index term
    weight: float
    source: str  # CORPUS, GENERAL or SPELLING
    synonyms: tuple[tuple[str, ...], ...] = ()  # index terms of synonyms the corpus uses
    zipf: float = 0.0
    pos: str = ""

    @property
    def in_corpus(self) -> bool:
        return self.source != GENERAL


@dataclass(frozen=True)
class Query:
    question: str  # as asked
    text: str  # the focused clause that was looked up
    plain: str  # the whole question without markup: what the reader and the embedder read
    terms: tuple[Term, ...]
    answer_type: AnswerType
    total: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", sum(t.weight for t in self.terms) or 1.0)

    def lookup(self) -> list[str]:
        """Index terms for BM25: the words found in the corpus and their synonyms."""
        out = [t.term for t in self.terms if t.in_corpus]
        for t in self.terms:
            out.extend(term for syn in t.synonyms for term in syn)
        return out


class QueryAnalyzer:
    """Turns question text into a ``Query`` against one index; shared, read-only."""

    def __init__(self, index: BM25Index, speller: Speller, tuning: Tuning) -> None:
        self.index = index
        self.speller = speller
        self.tuning = tuning
        self.lexicon = lexicon.shared()

    def idf(self, df: int) -> float:
        n = self.index.n_docs
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def analyse(self, question: str) -> Query:
        tuning = self.tuning
        text = focus.focus(question) if tuning.focus else " ".join(question.split())
        wanted = answer_types.detect(text) if tuning.answer_types else AnswerType(None)
        terms: list[Term] = []
        seen: set[str] = set()
        # The verb a typed wh-question asks about is often said otherwise in the articles.
        verb = wanted.predicate if tuning.predicates else None
        for word in analyzer.words(text):
            if tuning.focus and word in focus.CHATTER:
                continue
            if wanted.names_kind(analyzer.stem(word)):
                continue
            term = self._term(word)
            if term is not None and verb is not None and term.term == verb:
                term = replace(term, weight=term.weight * tuning.predicate_weight)
            if term is not None and term.term not in seen and term.weight > 0:
                seen.add(term.term)
                terms.append(term)
        if not terms and wanted.cue:  # "what date?" alone: look the cue up after all
            term = self._term(wanted.cue)
            terms = [term] if term is not None else []
        return Query(question, text, focus.strip_markup(question), tuple(terms), wanted)

    def _term(self, word: str) -> Term | None:
        tuning = self.tuning
        stem = analyzer.stem(word)
        z = lexicon.zipf(word) if tuning.salience or tuning.spelling_guard else 0.0
        pos = self.lexicon.parts_of_speech(word) if tuning.salience else ""
        if pos and self.lexicon.is_past_form(word):
            pos = "v"  # "chosen" is WordNet's noun "the chosen" too, but asked as the verb
        rarity = self._rarity(z) if tuning.salience else 1.0
        synonyms = self._synonyms(word, stem) if tuning.synonyms else ()
        df = self.index.document_frequency(stem)
        if df:
            weight = self.idf(df) * max(rarity, tuning.general_floor) ** tuning.general_power
            return Term(word, stem, weight, CORPUS, synonyms, z, pos)
        if word.isalpha() and not (tuning.spelling_guard and z >= tuning.spelling_max_zipf):
            corrected = analyzer.stem(analyzer.canonical(self.speller.correct(word)))
            df = self.index.document_frequency(corrected)
            if df:
                return Term(word, corrected, self.idf(df), SPELLING, synonyms, z, pos)
        weight = self.idf(tuning.unseen_df) * rarity * self._pos_factor(pos)
        return Term(word, stem, weight, GENERAL, synonyms, z, pos)

    def _rarity(self, z: float) -> float:
        t = self.tuning
        if z <= 0:  # unknown to general English: a name or a rare term
            return 1.0
        return min(1.0, max(0.0, (t.zipf_common - z) / (t.zipf_common - t.zipf_rare)))

    def _pos_factor(self, pos: str) -> float:
        t = self.tuning
        if not pos or "n" in pos:
            return t.pos_noun  # nouns, and words WordNet lacks (names, new words)
        if "v" in pos:
            return t.pos_verb
        if "a" in pos:
            return t.pos_adjective
        return t.pos_adverb

    def _synonyms(self, word: str, stem: str) -> tuple[tuple[str, ...], ...]:
        out: list[tuple[str, ...]] = []
        for synonym in self.lexicon.synonyms(word):
            terms = tuple(analyzer.terms(synonym))
            if (
                terms
                and terms != (stem,)
                and terms not in out
                and all(self.index.document_frequency(t) for t in terms)
            ):
                out.append(terms)
        return tuple(out)
