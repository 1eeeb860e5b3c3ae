"""The answer engine: a loaded corpus and its index, turning questions into quoted answers."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from dataclasses import dataclass, replace

from retrieval import analyzer, cache, extract, questions
from retrieval.corpus import Corpus, load_corpus, shorten
from retrieval.extract import Candidate, Verdict
from retrieval.index import BM25Index, Params
from retrieval.models import Answer, Article, Citation, Quote
from retrieval.query import Query, QueryAnalyzer
from retrieval.spelling import Speller
from retrieval.tuning import Tuning

log = logging.getLogger(__name__)

DECLINE_NOT_COVERED = "not_covered"
NOT_COVERED_MESSAGE = (
    "The articles don't cover that, so I have nothing to quote. "
    "Run `sources` to see which articles I can answer from."
)


ProgressFn = Callable[[int, int], None]
PROGRESS_EVERY = 5000  # paragraphs between progress reports


class Engine:
    """Answers questions from one corpus. Immutable after construction; safe across threads."""

    def __init__(
        self,
        corpus: Corpus,
        *,
        params: Params | None = None,
        top_k: int = 8,
        max_quotes: int = 3,
        min_score: float | None = None,
        max_question_chars: int = 300,
        cache_dir: Path | None = None,
        progress: ProgressFn | None = None,
        tuning: Tuning | None = None,
    ) -> None:
        self.corpus = corpus
        self.params = params or Params()
        self.top_k = top_k
        self.max_quotes = max_quotes
        tuning = tuning or Tuning()
        if min_score is not None:
            tuning = replace(tuning, min_score=min_score)
        self.tuning = tuning
        self.max_question_chars = max_question_chars
        self.prose = corpus.prose
        self.index, word_counts = self._load_or_build(cache_dir, progress)
        self.speller = Speller(word_counts)
        self.analyser = QueryAnalyzer(self.index, self.speller, tuning)
        self.sentences = extract.SentenceTable(self.prose)

    def _load_or_build(
        self, cache_dir: Path | None, progress: ProgressFn | None
    ) -> tuple[BM25Index, Counter[str]]:
        if cache_dir is not None:
            key = cache.key(self.corpus.version, self.params, analyzer.version())
            path = cache.path_for(cache_dir, key)
            cached = cache.load(path, key)
            if cached is not None and cached.index.n_docs == len(self.prose):
                return cached.index, cached.word_counts
        index, word_counts = self._build(progress)
        if cache_dir is not None:
            try:
                cache.save(path, key, index, word_counts)
                for old in cache_dir.glob("index-*.npz"):
                    if old != path:
                        old.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not write the index cache in %s: %s", cache_dir, exc)
        return index, word_counts

    def _build(self, progress: ProgressFn | None) -> tuple[BM25Index, Counter[str]]:
        total = len(self.prose)
        documents: list[list[str]] = []
        word_counts: Counter[str] = Counter()
        for n, passage in enumerate(self.prose, 1):
            documents.append(analyzer.terms(passage.text))
            word_counts.update(analyzer.surface_words(passage.text))
            if progress is not None and (n % PROGRESS_EVERY == 0 or n == total):
                progress(n, total)
        return BM25Index.build(documents, self.params), word_counts

    @classmethod
    def from_settings(cls, settings: object, *, progress: ProgressFn | None = None) -> Engine:
        """Build from a ``config.Settings`` (typed loosely so retrieval does not import config).

        The analysed index is cached next to the answer log when ``index_cache`` is on.
        """
        s = settings
        cache_dir = Path(s.db_path).parent / "index-cache" if s.index_cache else None  # type: ignore[attr-defined]
        return cls(
            load_corpus(s.corpus_dir),  # type: ignore[attr-defined]
            params=Params(variant=s.bm25_variant, k1=s.bm25_k1, b=s.bm25_b),  # type: ignore[attr-defined]
            top_k=s.top_k,  # type: ignore[attr-defined]
            max_quotes=s.max_quotes,  # type: ignore[attr-defined]
            min_score=s.min_score,  # type: ignore[attr-defined]
            max_question_chars=s.max_question_chars,  # type: ignore[attr-defined]
            cache_dir=cache_dir,
            progress=progress,
        )

    @property
    def articles(self) -> tuple[Article, ...]:
        return self.corpus.articles

    def analyse(self, question: str) -> Query:
        """The question as the engine reads it (see ``retrieval.query``)."""
        return self.analyser.analyse(question)

    def answer(self, question: str) -> Answer:
        started = time.perf_counter()
        answer = self._answer(question)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def explain(self, question: str) -> Explanation:
        """Every step of answering one question, for ``talks-bot ask --explain``."""
        rejection = questions.check(question, self.max_question_chars)
        if rejection is not None:
            return Explanation(None, [], Verdict(False, rejection.reason), [])
        query = self.analyse(question)
        if not query.terms:
            return Explanation(query, [], Verdict(False, "only_common_words"), [])
        found = self._candidates(query)
        verdict = extract.answerable(query, found, self.tuning)
        chosen = (
            extract.select(found, query, self.tuning, self.max_quotes) if verdict.answered else []
        )
        return Explanation(query, found, verdict, chosen)

    def _candidates(self, query: Query) -> list[Candidate]:
        small = self.tuning.all_sentences and self.index.n_docs <= self.tuning.all_sentences_max_docs
        k = self.index.n_docs if small else self.top_k
        retrieved = [(i, self.prose[i], s) for i, s in self.index.top(query.lookup(), k)]
        return extract.candidates(query, retrieved, self.sentences, self.tuning)

    def _answer(self, question: str) -> Answer:
        rejection = questions.check(question, self.max_question_chars)
        if rejection is not None:
            return self._decline(question, rejection.reason, rejection.message)
        steps = self.explain(question)
        if steps.verdict.reason == "only_common_words":
            rejection = questions.only_common_words()
            return self._decline(question, rejection.reason, rejection.message)
        if not steps.chosen:
            return self._decline(question, DECLINE_NOT_COVERED, NOT_COVERED_MESSAGE)
        chosen = steps.chosen
        quotes = [
            Quote(
                text=shorten(c.text, extract.MAX_QUOTE_CHARS),
                score=round(c.coverage, 4),
                citations=[
                    self._cite(d.passage.source, d.passage.paragraph) for d in [c, *c.duplicates]
                ],
            )
            for c in chosen
        ]
        answer = Answer(
            question=question,
            answered=True,
            answer="",
            quotes=quotes,
            corpus_version=self.corpus.version,
            articles_total=len(self.corpus.articles),
            differ=steps.query is not None and extract.differ(chosen, steps.query),
        )
        answer.answer = plain_text(answer)
        return answer

    def _cite(self, source: str, paragraph: int) -> Citation:
        article = self.corpus.article(source)
        return Citation(source, article.file, article.title, paragraph)

    def _decline(self, question: str, reason: str, message: str) -> Answer:
        return Answer(
            question=question,
            answered=False,
            answer=message,
            reason=reason,
            corpus_version=self.corpus.version,
            articles_total=len(self.corpus.articles),
        )


@dataclass(frozen=True)
class Explanation:
    """How one question was read and answered: the query, ranked candidates, the verdict."""

    query: Query | None
    candidates: list[Candidate]
    verdict: Verdict
    chosen: list[Candidate]


def plain_text(answer: Answer) -> str:
    """The answer as people read it: quotes with [n] markers, then the numbered sources."""
    if not answer.answered:
        return answer.answer
    lines = ["The articles differ:"] if answer.differ else []
    for q in answer.quotes:
        line = f"{q.text} {''.join(f'[{n}]' for n in answer.markers(q))}"
        articles = len({c.source for c in q.citations})
        if articles > 1:
            line += f" (reported by {articles} of {answer.articles_total} articles)"
        lines.append(line)
    lines.append("")
    for n, c in enumerate(answer.sources(), 1):
        lines.append(f"[{n}] {c.title} ({c.file}, paragraph {c.paragraph})")
    return "\n".join(lines)
