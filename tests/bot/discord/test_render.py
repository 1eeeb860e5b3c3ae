"""Embeds at Discord's limits, escaped, with citations a reader can follow."""

from __future__ import annotations

import discord

from bot.discord import render
from bot.logs.models import LogEntry
from retrieval.models import NOT_COVERED, TOO_LONG, Answer, Citation, Quote


def citation(n: int, **extra: str) -> Citation:
    return Citation(f"00{n}_abc", f"00{n}_abc.txt", f"Title {n}", n, f"Label {n}", **extra)


def answer(quotes: list[Quote], question: str = "Where?") -> Answer:
    return Answer(question, True, quotes, articles_total=5)


def within_limits(embed: discord.Embed) -> None:
    assert len(embed) <= render.TOTAL_MAX
    assert len(embed.title or "") <= render.TITLE_MAX
    assert len(embed.description or "") <= render.DESCRIPTION_MAX
    assert len(embed.fields) <= render.FIELDS_MAX
    for f in embed.fields:
        assert len(f.name) <= render.FIELD_NAME_MAX and len(f.value) <= render.FIELD_MAX


def test_huge_answer_is_cut_to_discords_limits_at_a_boundary() -> None:
    words = "The delegations met in Istanbul on Thursday. " * 300
    quotes = [Quote(words, 1.0, [citation(n) for n in range(1, 40)]) for _ in range(3)]
    embed = render.answer_embed(answer(quotes, "Where " * 400), "Where " * 400)
    within_limits(embed)
    assert embed.description.endswith((".", "…", "**"))


def test_log_entry_with_many_long_quotes_fits() -> None:
    quote = Quote("Peskov said so. " * 200, 0.9, [citation(1)])
    entry = LogEntry.from_answer(answer([quote] * 40, "q" * 3000), "discord", user_name="x" * 500)
    within_limits(render.entry_embed(entry))
    within_limits(render.entries_embed("Recent", [entry] * 60))


def test_reported_by_is_shown_only_when_several_articles_agree() -> None:
    single = render.answer_embed(answer([Quote("One source.", 1.0, [citation(1)])]), "Where?")
    assert "reported by" not in single.footer.text
    shared = Quote("Two sources.", 1.0, [citation(1), citation(2)])
    assert "reported by 2 of 5 articles" in render.answer_embed(answer([shared]), "?").footer.text


def test_sources_link_to_the_article_and_show_outlet_and_date() -> None:
    linked = citation(1, outlet="Example News", date="2025-05-11", url="https://example.org/a")
    line = render.source_line(linked)
    assert line.startswith("[Label 1](<https://example.org/a>)")
    assert "Example News, 2025-05-11" in line
    hostile = citation(2, url="javascript:alert(1)")
    assert "](" not in render.source_line(hostile)
    marked = Citation("s", "s.txt", "t", 1, "**bold** @everyone")
    assert "**bold**" not in render.source_line(marked)


def test_declines_are_worded_for_discord() -> None:
    not_covered = render.answer_embed(Answer("Who won?", False, reason=NOT_COVERED), "Who won?")
    assert "/sources" in not_covered.description and "talks-bot" not in not_covered.description
    long = Answer("x", False, reason=TOO_LONG, details={"length": 400, "limit": 300})
    assert "400 characters" in render.answer_embed(long, "x").description


def test_differing_articles_are_announced_before_the_quotes() -> None:
    quotes = [
        Quote("Former president.", 1.0, [citation(1)]),
        Quote("President.", 0.9, [citation(2)]),
    ]
    differ = answer(quotes)
    differ.differ = True
    assert render.answer_embed(differ, "?").description.startswith("*The articles differ:*")
    assert "differ" not in render.answer_embed(answer(quotes), "?").description


def test_sources_list_names_title_outlet_date_and_link_and_says_when_cut() -> None:
    from dataclasses import replace

    from bot.discord.render import sources_embed
    from retrieval.corpus import load_corpus

    article = replace(
        load_corpus().articles[0], title="Vatican offers to host **talks** @everyone",
        outlet="Example Herald", date="2025-05-19", url="https://herald.example.com/v",
    )  # fmt: skip
    embed = sources_embed((article,), "v1")
    linked = (
        "[Vatican offers to host \\*\\*talks\\*\\* @\u200beveryone](<https://herald.example.com/v>)"
    )
    assert linked + ", Example Herald, 2025-05-19" in embed.description
    assert embed.footer.text is None
    many = tuple(replace(article, source=f"{n:04d}") for n in range(200))
    embed = sources_embed(many, "v2")
    assert len(embed.description) <= 4096 and "of 200" in (embed.footer.text or "")


def test_a_not_sure_answer_is_compact_one_hedge_line_and_two_passages() -> None:
    quotes = [Quote(f"Passage {n}.", 0.5, [citation(n)]) for n in (1, 2, 3)]
    low = Answer("Where?", True, quotes, articles_total=5, confidence="low")
    embed = render.answer_embed(low, "Where?")
    lines = [line for line in (embed.description or "").split("\n") if line]
    assert lines[0] == f"*{render.NOT_SURE_LINE}*"
    assert [line for line in lines if line.startswith(">")] == [
        "> Passage 1. **[1]**",
        "> Passage 2. **[2]**",
    ]
    sources = embed.fields[0].value
    assert "Label 1" in sources and "Label 2" in sources and "Label 3" not in sources
    high = Answer("Where?", True, quotes, articles_total=5, confidence="high")
    assert "Passage 3" in (render.answer_embed(high, "Where?").description or "")


def test_a_decline_names_what_the_articles_cover_escaped() -> None:
    labels = [f"Label {n}" for n in range(7)] + ["**bold** @everyone"]
    embed = render.answer_embed(Answer("Who won?", False, reason=NOT_COVERED), "Who won?", None,
                                labels)  # fmt: skip
    covers = next(f for f in embed.fields if f.name == "What the articles cover").value
    assert "Label 0" in covers and "Label 4" in covers and "Label 5" not in covers
    assert "3 more: /sources list" in covers and render.REPHRASE in covers
    hostile = render.answer_embed(Answer("?", False, reason=NOT_COVERED), "?", None, labels[-1:])
    assert "**bold**" not in hostile.fields[0].value and "@everyone" not in hostile.fields[0].value


def test_the_short_answer_is_bold_and_cannot_inject_markdown() -> None:
    from retrieval.models import ShortAnswer

    text = "On **Thursday** @everyone, talks open in <@&1> Istanbul_city as planned."
    start = text.index("<@&1> Istanbul_city")
    span = ShortAnswer(0, start, start + len("<@&1> Istanbul_city"), "<@&1> Istanbul_city")
    shown = answer([Quote(text, 1.0, [citation(1)])])
    shown.confidence, shown.short_answer = "high", span
    line = render.answer_embed(shown, "Where?").description or ""
    assert line.count("**") == 4  # the short answer's bold and the marker's, nothing else
    bold = line.split("**")[1]
    assert "Istanbul\\_city" in bold and "<@&1>" not in bold  # escaped inside the bold
    assert "\\*\\*Thursday\\*\\*" in line and "@everyone" not in line
    wrong = ShortAnswer(0, 0, 2, "xx")  # not the quote's text there: no bold at all
    shown.short_answer = wrong
    assert (render.answer_embed(shown, "Where?").description or "").count("**") == 2


def test_logs_views_show_the_entry_a_follow_up_follows() -> None:
    from bot.logs.models import LogEntry

    first = LogEntry.from_answer(Answer("Where?", False, reason=NOT_COVERED), "discord")
    follow = LogEntry.from_answer(
        Answer("and when?", False, reason=NOT_COVERED), "discord", follows=first.id
    )
    listed = render.entries_embed("Recent", [follow, first]).description or ""
    assert f"(follows `{first.id}`)" in listed and listed.count("follows") == 1
    shown = render.entry_embed(follow)
    assert any(f.name == "Follows" and str(first.id) in f.value for f in shown.fields)
    assert not any(f.name == "Follows" for f in render.entry_embed(first).fields)
