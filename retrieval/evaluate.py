"""Measure answer quality on question sets (JSON Lines, see ``tests/data/questions.jsonl``).

Each item has ``question``, ``kind``, accepted ``answers`` (substrings a correct quote contains)
and the ``sources`` (file stems) that support them; ``evidence`` spans, when given, add their
files to the supporting sources. Items of the kinds in ``DECLINE_KINDS`` should be declined.
Figures:

- first-quote accuracy: answerable items whose first quote holds an accepted answer **and**
  cites an article listed as supporting it;
- shown-quote accuracy: ... whose shown quotes include one that does;
- citation accuracy: answerable items whose first quote cites a supporting article;
- wrongly declined: answerable items the engine declined;
- abstention: items that should be declined and were;
- quote fidelity: shown citations whose text is exact text of the file they cite;
- confident answers: the share of questions to decline that got a confident answer
  (``Answer.confidence == "high"``), and of confident answers whose first quote is right;
  a "not sure" answer counts as an answer everywhere else.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
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


@dataclass(frozen=True)
class Miss:
    """One question the engine got wrong, with what it did instead."""

    id: str
    kind: str
    question: str
    problem: str  # "declined", "wrong first quote", "answered, should decline"
    reason: str | None  # the engine's reason code when it declined
    first_quote: str | None

    def line(self) -> str:
        said = f" [{self.reason}]" if self.reason else ""
        quote = f" -> {self.first_quote[:90]!r}" if self.first_quote else ""
        return f"{self.id} ({self.kind}) {self.problem}{said}: {self.question[:80]!r}{quote}"


@dataclass
class KindFigures:
    total: int = 0
    right: int = 0  # first quote right (answerable) or declined (decline kinds)
    shown: int = 0
    declined: int = 0


@dataclass
class Report:
    first_quote: float
    shown_quotes: float
    citations: float
    abstention: float
    fidelity: float
    wrongly_declined: float
    answerable: int
    unanswerable: int
    confident_unanswerable: float = 0.0  # to decline, answered with confidence
    confident_right: float = 1.0  # confident answers whose first quote is right
    confident: int = 0  # confident answers
    confident_answerable: float = 0.0  # answerable, answered with confidence
    kinds: dict[str, KindFigures] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"first-quote accuracy   {self.first_quote:6.1%}  ({self.answerable} answerable)",
            f"shown-quote accuracy   {self.shown_quotes:6.1%}",
            f"citation accuracy      {self.citations:6.1%}",
            f"wrongly declined       {self.wrongly_declined:6.1%}  (answerable, declined)",
            f"abstention             {self.abstention:6.1%}  ({self.unanswerable} to decline)",
            f"confidently answered   {self.confident_unanswerable:6.1%}  (to decline)",
            f"confident answers right{self.confident_right:7.1%}  ({self.confident} confident)",
            f"answerable, confident  {self.confident_answerable:6.1%}  (the rest 'not sure')",
            f"quote fidelity         {self.fidelity:6.1%}  (every citation)",
        ]

    def kind_lines(self) -> list[str]:
        out = [f"{'kind':<14} {'n':>3}  {'right':>6}  {'shown':>6}  {'declined':>8}"]
        for kind, f in sorted(self.kinds.items()):
            decline_kind = kind in DECLINE_KINDS
            shown = "" if decline_kind else f"{f.shown / f.total:6.1%}"
            out.append(
                f"{kind:<14} {f.total:>3}  {f.right / f.total:6.1%}  {shown:>6}  "
                f"{f.declined / f.total:8.1%}"
            )
        return out


def load_items(path: Path) -> list[Item]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            sources = list(raw.get("sources", ()))
            for ev in raw.get("evidence", ()):
                stem = Path(ev["file"]).stem
                if stem not in sources:
                    sources.append(stem)
            items.append(
                Item(
                    id=str(raw.get("id", n)),
                    question=raw["question"],
                    kind=raw.get("kind", "factoid"),
                    answers=tuple(raw.get("answers", ())),
                    sources=tuple(sources),
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


def cites_support(quote: Quote, item: Item) -> bool:
    """Whether the quote cites an article the item lists as supporting (any, when none listed)."""
    if not item.sources:
        return True
    return bool({c.source for c in quote.citations} & set(item.sources))


def is_right(quote: Quote, item: Item) -> bool:
    return contains_answer(quote, item.answers) and cites_support(quote, item)


def quote_is_faithful(quote: Quote, corpus: Corpus) -> bool:
    """Every citation's text (its own, else the quote's) is text of the file it cites, piece
    by piece where an ellipsis marks a cut."""
    return bool(quote.citations) and all(
        citation_is_faithful(c, quote, corpus) for c in quote.citations
    )


def citation_is_faithful(citation: Citation, quote: Quote, corpus: Corpus) -> bool:
    text = citation.text if citation.text is not None else quote.text
    pieces = [p.strip() for p in text.split("…") if p.strip()]
    source = corpus.article(citation.source).text
    return bool(pieces) and all(piece in source for piece in pieces)


def evaluate(answer: Callable[[str], Answer], items: list[Item], corpus: Corpus) -> Report:
    first = shown = cited = declined = wrongly_declined = faithful = quotes_total = 0
    confident = confident_right = confident_unanswerable = 0
    answerable = [i for i in items if not i.should_decline]
    unanswerable = [i for i in items if i.should_decline]
    kinds: dict[str, KindFigures] = defaultdict(KindFigures)
    misses: list[Miss] = []
    for item in items:
        result = answer(item.question)
        figures = kinds[item.kind]
        figures.total += 1
        figures.declined += not result.answered
        for quote in result.quotes:
            for citation in quote.citations:
                quotes_total += 1
                faithful += citation_is_faithful(citation, quote, corpus)
        top = result.quotes[0].text if result.quotes else None
        sure = result.answered and result.confidence != "low"
        confident += sure
        confident_unanswerable += sure and item.should_decline
        confident_right += (
            sure and not item.should_decline and bool(result.quotes)
            and is_right(result.quotes[0], item)
        )  # fmt: skip
        if item.should_decline:
            if not result.answered:
                declined += 1
                figures.right += 1
            else:
                misses.append(
                    Miss(item.id, item.kind, item.question, "answered, should decline", None, top)
                )
            continue
        if not result.answered:
            wrongly_declined += 1
        if result.quotes and is_right(result.quotes[0], item):
            first += 1
            figures.right += 1
        else:
            problem = "declined" if not result.answered else "wrong first quote"
            misses.append(Miss(item.id, item.kind, item.question, problem, result.reason, top))
        if any(is_right(q, item) for q in result.quotes):
            shown += 1
            figures.shown += 1
        if result.quotes and cites_support(result.quotes[0], item):
            cited += 1
    n_answerable = max(len(answerable), 1)
    return Report(
        first_quote=first / n_answerable,
        shown_quotes=shown / n_answerable,
        citations=cited / n_answerable,
        abstention=declined / max(len(unanswerable), 1),
        fidelity=faithful / quotes_total if quotes_total else 1.0,
        wrongly_declined=wrongly_declined / n_answerable,
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        confident_unanswerable=confident_unanswerable / max(len(unanswerable), 1),
        confident_right=confident_right / confident if confident else 1.0,
        confident=confident,
        confident_answerable=(confident - confident_unanswerable) / n_answerable,
        kinds=dict(kinds),
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
