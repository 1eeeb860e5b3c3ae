"""Measure answer quality on a question set (JSON Lines, see ``tests/data/questions.jsonl``).

Each item has ``question``, ``kind``, accepted ``answers`` (substrings a correct quote contains)
and the ``sources`` (file stems) that support them. Items of the kinds in ``DECLINE_KINDS``
should be declined. Figures:

- first-quote accuracy: answerable items whose first quote holds an accepted answer;
- shown-quote accuracy: ... whose shown quotes hold one anywhere;
- citation accuracy: answerable items whose first quote cites a supporting article;
- abstention: items that should be declined and were;
- quote fidelity: shown quotes that are exact text of their cited source files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import rank_bm25

from retrieval.analyzer import fold
from retrieval.corpus import Corpus
from retrieval.models import Answer, Citation, Quote

DECLINE_KINDS = frozenset({"unanswerable", "off_topic", "bad_input"})


@dataclass(frozen=True)
class Item:
    id: str
    question: str
    kind: str
    answers: tuple[str, ...]
    sources: tuple[str, ...]

    @property
    def should_decline(self) -> bool:
        return self.kind in DECLINE_KINDS


@dataclass
class Report:
    first_quote: float
    shown_quotes: float
    citations: float
    abstention: float
    fidelity: float
    answerable: int
    unanswerable: int
    misses: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"first-quote accuracy   {self.first_quote:6.1%}  ({self.answerable} answerable)",
            f"shown-quote accuracy   {self.shown_quotes:6.1%}",
            f"citation accuracy      {self.citations:6.1%}",
            f"abstention             {self.abstention:6.1%}  ({self.unanswerable} to decline)",
            f"quote fidelity         {self.fidelity:6.1%}",
        ]


def load_items(path: Path) -> list[Item]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            items.append(
                Item(
                    id=str(raw.get("id", n)),
                    question=raw["question"],
                    kind=raw.get("kind", "factoid"),
                    answers=tuple(raw.get("answers", ())),
                    sources=tuple(raw.get("sources", ())),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}, line {n}: not a question item ({exc})") from None
    return items


def _norm(text: str) -> str:
    return " ".join(fold(text).replace('"', "'").casefold().split())


def contains_answer(quote: Quote, answers: Iterable[str]) -> bool:
    text = _norm(quote.text)
    return any(_norm(a) in text for a in answers)


def quote_is_faithful(quote: Quote, corpus: Corpus) -> bool:
    """Every piece of the quote (split at an added ellipsis) is text of its source, the first
    citation; further citations are articles reporting the same fact in near-identical words."""
    pieces = [p.strip() for p in quote.text.split("…") if p.strip()]
    source = corpus.article(quote.citations[0].source).text if quote.citations else ""
    return bool(pieces) and all(piece in source for piece in pieces)


def evaluate(answer: Callable[[str], Answer], items: list[Item], corpus: Corpus) -> Report:
    first = shown = cited = declined = faithful = quotes_total = 0
    answerable = [i for i in items if not i.should_decline]
    unanswerable = [i for i in items if i.should_decline]
    misses: list[str] = []
    for item in items:
        result = answer(item.question)
        for quote in result.quotes:
            quotes_total += 1
            faithful += quote_is_faithful(quote, corpus)
        if item.should_decline:
            if not result.answered:
                declined += 1
            else:
                misses.append(f"{item.id} answered, should decline: {item.question!r}")
            continue
        if result.quotes and contains_answer(result.quotes[0], item.answers):
            first += 1
        else:
            misses.append(f"{item.id} first quote wrong: {item.question!r} ({result.reason})")
        shown += any(contains_answer(q, item.answers) for q in result.quotes)
        if result.quotes and {c.source for c in result.quotes[0].citations} & set(item.sources):
            cited += 1
    return Report(
        first_quote=first / max(len(answerable), 1),
        shown_quotes=shown / max(len(answerable), 1),
        citations=cited / max(len(answerable), 1),
        abstention=declined / max(len(unanswerable), 1),
        fidelity=faithful / quotes_total if quotes_total else 1.0,
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        misses=misses,
    )


class Baseline:
    """The plain approach the engine is measured against: rank-bm25's BM25Okapi over every
    non-empty line with lower-case ``\\w+`` tokens, quoting the top paragraph, never declining."""

    def __init__(self, corpus: Corpus) -> None:
        self.passages = list(corpus.passages)
        self.corpus = corpus
        self.model = rank_bm25.BM25Okapi([self._tokens(p.text) for p in self.passages])

    @staticmethod
    def _tokens(text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())

    def __call__(self, question: str) -> Answer:
        scores = self.model.get_scores(self._tokens(question))
        best = self.passages[int(scores.argmax())]
        article = self.corpus.article(best.source)
        citation = Citation.of(article, best.paragraph)
        quote = Quote(best.text, float(scores.max()), [citation])
        return Answer(question, True, [quote])
