"""End to end: suggestions as a member types in /ask, and the /logs show id picker (issue 11).

One bot with global commands (two servers and DMs). Members ask questions of every kind in
Server A — answered, declined, private, with a mention, voted not helpful — and in Server B
and a DM; then a member of Server A types. Checked twice: from the bot's memory while it runs,
and from the answer log after a restart (the lazy per-server load).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from harness import Harness, running

from bot.playground.emulator import Emulator, Exchange

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Questions the bot answers confidently: only those are offered to other members.
PUBLIC = "When did Russia and Ukraine last hold direct peace talks?"
OTHER_SERVER = "Which Turkish president did Putin plan to consult?"
IN_A_DM = "When would the talks start?"
PRIVATE = "Did Trump support the ceasefire?"
MENTION = "<@&1> @everyone what did Peskov say about the European statements?"
FLAGGED = "How long is the ceasefire proposed by Europe?"
DECLINED = "What is photosynthesis?"
NEVER = [OTHER_SERVER, IN_A_DM, PRIVATE, FLAGGED, DECLINED]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as e:
        yield e


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(emu: Emulator, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    h = Harness(emu, tmp_path_factory.mktemp("autocomplete"), global_commands=True)
    async with running(h):
        yield h


async def ask(emu: Emulator, who: str, question: str, **kw: object) -> dict:
    private = kw.pop("private", None)
    options = {"question": question} | ({"private": private} if private is not None else {})
    return await (await emu.invoke(who, "ask", options, **kw)).wait()  # type: ignore[arg-type]


async def typed(emu: Emulator, text: str, who: str = "typist", guild: int | None = 0) -> list:
    ex: Exchange = await emu.autocomplete(who, "ask", "question", text, guild=guild)
    choices = await ex.wait_choices()
    assert ex.callback and ex.callback["type"] == 8
    assert all(c["name"] == c["value"] for c in choices)
    return [c["value"] for c in choices]


async def test_the_option_declares_autocomplete(bot: Harness) -> None:
    question = next(o for o in bot.emu.command("ask")["options"] if o["name"] == "question")
    assert question["autocomplete"] is True and "choices" not in question
    show = next(o for o in bot.emu.command("logs")["options"] if o["name"] == "show")
    assert show["options"][0]["name"] == "id" and show["options"][0]["autocomplete"] is True


async def test_before_any_question_the_articles_are_suggested(bot: Harness) -> None:
    emu = bot.emu
    first = await typed(emu, "")
    assert 1 <= len(first) <= 25 and all(1 <= len(t) <= 100 for t in first)
    assert await typed(emu, "", guild=None)  # in a DM too
    completed = await typed(emu, "what about the cease")
    assert "what about the ceasefire" in completed  # the word being typed, from the articles


async def test_a_member_is_offered_this_servers_answered_public_questions_only(
    bot: Harness,
) -> None:
    emu = bot.emu
    await ask(emu, "alice", PUBLIC)  # one member each: /ask has a per-member cooldown
    await ask(emu, "dave", DECLINED)
    await ask(emu, "erin", PRIVATE, private=True)
    await ask(emu, "frank", MENTION)
    flagged = await ask(emu, "grace", FLAGGED)
    await ask(emu, "bob", OTHER_SERVER, guild=1)
    await ask(emu, "carol", IN_A_DM, guild=None)
    opened = await emu.click("grace", flagged, emu.buttons(flagged)[1])  # 👎: the form first
    await opened.wait_modal()
    await (await emu.submit("grace", opened, {})).wait()
    await bot.wait_rows("SELECT 1 FROM feedback", 1)
    await bot.wait_rows("SELECT 1 FROM entries", 7)

    for text in ("", "w", "when", "peace talks", "DIRECT PEACE"):
        offered = await typed(emu, text)
        assert PUBLIC in offered, (text, offered)
        assert not set(offered) & set(NEVER), (text, offered)
        assert not [t for t in offered if "@" in t or "<" in t], offered
    assert (await typed(emu, "whe"))[0] == PUBLIC  # the server's question first
    for text in ("", "how long", "ceasefire", "who", "did trump", "peskov"):
        offered = await typed(emu, text)
        assert not set(offered) & set(NEVER), (text, offered)
        assert not [t for t in offered if "everyone" in t or "<@" in t], offered
    assert OTHER_SERVER in await typed(emu, "which turkish", who="bobby", guild=1)
    assert PUBLIC not in await typed(emu, "when did", guild=1)  # Server A's, not B's
    in_dm = await typed(emu, "", guild=None)
    assert not {PUBLIC, IN_A_DM, OTHER_SERVER} & set(in_dm)  # nobody's questions in a DM


async def test_logs_show_offers_a_moderator_their_servers_recent_ids(bot: Harness) -> None:
    emu = bot.emu
    a_ids = {str(r[0]) for r in bot.rows("SELECT id FROM entries WHERE guild_id = ?",
                                         str(emu.guilds[0].id))}  # fmt: skip
    ex = await emu.autocomplete("moderator", "logs", "id", "", sub="show")
    choices = await ex.wait_choices()
    assert choices and {c["value"] for c in choices} <= a_ids
    assert len(choices) == len(a_ids) == 5  # every question asked in Server A, newest first
    assert [c["value"] for c in choices] == sorted((c["value"] for c in choices), reverse=True)
    mention = next(c for c in choices if "Peskov" in c["name"])
    assert mention["name"].startswith(mention["value"] + " · ")
    assert "@everyone" not in mention["name"] and "<@&" not in mention["name"]
    narrowed = await (await emu.autocomplete("moderator", "logs", "id", "photosynth",
                                             sub="show")).wait_choices()  # fmt: skip
    assert len(narrowed) == 1 and "photosynthesis" in narrowed[0]["name"]
    b = await (await emu.autocomplete("moderator", "logs", "id", "", sub="show",
                                      guild=1)).wait_choices()  # fmt: skip
    assert len(b) == 1 and b[0]["value"] not in a_ids and "Turkish" in b[0]["name"]
    # A member of a server that let everyone see /logs: asked, the bot offers nothing.
    member = await emu.autocomplete("member", "logs", "id", "", sub="show",
                                    respect_defaults=False)  # fmt: skip
    assert await member.wait_choices() == []


async def test_after_a_restart_the_suggestions_come_from_the_log(bot: Harness) -> None:
    await bot.stop()
    async with running(bot):
        emu = bot.emu
        for text in ("", "when", "peace"):
            offered = await typed(emu, text)
            assert PUBLIC in offered, (text, offered)
            assert not set(offered) & set(NEVER), (text, offered)
        assert OTHER_SERVER in await typed(emu, "which turkish", guild=1)
        ex = await emu.autocomplete("moderator", "logs", "id", "", sub="show")
        ids = await ex.wait_choices()
        assert len(ids) == 5
    await bot.start()  # the module fixture stops it once more at the end
