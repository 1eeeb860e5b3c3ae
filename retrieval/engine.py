"""The answer engine: a loaded corpus and its index, turning questions into quoted answers.

One question goes through the pipeline's components in turn (``retrieval/pipeline``):
input rules → analysis → **retrieve** (BM25) → **candidates** (sentences, pre-ranked) →
**read** (the learned reader) → **decide** (rank; confident, not sure or decline) →
**assemble** (quotes and citations). ``explain`` returns what every step produced.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, TypedDict, Unpack

from retrieval import dense, lexicon, questions
from retrieval.corpus import Corpus
from retrieval.dense import DenseLook
from retrieval.followup import read_after
from retrieval.index import BM25Index, Params
from retrieval.models import NOT_COVERED, ONLY_COMMON_WORDS, UPDATING, Answer
from retrieval.pipeline.assemble import Assembler
from retrieval.pipeline.candidates import Candidates, Reading
from retrieval.pipeline.decide import Decider
from retrieval.pipeline.decision import DECLINE, Decides, Decision, Verdict
from retrieval.pipeline.read import Pair, Reader
from retrieval.pipeline.retrieve import Retrieved, Retriever
from retrieval.pipeline.sentence_table import SentenceTable
from retrieval.pipeline.signals import Candidate
from retrieval.pipeline.span import ShortAnswers
from retrieval.query import Query, QueryAnalyzer
from retrieval.spelling import Speller
from retrieval.texts import CorpusChanged
from retrieval.tuning import Tuning

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
ANSWERS_KEPT = 1024  # recent answers by exact question text; a few MB at most
# Sentences the dense first look returns; the candidates step adds those the pre-ranker's
# best did not already hold (``retrieval.pipeline.candidates.DENSE_LIMIT``).
DENSE_HITS = 10


class EngineOptions(TypedDict, total=False):
    """What ``Engine.build`` passes on to ``Engine``: the answering options, typed."""

    top_k: int
    max_quotes: int
    max_question_chars: int
    min_score: float | None
    tuning: Tuning | None
    reader: Reads | None
    decider: Decides | None


class Reads(Protocol):
    """What the read step needs: pairs in, one logit each out (``Reader``, or a stand-in).

    A reader may also have ``run_many(batches)`` (several questions' pairs read in one call,
    each pair's logit the same as alone) and ``parallel(fn, items)`` (its threads lent to
    other model work: the questions' embeddings); ``answer_many`` uses them when present."""

    def run(self, pairs: list[Pair]) -> list[float]: ...


class Engine:
    """Answers questions from one corpus. Immutable after construction; safe across threads.

    Construction is cheap: the index and speller come built (see
    ``retrieval.build.load_or_build``, or ``Engine.build`` for both steps at once), so is the
    dense look; the only file it reads is the decide step's small JSON when no decider is
    given. The reader and the embedder load their models on first use (``load_models`` to
    load them now).
    """

    def __init__(
        self,
        corpus: Corpus,
        index: BM25Index,
        speller: Speller,
        *,
        top_k: int,
        max_quotes: int,
        max_question_chars: int,
        min_score: float | None = None,
        tuning: Tuning | None = None,
        reader: Reads | None = None,
        decider: Decides | None = None,
        dense_look: DenseLook | None = None,
    ) -> None:
        """``top_k``, ``max_quotes`` and ``max_question_chars`` have their defaults in one place,
        the settings class (``bot.app.engine_options``); ``min_score`` overrides the coverage
        the hand-written rules ask for (one of the decide step's signals)."""
        if index.n_docs != len(corpus.prose):
            raise ValueError(f"index of {index.n_docs} paragraphs for {len(corpus.prose)}")
        self.corpus = corpus
        self.top_k = top_k
        self.max_quotes = max_quotes
        tuning = tuning or Tuning()
        if min_score is not None:
            tuning = replace(tuning, min_score=min_score)
        self.tuning = tuning
        self.max_question_chars = max_question_chars
        self.prose = corpus.prose
        self.index = index
        self.speller = speller
        self.analyser = QueryAnalyzer(self.index, self.speller, tuning)
        self.sentences = SentenceTable(self.prose)
        self.retriever = Retriever(index, self.sentences, top_k)
        self.candidates = Candidates(self.sentences, corpus.articles.title, tuning)
        self.reader: Reads = reader if reader is not None else Reader()
        self.dense = dense_look
        self.decider: Decides = (decider or Decider.load()).with_tuning(tuning)
        self.assembler = Assembler(corpus, max_quotes, tuning)
        self.short_answers = ShortAnswers()
        # Members repeat each other ("where are the talks?" after an announcement): the same
        # text gets the same answer from the same corpus, so recent ones are kept, and a burst
        # of repeats costs one reading each instead of one per member.
        self._recent: OrderedDict[tuple[str, str | None], Answer] = OrderedDict()
        self._recent_lock = threading.Lock()

    @classmethod
    def build(
        cls,
        corpus: Corpus,
        *,
        params: Params | None = None,
        cache_dir: Path | None = None,
        progress: ProgressFn | None = None,
        with_dense: bool = True,
        **options: Unpack[EngineOptions],
    ) -> Engine:
        """Load or build the index (cached in ``cache_dir`` when given), then the engine.
        ``with_dense``: embed the corpus's sentences for the dense first look (vectors kept
        in ``cache_dir`` by sentence text; see ``retrieval.dense``)."""
        from retrieval.build import load_or_build

        built = load_or_build(corpus, params or Params(), cache_dir, progress)
        look = dense.build(corpus.prose, cache_dir, progress=progress) if with_dense else None
        lexicon.shared(cache_dir)  # the word lists kept beside the index (the first call's)
        return cls(corpus, built.index, built.speller, dense_look=look, **options)

    def load_models(self) -> None:
        """Load the reader's and the embedder's models now rather than at the first question."""
        for model in (self.reader, self.dense.embedder if self.dense else None):
            load = getattr(model, "load", None)
            if load is not None:
                load()

    def analyse(self, question: str, after: str | None = None) -> Query:
        """The question as the engine reads it (see ``retrieval.query``); ``after``: the
        question it follows up, whose topic a topic-less follow-up takes
        (``retrieval.followup``)."""
        return read_after(self.analyser, question, after)

    def answer(self, question: str, after: str | None = None) -> Answer:
        """``after``: the earlier question this one follows up ("and when?"), or None."""
        return self.answer_many([question], [after])[0]

    def answer_many(
        self, asked: Sequence[str], after: Sequence[str | None] | None = None
    ) -> list[Answer]:
        """The answers to several questions (``after``: the question each follows up, if
        any), read together: their candidates go to the reader in one call and their
        embeddings are computed side by side, so a burst keeps every model thread busy while
        the pipeline's Python runs. Each answer is exactly the one the question gets alone
        (the reader scores each pair on its own); ``latency_ms`` is the batch's time. Recent
        answers are reused (see ``ANSWERS_KEPT``)."""
        started = time.perf_counter()
        keys = list(zip(asked, after or [None] * len(asked), strict=True))
        with self._recent_lock:
            known = {k: self._recent[k] for k in keys if k in self._recent}
        todo = [k for k in dict.fromkeys(keys) if k not in known]
        if todo:
            try:
                fresh = self._fresh(todo)
            except CorpusChanged:  # an article changed under this engine: which questions?
                fresh = {}
                for k in todo:
                    try:
                        fresh.update(self._fresh([k]))
                    except CorpusChanged:
                        known[k] = self._decline(k[0], UPDATING)  # not kept: ask again
            known.update(fresh)
            with self._recent_lock:
                self._recent.update(fresh)
                while len(self._recent) > ANSWERS_KEPT:
                    self._recent.popitem(last=False)
        latency = (time.perf_counter() - started) * 1000
        answers = [copy.deepcopy(known[k]) for k in keys]  # callers may change theirs
        for answer in answers:
            answer.latency_ms = latency
        return answers

    def _fresh(self, todo: list[tuple[str, str | None]]) -> dict[tuple[str, str | None], Answer]:
        steps = self.explain_many([q for q, _ in todo], [a for _, a in todo])
        return {k: self._finish(k[0], s) for k, s in zip(todo, steps, strict=True)}

    def explain(self, question: str, after: str | None = None) -> Explanation:
        """Every step of answering one question, for ``talks-bot ask --explain``."""
        return self.explain_many([question], [after])[0]

    def explain_many(
        self, asked: Sequence[str], after: Sequence[str | None] | None = None
    ) -> list[Explanation]:
        """Every step for each question; the model work of all of them is done together."""
        done: dict[int, Explanation] = {}
        todo: list[tuple[int, Query]] = []
        for n, (question, earlier) in enumerate(
            zip(asked, after or [None] * len(asked), strict=True)
        ):
            rejection = questions.check(question, self.max_question_chars)
            # "and when?" has only common words: after an earlier question, that is its topic
            if rejection is not None and not (earlier and rejection.reason == ONLY_COMMON_WORDS):
                done[n] = Explanation(None, rejection=rejection)
                continue
            query = self.analyse(question, earlier)
            if not query.terms:  # nothing left once chatter and markup are gone
                done[n] = Explanation(query, rejection=questions.only_common_words())
            else:
                todo.append((n, query))
        looks = self.look_many([query for _, query in todo])
        found = []
        for (_, query), (hits, _) in zip(todo, looks, strict=True):
            retrieved = self.retriever.run(query)
            found.append((retrieved, self.candidates.run(query, retrieved, hits)))
        batches = [
            [pair(q, r) for r in readings]
            for (_, q), (_, readings) in zip(todo, found, strict=True)
        ]
        for (n, query), (retrieved, readings), logits, (hits, nearest) in zip(
            todo, found, self._read(batches), looks, strict=True
        ):
            decision = self.decider.run(query, readings, logits, nearest)
            chosen = self.assembler.chosen(query, decision) if decision.outcome != DECLINE else []
            done[n] = Explanation(
                query, retrieved, readings, decision, chosen, dense_ready=bool(hits)
            )
        return [done[n] for n in range(len(asked))]

    def _read(self, batches: list[list[Pair]]) -> list[list[float]]:
        run_many = getattr(self.reader, "run_many", None)
        if run_many is not None:
            return run_many(batches)
        return [self.reader.run(pairs) if pairs else [] for pairs in batches]

    @property
    def dense_state(self) -> str:
        """``ready``, ``building`` (BM25's candidates alone meanwhile) or ``off`` (none: a
        corpus too large, or an engine built without one)."""
        if self.dense is None:
            return "off"
        return "ready" if self.dense.ready else "building"

    def look(self, query: Query) -> tuple[list[dense.Hit], float]:
        """The dense first look's nearest sentences and best cosine; none while it builds."""
        return self.look_many([query])[0]

    def look_many(self, queries: list[Query]) -> list[tuple[list[dense.Hit], float]]:
        """``look`` for each query, the embeddings computed side by side on the reader's
        threads when it lends them (each question embedded alone: the same vector)."""
        look = self.dense
        if look is None or not look.ready or not queries:
            return [([], 0.0) for _ in queries]
        parallel = getattr(self.reader, "parallel", None)
        texts = [query.plain for query in queries]
        vectors = parallel(look.query, texts) if parallel and len(texts) > 1 else None
        vectors = vectors or [look.query(text) for text in texts]
        return [look.top(vector, DENSE_HITS) for vector in vectors]

    def _finish(self, question: str, steps: Explanation) -> Answer:
        if steps.rejection is not None:
            return self._decline(question, steps.rejection.reason, steps.rejection.details)
        assert steps.query is not None and steps.decision is not None
        if steps.decision.outcome == DECLINE:
            return self._decline(question, steps.decision.reason or NOT_COVERED)
        answer = self.assembler.run(steps.query, steps.decision, steps.chosen)
        answer.short_answer = self.short_answers.run(steps.query, answer)
        return answer

    def _decline(self, question: str, reason: str, details: dict[str, int] | None = None) -> Answer:
        return Answer(
            question=question,
            answered=False,
            reason=reason,
            details=dict(details or {}),
            corpus_version=self.corpus.version,
            articles_total=len(self.corpus.articles),
        )


def pair(query: Query, r: Reading) -> Pair:
    return Pair(query.plain, r.candidate.text, r.context, r.title)


@dataclass(frozen=True)
class Explanation:
    """What each step produced for one question (empty lists for steps it never reached)."""

    query: Query | None
    retrieved: list[Retrieved] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    decision: Decision | None = None
    chosen: list[Candidate] = field(default_factory=list)
    rejection: questions.Rejection | None = None  # refused before or instead of the lookup
    dense_ready: bool = False  # the dense first look took part (False while it builds)

    @property
    def verdict(self) -> Verdict:
        """What the hand-written rules say (refused input: not answered, with its reason)."""
        if self.rejection is not None:
            return Verdict(False, self.rejection.reason)
        assert self.decision is not None
        return self.decision.rules

    @property
    def reason(self) -> str | None:
        """Why it was declined, one code for every surface; None when answered."""
        if self.rejection is not None:
            return self.rejection.reason
        if self.decision is not None and self.decision.outcome == DECLINE:
            return self.decision.reason or NOT_COVERED
        return None
