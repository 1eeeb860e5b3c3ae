"""One answer, worded per surface: the terminal, the JSON contract and the log's neutral text."""

from __future__ import annotations

import json

from bot import present, wording
from retrieval.models import EMPTY, NOT_COVERED, TOO_LONG, Answer, Citation, Quote


def test_terminal_text_wraps_to_the_width_and_strips_control_characters() -> None:
    cite = Citation(
        "a", "a.txt", "A title", 3, "A label", "Outlet", "2025-05-11", "https://x.org/a"
    )
    text = "The talks \x1b[31mwill\x1b[0m be held in Istanbul on Thursday, officials said. " * 3
    shown = present.answer_text(Answer("q", True, [Quote(text, 1.0, [cite])]), width=50)
    assert all(len(line) <= 50 for line in shown.splitlines() if "https" not in line)
    assert "\x1b" not in shown
    assert "[1] A label, Outlet, 2025-05-11" in shown
    assert "a.txt, paragraph 3" in shown and "https://x.org/a" in shown


def test_each_decline_reads_as_a_sentence_on_every_surface() -> None:
    for reason, details in [(NOT_COVERED, {}), (EMPTY, {}), (TOO_LONG, {"length": 9, "limit": 5})]:
        answer = Answer("q", False, reason=reason, details=details)
        for text in (present.answer_text(answer), wording.plain_text(answer)):
            assert text.endswith((".", "?")) and "{" not in text and "`" not in text
    logged_long = Answer("q", False, reason=TOO_LONG)  # an old entry without its values
    assert "too long" in wording.decline_message(logged_long)


def test_json_contract_carries_citation_metadata() -> None:
    cite = Citation("a", "a.txt", "Title", 1, "Label", "Outlet", "2025-05-11", "https://x.org")
    data = present.answer_json(Answer("q", True, [Quote("Text.", 0.5, [cite])]), "id-1")
    assert json.loads(json.dumps(data))["quotes"][0]["citations"][0] == {
        "source": "a", "file": "a.txt", "title": "Title", "paragraph": 1, "label": "Label",
        "outlet": "Outlet", "date": "2025-05-11", "url": "https://x.org", "text": None,
    }  # fmt: skip
    assert data["id"] == "id-1" and "[1]" in data["answer"]


def test_clip_fits_one_line_at_a_word_boundary() -> None:
    assert present.clip("one two\nthree four five", 12) == "one two…"
    assert present.clip("short", 12) == "short"


def test_one_timestamp_format_that_compares_correctly_as_text() -> None:
    from datetime import UTC, datetime, timedelta

    from bot import times

    base = datetime(2025, 5, 11, 8, 0, 0, 999_999, tzinfo=UTC)
    earlier, later = times.timestamp(base), times.timestamp(base + timedelta(microseconds=1))
    assert earlier == "2025-05-11T08:00:00.999Z" and later == "2025-05-11T08:00:01.000Z"
    assert earlier < later
    assert times.parse_time("2025-05-11") == "2025-05-11T00:00:00.000Z"
    assert times.parse_time("2025-05-11T10:00+02:00") == "2025-05-11T08:00:00.000Z"
    assert len(times.parse_time("7d")) == len(earlier)
    assert times.minute(earlier) == "2025-05-11 08:00"


def test_a_decline_reads_its_specific_reason_and_the_log_keeps_the_code() -> None:
    """The engine's specific codes are worded on every surface; a code this version does not
    know reads as "not covered" (never a crash), and the log stores whatever code it was."""
    from bot.discord.render import answer_embed
    from bot.logs.models import LogEntry

    cases = {
        ("no_speaker", "speaker", "Trump"): "don't say what Trump said about that",
        ("no_speaker", None, None): "don't quote the person you asked about",
        ("no_value", "value", "number of soldiers"): "don't give the number of soldiers",
        ("no_value", None, None): "don't give the figure or date you asked for",
        ("no_event", None, None): "don't report the event you asked about",
        ("no_salient_match", None, None): "don't mention the main subject",
        ("not_covered", None, None): "don't cover that",
        ("a_code_added_later", None, None): "don't cover that",
        (None, None, None): "don't cover that",
    }
    for (reason, key, value), expected in cases.items():
        details = {key: value} if key else {}
        answer = Answer("What did Trump say about Putin's offer?", False, reason=reason,
                        details=details)  # fmt: skip
        terminal = present.answer_text(answer)
        as_json = present.answer_json(answer, None)
        embed = answer_embed(answer, answer.question)
        for text in (terminal, as_json["answer"], wording.plain_text(answer), embed.description):
            assert expected in " ".join(text.split()), (reason, text)
            assert "{" not in text and text.strip().endswith(".")
        assert "sources" in terminal and "/sources" in embed.description  # where to look
        assert as_json["reason"] == reason  # one value, as the engine gave it
        assert LogEntry.from_answer(answer, surface="cli").reason == reason
    wrong_type = Answer("q", False, reason="no_speaker", details={"speaker": ""})
    assert "the person you asked about" in wording.decline_message(wrong_type)


def test_the_terminal_highlights_the_short_answer_only_when_asked_and_json_gives_it() -> None:
    from retrieval.models import ShortAnswer

    cite = Citation("a", "a.txt", "A title", 3, "A label")
    text = "The talks \x1b[31mopen\x1b[0m on Thursday, May 15, in Istanbul."
    start = text.index("Istanbul")
    answer = Answer("Where?", True, [Quote(text, 1.0, [cite])], confidence="high",
                    short_answer=ShortAnswer(0, start, start + 8, "Istanbul"))  # fmt: skip
    bold = present.answer_text(answer, width=100, highlight=True)
    assert f"{present.BOLD}Istanbul{present.PLAIN}" in bold
    assert bold.count("\x1b") == 2  # the article's own escape codes are still dropped
    assert "\x1b" not in present.answer_text(answer, width=100)  # a pipe: plain text
    data = present.answer_json(answer)
    assert data["short_answer"] == {
        "quote": 0,
        "start": start,
        "end": start + 8,
        "text": "Istanbul",
    }
    assert text[start : start + 8] == data["short_answer"]["text"]  # type: ignore[index]
