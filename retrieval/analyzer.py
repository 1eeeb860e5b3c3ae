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
from collections import Counter
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import cast

import Stemmer

from retrieval.aliases import ACRONYMS, ALIASES, IRREGULAR, PHRASES
from retrieval.stopwords import STOPWORDS

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
_SURFACE = re.compile(r"[^\W\d_]+")


def fold(text: str) -> str:
    """NFKC, then strip combining marks so accented letters match their plain forms."""
    if text.isascii():  # every step below leaves ASCII text as it is
        return text
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).translate(_DASHES)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("ı", "i")


@lru_cache(maxsize=500_000)
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


@lru_cache(maxsize=500_000)
def _token_words(raw: str) -> tuple[str, ...]:
    """The words one token stands for, before phrases and stopwords (cached per token)."""
    if "-" not in raw:
        return (_word(raw),)
    parts = tuple(_word(p) for p in raw.split("-") if p)
    if parts in PHRASES:  # cease-fire is the phrase "cease fire": one term
        return (PHRASES[parts],)
    joined = "".join(parts)
    if joined.isalpha():  # cease-fire also matches ceasefire; 30-day stays 30, day
        return (*parts, ALIASES.get(joined, joined))
    return parts


_PHRASE_STARTS = frozenset(k[0] for k in PHRASES)


def _raw_words(folded: str) -> list[str]:
    out: list[str] = []
    extend = out.extend
    for raw in _TOKEN.findall(folded):
        extend(_token_words(raw))
    return out


def _content_words(raw_words: list[str]) -> list[str]:
    """Phrases joined, stopwords dropped, aliases applied."""
    if _PHRASE_STARTS.isdisjoint(raw_words):  # the common case: no phrase can start here
        return [ALIASES.get(w, w) for w in raw_words if w not in STOPWORDS]
    out: list[str] = []
    i, n = 0, len(raw_words)
    while i < n:
        if raw_words[i] in _PHRASE_STARTS:
            for size in range(min(_MAX_PHRASE, n - i), 1, -1):
                canonical = PHRASES.get(tuple(raw_words[i : i + size]))
                if canonical:
                    out.append(canonical)
                    i += size
                    break
            else:
                canonical = None
            if canonical:
                continue
        word = raw_words[i]
        i += 1
        if word not in STOPWORDS:
            out.append(ALIASES.get(word, word))
    return out


def words(text: str) -> list[str]:
    """Folded, aliased content words before stemming: what spelling correction works on."""
    return _content_words(_raw_words(fold(text)))


def analyze(text: str) -> tuple[list[str], list[str]]:
    """``terms(text)`` and ``surface_words(text)`` with one fold: what indexing needs.

    Tokens never span whitespace, so each whitespace-separated chunk ("Putin's,") is analysed
    once per process and reused; only a paragraph with a possible phrase start ("united",
    "cease") goes through the word-by-word path.
    """
    folded = fold(text)
    cached = list(map(_chunks.get, folded.split()))  # C-level loops: this runs per paragraph
    if None in cached:
        found = [f or _chunk(c) for f, c in zip(cached, folded.split(), strict=True)]
    else:  # every chunk was cached: no None left
        found = cast("list[_ChunkWords]", cached)
    if any(map(_THIRD, found)):  # a phrase may span chunks: join the words, then match
        raw = list(chain.from_iterable(map(_FOURTH, found)))
        terms_out = [_stem(w) for w in _content_words(raw)]
    else:
        terms_out = list(chain.from_iterable(map(_FIRST, found)))
    return terms_out, list(chain.from_iterable(map(_SECOND, found)))


_FIRST, _SECOND, _THIRD, _FOURTH = itemgetter(0), itemgetter(1), itemgetter(2), itemgetter(3)
# chunk -> (its terms, its surface words, whether a phrase may start in it, its raw words)
_ChunkWords = tuple[tuple[str, ...], tuple[str, ...], bool, tuple[str, ...]]
_chunks: dict[str, _ChunkWords] = {}
_CHUNK_CACHE_MAX = 1_000_000  # distinct chunks kept (about 100 MB at most)


def _chunk(chunk: str) -> _ChunkWords:
    raw = _raw_words(chunk)
    found = (
        tuple(_stem(w) for w in _content_words(raw)),
        tuple(_SURFACE.findall(chunk.casefold())),
        not _PHRASE_STARTS.isdisjoint(raw),
        tuple(raw),
    )
    if len(_chunks) < _CHUNK_CACHE_MAX:
        _chunks[chunk] = found
    return found


def surface_words(text: str) -> list[str]:
    """Folded letter-only words as written, before aliases and stopwords (spelling vocabulary)."""
    return _SURFACE.findall(fold(text).casefold())


def canonical(word: str) -> str:
    """The alias-table form of a single folded word."""
    return ALIASES.get(word, word)


def terms(text: str) -> list[str]:
    """Index terms of ``text``: stemmed content words, in order, repeats kept."""
    return [_stem(w) for w in words(text)]


_local = threading.local()


_stems: dict[str, str] = {}
_STEM_CACHE_MAX = 500_000  # distinct words kept; a news archive has far fewer


def _stem(word: str) -> str:
    found = _stems.get(word)
    if found is None:
        found = stem(word)
        if len(_stems) < _STEM_CACHE_MAX:
            _stems[word] = found
    return found


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem, after mapping irregular forms. PyStemmer objects are per thread."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer.stemWord(IRREGULAR.get(word, word))


# a chunk's term ids, whether a phrase may start in it, its raw words
_ChunkIds = tuple[tuple[int, ...], bool, tuple[str, ...]]


class TermTable:
    """Indexing many paragraphs: term ids per paragraph, with every cache kept per process.

    Gives the same terms as ``terms`` (as ids into ``self.terms``). The work per paragraph is
    a split on whitespace and C-level lookups of its chunks; the surface words for spelling
    are counted per chunk and expanded once (``surface_counts``).
    """

    def __init__(self) -> None:
        self.terms: list[str] = []
        self._ids: dict[str, int] = {}
        # chunk -> (term ids, whether a phrase may start in it, its raw words)
        self._chunks: dict[str, _ChunkIds] = {}

    def _id(self, term: str) -> int:
        found = self._ids.get(term)
        if found is None:
            found = self._ids[term] = len(self.terms)
            self.terms.append(term)
        return found

    def _chunk(self, chunk: str) -> _ChunkIds:
        raw = _raw_words(chunk)
        found = (
            tuple(self._id(_stem(w)) for w in _content_words(raw)),
            not _PHRASE_STARTS.isdisjoint(raw),
            tuple(raw),
        )
        if len(self._chunks) < _CHUNK_CACHE_MAX:
            self._chunks[chunk] = found
        return found

    def paragraph(self, text: str, chunk_counts: Counter[str]) -> list[int]:
        """Term ids of ``text`` in order; its whitespace chunks counted into ``chunk_counts``."""
        parts = fold(text).split()
        cached = list(map(self._chunks.get, parts))
        if None in cached:
            found = [f or self._chunk(c) for f, c in zip(cached, parts, strict=True)]
        else:  # every chunk was cached: no None left
            found = cast("list[_ChunkIds]", cached)
        chunk_counts.update(parts)
        if any(map(_SECOND, found)):  # a phrase may span chunks: join the words, then match
            raw = list(chain.from_iterable(map(_THIRD, found)))
            return [self._id(_stem(w)) for w in _content_words(raw)]
        return list(chain.from_iterable(map(_FIRST, found)))


def surface_counts(chunk_counts: Counter[str]) -> Counter[str]:
    """``surface_words`` counts of text given as counted whitespace chunks (already folded)."""
    out: Counter[str] = Counter()
    for chunk, n in chunk_counts.items():
        for word in _SURFACE.findall(chunk.casefold()):
            out[word] += n
    return out
