"""The answer engine: a loaded corpus and its index, turning questions into quoted answers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from retrieval import analyzer, extract, questions
from retrieval.corpus import Corpus, load_corpus, shorten
from retrieval.index import BM25Index, Params
from retrieval.models import Answer, Article, Citation, Quote
from retrieval.spelling import Speller

log = logging.getLogger(__name__)

DECLINE_NOT_COVERED = "not_covered"
NOT_COVERED_MESSAGE = (
    "The articles don't cover that, so I have nothing to quote. "
    "Run `sources` to see which articles I can answer from."
)


ProgressFn = Callable[[int, int], None]


class Engine:
    """Answers questions from one corpus. Immutable after construction; safe across threads.

    Construction is cheap and does no file I/O: the index and speller come built (see
    ``retrieval.build.load_or_build``, or ``Engine.build`` for both steps at once).
    """

    def __init__(
        self,
        corpus: Corpus,
        index: BM25Index,
        speller: Speller,
        *,
        top_k: int = 8,
        max_quotes: int = 3,
        min_score: float = 0.53,
        max_question_chars: int = 300,
    ) -> None:
        if index.n_docs != len(corpus.prose):
            raise ValueError(f"index of {index.n_docs} paragraphs for {len(corpus.prose)}")
        self.corpus = corpus
        self.top_k = top_k
        self.max_quotes = max_quotes
        self.min_score = min_score
        self.max_question_chars = max_question_chars
        self.prose = corpus.prose
        self.index = index
        self.speller = speller
        self.weights = extract.Weights(self.index)

    @classmethod
    def build(
        cls,
        corpus: Corpus,
        *,
        params: Params | None = None,
        cache_dir: Path | None = None,
        progress: ProgressFn | None = None,
        **options: Any,
    ) -> Engine:
        """Load or build the index (cached in ``cache_dir`` when given), then the engine."""
        from retrieval.build import load_or_build

        built = load_or_build(corpus, params or Params(), cache_dir, progress)
        return cls(corpus, built.index, built.speller, **options)

    @classmethod
    def from_settings(cls, settings: object, *, progress: ProgressFn | None = None) -> Engine:
        """Build from a ``config.Settings`` (typed loosely so retrieval does not import config).

        The analysed index is cached next to the answer log when ``index_cache`` is on.
        """
        s = settings
        cache_dir = Path(s.db_path).parent / "index-cache" if s.index_cache else None  # type: ignore[attr-defined]
        return cls.build(
            load_corpus(s.corpus_dir, cache_dir),  # type: ignore[attr-defined]
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

    def query_terms(self, question: str) -> list[str]:
        """Index terms of a question, with words the corpus never uses spelling-corrected."""
        out = []
        for word in analyzer.words(question):
            term = analyzer.stem(word)
            if term not in self.index.vocabulary:
                term = analyzer.stem(analyzer.canonical(self.speller.correct(word)))
            out.append(term)
        return out

    def answer(self, question: str) -> Answer:
        started = time.perf_counter()
        answer = self._answer(question)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def _answer(self, question: str) -> Answer:
        rejection = questions.check(question, self.max_question_chars)
        if rejection is not None:
            return self._decline(question, rejection.reason, rejection.message)
        text = questions.clean(question)
        wanted = extract.answer_type(text)
        terms = self.query_terms(text)
        if wanted.cue and len(terms) > 1:
            terms = [t for t in terms if t != analyzer.stem(wanted.cue)]
        retrieved = [(self.prose[i], s) for i, s in self.index.top(terms, self.top_k)]
        found = extract.candidates(terms, retrieved, self.weights, wanted.pattern)
        chosen = extract.select(found, self.min_score, self.max_quotes)
        if not chosen:
            return self._decline(question, DECLINE_NOT_COVERED, NOT_COVERED_MESSAGE)
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


def plain_text(answer: Answer) -> str:
    """The answer as people read it: quotes with [n] markers, then the numbered sources."""
    if not answer.answered:
        return answer.answer
    lines = []
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
