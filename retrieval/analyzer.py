"""Turn English news text into index terms; documents and questions go through the same steps.

Steps: Unicode NFKC, diacritics folded (Türkiye → Turkiye), curly apostrophes straightened,
dotted and capitalised acronyms recognised (U.S., US), case folded, possessives and
contractions cut (Putin’s → putin), hyphenated words kept as parts plus, for letters only,
the joined compound (cease-fire → cease, fire, ceasefire; 30-day → 30, day), phrases and
aliases mapped (see ``aliases``), stopwords dropped, irregular forms mapped, then
Snowball-stemmed (PyStemmer).
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from functools import lru_cache

import Stemmer

from retrieval.aliases import ACRONYMS, ALIASES, IRREGULAR, PHRASES

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "cannot",
        "could",
        "couldn",
        "did",
        "didn",
        "do",
        "does",
        "doesn",
        "doing",
        "don",
        "down",
        "during",
        "each",
        "either",
        "else",
        "ever",
        "few",
        "for",
        "from",
        "further",
        "get",
        "gets",
        "got",
        "had",
        "hadn",
        "has",
        "hasn",
        "have",
        "haven",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "isn",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "me",
        "might",
        "more",
        "most",
        "much",
        "must",
        "mustn",
        "my",
        "myself",
        "neither",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "per",
        "quite",
        "rather",
        "same",
        "shall",
        "shan",
        "she",
        "should",
        "shouldn",
        "since",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "though",
        "through",
        "thus",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "was",
        "wasn",
        "we",
        "were",
        "weren",
        "what",
        "whatever",
        "when",
        "whenever",
        "where",
        "whereas",
        "whether",
        "which",
        "while",
        "who",
        "whoever",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "wouldn",
        "yet",
        "you",
        "your",
        "yours",
        "yourself",
        "many",
        "yourselves",
        "tell",
        "anything",
        "something",
        "someone",
        "anyone",
        "thing",
        "things",
        "s",
        "t",
        "d",
        "ll",
        "m",
        "re",
        "ve",
    ]
)

# Bump when the steps change; alias-table edits change the version by themselves.
_CODE_VERSION = "1"


def version() -> str:
    """Identifies what ``terms`` does, so cached analyses are redone when it changes."""
    tables = repr(
        (
            sorted(ALIASES.items()),
            sorted(ACRONYMS.items()),
            sorted(PHRASES.items()),
            sorted(IRREGULAR.items()),
            sorted(STOPWORDS),
        )
    )
    return _CODE_VERSION + "-" + hashlib.sha256(tables.encode()).hexdigest()[:12]


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-"})
_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|[^\W_]+(?:'[^\W_]+)*(?:-[^\W_]+(?:'[^\W_]+)*)*")
_MAX_PHRASE = max(len(k) for k in PHRASES)


def fold(text: str) -> str:
    """NFKC, then strip combining marks so accented letters match their plain forms."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).translate(_DASHES)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("ı", "i")


def _word(raw: str) -> str:
    """Case-fold one token, recognising acronyms by their capitals or dots."""
    if "." in raw:  # dotted acronym: U.S., U.N.
        letters = raw.replace(".", "").lower()
        return ACRONYMS.get(letters, letters)
    if raw.isupper() and raw.lower() in ACRONYMS:
        return ACRONYMS[raw.lower()]
    word = raw.casefold()
    if "'" in word:
        # Possessives and contractions (Putin's, doesn't) keep their head; O'Brien stays whole.
        head, _, tail = word.partition("'")
        word = head if len(head) > 1 else head + tail.replace("'", "")
    return word


def words(text: str) -> list[str]:
    """Folded, aliased content words before stemming: what spelling correction works on."""
    raw_words: list[str] = []
    for raw in _TOKEN.findall(fold(text)):
        if "-" in raw:
            parts = [_word(p) for p in raw.split("-") if p]
            if tuple(parts) in PHRASES:  # cease-fire is the phrase "cease fire": one term
                raw_words.append(PHRASES[tuple(parts)])
                continue
            raw_words.extend(parts)
            joined = "".join(parts)
            if joined.isalpha():  # cease-fire also matches ceasefire; 30-day stays 30, day
                raw_words.append(ALIASES.get(joined, joined))
        else:
            raw_words.append(_word(raw))
    out: list[str] = []
    i, n = 0, len(raw_words)
    while i < n:
        for size in range(min(_MAX_PHRASE, n - i), 1, -1):
            canonical = PHRASES.get(tuple(raw_words[i : i + size]))
            if canonical:
                out.append(canonical)
                i += size
                break
        else:
            word = raw_words[i]
            i += 1
            if word not in STOPWORDS:
                out.append(ALIASES.get(word, word))
    return out


def surface_words(text: str) -> list[str]:
    """Folded letter-only words as written, before aliases and stopwords (spelling vocabulary)."""
    return re.findall(r"[^\W\d_]+", fold(text).casefold())


def canonical(word: str) -> str:
    """The alias-table form of a single folded word."""
    return ALIASES.get(word, word)


def terms(text: str) -> list[str]:
    """Index terms of ``text``: stemmed content words, in order, repeats kept."""
    return [stem(w) for w in words(text)]


_local = threading.local()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem, after mapping irregular forms. PyStemmer objects are per thread."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer.stemWord(IRREGULAR.get(word, word))
