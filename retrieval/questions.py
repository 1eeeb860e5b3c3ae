"""Input rules for questions: what is refused before retrieval, with a reason code.

A rejection carries a code and the values a message needs, never the message itself: each
surface words it for its readers.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from retrieval import analyzer
from retrieval.models import (
    CONTROL_CHARACTERS,
    EMPTY,
    NO_WORDS,
    NOT_ENGLISH,
    ONLY_COMMON_WORDS,
    TOO_LONG,
)

# More than this share of a question's letters outside the Latin script: it is not English,
# and looking it up in English articles would only say "not covered". A Cyrillic name in an
# English question ("Where is Зеленський going?") stays well under it.
OTHER_SCRIPT_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str  # stable code, stored in the answer log
    details: dict[str, int] = field(default_factory=dict)  # values the surface's message needs


def clean(question: str) -> str:
    """Collapse runs of white space (tabs, newlines) to single spaces."""
    return " ".join(question.split())


def check(question: str, max_chars: int) -> Rejection | None:
    """Why ``question`` cannot be looked up, or None when it can."""
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in question):
        return Rejection(CONTROL_CHARACTERS)
    text = clean(question)
    if not text:
        return Rejection(EMPTY)
    if len(text) > max_chars:
        return Rejection(TOO_LONG, {"length": len(text), "limit": max_chars})
    if not any(c.isalnum() for c in text):
        return Rejection(NO_WORDS)
    if other_script_share(text) > OTHER_SCRIPT_SHARE:
        return Rejection(NOT_ENGLISH)
    if not analyzer.words(text):
        return only_common_words()
    return None


def other_script_share(text: str) -> float:
    """The share of the letters in ``text`` that are not Latin (0 when it has no letters)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    other = sum(not unicodedata.name(c, "").startswith("LATIN") for c in letters)
    return other / len(letters)


def only_common_words() -> Rejection:
    return Rejection(ONLY_COMMON_WORDS)
