"""Input rules for questions: what is refused before retrieval, with a reason code and a message."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from retrieval import analyzer


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str  # stable code, stored in the answer log
    message: str  # shown to the person who asked


def clean(question: str) -> str:
    """Collapse runs of white space (tabs, newlines) to single spaces."""
    return " ".join(question.split())


def check(question: str, max_chars: int) -> Rejection | None:
    """Why ``question`` cannot be looked up, or None when it can."""
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in question):
        return Rejection(
            "control_characters", "The question contains control characters; please retype it."
        )
    text = clean(question)
    if not text:
        return Rejection(
            "empty", "Please ask a question, for example: Where will the talks be held?"
        )
    if len(text) > max_chars:
        return Rejection(
            "too_long",
            f"That question is {len(text)} characters long; the limit is {max_chars}. "
            "Please ask something shorter.",
        )
    if not any(c.isalnum() for c in text):
        return Rejection("no_words", "That question has no words to look up; please ask in words.")
    if not analyzer.words(text):
        return only_common_words()
    return None


def only_common_words() -> Rejection:
    return Rejection(
        "only_common_words",
        "That question has only common words (like 'what' or 'the'); "
        "please name what you want to know about.",
    )
