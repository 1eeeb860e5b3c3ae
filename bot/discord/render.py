"""Answers, sources and log entries as Discord embeds: escaped, and inside Discord's limits.

Every piece of text that did not come from this module (questions, user names, quotes,
titles) goes through ``safe``, so it can neither format nor mention; messages are also sent
with mentions disabled. Long text is cut at a sentence or word boundary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import discord

from bot import wording
from bot.discord.locales import ask_in_english
from bot.logs.models import LogEntry, Outcome, Stats, Unanswered
from bot.times import minute
from retrieval.models import NOT_ENGLISH, Answer, Article, Citation

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_MAX = 1024
TOTAL_MAX = 6000
FIELDS_MAX = 25

ANSWER_COLOUR = discord.Colour.green()
DECLINE_COLOUR = discord.Colour.light_grey()
REVIEW_COLOUR = discord.Colour.blurple()
NOT_SURE_COLOUR = discord.Colour.gold()
# A log entry's outcome in /logs: its mark before the result's words, its embed's colour.
OUTCOME_MARKS: dict[Outcome, str] = {"confident": "✅", "not_sure": "❔", "declined": "⛔"}
OUTCOME_COLOURS: dict[Outcome, discord.Colour] = {
    "confident": ANSWER_COLOUR, "not_sure": NOT_SURE_COLOUR, "declined": DECLINE_COLOUR,
}  # fmt: skip

NO_MENTIONS = discord.AllowedMentions.none()

SOURCE_TITLE_MAX = 120  # a title in /sources list: most of a line, never the whole embed
LIST_SOURCES = "try /sources list"
_LINKABLE = re.compile(r"^https?://[^\s<>()]+$")  # a URL that cannot break out of the link
_SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*\s")


def safe(text: str) -> str:
    """Escape markdown and neutralise mentions in text from users or articles."""
    text = discord.utils.escape_markdown(text, as_needed=False)
    text = discord.utils.escape_mentions(text)
    return text.replace("<", "<\u200b")  # role, user and channel mentions render as text


def cut(text: str, limit: int) -> str:
    """Fit ``text`` in ``limit`` characters, ending at a sentence, else a word, with "…"."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head + " ")]
    if ends and ends[-1] > limit // 2:
        return head[: ends[-1]].rstrip()
    space = head.rfind(" ")
    head = head[:space] if space > limit // 2 else head
    head = head.rstrip("\\")  # never end on a lone escape
    return head.rstrip() + "…"


# What the articles cover, in a decline: the first few labels, so the member sees what to ask
# about without the list crowding out the reason (the rest: /sources list).
COVERS_SHOWN = 5
REPHRASE = "Rephrase to name who or what you mean, in the words of these articles."
NOT_SURE_QUOTES = 2  # a "not sure" answer: the closest passages, kept short in the channel
NOT_SURE_LINE = "Not sure these answer it; the closest passages:"


def answer_embed(
    answer: Answer,
    question: str,
    locale: discord.Locale | str | None = None,
    covers: list[str] | None = None,
) -> discord.Embed:
    """``locale``: the member's client language; a question not in English is told to ask in
    English in that language too, when the bot speaks it. ``covers``: the articles' labels, named
    in a decline (shown only to the asker) with a hint to rephrase."""
    asked = safe(" ".join(question.split()))
    if not answer.answered:
        return decline_embed(answer, asked, locale, covers or [])
    if answer.confidence == "low":  # compact: the hedge in one line, at most two passages
        answer = replace(answer, quotes=answer.quotes[:NOT_SURE_QUOTES])
    lines = [
        f"*{NOT_SURE_LINE if line == wording.NOT_SURE else line}*"
        for line in wording.lead_lines(answer)
    ]
    for n, quote in enumerate(answer.quotes):
        markers = "".join(f"[{m}]" for m in answer.markers(quote))
        lines.append(f"> {_quoted(answer, n)} **{markers}**")
    embed = discord.Embed(title=cut("Q: " + asked, TITLE_MAX), colour=ANSWER_COLOUR)
    embed.description = _join_fitting(lines, DESCRIPTION_MAX, sep="\n\n")
    sources = [f"**[{n}]** {source_line(c)}" for n, c in enumerate(answer.sources(), 1)]
    embed.add_field(name="Sources", value=_join_fitting(sources, FIELD_MAX), inline=False)
    agreeing = wording.reported_by(answer.quotes[0], answer.articles_total)
    footer = f"First quote {agreeing} · " if agreeing else ""
    embed.set_footer(text=footer + "quotes are verbatim")
    return _fit(embed)


def _quoted(answer: Answer, n: int) -> str:
    """Quote ``n`` escaped, on one line; the short answer in it bold. Each piece is escaped
    on its own, so nothing in the quote can open or close the bold."""
    text = answer.quotes[n].text
    s = answer.short_answer
    if s is None or s.quote != n or text[s.start : s.end] != s.text:
        return safe(" ".join(text.split()))
    pieces = [_SPACES.sub(" ", p) for p in (text[: s.start], s.text, text[s.end :])]
    before, bold, after = pieces
    return f"{safe(before.lstrip())}**{safe(bold.strip())}**{safe(after.rstrip())}"


_SPACES = re.compile(r"\s+")


def decline_embed(
    answer: Answer, asked: str, locale: discord.Locale | str | None, covers: list[str]
) -> discord.Embed:
    """Why it was not answered, what the articles cover and how to ask again (``asked``:
    the question, already escaped)."""
    message = wording.decline_message(answer, LIST_SOURCES)
    translated = ask_in_english(locale) if answer.reason == NOT_ENGLISH else None
    if translated:
        message += "\n\n" + translated
    embed = discord.Embed(
        title=cut("Not answered: " + asked, TITLE_MAX) if asked else "Not answered",
        description=cut(message, DESCRIPTION_MAX),
        colour=DECLINE_COLOUR,
    )
    if covers:
        shown = [f"• {safe(label)}" for label in covers[:COVERS_SHOWN]]
        if len(covers) > COVERS_SHOWN:
            shown.append(f"…and {len(covers) - COVERS_SHOWN} more: /sources list")
        embed.add_field(
            name="What the articles cover",
            value=_join_fitting([*shown, "", REPHRASE], FIELD_MAX),
            inline=False,
        )
    embed.set_footer(text="Only you can see this · Talks Bot only answers from its articles.")
    return _fit(embed)


def source_line(c: Citation) -> str:
    """Label (a link when the article has a URL), outlet and date, and the paragraph: what a
    member reads beside a quote's number. The file id is for moderators (``/logs show``)."""
    return f"{_about(c)} · ¶{c.paragraph}"


def _about(a: Article | Citation, *, full: bool = False) -> str:
    """An article as every Discord list names it: label (linked when it has a URL), outlet,
    date; the same words the terminal and JSON use. ``full``: the title, not the short label
    (the article list, where there is room)."""
    name = cut(a.title, SOURCE_TITLE_MAX) if full and isinstance(a, Article) else None
    label = safe(name or a.label or a.title)
    if a.url and _LINKABLE.match(a.url):
        label = f"[{label}](<{a.url}>)"
    return ", ".join([label, *(safe(x) for x in (a.outlet, a.date) if x)])


def sources_embed(articles: Sequence[Article], version: str) -> discord.Embed:
    embed = discord.Embed(
        title="The articles Talks Bot quotes",
        description=f"{len(articles)} articles (corpus version `{version}`). Ask with /ask.",
        colour=REVIEW_COLOUR,
    )
    lines = [f"`{a.source}` — {_about(a, full=True)} ({a.paragraphs} paragraphs)"
             for a in articles]  # fmt: skip
    embed.description = _join_fitting([embed.description or "", *lines], DESCRIPTION_MAX)
    shown = embed.description.count("\n")  # one line per article after the heading
    if shown < len(articles):
        embed.set_footer(text=f"Showing {shown} of {len(articles)}; talks-bot sources lists all.")
    return _fit(embed)


HELP_TEXT = (
    "**Talks Bot** answers questions about the proposed Russia–Ukraine peace talks in Istanbul "
    "(May 2025) by quoting news articles word for word, with a citation for every quote.\n\n"
    "**/ask** `question` — quotes that answer it and where they come from; "
    "`private: True` shows the exchange only to you.\n"
    "**Ask Talks Bot** (a message's *Apps* menu) — the same for a message's text, "
    "shown only to you.\n"
    "**/sources list** — the articles it answers from, with outlet, date and link "
    "(moderators: **/sources add** `url` and **/sources remove** `id`).\n\n"
    "It does **not** write its own answers, give opinions, or know anything the articles "
    "don't say: when they don't cover a question it tells you so. Use the buttons under an "
    "answer to say whether it helped. Questions and answers are logged for moderators."
)


def help_embed() -> discord.Embed:
    return discord.Embed(title="What Talks Bot does", description=HELP_TEXT, colour=REVIEW_COLOUR)


def entries_embed(title: str, entries: list[LogEntry]) -> discord.Embed:
    embed = discord.Embed(title=cut(title, TITLE_MAX), colour=REVIEW_COLOUR)
    if not entries:
        embed.description = "No log entries match."
        return embed
    lines = []
    for e in entries:
        result = f"{OUTCOME_MARKS[e.outcome]} {safe(e.result)}"
        votes = " 👎" * bool(e.feedback.get("not_helpful"))
        votes += " ☑️" * bool(e.reviewed_at)
        who = safe(e.user_name or e.user_id or "-")
        channel = f" · #{safe(e.channel_name)}" if e.channel_name else ""
        lines.append(
            f"`{e.id}` {minute(e.created_at)} · {who}{channel} · {result}{votes}\n"
            f"↳ {safe(cut(' '.join(e.question.split()), 150))}"
            + (f" (follows `{e.follows}`)" if e.follows else "")
            + "".join(f"\n👎 {safe(cut(' '.join(r.split()), 150))}" for r in e.reasons[:3])
        )
    embed.description = _join_fitting(lines, DESCRIPTION_MAX)
    embed.set_footer(text="/logs show id:<id> for one entry in full")
    return _fit(embed)


def entry_embed(e: LogEntry, articles: list[tuple[str, str]] | None = None) -> discord.Embed:
    """One log entry in full; ``articles``: the (id, title) of each article its corpus version
    had (``bot.versions``), ``None`` when that version was not recorded."""
    embed = discord.Embed(
        title=cut(f"Entry {e.id}", TITLE_MAX),
        description=safe(cut(e.question, 1000)),
        colour=OUTCOME_COLOURS[e.outcome],
    )
    who = f"{safe(e.user_name or '-')} (`{e.user_id or '-'}`)"
    embed.add_field(name="Asked by", value=who, inline=True)
    embed.add_field(name="When", value=e.created_at, inline=True)
    if e.follows:
        embed.add_field(name="Follows", value=f"`{e.follows}` (/logs show)", inline=True)
    if e.channel_name or e.channel_id:
        channel = f"#{safe(e.channel_name)}" if e.channel_name else f"`{e.channel_id}`"
        embed.add_field(name="Channel", value=channel, inline=True)
    embed.add_field(
        name="Result", value=f"{OUTCOME_MARKS[e.outcome]} {safe(e.result)}", inline=True
    )
    embed.add_field(
        name="Feedback",
        value=f"{e.feedback['helpful']} helpful, {e.feedback['not_helpful']} not helpful",
        inline=True,
    )
    if e.reasons:
        embed.add_field(
            name="What was wrong",
            value=cut("\n".join(f"👎 {safe(' '.join(r.split()))}" for r in e.reasons), FIELD_MAX),
            inline=False,
        )
    embed.add_field(name="Latency", value=f"{e.latency_ms:.1f} ms", inline=True)
    if e.reviewed_at:
        mark = f"by {safe(e.reviewed_by or '-')}, {minute(e.reviewed_at)}"
        if e.review_note:
            mark += f"\n{safe(cut(e.review_note, 900))}"
        embed.add_field(name="Reviewed", value=cut(mark, FIELD_MAX), inline=False)
    if articles is None:
        corpus = f"`{e.corpus_version}` (its articles were not recorded)"
    else:
        lines = [f"`{e.corpus_version}`: {len(articles)} articles"]
        lines += [f"`{source}` {safe(cut(title, 80))}" for source, title in articles]
        corpus = _join_fitting(lines, FIELD_MAX)
    embed.add_field(name="Corpus", value=corpus, inline=False)
    for n, q in enumerate(e.quotes, 1):
        cites = ", ".join(
            f"{c.get('label') or c['source']} ¶{c['paragraph']}" for c in q["citations"]
        )
        embed.add_field(
            name=cut(f"Quote {n} (score {q['score']:.2f}) — {cites}", FIELD_NAME_MAX),
            value=cut(safe(q["text"]), FIELD_MAX),
            inline=False,
        )
    return _fit(embed)


def unanswered_embed(groups: list[Unanswered], period: str) -> discord.Embed:
    """Declined, not-sure and not-helpful questions of one server, grouped: articles to add."""
    embed = discord.Embed(
        title=cut(f"Unanswered questions — {period}", TITLE_MAX), colour=REVIEW_COLOUR
    )
    if not groups:
        embed.description = "No declined, not-sure or not-helpful questions."
        return embed
    lines = [
        f"**{g.count}×** {safe(cut(' '.join(g.question.split()), 150))}\n"
        f"↳ {g.declined} declined · {g.not_sure} not sure · {g.flagged} 👎 · "
        f"last {minute(g.last_asked)} · "
        f"`{g.latest_id}`"
        for g in groups
    ]
    embed.description = _join_fitting(lines, DESCRIPTION_MAX)
    embed.set_footer(text="Grouped by text: case, punctuation and Discord markup ignored")
    return _fit(embed)


def stats_embed(s: Stats, period: str) -> discord.Embed:
    embed = discord.Embed(title=f"Answer log — {period}", colour=REVIEW_COLOUR)
    embed.add_field(name="Questions", value=str(s.entries))
    for label, n, share in s.outcomes():
        embed.add_field(name=label, value=f"{n} ({share:.0%})")
    embed.add_field(name="Feedback", value=f"👍 {s.helpful} · 👎 {s.not_helpful}")
    if s.declined_reasons:
        embed.add_field(
            name="Declined, by reason",
            value="\n".join(f"{r}: {n}" for r, n in s.declined_reasons.items()),
            inline=False,
        )
    if s.top_questions:
        embed.add_field(
            name="Most asked",
            value=_join_fitting(
                [f"{n}× {safe(cut(q, 120))}" for q, n in s.top_questions], FIELD_MAX
            ),
            inline=False,
        )
    return _fit(embed)


def _join_fitting(lines: list[str], limit: int, sep: str = "\n") -> str:
    """Join whole lines while they fit; cut the first line that does not (if it is the only)."""
    out: list[str] = []
    used = 0
    for line in lines:
        extra = len(line) + (len(sep) if out else 0)
        if used + extra > limit:
            if not out:
                out.append(cut(line, limit))
            break
        out.append(line)
        used += extra
    return sep.join(out)


def _fit(embed: discord.Embed) -> discord.Embed:
    """Drop fields from the end, then shorten the description, until Discord accepts it."""
    while len(embed.fields) > FIELDS_MAX:
        embed.remove_field(-1)
    while len(embed) > TOTAL_MAX and embed.fields:
        embed.remove_field(-1)
    if len(embed) > TOTAL_MAX and embed.description:
        room = len(embed.description) - (len(embed) - TOTAL_MAX)
        embed.description = cut(embed.description, max(room, 1))
    return embed
