"""Short answer: the few words of the confident answer's first quote that answer the question.

"What date did Putin propose?" is answered by "May 15" inside a sentence of thirty words; the
surfaces show that span in bold. Candidates are the quote's word runs of one to ``MAX_WORDS``
words that neither start nor end with a stop word; each is scored by a logistic regression
over features of the span, the sentence and the question (its answer type above all: a date
for "when", a capitalised name for "who"). The weights are learned from the answer spans of
the shared QA pack, never from the news questions (``tools/train_span.py``; the card is
``retrieval/data/SPAN.md``). A span is shown only when the answer is confident, the question
wants a value or a name (not a statement: "why", "what did X say"), and its probability is at
least the model's own ``threshold``. The span is always an exact slice of the quote's text.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from retrieval import analyzer, answer_types
from retrieval.answer_types import Kind
from retrieval.models import Answer, ShortAnswer
from retrieval.query import Query
from retrieval.stopwords import STOPWORDS

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "span.json"
# The longest span shown: a date with its weekday ("Thursday, May 15"), a name with its title
# ("Kremlin spokesperson Dmitry Peskov") or a figure with its unit fit; longer is a statement.
MAX_WORDS = 6
# Kinds a short answer can give; a quotation or a kindless question ("why", "how did …")
# wants a statement, which is the whole quote.
SHORT_KINDS = (Kind.PERSON, Kind.DATE, Kind.PLACE, Kind.NUMBER, Kind.DURATION, Kind.TIME)
_TOKEN = re.compile(r"\S+")
_EDGE = "\"'“”‘’()[]{},.;:!?…—–-"
_CLAUSE_BREAK = re.compile(r"[,;:]\s")
_PREPOSITIONS = frozenset("in at on by from to of for with since until during".split())


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    words: int  # how many words it spans
    first: int  # its first word's index in the sentence


def _tokens(text: str) -> list[tuple[int, int]]:
    """The words of ``text`` as (start, end), trimmed of edge punctuation; lone punctuation
    ("—", a tokenised ",") is not a word."""
    tokens: list[tuple[int, int]] = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        lead = len(word) - len(word.lstrip(_EDGE))
        trail = len(word) - len(word.rstrip(_EDGE))
        if lead + trail < len(word):
            tokens.append((m.start() + lead, m.end() - trail))
    return tokens


def candidates(text: str, tokens: list[tuple[int, int]] | None = None) -> list[Span]:
    """Word runs of 1..MAX_WORDS words, trimmed of edge punctuation, not starting or ending
    with a stop word, never crossing an ellipsis (a cut in the quote)."""
    tokens = _tokens(text) if tokens is None else tokens
    out: list[Span] = []
    for i, (start, _) in enumerate(tokens):
        if _stop(text[start : tokens[i][1]]):
            continue
        for n in range(1, MAX_WORDS + 1):
            if i + n > len(tokens):
                break
            end = tokens[i + n - 1][1]
            if "…" in text[start:end]:
                break
            if _stop(text[tokens[i + n - 1][0] : end]):
                continue
            out.append(Span(start, end, n, i))
    return out


def _stop(word: str) -> bool:
    return word.lower() in STOPWORDS


FEATURES = (
    "bias", "words_1", "words_2", "words_3", "words_4", "words_5_6", "capitalised",
    "all_capitalised", "sentence_start", "digit", "date", "number", "duration", "time", "place",
    "person", "fits_kind", "fits_person", "fits_date", "fits_place", "fits_number",
    "fits_duration", "fits_time", "capitalised_for_who", "capitalised_for_where",
    "in_question", "near_question", "position", "after_preposition", "quoted", "share",
    "internal_punctuation", "question_before", "name_goes_on", "name_began", "number_follows",
)  # fmt: skip
_KIND_FIT = {
    Kind.PERSON: "fits_person", Kind.DATE: "fits_date", Kind.PLACE: "fits_place",
    Kind.NUMBER: "fits_number", Kind.DURATION: "fits_duration", Kind.TIME: "fits_time",
}  # fmt: skip


def features(text: str, span: Span, kind: Kind | None, question_stems: frozenset[str],
             sentence: list[str], near: float) -> list[float]:  # fmt: skip
    """One candidate's features, in ``FEATURES`` order. ``sentence``: the text's words as
    index terms; ``near``: 1/(1 + words between the span and the nearest question word in
    the sentence), 0 when none is there."""
    piece = text[span.start : span.end]
    words = piece.split()
    caps = [w[:1].isupper() for w in words]
    kinds = {k: answer_types.holds(k, piece) for k in SHORT_KINDS}
    before = text[: span.start].rstrip().rsplit(None, 1)
    previous = before[-1].lower().strip(_EDGE) if before else ""
    # "in Istanbul": the place pattern wants its preposition, which stands before the span
    kinds[Kind.PLACE] = answer_types.holds(Kind.PLACE, f"{previous} {piece}") or bool(
        answer_types.instances(Kind.PLACE, piece)
    )
    after = text[span.end :].split(None, 1)
    following = after[0] if after else ""
    last = span.first + span.words
    ahead = sentence[max(0, span.first - 3) : span.first]
    stems = [analyzer.stem(analyzer.fold(w).lower().strip(_EDGE)) for w in words]
    content = [s for s, w in zip(stems, words, strict=True) if not _stop(w)]
    fits = kind is not None and kinds.get(kind, False)
    opened = text[: span.start].count("“") + text[: span.start].count('"')
    closed = text[: span.start].count("”")
    values = {
        "bias": 1.0,
        "words_1": float(span.words == 1), "words_2": float(span.words == 2),
        "words_3": float(span.words == 3), "words_4": float(span.words == 4),
        "words_5_6": float(span.words >= 5),
        "capitalised": sum(caps) / len(caps), "all_capitalised": float(all(caps)),
        "sentence_start": float(span.first == 0),
        "digit": float(any(c.isdigit() for c in piece)),
        "date": float(kinds[Kind.DATE]), "number": float(kinds[Kind.NUMBER]),
        "duration": float(kinds[Kind.DURATION]), "time": float(kinds[Kind.TIME]),
        "place": float(kinds[Kind.PLACE]),
        "person": float(kinds[Kind.PERSON]),
        "fits_kind": float(fits),
        "capitalised_for_who": float(kind is Kind.PERSON and caps[0]),
        "capitalised_for_where": float(kind is Kind.PLACE and caps[0]),
        "in_question": sum(s in question_stems for s in content) / max(1, len(content)),
        "near_question": near,
        "position": span.first / max(1, len(sentence) - 1),
        "after_preposition": float(previous in _PREPOSITIONS),
        "quoted": float(opened > closed or (opened % 2 == 1 and '"' in text)),
        "share": len(piece) / max(1, len(text)),
        # a clause break inside ("Kyiv, and then…"), not a number's comma ("1,200")
        "internal_punctuation": float(_CLAUSE_BREAK.search(piece) is not None),
        # the question's words just before it ("Polish Prime Minister | Donald Tusk")
        "question_before": sum(w in question_stems for w in ahead) / 3,
        # a name cut short: the next word, or the one before (not at a sentence start),
        # is capitalised too; a date cut short: a number follows ("February | 2022")
        "name_goes_on": float(caps[-1] and following[:1].isupper() and last < len(sentence)),
        "name_began": float(caps[0] and span.first > 0 and before[-1][:1].isupper()
                            and not before[-1].endswith((".", ":", "“", '"'))),
        "number_follows": float(following[:1].isdigit()),
    }  # fmt: skip
    for k, name in _KIND_FIT.items():
        values[name] = float(fits and kind is k)
    return [values[name] for name in FEATURES]


def rows(text: str, question: str, kind: Kind | None) -> tuple[list[Span], list[list[float]]]:
    """Every candidate of ``text`` for ``question`` with its features (training and use)."""
    tokens = _tokens(text)
    spans = candidates(text, tokens)
    question_stems = frozenset(analyzer.terms(question))
    terms = [analyzer.stem(analyzer.fold(text[a:b]).lower()) for a, b in tokens]
    hits = [n for n, stem in enumerate(terms) if stem in question_stems]
    out = []
    for span in spans:
        last = span.first + span.words - 1
        gaps = [min(abs(h - span.first), abs(h - last)) for h in hits
                if not span.first <= h <= last]  # fmt: skip
        near = 1 / (1 + min(gaps)) if gaps else 0.0
        out.append(features(text, span, kind, question_stems, terms, near))
    return spans, out


@dataclass(frozen=True)
class SpanModel:
    weights: tuple[float, ...]
    threshold: float  # the probability from which a span is shown (chosen in training)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> SpanModel:
        return _load(str(path))

    def best(self, text: str, question: str, kind: Kind | None) -> tuple[Span, float] | None:
        """The likeliest span of ``text`` and its probability; None without candidates."""
        spans, feats = rows(text, question, kind)
        if not spans:
            return None
        scores = [sum(w * x for w, x in zip(self.weights, f, strict=True)) for f in feats]
        n = max(range(len(spans)), key=scores.__getitem__)
        return spans[n], 1 / (1 + math.exp(-scores[n]))


class ShortAnswers:
    """The pipeline step: an answer's short answer, or None (see the module's docstring)."""

    def __init__(self, model: SpanModel | None = None) -> None:
        self.model = model or SpanModel.load()

    def run(self, query: Query, answer: Answer) -> ShortAnswer | None:
        kind = query.answer_type.kind
        if not answer.answered or answer.confidence != "high" or not answer.quotes:
            return None
        if kind not in SHORT_KINDS:
            return None
        text = answer.quotes[0].text
        best = self.model.best(text, query.plain, kind)
        if best is None or best[1] < self.model.threshold:
            return None
        span = best[0]
        return ShortAnswer(0, span.start, span.end, text[span.start : span.end])


@lru_cache(maxsize=4)
def _load(path: str) -> SpanModel:
    data = json.loads(Path(path).read_text("utf-8"))
    if list(data["features"]) != list(FEATURES):
        raise ValueError(f"{path}: written for other features; retrain (tools/train_span.py)")
    return SpanModel(tuple(float(w) for w in data["weights"]), float(data["threshold"]))
