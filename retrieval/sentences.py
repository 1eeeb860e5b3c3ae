"""Sentence boundaries as character spans, so quotes stay exact slices of the source text.

A boundary is sentence punctuation, any closing quotes, white space, and then something that
can open a sentence. It is not a boundary after a title ("Gen."), an initial, a dotted
acronym followed by a capital ("U.S. President"), or an ellipsis (news uses it inside quotes).
"""

from __future__ import annotations

import re

MIN_QUOTE_CHARS = 40  # shorter sentences ("Personally.") take their neighbour along
MAX_QUOTE_CHARS = 450

ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "maj",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "gov",
        "sen",
        "rep",
        "rev",
        "fr",
        "st",
        "jr",
        "sr",
        "pres",
        "amb",
        "hon",
        "no",
        "nos",
        "vol",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "approx",
        "dept",
        "est",
        "fig",
        "inc",
        "ltd",
        "co",
        "corp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
    ]
)

# Possessive runs, tried only at the start of a run of punctuation: every character is looked
# at a bounded number of times, so splitting is linear even in a megabyte-long line.
_CANDIDATE = re.compile(r"(?<![.!?])[.!?]++[\"”’')\]]*+(?=\s++[\"“‘(\[]?[A-Z0-9])")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.")
_DOTTED_ACRONYM = re.compile(r"^(?:[A-Za-z]\.){2,}$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences in ``text``, stripped of surrounding space."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _CANDIDATE.finditer(text):
        if match.group().startswith("..") or _is_abbreviation(text, match.start()):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    return [s for s in (_strip(text, a, b) for a, b in spans) if s[1] > s[0]]


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    # The run of letters and dots ending at the dot, starting at a letter: scanned backwards,
    # so the cost is the word's length, not the text's.
    start = dot
    while start > 0 and text[start - 1] in _WORD_CHARS:
        start -= 1
    while start < dot and text[start] == ".":
        start += 1
    if start == dot:
        return False
    word = text[start : dot + 1]
    if _DOTTED_ACRONYM.match(word):
        return True
    bare = word.rstrip(".").lower()
    if bare in ABBREVIATIONS:
        return True
    # A single capital letter is an initial ("Donald J. Trump").
    return len(bare) == 1 and word[0].isupper()


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans, with very short sentences joined to a neighbour."""
    spans = split_sentences(text)
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged:
            last = merged[-1][1] - merged[-1][0]
            short = b - a < MIN_QUOTE_CHARS or last < MIN_QUOTE_CHARS
            if short and last + (b - a) <= MAX_QUOTE_CHARS:
                merged[-1] = (merged[-1][0], b)
                continue
        merged.append((a, b))
    return merged
