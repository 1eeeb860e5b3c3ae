"""The terminal's presentation of an answer: plain text wrapped to the terminal, no Markdown.

Quotes are separated by a blank line; each source line gives the article's label, outlet and
date, then the file and paragraph to check it in. Text from articles is stripped of control
characters so a file cannot move the cursor or recolour the terminal.
"""

from __future__ import annotations

import shutil
import textwrap
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot import wording
from retrieval.labels import shorten
from retrieval.models import Answer, Article, Citation

if TYPE_CHECKING:
    from bot.app import Earlier

LIST_SOURCES = "run talks-bot sources"
MAX_WIDTH = 100  # long lines read badly even on a wide terminal
MIN_WIDTH = 40  # below this, wrapping makes every line a word


def terminal_width() -> int:
    columns = shutil.get_terminal_size((80, 24)).columns
    return max(MIN_WIDTH, min(columns, MAX_WIDTH))


def printable(text: str) -> str:
    """Drop control and format characters (escape sequences, bidi overrides) from text."""
    return "".join(
        " " if c in "\t\n\r" else c
        for c in text
        if c in "\t\n\r" or unicodedata.category(c) not in ("Cc", "Cf")
    )


def clip(text: str, width: int) -> str:
    """Text on one terminal line of at most ``width`` characters: white space collapsed,
    control characters dropped, cut at a word boundary with "…" (the terminal's one
    shortening helper)."""
    return shorten(" ".join(printable(text).split()), width)


BOLD, PLAIN = "\x1b[1m", "\x1b[0m"  # the terminal's bold, for the short answer


def answer_text(answer: Answer, width: int | None = None, *, highlight: bool = False) -> str:
    """What ``talks-bot ask`` prints: wrapped quotes with [n] markers, then the sources;
    ``highlight`` (a terminal, not a pipe): the short answer in bold."""
    width = width or terminal_width()
    if not answer.answered:
        return textwrap.fill(wording.decline_message(answer, LIST_SOURCES), width)
    blocks = wording.lead_lines(answer)
    for n, q in enumerate(answer.quotes):
        s = answer.short_answer
        text = printable(q.text)
        if highlight and s is not None and s.quote == n and q.text[s.start : s.end] == s.text:
            parts = (q.text[: s.start], s.text, q.text[s.end :])
            text = "".join(printable(p) if i != 1 else BOLD + printable(p) + PLAIN
                           for i, p in enumerate(parts))  # fmt: skip
        line = f"{text} {''.join(f'[{m}]' for m in answer.markers(q))}"
        agreeing = wording.reported_by(q, answer.articles_total)
        blocks.append(textwrap.fill(line + (f" ({agreeing})" if agreeing else ""), width))
    sources = [_source(n, c, width) for n, c in enumerate(answer.sources(), 1)]
    return "\n\n".join(blocks) + "\n\nSources:\n" + "\n".join(sources)


def _source(n: int, c: Citation, width: int) -> str:
    """``[n] label, outlet, date``, then where to check it (file, paragraph, URL) indented."""
    head = ", ".join(printable(x) for x in (c.label or c.title, c.outlet, c.date) if x)
    where = f"{c.file}, paragraph {c.paragraph}" + (f" · {printable(c.url)}" if c.url else "")
    indent = " " * (len(str(n)) + 3)
    return "\n".join(
        [
            textwrap.fill(f"[{n}] {head}", width, subsequent_indent=indent),
            textwrap.fill(where, width, initial_indent=indent, subsequent_indent=indent,
                          break_long_words=False, break_on_hyphens=False),
        ]
    )  # fmt: skip


def sources_text(articles: Sequence[Article], version: str) -> str:
    """What ``talks-bot sources`` prints: each article's id, size, label, outlet and date."""
    lines = [f"{len(articles)} articles (corpus version {version}):"]
    for a in articles:
        about = ", ".join(printable(x) for x in (a.label or a.title, a.outlet, a.date) if x)
        lines.append(f"  {a.source}  {a.paragraphs:3} paragraphs  {about}")
    return "\n".join(lines)


def answer_json(
    answer: Answer, item_id: object = None, earlier: Earlier | None = None
) -> dict[str, object]:
    """The documented JSON contract (docs/operators.md, "JSON contract"): values plus the
    neutral text; ``follows``: the log entry a follow-up was read with (``--after``)."""
    data = answer.to_dict()
    return {
        "id": item_id,
        "question": data["question"],
        "answered": data["answered"],
        "answer": wording.plain_text(answer),
        "quotes": data["quotes"],
        "reason": data["reason"],
        "differ": data["differ"],
        "confidence": data["confidence"],
        "short_answer": data["short_answer"],
        "latency_ms": data["latency_ms"],
        "follows": earlier.entry_id if earlier is not None else None,
    }
