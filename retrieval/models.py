"""The values that cross the retrieval boundary: articles, passages, quotes and answers.

Values only: no sentence here is meant for people. How an answer or a decline reads is the
business of each surface (``bot/present.py``, ``bot/discord/render.py``, the JSON contract).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

# Why a question was declined: stable codes, stored in the answer log and in the JSON contract.
NOT_COVERED = "not_covered"
EMPTY = "empty"
TOO_LONG = "too_long"
NO_WORDS = "no_words"
ONLY_COMMON_WORDS = "only_common_words"
CONTROL_CHARACTERS = "control_characters"
NOT_ENGLISH = "not_english"  # mostly letters of another script: the articles are English
# Declined by the decide step, with what the hand-written rules found missing: no paragraph
# matches the question's main word; no value of the kind asked for (a date for "when"); the
# asked-about person is never quoted; the event a yes/no question asks about is never told.
NO_SALIENT_MATCH = "no_salient_match"
NO_VALUE = "no_value"
NO_SPEAKER = "no_speaker"
NO_EVENT = "no_event"
# Not read at all: so many questions were waiting that this one could not be answered in time
# (the bot's queue, ``bot/answering.py``); details: ``wait_s``, the wait it would have had.
BUSY = "busy"
# Not answered: an article it would quote changed on disk after the corpus was loaded, and a
# quote must come from the file as it is (``retrieval.texts``); the running bot's live reload
# picks the change up within seconds.
UPDATING = "updating"
REASONS = (
    NOT_COVERED, EMPTY, TOO_LONG, NO_WORDS, ONLY_COMMON_WORDS, CONTROL_CHARACTERS, NOT_ENGLISH,
    NO_SALIENT_MATCH, NO_VALUE, NO_SPEAKER, NO_EVENT, BUSY, UPDATING,
)  # fmt: skip
# How sure an answer is: "high" quotes what answers; "low" quotes the closest passages, which
# may not answer directly. None for a decline.
CONFIDENCES = ("high", "low")


@dataclass(frozen=True, slots=True)
class Article:
    """One source file; ``source`` is the file stem, the stable id used in citations.

    ``label`` is a short name that tells this article apart from the others at a glance.
    ``text`` is the file's text, read when first asked for (``read``): a restart from the
    cache reads only the articles its questions quote (``retrieval.texts``).
    """

    source: str
    file: str
    title: str
    paragraphs: int
    outlet: str | None = None
    date: str | None = None
    url: str | None = None
    label: str = ""
    read: Callable[[], str] = field(default=str, repr=False, compare=False)

    @property
    def text(self) -> str:
        return self.read()


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
    """Where a quote comes from, with what a reader needs to find and check the article."""

    source: str
    file: str
    title: str
    paragraph: int
    label: str = ""
    outlet: str | None = None
    date: str | None = None
    url: str | None = None
    text: str | None = None  # this article's own words for the quote, an exact substring

    @classmethod
    def of(cls, article: Article, paragraph: int) -> Citation:
        return cls(
            article.source, article.file, article.title, paragraph,
            article.label or article.title, article.outlet, article.date, article.url,
        )  # fmt: skip


@dataclass(slots=True)
class Quote:
    """Verbatim text from a source file; several citations when articles say the same thing."""

    text: str
    score: float
    citations: list[Citation] = field(default_factory=list)

    @property
    def articles(self) -> int:
        """How many distinct articles report this quote ("reported by N of M articles")."""
        return len({c.source for c in self.citations})


@dataclass(frozen=True, slots=True)
class ShortAnswer:
    """The words of a quote that answer ("May 15"): ``quote``'s text[start:end] is ``text``."""

    quote: int
    start: int
    end: int
    text: str


@dataclass(slots=True)
class Answer:
    """What the engine found for one question: quotes, or a decline with its reason code.

    ``details`` holds the values a decline's wording needs (for ``too_long``: ``length`` and
    ``limit``), so each surface can say it in its own words.
    """

    question: str
    answered: bool
    quotes: list[Quote] = field(default_factory=list)
    reason: str | None = None
    latency_ms: float = 0.0
    corpus_version: str = ""
    articles_total: int = 0
    details: dict[str, int] = field(default_factory=dict)
    differ: bool = False  # quotes from different articles give different versions
    confidence: str | None = None  # "high" or "low" when answered (``CONFIDENCES``)
    short_answer: ShortAnswer | None = None  # confident answers to a value or a name only

    def to_dict(self) -> dict[str, object]:
        """The answer's values as JSON-ready data (the surfaces add their own fields)."""
        return {
            "question": self.question,
            "answered": self.answered,
            "quotes": [asdict(q) for q in self.quotes],
            "reason": self.reason,
            "details": dict(self.details),
            "differ": self.differ,
            "confidence": self.confidence,
            "short_answer": asdict(self.short_answer) if self.short_answer else None,
            "latency_ms": round(self.latency_ms, 3),
            "corpus_version": self.corpus_version,
            "articles_total": self.articles_total,
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
