"""Who says what: the hand-written signals that tie quoted words to a speaker.

"What did Peskov say" is answered by Peskov's words, not Zelensky's in the same paragraph.
These read a sentence's words, capitals and speech verbs; they are features of the candidates
step (``retrieval.pipeline.signals``) and of the rules' verdict.
"""

from __future__ import annotations

import re
from functools import lru_cache

from retrieval import analyzer, answer_types, lexicon
from retrieval.models import Passage
from retrieval.pipeline.sentence_table import Sentence, SentenceTable

SPEAKER_DISTANCE = 4  # words between a speaker and a speech verb that attributes words to them


def speaks(s: Sentence) -> bool:
    return bool(s.term_set & answer_types.SPEECH_VERBS)


def last_before(sentences: SentenceTable, i: int, passage: Passage) -> frozenset[str]:
    """The terms of the last sentence of the paragraph before, in the same article."""
    if i == 0:
        return frozenset()
    previous = sentences.passage(i - 1)
    if previous.source != passage.source:
        return frozenset()
    table, _ = sentences(i - 1)
    return table[-1].term_set if table else frozenset()


def attributed(speaker: tuple[str, ...], s: Sentence, before: frozenset[str], text: str) -> bool:
    """Whether sentence ``s`` gives the speaker's words: the speaker is the name nearest a
    speech verb ("… leaders stood beside Zelensky, urging …, or face what Macron described
    as …" gives Macron's words, not Zelensky's), or a speech verb in a sentence right after one
    naming the speaker ("… Kellogg had voiced support. 'Not the other way around,' he
    emphasized."); ``before`` is the terms of that sentence (the previous paragraph's last
    one for a paragraph's first: news paragraphs are short and a quote often opens one)."""
    if not s.term_set & answer_types.SPEECH_VERBS:
        return False
    if _speaker_nearest(speaker, text[s.start : s.end]):
        return True
    names = any(t in speaker for t in s.terms)
    if names or not any(t in before for t in speaker):
        return False
    # "… Kellogg had voiced support. 'Not the other way around,' he emphasized." carries the
    # speaker over; "… Zelenskyy's move came after … Putin signaled …, suggesting …" does not:
    # no pronoun stands for the speaker there.
    return _pronoun_speaks(text[s.start : s.end])


_WORD = re.compile(r"[^\W\d_][\w’'-]*")
_PRONOUNS = frozenset({"he", "she", "they"})


@lru_cache(maxsize=8192)
def _pronoun_speaks(sentence: str) -> bool:
    """Whether "he" / "she" / "they" is the subject of a speech verb: right after it ("said
    he") or within ``SPEAKER_DISTANCE`` words before it ("he wrote", "she had earlier said")."""
    words = [m.group() for m in _WORD.finditer(sentence)]
    for i, word in enumerate(words):
        if set(analyzer.terms(word)) & answer_types.SPEECH_VERBS:
            near = words[max(0, i - SPEAKER_DISTANCE) : i] + words[i + 1 : i + 2]
            if any(w.lower() in _PRONOUNS for w in near):
                return True
    return False


# Prepositions after which a name is an object, not a speaker ("by" stays: "… said by Peskov").
_NOT_SPEAKER_BEFORE = frozenset(
    "beside besides with to of for from on at in into against about toward towards "
    "between among like than".split()
)


def _speaker_nearest(speaker: tuple[str, ...], sentence: str) -> bool:
    """Whether, for some speech verb, the nearest run of name words (capitalised words and the
    speaker's own words: "Kremlin spokesperson Dmitry Peskov") within ``SPEAKER_DISTANCE``
    words names the speaker in full; on a tie the run before the verb wins ("Peskov said")."""
    return doer_nearest(speaker, sentence, answer_types.SPEECH_VERBS)


@lru_cache(maxsize=8192)
def doer_nearest(doer: tuple[str, ...], sentence: str, verbs: frozenset[str]) -> bool:
    """Whether, for some verb of ``verbs``, the nearest run of name words names ``doer`` (who
    speaks, for speech verbs; who does it, for the verb a question asks about)."""
    known = lexicon.shared()
    found = list(_WORD.finditer(sentence))
    words = [(m.group(), analyzer.terms(m.group())) for m in found]
    kinds: list[str] = []  # per word: "verb", "name" or ""
    runs: list[int] = []  # per word: where its run of name words starts, or -1
    for i, (word, terms) in enumerate(words):
        mine = any(t in doer for t in terms)
        capital = word[0].isupper() and (i > 0 or known.entry(word.lower()) is None)
        if terms and not mine and set(terms) & verbs:
            kinds.append("verb")
        elif terms and (mine or capital):
            kinds.append("name")
        elif word == "of" and i and kinds[i - 1] == "name":
            kinds.append("of")  # "Secretary of State": one name
        else:
            kinds.append("")
        # A run of names stops at punctuation: "On Thursday, Trump warned" names Trump alone.
        joined = (
            i
            and kinds[i - 1] in ("name", "of")
            and sentence[found[i - 1].end() : found[i].start()].isspace()
        )
        runs.append((runs[i - 1] if joined else i) if kinds[i] in ("name", "of") else -1)
    wanted = set(doer)
    # A name after a preposition ("stood beside Zelensky, urging …") or in the possessive
    # ("Zelenskyy's move came after …") is not who speaks.
    ends: dict[int, int] = {}  # run start → its last word
    for i, run in enumerate(runs):
        if run >= 0:
            ends[run] = i
    silent = {
        run
        for run, last in ends.items()
        if (run and words[run - 1][0].lower() in _NOT_SPEAKER_BEFORE)
        or words[last][0].endswith(("’s", "'s", "s’", "s'"))
    }
    for v, kind in enumerate(kinds):
        if kind != "verb":
            continue
        lo, hi = max(0, v - SPEAKER_DISTANCE), min(len(words), v + SPEAKER_DISTANCE + 1)
        near = [
            (abs(i - v), i > v, runs[i])
            for i in range(lo, hi)
            if kinds[i] == "name" and runs[i] not in silent
        ]
        if near:
            run = min(near)[2]
            if {t for i, (_, terms) in enumerate(words) if runs[i] == run for t in terms} >= wanted:
                return True
    return False


_QUOTATION = re.compile(r"“[^“”]{2,}”|\"[^\"]{2,}\"")
ATTRIBUTION_CHARS = 120  # how far before or after a quotation its "…, X said" is looked for


@lru_cache(maxsize=4096)
def quotations(text: str) -> tuple[tuple[int, int, str], ...]:
    """Each quotation in a paragraph with the clause that attributes it: the one right after
    it ("…,” Zelensky added.") or, failing that, the one right before it ("Zelenskyy said.
    “…" or "Peskov told reporters: “…"). A quotation runs across sentences, so every sentence
    inside it has its speaker, even when only the last names them."""
    out = []
    for m in _QUOTATION.finditer(text):
        after = re.split(r"(?<=[.!?])\s|[“\"]", text[m.end() : m.end() + ATTRIBUTION_CHARS])[0]
        lead = text[max(0, m.start() - ATTRIBUTION_CHARS) : m.start()].rstrip(" .:,")
        before = re.split(r"[.!?”\"]\s", lead)[-1]
        for clause in (after, before):
            if set(analyzer.terms(clause)) & answer_types.SPEECH_VERBS:
                out.append((m.start(), m.end(), clause))
                break
    return tuple(out)


def in_their_quote(speaker: tuple[str, ...], text: str, s: Sentence) -> bool:
    """Whether the sentence lies inside a quotation whose attribution names the speaker as
    the one speaking ("European leaders pushed …, Peskov responded by stating that …
    “resistant …”" is Peskov's)."""
    return any(
        a < s.end and s.start < b and _speaker_nearest(speaker, clause)
        for a, b, clause in quotations(text)
    )
