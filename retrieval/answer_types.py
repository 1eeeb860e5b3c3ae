"""What kind of thing a question asks for, and whether a sentence holds one.

"When …" wants a date, "how long …" a duration, "what did Kellogg say …" Kellogg's words. The
kind decides three things in ``extract``: a sentence holding a new instance of it ranks higher;
the quote takes the neighbouring sentence when that one holds it and the best one does not;
and a count, duration or clock-time question is declined when no candidate holds one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from retrieval import analyzer, lexicon


class Kind(StrEnum):
    PERSON = "person"
    DATE = "date"
    PLACE = "place"
    NUMBER = "number"
    DURATION = "duration"
    TIME = "time"
    QUOTATION = "quotation"


# Kinds whose answer is a value the sentence must state: without one, nothing answers.
REQUIRED = frozenset({Kind.NUMBER, Kind.DURATION, Kind.TIME})
# Kinds whose answer is a value rather than a name (what answer redundancy can vote on).
VALUES = frozenset({Kind.DATE, Kind.NUMBER, Kind.DURATION, Kind.TIME})
# Kinds whose values are quantities that articles can disagree on ("700" against "500").
QUANTITIES = REQUIRED

_MONTHS = "january february march april may june july august september october november december"
_DAYS = "monday tuesday wednesday thursday friday saturday sunday"
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty "
    "fifty sixty seventy eighty ninety hundred thousand million billion dozen"
)
_COUNT = rf"(?:\d[\d,.]*|(?:{'|'.join(_NUMBER_WORDS.split())})s?)"  # a stated number
_NUM = rf"(?:{_COUNT}|several|few|many|couple)"  # periods may be vague: "for several days"
_UNITS = r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|fortnights?|months?|years?|decades?)"

_PATTERNS: dict[Kind, re.Pattern[str]] = {
    Kind.DATE: re.compile(
        rf"\b(?:(?:{'|'.join(_MONTHS.split())})(?:\s+\d{{1,2}})?|(?:{'|'.join(_DAYS.split())})"
        r"|(?:19|20)\d\d|today|tomorrow|yesterday|tonight|(?:last|next|this)\s+(?:week|month|"
        r"year|weekend)|weekend|\d+\s+(?:days?|weeks?|months?|years?)\s+ago)\b",
        re.I,
    ),
    # A count: not a year, a clock time or the length of a period ("three-day" is a duration).
    Kind.NUMBER: re.compile(
        rf"(?<!:)\b(?!(?:19|20)\d\d\b){_COUNT}\b(?!\s*(?:a\.?m|p\.?m)\b|[\s-]+{_UNITS}\b|:\d)", re.I
    ),
    Kind.DURATION: re.compile(
        rf"\b{_NUM}[\s-]+{_UNITS}\b|\b(?:for|over)\s+(?:{_NUM}\s+)?{_UNITS}\b|"
        rf"\b(?:hours|days|weeks|months|years|decades)[\s-]long\b",
        re.I,
    ),
    Kind.TIME: re.compile(
        r"\b\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)|\b\d{1,2}:\d{2}\b|\bo'clock\b|"
        r"\b(?:noon|midday|midnight)\b|\b(?:GMT|UTC|local\s+time)\b",
        re.I,
    ),
    # A capitalised name after a preposition of place; the value is the name alone, so "in Kyiv"
    # and "to Kyiv" are one place.
    Kind.PLACE: re.compile(
        r"\b(?:in|at|to|from|near|inside)\s+(?:the\s+)?(?P<value>[A-Z][a-z][\w’'-]*"
        r"(?:\s+[A-Z][\w’'-]*)*)"
    ),
    Kind.PERSON: re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b"),
    Kind.QUOTATION: re.compile(r"[\"“”]"),
}

QUOTE_MARKS = re.compile(r"[\"“”]")

# Speech verbs, as they attribute words to a speaker in news ("Kellogg emphasized", "said Peskov").
SPEECH_VERBS = frozenset(
    analyzer.stem(w)
    for w in """say said says tell told write wrote written post posted add added state stated
    stress stressed emphasize emphasized insist insisted note noted warn warned claim claimed
    describe described call called urge urged announce announced tweet tweeted reply replied
    respond responded express expressed reiterate reiterated confirm confirmed vow vowed
    pledge pledged praise praised accuse accused dismiss dismissed demand demanded argue
    argued suggest suggested caution cautioned react reacted word words statement message
    remark remarks comment comments""".split()
)

# Question forms, on the focused, folded, lower-case question.
_WHO = re.compile(
    r"^\W*(?:who|whom)\b|\b(?:which|what)\s+(?:persons?|people|leaders?|officials?|men|women)\b"
)
_QUESTION_TYPES: list[tuple[re.Pattern[str], Kind]] = [
    (re.compile(r"\bwhat\s+time\b|\bwhat\s+hour\b|\bat\s+what\s+time\b"), Kind.TIME),
    (
        re.compile(
            r"\bhow\s+long\b|\bwhat\s+(?:duration|length)\b|"
            r"\bfor\s+how\s+many\s+(?:days|weeks|months|years|hours)\b"
        ),
        Kind.DURATION,
    ),
    (
        re.compile(r"\bhow\s+(?:many|much)\b|\bwhat\s+(?:number|percentage|share|amount)\b"),
        Kind.NUMBER,
    ),
    (
        re.compile(r"\bwhen\b|\b(?:what|which)\s+(?:date|day|year|month|week)\b|\bsince\s+when\b"),
        Kind.DATE,
    ),
    (
        re.compile(
            r"\bwhere\b|\b(?:what|which)\s+(?:city|cities|country|countries|places?|venues?|"
            r"locations?|towns?|capitals?)\b"
        ),
        Kind.PLACE,
    ),
    (_WHO, Kind.PERSON),
]
# "What did X say / write / tell …", "What were X's words", "How did X describe …".
_QUOTATION = re.compile(
    r"\b(?:what|how)\s+(?:did|does|do|has|have|had|was|is|were)\s+(?P<speaker>.+?)\s+"
    r"(?:(?:just|first|later|also|actually|really)\s+)?"
    r"(?<!\bof )"  # "Secretary of State": after "of", a noun
    r"(?P<verb>say|said|write|tell|post|tweet|warn|claim|state|add|describe|call|announce|"
    r"respond|reply|demand|stress|emphasize|insist|mean|think|threaten|promise|pledge|vow)\b"
    r"|\bwhat\s+(?:were|are|was|is)\s+(?P<speaker2>.+?)(?:'s|s')?\s+(?P<noun>words|message|"
    r"statement|remarks?|comments?|reply|response|post|tweet)\b"
)
# Nouns that name the answer type ("which city …") and are not themselves looked up.
TYPE_NOUNS = frozenset(
    "date day year month week time hour city cities country countries place venue location "
    "town person people number percentage amount duration length long".split()
)
# Nouns that say again what kind of answer is asked for, anywhere in the question: "which city
# was chosen as the *venue*" asks for a place twice; the articles name the place ("Istanbul"),
# not the word "venue", so looking it up would only cost coverage.
KIND_NOUNS: dict[Kind, frozenset[str]] = {
    Kind.PLACE: frozenset("place venue location site city town".split()),
    Kind.DATE: frozenset("date day".split()),
    Kind.TIME: frozenset("time hour".split()),
    Kind.DURATION: frozenset("duration length".split()),
}


_DAY = re.compile(
    rf"\b(?:{'|'.join(_DAYS.split())}|today|tomorrow|yesterday|tonight|weekend)\b|"
    rf"\b(?:{'|'.join(_MONTHS.split())})\s+\d{{1,2}}\b|\bdays?\s+ago\b"
)
_GRAINS = {
    "day": _DAY,
    "date": _DAY,
    "year": re.compile(r"\b(?:19|20)\d\d\b|\byear\b"),
    "month": re.compile(rf"\b(?:{'|'.join(_MONTHS.split())})\b|\bmonth\b"),
}


_KIND_STEMS = {k: frozenset(analyzer.stem(w) for w in nouns) for k, nouns in KIND_NOUNS.items()}


def fits(wanted: AnswerType, instance: str) -> bool:
    """Whether a found instance (folded, lower case) is as precise as the question asks."""
    grain = wanted.grain
    return grain is None or grain.search(instance) is not None


# Type nouns in the plural ask for a list ("which countries", "what dates").
PLURAL_CUES = frozenset("cities countries places venues locations towns people dates".split())


@dataclass(frozen=True, slots=True)
class AnswerType:
    kind: Kind | None
    speaker: tuple[str, ...] = ()  # index terms of the speaker, for quotation questions
    cue: str | None = None  # the answer-type word ("what date …", "what did X say"), not looked up
    counted: str | None = None  # the index term of what "how many …" counts ("soldiers")
    measured: tuple[str, ...] = ()  # index terms of what "how long …" asks about ("the talks")
    event: str | None = None  # the index term of what "did X <verb> …" asks happened ("agree")
    subject: tuple[str, ...] = ()  # index terms of the X in "did X <verb> …"
    complement: tuple[str, ...] = ()  # index terms of the Y in "did X <verb> Y"
    predicate: str | None = None  # index term of the verb "who runs …" asks about
    agent: tuple[str, ...] = ()  # index terms of who does it in "when did *Putin* propose …"
    ahead: bool = False  # "when is / will …": what is or will be, not what began

    @property
    def plural(self) -> bool:
        """ "Which countries …": the answer names several."""
        return self.cue in PLURAL_CUES

    @property
    def grain(self) -> re.Pattern[str] | None:
        """What a date must name to answer "what day" / "what year" / "what month": a bare year
        does not say which day."""
        return _GRAINS.get(self.cue or "") if self.kind is Kind.DATE else None

    @property
    def required(self) -> bool:
        """Whether only a quote holding a value answers: counts, periods, clock times, and the
        date of what is or will be ("when is the next exchange"): news gives a scheduled event
        its day, while the time of a past one may be told relatively ("hours after …")."""
        return self.kind in REQUIRED or (self.kind is Kind.DATE and self.ahead)

    def names_kind(self, stem: str) -> bool:
        """Whether a question word (its stem) only names the kind asked for ("venue" when a
        place is asked), so is not looked up."""
        if self.cue and stem == analyzer.stem(self.cue):
            return True
        return self.kind is not None and stem in _KIND_STEMS.get(self.kind, ())


_DETERMINERS = frozenset("the a an this that these those his her its their our your my".split())
_YES_NO = re.compile(r"^\W*(?P<aux>did|does|do|has|have|had|will|would|can|could)\s+(?P<rest>.+)")


def _event(folded: str) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """The verb a yes/no question asks about ("did the talks *produce* a signed agreement",
    "has Putin *responded* …"), with the index terms before and after it: the verb is the
    first word after the subject's first word (past any determiner) that WordNet knows as a
    verb in the form the auxiliary takes (bare after "did", a participle after "has")."""
    found = _YES_NO.match(folded)
    if not found:
        return None, (), ()
    known = lexicon.shared()
    perfect = found.group("aux") in ("has", "have", "had")
    words = re.findall(r"[a-z][a-z'-]*", found.group("rest"))
    first = next((i for i, w in enumerate(words) if w not in _DETERMINERS), len(words))
    for i, word in enumerate(words[first + 1 :], first + 1):  # after the subject's first word
        if perfect:
            bases = [b for b in known.base_forms(word) if b != word]
            verb = bases[0] if bases and "v" in known.parts_of_speech(word) else None
        else:
            entry = known.entry(word)
            verb = word if entry is not None and "v" in entry.pos else None
        if verb:
            terms = analyzer.terms(verb)
            subject = tuple(analyzer.terms(" ".join(words[:i])))
            return (
                (terms[0] if terms else None),
                subject,
                tuple(analyzer.terms(" ".join(words[i + 1 :]))),
            )
    return None, (), ()


_WH_VERB = re.compile(r"^\W*(?:who|whom)\s+(?P<verb>[a-z]+)\b")
_WH_AUX = re.compile(
    r"^\W*(?:when|where|what|which|how|why)(?:\s+\w+)?\s+"
    r"(?P<aux>did|does|do|will|would|has|have|had|can|could)\s+(?P<rest>.+)"
)
_COPULAS = frozenset("is was are were s did does do has have had will would can could".split())


def predicate(folded: str) -> str | None:
    """The verb a wh-question asks about ("who *runs* Turkey", "when did the war *start*"),
    which the articles often say in other words ("President", "began"): its index term."""
    return _predicate(folded)[0]


def _predicate(folded: str) -> tuple[str | None, tuple[str, ...]]:
    """The verb a wh-question asks about and, after an auxiliary, who does it ("what date did
    *Putin* propose"); "who runs …" asks for the doer, so has none."""
    found = _WH_VERB.match(folded)
    if found and found.group("verb") not in _COPULAS:
        terms = analyzer.terms(found.group("verb"))
        return (terms[0] if terms else None), ()
    found = _WH_AUX.match(folded)
    if found:
        event, agent, _ = _event(f"{found.group('aux')} {found.group('rest')}")
        return event, agent
    return None, ()


def detect(question: str) -> AnswerType:
    """The kind of answer a (focused) question asks for."""
    folded = " ".join(analyzer.fold(question).lower().split())
    quoted = _QUOTATION.search(folded)
    if quoted:
        speaker = quoted.group("speaker") or quoted.group("speaker2") or ""
        terms = tuple(analyzer.terms(speaker))
        if terms:
            cue = quoted.group("verb") or quoted.group("noun")
            return AnswerType(Kind.QUOTATION, terms, cue=cue)
    for pattern, kind in _QUESTION_TYPES:
        found = pattern.search(folded)
        if found:
            cue = next((w for w in found.group().split() if w in TYPE_NOUNS), None)
            counted: str | None = None
            measured: tuple[str, ...] = ()
            if kind is Kind.NUMBER:
                after = analyzer.terms(folded[found.end() :])
                counted = after[0] if after else None
            elif kind is Kind.DURATION:
                measured = tuple(analyzer.terms(folded[found.end() :]))
            verb, agent = _predicate(folded)
            return AnswerType(
                kind,
                cue=cue,
                counted=counted,
                measured=measured,
                predicate=verb,
                agent=agent,
                ahead=kind is Kind.DATE and _AHEAD.search(folded) is not None,
            )
    event, subject, complement = _event(folded)
    return AnswerType(None, event=event, subject=subject, complement=complement)


# "When is / are / will …", "what day is …": the question asks when something is or will be.
_AHEAD = re.compile(
    r"\b(?:when|(?:what|which)\s+(?:date|day|month|year|week))(?:\s+(?:is|are|will)\b|['’]s\b)"
)
# "since <a date>" starts a period: the date tells when something began.
_SINCE = re.compile(r"\bsince\b[^,;:.!?—]*", re.I)


@lru_cache(maxsize=65_536)
def since_values(text: str) -> frozenset[str]:
    """The dates inside "since …" phrases of ``text`` ("since March of that year")."""
    return frozenset(v for m in _SINCE.finditer(text) for v in instances(Kind.DATE, m.group()))


# A period written as a modifier ("a 30-day ceasefire", "the three-day truce") is the length of
# the noun it modifies, which is among the next two words.
_UNIT = _UNITS.replace("s?", "")  # singular: "30-day", never "30-days"
_MODIFIER = re.compile(rf"\b{_NUM}-{_UNIT}\s+(?P<next>[\w’'-]+(?:\s+[\w’'-]+)?)", re.I)


@lru_cache(maxsize=65_536)
def modified(text: str) -> tuple[tuple[str, ...], ...]:
    """For each period written as a modifier in ``text``, the index terms of the words after it
    ("30-day ceasefire" → ("ceasefir",)); periods written otherwise ("for 30 days") are free."""
    return tuple(tuple(analyzer.terms(m.group("next"))) for m in _MODIFIER.finditer(text))


def holds(kind: Kind | None, text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether ``text[start:end]`` holds an instance of ``kind``."""
    if kind is None or kind is Kind.QUOTATION:
        return False
    end = len(text) if end is None else end
    return _PATTERNS[kind].search(text, start, end) is not None


@lru_cache(maxsize=65_536)  # sentences recur across questions: find their values once
def instances(kind: Kind | None, text: str) -> tuple[str, ...]:
    """The instances of ``kind`` in ``text``, folded and lower-cased (to tell versions apart)."""
    if kind is None or kind is Kind.QUOTATION:
        return ()
    found = _PATTERNS[kind].finditer(text)
    values = [
        " ".join(analyzer.fold(m.group("value") if "value" in m.re.groupindex else m.group())
                 .lower().split())
        for m in found
    ]  # fmt: skip
    if kind is Kind.PLACE:
        values.extend(_named_places(text))
    return tuple(dict.fromkeys(values))  # each value once, in order


_CAPITALISED = re.compile(r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*")


def _named_places(text: str) -> list[str]:
    """Names WordNet knows as places ("France, the United Kingdom, Germany and Poland"), wherever
    they stand: the longest known run of capitalised words, else its single words."""
    places = lexicon.shared()
    out: list[str] = []
    for m in _CAPITALISED.finditer(text):
        written = m.group().split()
        words = analyzer.fold(m.group()).lower().split()
        whole = " ".join(words)
        if places.is_place(whole) and _name_like(m.group(), whole):
            out.append(whole)
        elif len(words) > 1:
            out.extend(w for w, raw in zip(words, written, strict=True)
                       if places.is_place(w) and _name_like(raw, w))  # fmt: skip
    return out


def _name_like(written: str, word: str) -> bool:
    """Short place names that are also everyday words ("In" is Indiana's abbreviation, "Me"
    Maine's) count only in capitals ("UK", "US")."""
    return len(word) > 3 or written.isupper()
