"""End to end against one bot: the real ``talks-bot run`` process and the local Discord emulator.

The whole module shares one emulator and one bot (starting a bot costs most of a second), so
every test here asks as its own member (the /ask cooldown is per member) and looks only at its
own entries. Tests that need a bot of their
own (restarts, other settings, failing starts) are in ``test_lifecycle.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import sqlite3
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from harness import Harness, embed_text, running

from bot.discord.render import safe
from bot.playground.emulator import EPHEMERAL, MANAGE_MESSAGES, Emulator, Exchange, Refused
from retrieval.corpus import load_corpus

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as e:
        yield e


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def discord_bot(
    emu: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    h = Harness(
        emu,
        tmp_path_factory.mktemp("bot"),
        TALKS_MODERATOR_ROLE_ID=str(emu.moderator_role_id),
    )
    async with running(h):
        yield h


async def test_commands_sync_to_the_test_guild_only_with_their_limits(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    assert emu.sync_calls == [str(emu.guild_id)]
    names = {(c["name"], c["type"]) for c in emu.commands[str(emu.guild_id)]}
    assert names == {("ask", 1), ("sources", 1), ("help", 1), ("logs", 1), ("Ask Talks Bot", 3)}
    ask = emu.command("ask")
    question = next(o for o in ask["options"] if o["name"] == "question")
    assert question["required"] and question["max_length"] == 300
    private = next(o for o in ask["options"] if o["name"] == "private")
    assert private["type"] == 5 and not private.get("required")
    logs = emu.command("logs")
    assert logs["default_member_permissions"] == str(MANAGE_MESSAGES)
    subs = {o["name"] for o in logs["options"]}
    assert subs == {
        "recent", "declined", "flagged", "unreviewed", "unanswered", "search", "show", "review",
        "stats", "export",
    }  # fmt: skip


async def test_ask_answers_with_an_embed_citing_the_articles_and_is_logged(
    discord_bot: Harness,
) -> None:
    emu = discord_bot.emu
    ex = await emu.invoke("member", "ask", {"question": "Where will the talks be held?"})
    reply = await ex.wait()
    assert ex.callback["type"] == 5  # acknowledged first, then the deferred response edited
    assert reply["id"] == ex.original["id"]
    assert ex.followups == [] and ex.deprecated_followups == 0
    assert not ex.ephemeral
    embed = reply["embeds"][0]
    assert "Istanbul" in embed["description"] and "[1]" in embed["description"]
    sources = next(f for f in embed["fields"] if f["name"] == "Sources")["value"]
    corpus = load_corpus()
    cited = [a for a in corpus.articles if safe(a.label) in sources]  # by their labels
    assert cited and all("Istanbul" in a.text for a in cited)
    assert "reported by 1 of" not in embed["footer"]["text"]  # said only when 2 or more agree
    assert len(emu.buttons(reply)) == 3  # 👍, 👎, Follow up
    rows = await discord_bot.wait_rows(
        "SELECT surface, guild_id, channel_id, user_id, answered FROM entries "
        "WHERE question = 'Where will the talks be held?'",
        1,
    )
    member = emu.members["member"]
    assert rows[0] == ("discord", str(emu.guild_id), str(emu.channel_id), str(member.id), 1)


async def test_a_public_decline_is_shown_to_the_asker_only(discord_bot: Harness) -> None:
    """A public /ask the articles don't cover leaves nothing in the channel: the public
    placeholder is deleted and the decline follows ephemerally, naming what the articles
    cover; the log keeps it with its reason, and it does not count against the cooldown."""
    emu = discord_bot.emu
    answered = await (
        await emu.invoke("decliner", "ask", {"question": "Where will the talks be held?"})
    ).wait()
    labels = [a.label for a in load_corpus().articles]
    for n in range(3):  # the cooldown's rate (3 per 30 s): declines take nothing from it
        ex = await emu.invoke("decliner", "ask", {"question": f"What is photosynthesis {n}?"})
        declined = await ex.wait()
        assert ex.callback["type"] == 5 and not ex.callback.get("data", {}).get("flags")
        assert ex.original is None and len(ex.deleted) == 1  # the public placeholder: gone
        assert [m["flags"] & EPHEMERAL for m in ex.messages] == [EPHEMERAL]
        assert declined["id"] not in ex.deleted
        embed = declined["embeds"][0]
        assert embed["title"].startswith("Not answered")
        assert "/sources" in embed["description"]
        assert embed["color"] != answered["embeds"][0]["color"]
        covers = next(f for f in embed["fields"] if f["name"] == "What the articles cover")
        assert labels[0] in covers["value"] and "Rephrase" in covers["value"]
        assert emu.buttons(declined) == []
    again = await (
        await emu.invoke("decliner", "ask", {"question": "Who is the Kremlin spokesperson?"})
    ).wait()
    assert "try again" not in (again.get("content") or "") and again["embeds"]
    rows = await discord_bot.wait_rows(
        "SELECT answered, reason FROM entries WHERE question LIKE 'What is photosynthesis%'", 3
    )
    assert rows == [(0, "not_covered")] * 3


async def test_private_makes_the_exchange_ephemeral(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    ex = await emu.invoke(
        "private", "ask", {"question": "Who is the Kremlin spokesperson?", "private": True}
    )
    reply = await ex.wait()
    assert ex.callback["data"]["flags"] & 64
    assert reply["flags"] & 64


async def test_mentions_in_a_question_ping_nobody(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    ex = await emu.invoke("pinger", "ask", {"question": "@everyone <@&1> **where** are the talks?"})
    reply = await ex.wait()
    assert reply["allowed_mentions"] == {"parse": []}
    title = reply["embeds"][0]["title"]
    assert "@everyone" not in title and "<@&1>" not in title and "**where**" not in title


async def test_logs_are_for_moderators_only(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    await (await emu.invoke("curious", "ask", {"question": "What is photosynthesis?"})).wait()
    await discord_bot.wait_rows("SELECT id FROM entries", 1)
    with pytest.raises(Refused):  # Discord hides the command from plain members...
        await emu.invoke("member", "logs", {}, sub="recent")
    # ...and if a server loosens that default, the bot still refuses.
    ex = await emu.invoke("member", "logs", {}, sub="declined", respect_defaults=False)
    refusal = await ex.wait()
    assert "moderators" in refusal["content"] and refusal["flags"] & 64
    assert "photosynthesis" not in embed_text(refusal)
    for who in ("moderator", "helper"):  # Manage Messages, or the configured moderator role
        ex = await emu.invoke(who, "logs", {}, sub="declined", respect_defaults=False)
        listing = await ex.wait()
        assert listing["flags"] & 64
        assert "photosynthesis" in embed_text(listing)


async def test_moderator_export_is_a_csv_attachment(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    await (
        await emu.invoke("exporter", "ask", {"question": "Who is Trump's Ukraine envoy?"})
    ).wait()
    await discord_bot.wait_rows("SELECT id FROM entries", 1)
    reply = await (await emu.invoke("moderator", "logs", {}, sub="export")).wait()
    assert reply["flags"] & 64
    attachment = reply["attachments"][0]
    assert attachment["filename"].endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(attachment["content"].lstrip("\ufeff"))))
    assert "Who is Trump's Ukraine envoy?" in [r["question"] for r in rows]
    assert set(rows[0]) >= {"id", "created_at", "question", "answered", "citations"}


async def test_fifty_questions_at_once_are_all_acknowledged_and_logged(
    discord_bot: Harness,
) -> None:
    emu = discord_bot.emu
    questions = [
        "Where will the talks be held?",
        "Who is the Kremlin spokesperson?",
        "What is photosynthesis?",
        "What did Trump call Putin's announcement?",
    ]
    exchanges = await asyncio.gather(
        *(emu.invoke(f"user{i}", "ask", {"question": questions[i % 4]}) for i in range(50))
    )
    await asyncio.gather(*(ex.wait(timeout=30) for ex in exchanges))
    ack_s = [ex.acked_at - ex.sent_at for ex in exchanges]
    assert all(ex.callback is not None for ex in exchanges)
    assert max(ack_s) < 3.0, max(ack_s)
    rows = await discord_bot.wait_rows("SELECT id FROM entries WHERE user_name LIKE 'user%'", 50)
    assert len(rows) == 50


async def test_shared_quote_footer_says_how_many_articles_report_it(discord_bot: Harness) -> None:
    question = "What did Zelensky say about prolonging the killings?"
    reply = await (await discord_bot.emu.invoke("reader", "ask", {"question": question})).wait()
    embed = reply["embeds"][0]
    assert "reported by 2 of 5 articles" in embed["footer"]["text"]
    sources = next(f for f in embed["fields"] if f["name"] == "Sources")["value"]
    labels = {a.label for a in load_corpus().articles}
    assert sum(label.replace("…", "")[:20] in sources for label in labels) >= 2


async def test_sources_lists_every_article_by_label_privately(discord_bot: Harness) -> None:
    ex = await discord_bot.emu.invoke("member", "sources", sub="list")
    reply = await ex.wait()
    assert ex.ephemeral
    text = embed_text(reply)
    corpus = load_corpus()
    assert f"{len(corpus.articles)} articles" in text
    assert all(f"`{a.source}`" in text for a in corpus.articles)


async def test_help_says_what_the_bot_does_privately(discord_bot: Harness) -> None:
    ex = await discord_bot.emu.invoke("member", "help")
    text = embed_text(await ex.wait())
    assert ex.ephemeral
    assert "/ask" in text and "/sources" in text and "does **not**" in text


async def test_moderator_log_views_recent_search_flagged_show_stats(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    question = "Who is the Kremlin spokesperson?"
    reply = await (await emu.invoke("asker", "ask", {"question": question})).wait()
    rows = await discord_bot.wait_rows("SELECT id FROM entries WHERE user_name = 'asker'", 1)
    entry_id = rows[0][0]
    opened = await emu.click("asker", reply, emu.buttons(reply)[1])  # not helpful: a form
    assert (await opened.wait_modal())["title"] == "What was wrong with this answer?"
    why = "Wrong person <@&1> **bold**"
    ack = await (await emu.submit("asker", opened, {"What was wrong? (optional)": why})).wait()
    assert ack["flags"] & EPHEMERAL and "noted as not helpful" in ack["content"]
    assert discord_bot.rows("SELECT helpful, reason FROM feedback") == [(0, why)]

    async def moderator(sub: str, **options: object) -> str:
        ex = await emu.invoke("moderator", "logs", options, sub=sub)
        reply = await ex.wait()
        assert ex.ephemeral
        return embed_text(reply)

    assert question in await moderator("recent")
    assert str(entry_id) in await moderator("search", text="Kremlin spokes")
    flagged = await moderator("flagged")
    assert question in flagged and "👎 Wrong person" in flagged  # the reason, escaped:
    assert "<@&1>" not in flagged and "**bold**" not in flagged and "bold" in flagged
    shown = await moderator("show", id=str(entry_id))
    assert question in shown and "Peskov" in shown and "1 not helpful" in shown
    stats = await moderator("stats")
    assert "Questions" in stats and "Most asked" in stats
    assert "No log entry" in await moderator("show", id="123")


async def test_cooldown_tells_when_to_retry(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    for _ in range(3):  # TALKS_ASK_COOLDOWN_RATE's default: 3 per 30 s
        await (await emu.invoke("hasty", "ask", {"question": "Who is Peskov?"})).wait()
    reply = await (await emu.invoke("hasty", "ask", {"question": "Who is Peskov?"})).wait()
    assert "try again in" in reply["content"] and reply["flags"] & 64


# --- answers finished the documented way; errors never public -------------------------------


async def logs(emu: Emulator, sub: str, options: dict | None = None, guild: int = 0) -> Exchange:
    """A moderator's /logs subcommand: deferred privately first, then the placeholder edited."""
    ex = await emu.invoke("moderator", "logs", options or {}, sub=sub, guild=guild)
    await ex.wait()
    assert ex.callback == {"type": 5, "data": {"flags": EPHEMERAL}}, ex.callback
    assert ex.followups == [] and ex.reply["flags"] & EPHEMERAL
    return ex


async def test_an_error_after_a_public_defer_is_never_shown_publicly(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    emu.fail_next_message = (400, 50035)  # Discord refuses the answer message
    ex = await emu.invoke("unlucky", "ask", {"question": "Where will the talks be held?"})
    await ex.wait()
    with contextlib.suppress(TimeoutError):  # the error, after the placeholder is settled
        await ex.wait(timeout=5, count=2)
    assert ex.callback["type"] == 5 and not ex.callback.get("data", {}).get("flags")
    public = [m for m in ex.messages if not m["flags"] & EPHEMERAL]
    private = [m for m in ex.messages if m["flags"] & EPHEMERAL]
    assert [m["content"] for m in public] == ["This request could not be completed."]
    assert all("error id" not in embed_text(m) for m in public)
    assert len(private) == 1 and "error id" in private[0]["content"]
    assert "Traceback" in discord_bot.bot.output  # the details are in the bot's log


async def test_an_error_after_a_private_defer_replaces_the_placeholder(
    discord_bot: Harness,
) -> None:
    emu = discord_bot.emu
    emu.fail_next_message = (400, 50035)
    q = {"question": "Where will the talks be held?", "private": True}
    ex = await emu.invoke("unlucky-private", "ask", q)
    reply = await ex.wait()
    assert reply["id"] == ex.original["id"] and reply["flags"] & EPHEMERAL
    assert "error id" in reply["content"] and ex.followups == []


async def test_vote_on_a_purged_answer_says_it_is_gone(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    reply = await (
        await emu.invoke("purged", "ask", {"question": "Where will the talks be held?"})
    ).wait()
    rows = await discord_bot.wait_rows("SELECT id FROM entries WHERE user_name = 'purged'", 1)
    db = sqlite3.connect(discord_bot.db)
    with db:
        db.execute("DELETE FROM entries WHERE id = ?", (rows[0][0],))
    db.close()
    # An answer this fresh may just not be written yet: try again. An old one was purged.
    ex = await emu.click("purged", reply, emu.buttons(reply)[0])
    ack = await ex.wait()
    assert ex.callback == {"type": 5, "data": {"flags": EPHEMERAL}}  # deferred before the log
    assert ack["flags"] & EPHEMERAL and "try again" in ack["content"]
    old_id = rows[0][0] - (3600 * 1000 << 12)  # the same entry, had it been made an hour earlier
    old = json.loads(json.dumps(reply).replace(str(rows[0][0]), str(old_id)))
    ack = await (await emu.click("purged", old, emu.buttons(old)[0])).wait()
    assert ack["flags"] & EPHEMERAL and "no longer in the log" in ack["content"]
    assert discord_bot.rows("SELECT count(*) FROM feedback WHERE entry_id IN (?, ?)",
                            rows[0][0], old_id) == [(0,)]  # fmt: skip


async def test_out_of_range_ids_from_buttons_forms_and_commands_are_no_such_entry(
    discord_bot: Harness,
) -> None:
    """A forged id (beyond SQLite's 64-bit INTEGER, or 0) through every component: 👍, 👎 (which
    would open the reason form), 📣 share and /logs show. "No such answer", no traceback."""
    emu = discord_bot.emu
    before, votes = len(discord_bot.bot.output), discord_bot.rows("SELECT count(*) FROM feedback")
    q = {"question": "Who is the Kremlin spokesperson?", "private": True}
    private = await (await emu.invoke("forger", "ask", q)).wait()
    real = emu.buttons(private)[0].split(":")[2]
    for forged in (str(2**63), str(2**64 + 5), "0", "9" * 40):
        fake = json.loads(json.dumps(private).replace(real, forged))
        for button in emu.buttons(fake):  # helpful, not helpful (the form), share
            ex = await emu.click("forger", fake, button)
            ack = await ex.wait()
            assert ex.modal is None, button  # no reason form for an entry that cannot exist
            assert ack["flags"] & EPHEMERAL and "no such answer" in ack["content"], (button, ack)
            assert not ex.followups or all(m["flags"] & EPHEMERAL for m in ex.followups)
        shown = await logs(emu, "show", {"id": forged})
        assert "No log entry with that id" in shown.reply["content"]
    await asyncio.sleep(0.5)  # anything the bot logs about it
    assert "Traceback" not in discord_bot.bot.output[before:]
    assert discord_bot.rows("SELECT count(*) FROM feedback") == votes


async def test_logs_search_escapes_the_moderators_text(discord_bot: Harness) -> None:
    ex = await logs(discord_bot.emu, "search", {"text": "**talks** @everyone <@&1>"})
    title = ex.reply["embeds"][0]["title"]
    assert "**talks**" not in title and "@everyone" not in title and "<@&1>" not in title
    assert "talks" in title


async def test_every_log_view_defers_first_and_edits_the_original(discord_bot: Harness) -> None:
    for sub, options in [("recent", {}), ("declined", {}), ("flagged", {}), ("stats", {}),
                         ("show", {"id": "123"}), ("export", {})]:  # fmt: skip
        await logs(discord_bot.emu, sub, options)


async def test_post_publicly_shares_a_private_answer_once(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    asked = await emu.invoke(
        "sharer", "ask", {"question": "Who is the Kremlin spokesperson?", "private": True}
    )
    private = await asked.wait()
    assert private["flags"] & EPHEMERAL
    helpful, not_helpful, follow_up, share = emu.buttons(private)
    assert share.startswith("talks:share:")
    ex = await emu.click("sharer", private, share)
    public = await ex.wait(count=2)
    updated = ex.messages[0]  # the private answer, its button now disabled
    assert ex.callback["type"] == 7 and updated["flags"] & EPHEMERAL
    (button,) = [c for c in updated["components"][0]["components"] if c["custom_id"] == share]
    assert button["disabled"] and button["label"] == "Posted publicly"
    assert not public["flags"] & EPHEMERAL and int(public["channel_id"]) == ex.channel_id
    assert public["embeds"] == private["embeds"]  # the same answer, citations and all
    assert "Peskov" in embed_text(public) and public["allowed_mentions"] == {"parse": []}
    assert emu.buttons(public) == [helpful, not_helpful, follow_up]  # on the public copy too
    again = await emu.click("sharer", private, share)  # a click racing the disabled state
    assert "already been posted" in (await again.wait())["content"] and again.ephemeral
    assert not again.followups or all(m["flags"] & EPHEMERAL for m in again.followups)
