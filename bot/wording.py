"""Words for an answer's values that every surface shares: declines, "reported by", citations.

Retrieval returns codes and numbers; this module turns them into sentences. Surfaces pass how
their readers list the articles (``talks-bot sources`` in a terminal, ``/sources`` in
Discord), so a decline never tells someone to type a command their surface does not have.
The neutral rendering (``plain_text``) is what the answer log stores: no surface's wording.
"""

from __future__ import annotations

from collections.abc import Mapping

from retrieval.models import (
    BUSY,
    CONTROL_CHARACTERS,
    EMPTY,
    NO_WORDS,
    NOT_COVERED,
    NOT_ENGLISH,
    ONLY_COMMON_WORDS,
    TOO_LONG,
    UPDATING,
    Answer,
    Citation,
    Quote,
)

_DECLINES = {
    NOT_COVERED: "The articles don't cover that, so I have nothing to quote.",
    EMPTY: "Please ask a question, for example: Where will the talks be held?",
    TOO_LONG: "That question is {length} characters long; the limit is {limit}. "
    "Please ask something shorter.",
    NO_WORDS: "That question has no words to look up; please ask in words.",
    ONLY_COMMON_WORDS: "That question has only common words (like 'what' or 'the'); "
    "please name what you want to know about.",
    CONTROL_CHARACTERS: "The question contains control characters; please retype it.",
    NOT_ENGLISH: "I answer only from English news articles, so I can't look up a question in "
    "another language. Please ask in English.",
    BUSY: "Many questions are being asked right now, and yours could not be answered in time. "
    "Please ask again in a minute or two.",
    UPDATING: "The articles are being updated right now. Please ask again in a moment.",
}
# The decide step's specific reasons (the engine's codes; wording only here, so a code the
# engine adds later still reads sensibly: see ``decline_message``). Each is a kind of "the
# articles don't cover that", said more precisely; ``details`` may name what was asked about.
NO_SPEAKER = "no_speaker"
NO_VALUE = "no_value"
NO_EVENT = "no_event"
NO_SALIENT_MATCH = "no_salient_match"
_NOT_COVERED_KINDS = {
    # code: (with the detail named, without it)
    NO_SPEAKER: (
        "The articles don't say what {speaker} said about that, so I have nothing to quote.",
        "The articles don't quote the person you asked about on that, so I have nothing to quote.",
    ),
    NO_VALUE: (
        "The articles don't give the {value} you asked for, so I have nothing to quote.",
        "The articles don't give the figure or date you asked for, so I have nothing to quote.",
    ),
    NO_EVENT: (
        "The articles don't report {event}, so I have nothing to quote.",
        "The articles don't report the event you asked about, so I have nothing to quote.",
    ),
    NO_SALIENT_MATCH: (
        "The articles don't mention {subject}, so I have nothing to quote.",
        "The articles don't mention the main subject of that question, so I have nothing to quote.",
    ),
}
DIFFER = "The articles differ:"  # said before quotes that give different versions
# Said before the quotes of a "not sure" answer (``Answer.confidence == "low"``): the closest
# passages, which may not answer the question directly.
NOT_SURE = "The articles may not answer this directly. The closest passages:"


def lead_lines(answer: Answer) -> list[str]:
    """What every surface says before the quotes, in this order."""
    return [
        *([NOT_SURE] if answer.confidence == "low" else []),
        *([DIFFER] if answer.differ else []),
    ]


_TOO_LONG_PLAIN = "That question is too long; please ask something shorter."


def decline_message(answer: Answer, list_sources: str | None = None) -> str:
    """Why the question was not answered, in the words of its reason code; for every kind of
    "not covered", how to see the articles.

    ``list_sources`` is the surface's way to list the articles, e.g. "run talks-bot sources".
    A code this version does not know (the engine may add some) reads as "not covered":
    never an error, never a blank. The log keeps the code itself, whatever it is.
    """
    reason = answer.reason or NOT_COVERED
    details = answer.details if isinstance(answer.details, dict) else {}
    if reason in _NOT_COVERED_KINDS:
        named, plain = _NOT_COVERED_KINDS[reason]
        message = _fill(named, details) or plain
        covered = False
    elif reason in _DECLINES and reason != NOT_COVERED:
        filled = _fill(_DECLINES[reason], details)
        if filled is None:  # an entry logged without its values
            filled = _TOO_LONG_PLAIN if reason == TOO_LONG else _DECLINES[NOT_COVERED]
        message = filled
        covered = True
    else:  # not_covered, or a code this version does not know
        message, covered = _DECLINES[NOT_COVERED], False
    if not covered and list_sources:
        hint = list_sources[0].upper() + list_sources[1:]
        message += f" {hint} to see which articles I can answer from."
    return message


def _fill(template: str, details: Mapping[str, object]) -> str | None:
    """``template`` with ``details`` filled in; None when one is missing or empty."""
    try:
        values = {k: " ".join(str(v).split()) for k, v in details.items()}
        message = template.format(**values)
    except (KeyError, IndexError, ValueError):
        return None
    return message if all(values.get(k) for k in _fields(template)) else None


def _fields(template: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def reported_by(quote: Quote, articles_total: int) -> str | None:
    """ "reported by N of M articles", only when more than one article reports the quote."""
    n = quote.articles
    if n < 2:
        return None
    return f"reported by {n} of {articles_total} articles"


def citation_line(c: Citation) -> str:
    """Label, then outlet and date when known, then where in the file: the same on every
    surface, so a reader can match a terminal citation to a Discord one."""
    extra = ", ".join(x for x in (c.outlet, c.date) if x)
    where = f"({c.file}, paragraph {c.paragraph})"
    return f"{c.label or c.title}, {extra} {where}" if extra else f"{c.label or c.title} {where}"


def plain_text(answer: Answer) -> str:
    """The neutral rendering the answer log keeps: quotes with [n] markers, then the sources."""
    if not answer.answered:
        return decline_message(answer)
    lines = lead_lines(answer)
    for q in answer.quotes:
        line = f"{q.text} {''.join(f'[{n}]' for n in answer.markers(q))}"
        agreeing = reported_by(q, answer.articles_total)
        lines.append(line + (f" ({agreeing})" if agreeing else ""))
    lines.append("")
    lines += [f"[{n}] {citation_line(c)}" for n, c in enumerate(answer.sources(), 1)]
    return "\n".join(lines)
