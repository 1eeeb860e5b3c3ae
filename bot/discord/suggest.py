"""What /ask autocomplete offers as a member types: candidates, filtering and ranking.

Pure values, no Discord and no database, so the ranking is unit-tested and benchmarked on its
own. Two kinds of candidate:

- **asked**: questions asked in the member's server that were answered, shown publicly and
  never voted not helpful (``from_asked``; the per-server memory is ``bot.discord.asked``);
- **article**: short sentences of the articles themselves (``from_corpus``), taken by a
  general rule (whole sentences of prose paragraphs that fit a choice), so any corpus gets
  suggestions and picking one leads to the article that says it.

Every candidate passes ``clean``: control and format characters dropped, and none with a
mention or markup (``@everyone``, ``<@…>``, ``<#…>``, ``<@&…>``, links, Markdown) is offered.
"""

from __future__ import annotations

import bisect
import heapq
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.logs.models import Asked
from retrieval.corpus import Corpus

CHOICES_MAX = 25  # Discord: at most 25 autocomplete choices
CHOICE_CHARS = 100  # Discord: a choice's name, and a string choice's value, 1-100 characters
MIN_CHARS = 12  # shorter article sentences ("He agreed.") say nothing on their own
DEFAULT_ASKED = 15  # empty input: the server's most asked first, the rest from the articles
# Article sentences kept at start: the first paragraphs of each article (leads summarise it)
# and a cap overall, so a huge corpus costs the same to rank per keystroke as a small one.
ARTICLE_PARAGRAPHS = 60
CLAUSE_MIN = 40  # a long sentence is offered as its first clauses when they say this much
ARTICLE_SUGGESTIONS_MAX = 400

# Mentions, Discord tags (<@id>, <#id>, <@&id>, </cmd:id>, <:emoji:id>, <t:…>), links and
# Markdown: a suggestion holding any of them is dropped, not rewritten (it would no longer be
# what was asked).
_MARKUP = re.compile(
    r"@everyone|@here|<[@#:/&a-z]|https?://|discord\.gg/|[`*_~|>\\]|\]\(|^\s*#", re.IGNORECASE
)
_WORD = re.compile(r"\w+")
# A sentence ends at . ! ? (and a closing quote) before a capital, but not after an initial
# or an abbreviation written with dots ("U.S. President", "J. Smith").
_SENTENCE = re.compile(
    r"(?<![A-Z]\.[A-Z]\.)(?<!\b[A-Z]\.)(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])"
)
# A sentence that leans on the one before it is no prompt on its own: it opens with a pronoun
# or a linking word, or holds half a quotation.
_DEPENDENT = re.compile(
    r"^(he|she|they|it|this|that|these|those|i|we|you|his|her|their|its|but|and|or|so|"
    r"however|conversely|meanwhile|also|still|yet|then|there)\b",
    re.IGNORECASE,
)
# Where a new clause or phrase begins after a comma or semicolon: a cut there leaves a whole
# statement ("Putin rejected claims that Moscow is avoiding talks, saying …").
_CLAUSE = re.compile(
    r"[,;] (?=(who|which|where|when|while|whereas|but|and|as|saying|adding|calling|citing|"
    r"following|after|according|amid|despite|although|though|with|in|on) )"
)
# Openers that make a clause lean on what follows ("While Putin now advocates talks"), and
# speech verbs that leave a cut clause hanging ("Putin said").
_OPENERS = re.compile(
    r"^(while|whereas|despite|soon|as|with|although|though|if|when|since|speaking|during|"
    r"following|after|before|nevertheless|later|because|once|until|unless|amid)\b",
    re.IGNORECASE,
)
_HANGING = re.compile(r"\b(said|says|stated|added|noted|wrote|warned|told|stressed)$")
MIN_WORDS = 5  # "Security Council members." is a fragment, not a statement

Kind = Literal["asked", "article"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One suggestion: ``text`` is both the choice's name and its value."""

    text: str
    kind: Kind
    order: int  # asked: minus the latest entry id (newest first); article: corpus position
    count: int = 1  # asked: how many answered, public, unflagged times
    key: str = ""  # lowercased text, for matching
    words: tuple[str, ...] = ()

    @classmethod
    def of(cls, text: str, kind: Kind, order: int, count: int = 1) -> Candidate:
        key = text.casefold()
        return cls(text, kind, order, count, key, tuple(_WORD.findall(key)))


def clean(text: str) -> str | None:
    """``text`` fit to offer, or None: control and format characters (bidi overrides,
    zero-width) dropped, whitespace collapsed; None if empty, longer than a choice allows
    (cutting a question would change it), or holding a mention or markup."""
    if not text.isprintable():  # the usual case skips the per-character look
        text = "".join(" " if ch.isspace() else ch for ch in text if _printable(ch))
    kept = " ".join(text.split())
    if not kept or len(kept) > CHOICE_CHARS or _MARKUP.search(kept):
        return None
    return kept


def _printable(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] != "C"


def _suggestable(a: Asked) -> str | None:
    """The question's text to offer, if it may be offered at all."""
    if not a.answered or a.private is not False or a.flagged:
        return None
    return clean(a.question)


def from_asked(asked: Iterable[Asked]) -> list[Candidate]:
    """A server's suggestable questions from its log rows (newest first): answered, known to be
    public, not voted not helpful, clean; the same question (ignoring case and spacing) once,
    with how often it was asked and its latest wording. ``order`` is minus the latest entry
    id (ids are time-ordered), so a newer question sorts first."""
    seen: dict[str, tuple[str, int, int]] = {}  # key -> (text, order, count)
    for a in asked:
        text = _suggestable(a)
        if text is None:
            continue
        key = text.casefold()
        if key in seen:
            first, order, count = seen[key]
            seen[key] = (first, order, count + 1)
        else:
            seen[key] = (text, -a.id, 1)
    return [Candidate.of(text, "asked", order, count) for text, order, count in seen.values()]


def added(candidates: list[Candidate], a: Asked) -> list[Candidate]:
    """``candidates`` with a newly answered question counted in: a copy, without rebuilding
    every candidate (that costs ~10 ms on 2,000 questions; this, a list scan)."""
    text = _suggestable(a)
    if text is None:
        return candidates
    key = text.casefold()
    for n, c in enumerate(candidates):
        if c.key == key:
            return [Candidate.of(text, "asked", -a.id, c.count + 1), *candidates[:n],
                    *candidates[n + 1 :]]  # fmt: skip
    return [Candidate.of(text, "asked", -a.id), *candidates]


def from_corpus(corpus: Corpus) -> list[Candidate]:
    """Article sentences that fit a choice, leads first: each article's first prose
    paragraphs, sentence by sentence, in article order, then paragraph order; once each."""
    by_article: dict[str, list[str]] = {}
    for passage in corpus.prose:
        paragraphs = by_article.setdefault(passage.source, [])
        if len(paragraphs) < ARTICLE_PARAGRAPHS:
            paragraphs.append(passage.text)
    out: list[Candidate] = []
    seen: set[str] = set()
    # Round-robin over articles by paragraph: every article's lead before any second paragraph.
    for depth in range(ARTICLE_PARAGRAPHS):
        for paragraphs in by_article.values():
            if depth >= len(paragraphs):
                continue
            for sentence in _SENTENCE.split(paragraphs[depth]):
                text = clean(_head(sentence))
                if text is None or not _standalone(text) or text.casefold() in seen:
                    continue
                seen.add(text.casefold())
                out.append(Candidate.of(text, "article", len(out)))
                if len(out) >= ARTICLE_SUGGESTIONS_MAX:
                    return out
    return out


def _head(sentence: str) -> str:
    """A sentence too long for a choice, cut before the last clause that starts after a comma
    or semicolon within the limit (a relative, a participle, a linking word: ", who", ",
    saying"), so a long lead still becomes a statement a member can check; unchanged if it
    has no such cut (``clean`` then drops it as too long)."""
    sentence = " ".join(sentence.split())
    if len(sentence) <= CHOICE_CHARS:
        return sentence
    head = sentence[: CHOICE_CHARS + 1]
    for m in reversed(list(_CLAUSE.finditer(head))):
        if m.start() >= CLAUSE_MIN:
            return head[: m.start()]
    return sentence


def _standalone(text: str) -> bool:
    if len(text) < MIN_CHARS or len(_WORD.findall(text)) < MIN_WORDS or _DEPENDENT.match(text):
        return False
    if _OPENERS.match(text) or _HANGING.search(text):
        return False
    if not text[0].isupper() and not text[0].isdigit():
        return False
    quotes = sum(text.count(q) for q in '“”"')
    return quotes % 2 == 0 and text.count("“") == text.count("”")


class Vocabulary:
    """The articles' words, for completing the word being typed ("cease" → "ceasefire"):
    sorted once, so a completion is a binary search plus a look at the words sharing the
    prefix (at most ``SCAN_MAX`` of them)."""

    WORDS_MAX = 20_000  # the most frequent words; a rare word is rarely what a member types
    SCAN_MAX = 2_000  # words sharing a short prefix looked at per keystroke

    def __init__(self, counts: dict[str, tuple[str, int]]) -> None:
        top = heapq.nlargest(self.WORDS_MAX, counts.items(), key=lambda kv: kv[1][1])
        top.sort()
        self._keys = [k for k, _ in top]
        self._forms = [f for _, (f, _) in top]
        self._counts = [n for _, (_, n) in top]

    @classmethod
    def of(cls, corpus: Corpus) -> Vocabulary:
        counts: dict[str, tuple[str, int]] = {}
        for n, passage in enumerate(corpus.prose):
            if n >= ARTICLE_PARAGRAPHS * 1000:  # enough text to know the common words
                break
            for word in _VOCAB_WORD.findall(passage.text):
                key = word.casefold()
                form, count = counts.get(key, (word, 0))
                counts[key] = (form if form.islower() else word, count + 1)
        return cls(counts)

    def complete(self, partial: str, n: int) -> list[str]:
        """Up to ``n`` words starting with ``partial`` (not ``partial`` itself), most used first."""
        key = partial.casefold()
        lo = bisect.bisect_left(self._keys, key)
        hits: list[tuple[int, str]] = []
        for i in range(lo, min(lo + self.SCAN_MAX, len(self._keys))):
            if not self._keys[i].startswith(key):
                break
            if self._keys[i] != key:
                hits.append((-self._counts[i], self._forms[i]))
        return [form for _, form in heapq.nsmallest(n, hits)]


_VOCAB_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
COMPLETIONS = 5  # completions of the word being typed among the 25 choices
COMPLETE_FROM = 2  # letters typed before completing: one letter matches too much to help
COMPLETE_FIRST_FROM = 4  # a first word: "wh" would offer "while", "which"… not questions


def rank(
    typed: str,
    asked: Sequence[Candidate],
    articles: Sequence[Candidate],
    vocabulary: Vocabulary | None = None,
    limit: int = CHOICES_MAX,
) -> list[str]:
    """Up to ``limit`` suggestions for what the member has typed so far, best first.

    Case-insensitive. First the server's questions that start with the typed text; then the
    typed text with its last word completed from the articles' words; then the other matches,
    better ones first: at a word start, then every typed word as a word prefix in any order,
    then anywhere. Within a kind of match the server's questions come before article
    sentences, more often asked before less, newer before older. Nothing typed: the server's
    most asked questions, then the articles' leads.
    """
    text = " ".join(typed.casefold().split())
    if not text:
        top = heapq.nsmallest(min(DEFAULT_ASKED, limit), asked, key=lambda c: (-c.count, c.order))
        return _texts(top + list(articles[: limit - len(top)]), limit)
    words = _WORD.findall(text)
    scored: list[tuple[int, int, int, int, str]] = []
    for kind, pool in ((0, asked), (1, articles)):
        for c in pool:
            tier = _tier(c, text, words)
            if tier is not None:
                scored.append((tier, kind, -c.count, c.order, c.text))
    best = heapq.nsmallest(limit, scored)
    completed = [(0, 0, 0, 0, t) for t in _completions(typed, vocabulary)]
    leading = [s for s in best if s[:2] == (0, 0)]
    return _texts(leading + completed + best[len(leading) :], limit)


def _completions(typed: str, vocabulary: Vocabulary | None) -> list[str]:
    """The typed text with its last, unfinished word completed from the articles."""
    if vocabulary is None or not typed or typed[-1].isspace():
        return []
    typed = clean(typed) or ""
    m = re.search(r"[A-Za-z][A-Za-z'’-]*$", typed)
    if m is None or len(m.group()) < COMPLETE_FROM:
        return []
    head = typed[: m.start()]
    if not head.strip() and len(m.group()) < COMPLETE_FIRST_FROM:
        return []
    out = [clean(head + word) for word in vocabulary.complete(m.group(), COMPLETIONS)]
    return [t for t in out if t is not None]


def _tier(c: Candidate, text: str, words: list[str]) -> int | None:
    key = c.key
    at = key.find(text)
    if at == 0:
        return 0
    if at > 0 and not key[at - 1].isalnum():
        return 1
    if (
        words
        and all(w in key for w in words)  # cheap check first, then word prefixes
        and all(any(cw.startswith(w) for cw in c.words) for w in words)
    ):
        return 2
    return 3 if at > 0 else None


def _texts(items: Iterable[Candidate | tuple[int, int, int, int, str]], limit: int) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        text = item.text if isinstance(item, Candidate) else item[4]
        if text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
            if len(out) == limit:
                break
    return out


def label(text: str, limit: int) -> str:
    """User text for a choice name a moderator reads: control characters dropped, whitespace
    collapsed, mentions broken (a zero-width space after ``@`` and ``<``), cut to ``limit``."""
    kept = " ".join("".join(" " if ch.isspace() else ch for ch in text if _printable(ch)).split())
    kept = kept.replace("@", "@\u200b").replace("<", "<\u200b")
    return kept if len(kept) <= limit else kept[: limit - 1].rstrip() + "…"
