"""Two servers and DMs, commands synced globally (no TALKS_GUILD_ID, the default for real use):
each server's moderators see only their server's log, DM entries are in none, and commands
declare where they are offered (``contexts``, ``integration_types``)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from harness import Harness, embed_text, running

from bot.playground.emulator import EPHEMERAL, Emulator, Exchange, Refused

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as e:
        yield e


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def global_bot(
    emu: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    h = Harness(
        emu, tmp_path_factory.mktemp("bot"), global_commands=True, TALKS_ASK_COOLDOWN_SECONDS="0"
    )
    async with running(h):
        yield h


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
    dm = await ask(emu, "What is photosynthesis?", guild=None)  # global commands work in DMs
    assert "guild_id" not in dm and dm["embeds"][0]["title"].startswith("Not answered")
    rows = await global_bot.wait_rows("SELECT id, guild_id, question FROM entries", 3)
    by_question = {q: (entry_id, guild) for entry_id, guild, q in rows}
    b_id, b_guild = by_question["Who is the Kremlin spokesperson?"]
    assert b_guild == str(emu.guilds[1].id)
    assert by_question["What is photosynthesis?"][1] is None
    flag = await emu.click("member", b_answer, emu.buttons(b_answer)[1])  # flag it in B
    await flag.wait_modal()
    await (await emu.submit("member", flag, {})).wait()

    a_only = "Where will the talks be held?"
    others = ("Kremlin spokesperson", "photosynthesis")
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
        "Ask Talks Bot": ([0, 1], [0]),
    }  # fmt: skip
    sources = await (await emu.invoke("member", "sources", sub="list", guild=None)).wait()
    assert sources["flags"] & EPHEMERAL and "articles" in sources["embeds"][0]["title"]
