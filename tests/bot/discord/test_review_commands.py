"""/logs for what moderators come for: unanswered questions grouped, the review mark, names
and an export that says when it is cut. Two servers, commands synced globally; each server's
moderators see and mark only their server's entries."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from harness import Harness, embed_text, running

from bot.playground.emulator import EPHEMERAL, Emulator, Exchange
from bot.times import utc_now

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as e:
        yield e


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(emu: Emulator, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    h = Harness(
        emu, tmp_path_factory.mktemp("bot"), global_commands=True, TALKS_ASK_COOLDOWN_SECONDS="0"
    )
    async with running(h):
        yield h


async def ask(emu: Emulator, question: str, *, guild: int = 0, who: str = "member") -> dict:
    return await (await emu.invoke(who, "ask", {"question": question}, guild=guild)).wait()


async def logs(emu: Emulator, sub: str, options: dict | None = None, guild: int = 0) -> Exchange:
    ex = await emu.invoke("moderator", "logs", options or {}, sub=sub, guild=guild)
    await ex.wait()
    assert ex.callback == {"type": 5, "data": {"flags": EPHEMERAL}}, ex.callback  # deferred
    assert ex.reply["flags"] & EPHEMERAL
    return ex


async def test_names_unanswered_and_review_mark(bot: Harness) -> None:
    emu = bot.emu
    await ask(emu, "What is photosynthesis?")
    await ask(emu, "what is **PHOTOSYNTHESIS**", who="curious")
    await ask(emu, "What is photosynthesis?", guild=1)  # the other server's asking
    answer = await ask(emu, "Where will the talks be held?")
    rows = await bot.wait_rows(
        "SELECT id, guild_name, channel_name, question FROM entries ORDER BY created_at", 4
    )
    assert {(r[1], r[2]) for r in rows} == {("Server A", "talks"), ("Server B", "talks")}
    answered_id = next(r[0] for r in rows if r[3] == "Where will the talks be held?")
    flag = await emu.click("member", answer, emu.buttons(answer)[1])
    await flag.wait_modal()
    await (await emu.submit("member", flag, {})).wait()

    unanswered = embed_text((await logs(emu, "unanswered")).reply)
    assert "**2×** what is \\*\\*PHOTOSYNTHESIS\\*\\*" in unanswered  # grouped, markup escaped
    assert "**1×** Where will the talks be held?" in unanswered  # the 👎 answer
    assert "Server B" not in unanswered
    in_b = embed_text((await logs(emu, "unanswered", guild=1)).reply)
    assert "**1×** What is photosynthesis?" in in_b and "talks be held" not in in_b

    todo = embed_text((await logs(emu, "unreviewed")).reply)
    assert "Where will the talks be held?" in todo
    other = await logs(emu, "review", {"id": str(answered_id)}, guild=1)  # not B's entry
    assert other.reply["content"] == "No log entry with that id in this server."
    for forged in ("0", "9223372036854775808", "12abc"):
        refused = await logs(emu, "review", {"id": forged})
        assert refused.reply["content"] == "No log entry with that id in this server."

    marked = await logs(emu, "review", {"id": str(answered_id), "note": "added @everyone *x*"})
    assert marked.reply["content"] == f"Marked entry `{answered_id}` reviewed."
    text = embed_text(marked.reply)
    assert "Reviewed\nby mod (" in text and "added @\u200beveryone \\*x\\*" in text
    assert marked.reply["allowed_mentions"] == {"parse": []}
    shown = embed_text((await logs(emu, "show", {"id": str(answered_id)})).reply)
    assert "Reviewed\nby mod" in shown and "Channel\n#talks" in shown
    assert "No log entries match." in embed_text((await logs(emu, "unreviewed")).reply)
    (who, note) = bot.rows("SELECT reviewed_by, review_note FROM entries WHERE id = ?",
                           answered_id)[0]  # fmt: skip
    assert who.startswith("mod (") and note == "added @everyone *x*"

    member = await emu.invoke("member", "logs", {"id": str(answered_id)}, sub="review",
                              respect_defaults=False)  # fmt: skip
    assert "moderators" in (await member.wait())["content"]


async def test_export_says_when_it_is_cut(bot: Harness, emu: Emulator) -> None:
    """More entries than one attachment holds: the reply says how many of how many."""
    guild = str(emu.guilds[1].id)
    db = sqlite3.connect(bot.db)
    now = utc_now()
    db.executemany(
        "INSERT INTO entries (id, created_at, surface, guild_id, question, answered, answer, "
        "corpus_version, latency_ms) VALUES (?, ?, 'discord', ?, ?, 0, 'no', 'v', 1.0)",
        [(10_000 + n, now, guild, f"question {n}") for n in range(5_050)],
    )
    db.commit()
    db.close()
    reply = (await logs(emu, "export", {"days": 1}, guild=1)).reply
    assert reply["content"].startswith("The newest 5,000 of 5,051 entries from this server")
    rows = list(csv.DictReader(io.StringIO(reply["attachments"][0]["content"].lstrip("\ufeff"))))
    assert len(rows) == 5_000 and {r["answered"] for r in rows} == {"no"}


async def test_logs_tells_confident_not_sure_and_declined_apart(bot: Harness) -> None:
    emu = bot.emu
    """A moderator reading /logs sees which answers were "not sure", in the list, in one
    entry, and counted apart in the stats."""
    guild = str(emu.guilds[0].id)
    ids = {"answered": 20_001, "not sure": 20_002, "declined": 20_003}
    db = sqlite3.connect(bot.db)
    db.executemany(
        "INSERT INTO entries (id, created_at, surface, guild_id, question, answered, reason, "
        "confidence, answer, corpus_version, latency_ms) "
        "VALUES (?, ?, 'discord', ?, ?, ?, ?, ?, 'a', 'v', 1.0)",
        [
            (ids["answered"], utc_now(), guild, "Who is the Kremlin spokesman?", 1, None, "high"),
            (ids["not sure"], utc_now(), guild, "How long will the truce last?", 1, None, "low"),
            (ids["declined"], utc_now(), guild, "What is Peru's capital?", 0, "not_covered", None),
        ],
    )
    db.commit()
    db.close()
    recent = embed_text((await logs(emu, "recent", {"limit": 3})).reply).split("\n`")
    marks = {"answered": "✅ answered", "not sure": "❔ not sure",
             "declined": "⛔ declined: not\\_covered"}  # fmt: skip
    for key, mark in marks.items():
        (line,) = [x for x in recent if x.lstrip("`").startswith(str(ids[key]))]
        assert mark in line, line
    shown = embed_text((await logs(emu, "show", {"id": str(ids["not sure"])})).reply)
    assert "Result\n❔ not sure" in shown
    counts = {"answered": 0, "not sure": 0, "declined": 0}  # this server's, from the file
    for answered, confidence in bot.rows(
        "SELECT answered, confidence FROM entries WHERE guild_id = ?", guild
    ):
        sure = "not sure" if confidence == "low" else "answered"
        counts[sure if answered else "declined"] += 1
    total = sum(counts.values())
    stats = embed_text((await logs(emu, "stats", {"days": 1})).reply)
    for label, key in [("Answered confidently", "answered"), ("Answered, not sure", "not sure"),
                       ("Declined", "declined")]:  # fmt: skip
        assert f"{label}\n{counts[key]} ({counts[key] / total:.0%})" in stats, stats
    assert counts["not sure"] >= 1 and "\nAnswered\n" not in stats
