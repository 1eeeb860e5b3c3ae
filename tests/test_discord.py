"""End to end: the real ``talks-bot run`` process against the local Discord emulator."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord_emulator import EPHEMERAL, MANAGE_MESSAGES, BotProcess, Emulator, Exchange, Refused

from retrieval.corpus import load_corpus

STARTUP_S = 30


class Harness:
    def __init__(
        self, emu: Emulator, tmp: Path, *, global_commands: bool = False, **env: str
    ) -> None:
        self.emu = emu
        self.tmp = tmp
        self.db = tmp / "log.db"
        self.env = emu.env(global_commands=global_commands, TALKS_DB_PATH=str(self.db), **env)
        self.bot: BotProcess | None = None

    async def start(self) -> None:
        self.emu.identified.clear()
        self.bot = await BotProcess(self.env, self.tmp).start()
        waiter = asyncio.ensure_future(self.emu.identified.wait())
        exited = asyncio.ensure_future(self.bot.proc.wait())  # type: ignore[union-attr]
        done, _ = await asyncio.wait(
            {waiter, exited}, timeout=STARTUP_S, return_when=asyncio.FIRST_COMPLETED
        )
        waiter.cancel()
        exited.cancel()
        if waiter not in done:
            raise AssertionError(f"bot did not connect:\n{self.bot.output}")

    async def stop(self) -> int | None:
        return await self.bot.stop() if self.bot else None

    def rows(self, sql: str, *params: object) -> list[tuple]:
        db = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()

    async def wait_rows(self, sql: str, n: int, timeout: float = 10) -> list[tuple]:
        deadline = time.monotonic() + timeout
        while True:
            rows = self.rows(sql)
            if len(rows) >= n or time.monotonic() > deadline:
                return rows
            await asyncio.sleep(0.05)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    e = Emulator()
    await e.start()
    try:
        yield e
    finally:
        await e.stop()


def assert_discord_accepted_everything(emu: Emulator) -> None:
    """The bot sent nothing Discord refuses and never leaned on deprecated behaviour."""
    assert emu.rejections == [], emu.rejections
    assert [ex for ex in emu.exchanges.values() if ex.deprecated_followups] == []


@pytest.fixture
async def discord_bot(emu: Emulator, tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(emu, tmp_path, TALKS_MODERATOR_ROLE_ID=str(emu.moderator_role_id))
    await h.start()
    try:
        yield h
    finally:
        assert await h.stop() == 0, h.bot.output if h.bot else ""
    assert_discord_accepted_everything(emu)


@pytest.fixture
async def global_bot(emu: Emulator, tmp_path: Path) -> AsyncIterator[Harness]:
    """Commands synced globally (no TALKS_GUILD_ID), the bot in two servers."""
    h = Harness(emu, tmp_path, global_commands=True)
    await h.start()
    try:
        yield h
    finally:
        assert await h.stop() == 0, h.bot.output if h.bot else ""
    assert_discord_accepted_everything(emu)


def embed_text(message: dict) -> str:
    parts = [message.get("content") or ""]
    for e in message.get("embeds", []):
        parts += [e.get("title", ""), e.get("description", ""), e.get("footer", {}).get("text", "")]
        parts += [f["name"] + "\n" + f["value"] for f in e.get("fields", [])]
    return "\n".join(parts)


async def test_commands_sync_to_the_test_guild_only_with_their_limits(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    assert emu.sync_calls == [str(emu.guild_id)]
    names = {c["name"] for c in emu.commands[str(emu.guild_id)]}
    assert names == {"ask", "sources", "help", "logs"}
    ask = emu.command("ask")
    question = next(o for o in ask["options"] if o["name"] == "question")
    assert question["required"] and question["max_length"] == 300
    private = next(o for o in ask["options"] if o["name"] == "private")
    assert private["type"] == 5 and not private.get("required")
    logs = emu.command("logs")
    assert logs["default_member_permissions"] == str(MANAGE_MESSAGES)
    subs = {o["name"] for o in logs["options"]}
    assert subs == {"recent", "declined", "flagged", "search", "show", "stats", "export"}


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
    cited = [a for a in corpus.articles if f"`{a.source}`" in sources]
    assert cited and all("Istanbul" in a.text for a in cited)
    assert "of 5 articles" in embed["footer"]["text"]
    assert len(emu.buttons(reply)) == 2
    rows = await discord_bot.wait_rows(
        "SELECT surface, guild_id, channel_id, user_id, answered FROM entries", 1
    )
    member = emu.members["member"]
    assert rows == [("discord", str(emu.guild_id), str(emu.channel_id), str(member.id), 1)]


async def test_unanswerable_question_is_declined_visibly(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    answered = await (
        await emu.invoke("member", "ask", {"question": "Where will the talks be held?"})
    ).wait()
    declined = await (
        await emu.invoke("member", "ask", {"question": "Who won the 2018 World Cup?"})
    ).wait()
    embed = declined["embeds"][0]
    assert embed["title"].startswith("Not answered")
    assert "/sources" in embed["description"]
    assert embed["color"] != answered["embeds"][0]["color"]
    assert emu.buttons(declined) == []


async def test_private_makes_the_exchange_ephemeral(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    ex = await emu.invoke(
        "member", "ask", {"question": "Who is the Kremlin spokesperson?", "private": True}
    )
    reply = await ex.wait()
    assert ex.callback["data"]["flags"] & 64
    assert reply["flags"] & 64


async def test_mentions_in_a_question_ping_nobody(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    ex = await emu.invoke("member", "ask", {"question": "@everyone <@&1> **where** are the talks?"})
    reply = await ex.wait()
    assert reply["allowed_mentions"] == {"parse": []}
    title = reply["embeds"][0]["title"]
    assert "@everyone" not in title and "<@&1>" not in title and "**where**" not in title


async def test_logs_are_for_moderators_only(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    await (await emu.invoke("member", "ask", {"question": "Who won the 2018 World Cup?"})).wait()
    await discord_bot.wait_rows("SELECT id FROM entries", 1)
    with pytest.raises(Refused):  # Discord hides the command from plain members...
        await emu.invoke("member", "logs", {}, sub="recent")
    # ...and if a server loosens that default, the bot still refuses.
    ex = await emu.invoke("member", "logs", {}, sub="declined", respect_defaults=False)
    refusal = await ex.wait()
    assert "moderators" in refusal["content"] and refusal["flags"] & 64
    assert "2018 World Cup" not in embed_text(refusal)
    for who in ("moderator", "helper"):  # Manage Messages, or the configured moderator role
        ex = await emu.invoke(who, "logs", {}, sub="declined", respect_defaults=False)
        listing = await ex.wait()
        assert listing["flags"] & 64
        assert "2018 World Cup" in embed_text(listing)


async def test_moderator_export_is_a_csv_attachment(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    await (await emu.invoke("member", "ask", {"question": "Who is Trump's Ukraine envoy?"})).wait()
    await discord_bot.wait_rows("SELECT id FROM entries", 1)
    reply = await (await emu.invoke("moderator", "logs", {}, sub="export")).wait()
    assert reply["flags"] & 64
    attachment = reply["attachments"][0]
    assert attachment["filename"].endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(attachment["content"].lstrip("\ufeff"))))
    assert [r["question"] for r in rows] == ["Who is Trump's Ukraine envoy?"]


async def test_votes_are_logged_and_buttons_survive_a_restart(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    reply = await (
        await emu.invoke("member", "ask", {"question": "Where will the talks be held?"})
    ).wait()
    helpful, not_helpful = emu.buttons(reply)
    await discord_bot.wait_rows("SELECT id FROM entries", 1)
    ack = await (await emu.click("member", reply, helpful)).wait()
    assert ack["flags"] & 64 and "helpful" in ack["content"]
    assert discord_bot.rows("SELECT helpful FROM feedback") == [(1,)]

    assert await discord_bot.stop() == 0
    await discord_bot.start()
    ack = await (await emu.click("member", reply, not_helpful)).wait()
    assert "not helpful" in ack["content"]
    assert discord_bot.rows("SELECT helpful FROM feedback") == [(0,)]  # replaced, not added


async def test_fifty_questions_at_once_are_all_acknowledged_and_logged(
    discord_bot: Harness,
) -> None:
    emu = discord_bot.emu
    questions = [
        "Where will the talks be held?",
        "Who is the Kremlin spokesperson?",
        "Who won the 2018 World Cup?",
        "What did Trump call Putin's announcement?",
    ]
    exchanges = await asyncio.gather(
        *(emu.invoke(f"user{i}", "ask", {"question": questions[i % 4]}) for i in range(50))
    )
    await asyncio.gather(*(ex.wait(timeout=30) for ex in exchanges))
    ack_s = [ex.acked_at - ex.sent_at for ex in exchanges]
    assert all(ex.callback is not None for ex in exchanges)
    assert max(ack_s) < 3.0, max(ack_s)
    rows = await discord_bot.wait_rows("SELECT id FROM entries", 50)
    assert len(rows) == 50


async def test_cooldown_tells_when_to_retry(emu: Emulator, tmp_path: Path) -> None:
    h = Harness(emu, tmp_path, TALKS_ASK_COOLDOWN_RATE="1", TALKS_ASK_COOLDOWN_SECONDS="60")
    await h.start()
    try:
        await (
            await emu.invoke("member", "ask", {"question": "Where will the talks be held?"})
        ).wait()
        reply = await (await emu.invoke("member", "ask", {"question": "Who is Peskov?"})).wait()
        assert "try again in" in reply["content"] and reply["flags"] & 64
    finally:
        assert await h.stop() == 0


async def test_missing_token_exits_2_with_one_line(tmp_path: Path) -> None:
    bot = await BotProcess({"TALKS_DB_PATH": str(tmp_path / "x.db")}, tmp_path).start()
    assert await bot.wait() == 2
    lines = bot.output.strip().splitlines()
    assert len(lines) == 1 and "TALKS_DISCORD_TOKEN" in lines[0]


async def test_rejected_token_exits_2_with_one_line_and_no_secret(
    emu: Emulator, tmp_path: Path
) -> None:
    env = emu.env(TALKS_DISCORD_TOKEN="wrong-secret-token", TALKS_DB_PATH=str(tmp_path / "x.db"))
    bot = await BotProcess(env, tmp_path).start()
    assert await bot.wait() == 2
    errors = [line for line in bot.output.splitlines() if "talks-bot:" in line]
    assert len(errors) == 1 and "rejected the token" in errors[0]
    assert "Traceback" not in bot.output and "wrong-secret-token" not in bot.output


async def test_missing_applications_commands_scope_is_explained(
    emu: Emulator, tmp_path: Path
) -> None:
    emu.fail_sync_with = (403, 50001)
    bot = await BotProcess(emu.env(TALKS_DB_PATH=str(tmp_path / "x.db")), tmp_path).start()
    assert await bot.wait() == 2
    assert "applications.commands" in bot.output and "Traceback" not in bot.output


# --- each server sees only its own log; answers finished the documented way ------------------


async def ask(emu: Emulator, question: str, *, guild: int | None = 0) -> dict:
    return await (await emu.invoke("member", "ask", {"question": question}, guild=guild)).wait()


async def logs(emu: Emulator, sub: str, options: dict | None = None, guild: int = 0) -> Exchange:
    """A moderator's /logs subcommand: deferred privately first, then the placeholder edited."""
    ex = await emu.invoke("moderator", "logs", options or {}, sub=sub, guild=guild)
    await ex.wait()
    assert ex.callback == {"type": 5, "data": {"flags": EPHEMERAL}}, ex.callback
    assert ex.followups == [] and ex.reply["flags"] & EPHEMERAL
    return ex


async def test_each_server_sees_only_its_own_log_and_dms_are_in_none(global_bot: Harness) -> None:
    emu = global_bot.emu
    assert emu.sync_calls == ["global"]
    await ask(emu, "Where will the talks be held?", guild=0)
    b_answer = await ask(emu, "Who is the Kremlin spokesperson?", guild=1)
    dm = await ask(emu, "Who won the 2018 World Cup?", guild=None)  # global commands work in DMs
    assert "guild_id" not in dm and dm["embeds"][0]["title"].startswith("Not answered")
    rows = await global_bot.wait_rows("SELECT id, guild_id, question FROM entries", 3)
    by_question = {q: (entry_id, guild) for entry_id, guild, q in rows}
    b_id, b_guild = by_question["Who is the Kremlin spokesperson?"]
    assert b_guild == str(emu.guilds[1].id)
    assert by_question["Who won the 2018 World Cup?"][1] is None
    await (await emu.click("member", b_answer, emu.buttons(b_answer)[1])).wait()  # flag it in B

    a_only = "Where will the talks be held?"
    others = ("Kremlin spokesperson", "2018 World Cup")
    for sub, options in [("recent", {}), ("search", {"text": "o"}), ("stats", {})]:
        text = embed_text((await logs(emu, sub, options)).reply)
        assert all(q not in text for q in others), (sub, text)
        if sub != "stats":
            assert a_only in text, (sub, text)
    stats = (await logs(emu, "stats")).reply["embeds"][0]["fields"]
    assert next(f for f in stats if f["name"] == "Questions")["value"] == "1"
    for sub in ("declined", "flagged"):  # the declined DM and the flagged B answer stay out
        assert "No log entries match." in embed_text((await logs(emu, sub)).reply)
    missing = (await logs(emu, "show", {"id": str(b_id)})).reply
    assert (
        missing["content"] == "No log entry with that id in this server." and not missing["embeds"]
    )
    export = (await logs(emu, "export")).reply
    exported = list(
        csv.DictReader(io.StringIO(export["attachments"][0]["content"].lstrip("\ufeff")))
    )
    assert [r["question"] for r in exported] == [a_only]

    in_b = embed_text((await logs(emu, "flagged", guild=1)).reply)
    assert "Kremlin spokesperson" in in_b and a_only not in in_b
    shown = embed_text((await logs(emu, "show", {"id": str(b_id)}, guild=1)).reply)
    assert "Kremlin spokesperson" in shown
    with pytest.raises(Refused):  # /logs is not offered in DMs at all
        await emu.invoke("moderator", "logs", {}, sub="recent", guild=None)


async def test_commands_declare_contexts_and_installs(global_bot: Harness) -> None:
    emu = global_bot.emu
    offered = {c["name"]: (c["contexts"], c["integration_types"]) for c in emu.commands["global"]}
    assert offered == {
        "ask": ([0, 1], [0]), "sources": ([0, 1], [0]), "help": ([0, 1], [0]), "logs": ([0], [0]),
    }  # fmt: skip
    sources = await (await emu.invoke("member", "sources", guild=None)).wait()
    assert sources["flags"] & EPHEMERAL and "articles" in sources["embeds"][0]["title"]


async def test_an_error_after_a_public_defer_is_never_shown_publicly(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    emu.fail_next_message = (400, 50035)  # Discord refuses the answer message
    ex = await emu.invoke("member", "ask", {"question": "Where will the talks be held?"})
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
    ex = await emu.invoke("member", "ask", q)
    reply = await ex.wait()
    assert reply["id"] == ex.original["id"] and reply["flags"] & EPHEMERAL
    assert "error id" in reply["content"] and ex.followups == []


async def test_vote_on_a_purged_answer_says_it_is_gone(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    reply = await ask(emu, "Where will the talks be held?")
    await discord_bot.wait_rows("SELECT id FROM entries", 1)
    db = sqlite3.connect(discord_bot.db)
    with db:
        db.execute("DELETE FROM entries")
    db.close()
    ex = await emu.click("member", reply, emu.buttons(reply)[0])
    ack = await ex.wait()
    assert ex.callback == {"type": 5, "data": {"flags": EPHEMERAL}}  # deferred before the log
    assert ack["flags"] & EPHEMERAL and "no longer in the log" in ack["content"]
    assert discord_bot.rows("SELECT count(*) FROM feedback") == [(0,)]


async def test_logs_search_escapes_the_moderators_text(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    ex = await logs(emu, "search", {"text": "**talks** @everyone <@&1>"})
    title = ex.reply["embeds"][0]["title"]
    assert "**talks**" not in title and "@everyone" not in title and "<@&1>" not in title
    assert "talks" in title
