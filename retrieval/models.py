"""The values that cross the retrieval boundary: articles, passages, quotes and answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Article:
    """One source file; ``source`` is the file stem, the stable id used in citations."""

    source: str
    file: str
    title: str
    text: str
    paragraphs: int
    outlet: str | None = None
    date: str | None = None
    url: str | None = None


class Passage(NamedTuple):
    """A paragraph (one non-empty line) with its place in the source file.

    A named tuple rather than a frozen dataclass: a corpus makes one per paragraph, and
    this is several times cheaper to create (it counts at 100,000 paragraphs).
    """

    source: str
    paragraph: int
    start: int
    end: int
    text: str
    prose: bool


@dataclass(frozen=True, slots=True)
class Citation:
    source: str
    file: str
    title: str
    paragraph: int


@dataclass(slots=True)
class Quote:
    """Verbatim text from a source file; several citations when articles say the same thing."""

    text: str
    score: float
    citations: list[Citation] = field(default_factory=list)


@dataclass(slots=True)
class Answer:
    """What the engine says to one question: quotes, or a decline with its reason."""

    question: str
    answered: bool
    answer: str
    quotes: list[Quote] = field(default_factory=list)
    reason: str | None = None
    latency_ms: float = 0.0
    corpus_version: str = ""
    articles_total: int = 0
    differ: bool = False  # quotes from different articles give different versions

    def to_dict(self) -> dict[str, object]:
        """The documented JSON contract (without ``id``, which belongs to the caller)."""
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.answer,
            "quotes": [asdict(q) for q in self.quotes],
            "reason": self.reason,
            "differ": self.differ,
            "latency_ms": round(self.latency_ms, 3),
        }

    def sources(self) -> list[Citation]:
        """Distinct (article, paragraph) citations, numbered by position from 1."""
        seen: dict[tuple[str, int], Citation] = {}
        for quote in self.quotes:
            for c in quote.citations:
                seen.setdefault((c.source, c.paragraph), c)
        return list(seen.values())

    def markers(self, quote: Quote) -> list[int]:
        """The source numbers (1-based, as in ``sources()``) a quote cites."""
        keys = [(c.source, c.paragraph) for c in self.sources()]
        return [keys.index((c.source, c.paragraph)) + 1 for c in quote.citations]
