"""Suggestion filtering and ranking (``bot.discord.suggest``) and the per-server memory that
feeds it (``bot.discord.asked``), without Discord."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.discord import asked as asked_module
from bot.discord import suggest
from bot.discord.asked import AskedMemory
from bot.logs.models import Asked
from bot.logs.store import StoreBusy
from retrieval.corpus import load_corpus


def asked(n: int, question: str, *, answered=True, private=False, flagged=False) -> Asked:
    return Asked(n, question, answered, private, flagged)


@pytest.mark.parametrize(
    "question",
    [
        "@everyone where are the talks?",
        "where are the talks @here",
        "<@123456> where are the talks?",
        "<@!123456> where are the talks?",
        "<@&42> where are the talks?",
        "talks in <#987>?",
        "**where** are the talks?",
        "where are the `talks`?",
        "||spoiler|| talks?",
        "see https://example.com talks",
        "[talks](http://x.y)",
        "x" * 101,
        "   ",
    ],
)
def test_mentions_markup_and_overlong_questions_are_never_offered(question: str) -> None:
    assert suggest.clean(question) is None
    assert suggest.from_asked([asked(1, question)]) == []


def test_control_and_format_characters_are_dropped() -> None:
    assert suggest.clean("Where\x1b[31m are\u202e the\u200b talks?\n") == "Where[31m are the talks?"


def test_only_answered_public_unflagged_questions_each_once_with_their_count() -> None:
    rows = [  # newest first
        asked(9, "where are the TALKS?"),
        asked(8, "Who won the World Cup?", answered=False),
        asked(7, "Did Putin agree?", private=True),
        asked(6, "Did Zelensky agree?", private=None),  # logged before schema 5: not known
        asked(5, "How long is the ceasefire?", flagged=True),
        asked(4, "Where are the talks?"),
    ]
    got = suggest.from_asked(rows)
    assert [(c.text, c.count, c.order) for c in got] == [("where are the TALKS?", 2, -9)]


def candidates(*texts: str) -> list[suggest.Candidate]:
    return [suggest.Candidate.of(t, "asked", n) for n, t in enumerate(texts)]


def test_ranking_prefix_then_word_start_then_words_then_anywhere() -> None:
    pool = candidates(
        "Did the talks start?",  # "talks" at a word start
        "Which talkshow covered it?",  # "talks" inside a word: a word prefix
        "Were there stalks?",  # only inside a word
        "Talks in Istanbul?",  # starts with it
        "When is the summit?",  # no match
    )
    assert suggest.rank("TALKS", pool, []) == [
        "Talks in Istanbul?", "Did the talks start?", "Which talkshow covered it?",
        "Were there stalks?",
    ]  # fmt: skip
    assert suggest.rank("istanbul talk", pool, []) == ["Talks in Istanbul?"]  # any order


def test_the_servers_questions_come_before_the_articles_and_often_asked_first() -> None:
    server = [
        suggest.Candidate.of("Where are the talks held?", "asked", 0, count=1),
        suggest.Candidate.of("Where is the summit?", "asked", 1, count=5),
    ]
    articles = [suggest.Candidate.of("Where the talks will be held is open.", "article", 0)]
    assert suggest.rank("where", server, articles) == [
        "Where is the summit?",
        "Where are the talks held?",
        "Where the talks will be held is open.",
    ]
    # Nothing typed: the most asked first, then the articles, 25 at most.
    many = [suggest.Candidate.of(f"Question {n}?", "article", n) for n in range(40)]
    default = suggest.rank("", server, many)
    assert default[:2] == ["Where is the summit?", "Where are the talks held?"]
    assert len(default) == 25 and default[2] == "Question 0?"


def test_the_word_being_typed_is_completed_from_the_articles() -> None:
    corpus = load_corpus()
    vocabulary = suggest.Vocabulary.of(corpus)
    got = suggest.rank("what did Putin say about the cease", [], [], vocabulary)
    assert got[0] == "what did Putin say about the ceasefire"
    assert suggest.rank("what did Putin say about the cease ", [], [], vocabulary) == []
    assert suggest.rank("wh", [], [], vocabulary) == []  # a short first word: too vague


def test_article_suggestions_are_whole_clean_statements_for_any_corpus(tmp_path: Path) -> None:
    shipped = suggest.from_corpus(load_corpus())
    assert 10 <= len(shipped) <= suggest.ARTICLE_SUGGESTIONS_MAX
    for c in shipped:
        assert 1 <= len(c.text) <= 100 and suggest.clean(c.text) == c.text
        assert c.text[0].isupper() and len(c.text.split()) >= suggest.MIN_WORDS
    (tmp_path / "a.txt").write_text(
        "The summit in Geneva opened on Monday with ten delegations, officials said.\n"
        "He said it went well. It was long.\n"
        "Delegates from @everyone <@1> agreed on nothing at all today.\n"
        "The final communique, which ran to forty pages and was drafted overnight by a small "
        "team of lawyers, was published on Tuesday.\n",
        "utf-8",
    )
    got = [c.text for c in suggest.from_corpus(load_corpus(tmp_path))]
    # Pronoun-led and short sentences lean on others; mentions are never offered; the long
    # sentence's only cut ("The final communique") would say too little.
    assert got == ["The summit in Geneva opened on Monday with ten delegations, officials said."]


class FakeStore:
    def __init__(self, rows: list[Asked], delay: float = 0.0, error: Exception | None = None):
        self.rows, self.delay, self.error, self.calls = rows, delay, error, 0

    async def asked(self, guild_id: str, limit: int, *, timeout: float | None = None):
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return self.rows[:limit]


async def test_memory_loads_once_per_server_and_keeps_up_with_answers_and_votes() -> None:
    store = FakeStore([asked(2, "Where are the talks?"), asked(1, "Who is coming?")])
    memory = AskedMemory(store)  # type: ignore[arg-type]
    assert [c.text for c in await memory.candidates(10)] == [
        "Where are the talks?",
        "Who is coming?",
    ]
    memory.note(10, asked(3, "When do they start?"))
    memory.flag(10, 2)
    assert [c.text for c in await memory.candidates(10)] == [
        "When do they start?",
        "Who is coming?",
    ]
    assert await memory.candidates(None) == []  # a DM: nobody's questions
    assert store.calls == 1
    assert [a.id for a in await memory.recent(10)] == [3, 2, 1]


async def test_memory_kept_up_to_date_equals_a_fresh_load() -> None:
    """Noting answers and 👎 one by one gives the candidates a reload would give."""
    rows = [asked(n, q) for n, q in enumerate(["Who?", "Where are the talks?", "WHO?"], 1)]
    memory = AskedMemory(FakeStore(list(reversed(rows))))  # type: ignore[arg-type]
    await memory.candidates(10)
    news = [
        asked(4, "who?"), asked(5, "Is it on?", private=True), asked(6, "Is it over?"),
        asked(7, "Why not?", answered=False), asked(8, "where are the talks?"),
    ]  # fmt: skip
    for a in news:
        memory.note(10, a)
    for entry_id in (8, 1, 6, 6):
        memory.flag(10, entry_id)
    kept = await memory.candidates(10)
    fresh = suggest.from_asked(await memory.recent(10))
    assert sorted((c.text, c.count, c.order) for c in kept) == sorted(
        (c.text, c.count, c.order) for c in fresh
    )
    assert {c.text: c.count for c in kept} == {"who?": 2, "Where are the talks?": 1}


@pytest.mark.parametrize("store", [
    FakeStore([], delay=30),  # a log that does not answer
    FakeStore([], error=StoreBusy("locked")),
])  # fmt: skip
async def test_a_busy_or_failing_log_gives_no_questions_quickly_never_an_error(
    store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(asked_module, "FIRST_WAIT_S", 0.2)
    memory = AskedMemory(store)  # type: ignore[arg-type]
    started = time.monotonic()
    assert await memory.candidates(10) == []
    assert time.monotonic() - started < 1.0
    assert await memory.candidates(10) == []  # a second keystroke does not queue a second load
    assert store.calls == 1
    loads = [s.loading for s in memory._servers.values() if s.loading is not None]
    await memory.close()  # the bot closes the log after this: nothing may still read it
    assert all(task.done() for task in loads)


def test_picking_an_article_suggestion_gets_an_answer_quoting_it(engine) -> None:
    for c in suggest.from_corpus(engine.corpus):
        answer = engine.answer(c.text)
        assert answer.answered, c.text
        assert c.text.rstrip(".”") in " ".join(q.text for q in answer.quotes), c.text


def test_a_moderators_choice_label_shows_the_question_unable_to_ping_or_run_long() -> None:
    got = suggest.label("@everyone\x1b[2J look <@&5>\u202e\n" + "x" * 200, 60)
    assert "@everyone" not in got and "<@&" not in got and "\x1b" not in got
    assert "\u202e" not in got and "\n" not in got
    assert got.startswith("@\u200beveryone[2J look <\u200b@\u200b&5>") and len(got) == 60
    assert got.endswith("…")
