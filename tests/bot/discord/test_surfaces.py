"""End to end, one bot on a corpus with ``articles.json``: source links, the "Ask Talks Bot"
message command, and questions in another language (issue 11)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from discord_emulator import Emulator
from harness import Harness, assert_discord_accepted_everything

pytestmark = pytest.mark.asyncio(loop_scope="module")

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


def _corpus(folder: Path) -> Path:
    """The shipped articles with an ``articles.json`` giving each a URL (one without)."""
    folder.mkdir()
    names = sorted(p.name for p in SEEDS.glob("*.txt"))
    for name in names:
        shutil.copyfile(SEEDS / name, folder / name)
    meta = {n: {"outlet": "Example News", "url": f"https://news.example/{n[:-4]}"} for n in names}
    meta[names[0]].pop("url")
    (folder / "articles.json").write_text(json.dumps(meta), "utf-8")
    return folder


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as e:
        yield e


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(emu: Emulator, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    tmp = tmp_path_factory.mktemp("surfaces")
    h = Harness(emu, tmp, TALKS_CORPUS_DIR=str(_corpus(tmp / "corpus")))
    await h.start()
    try:
        yield h
    finally:
        assert await h.stop() == 0, h.bot.output if h.bot else ""
    assert_discord_accepted_everything(emu)


async def test_each_cited_article_links_to_its_original(bot: Harness) -> None:
    ex = await bot.emu.invoke("reader", "ask", {"question": "Where will the talks be held?"})
    reply = await ex.wait()
    sources = next(f for f in reply["embeds"][0]["fields"] if f["name"] == "Sources")["value"]
    lines = sources.splitlines()
    assert lines
    for line in lines:
        source = re.search(r"`([^`]+)` ¶", line)[1]  # type: ignore[index]
        if source.startswith("000_"):  # articles.json gives this one no URL: a plain label
            assert "](" not in line
        else:
            assert f"](<https://news.example/{source}>)" in line, line


async def test_ask_talks_bot_on_a_message_answers_privately_and_is_logged(bot: Harness) -> None:
    emu = bot.emu
    claim = emu.post("claimant", "@everyone <@&1> **Istanbul** is where the talks will be held!")
    ex = await emu.message_command("checker", "Ask Talks Bot", claim)
    reply = await ex.wait()
    assert ex.callback["type"] == 5 and ex.callback["data"]["flags"] & 64  # deferred, privately
    assert reply["flags"] & 64 and reply["allowed_mentions"] == {"parse": []}
    embed = reply["embeds"][0]
    assert "Istanbul" in embed["description"] and "[1]" in embed["description"]
    assert "@everyone" not in embed["title"] and "<@&1>" not in embed["title"]
    assert "**Istanbul**" not in embed["title"]  # markup shown as typed, not applied
    assert len(emu.buttons(reply)) == 2
    rows = await bot.wait_rows(
        "SELECT surface, user_id, question FROM entries WHERE surface = 'context_menu'", 1
    )
    assert rows == [("context_menu", str(emu.members["checker"].id), claim["content"])]


async def test_ask_talks_bot_on_a_message_without_text_says_so(bot: Harness) -> None:
    emu = bot.emu
    reply = await (await emu.message_command("imager", "Ask Talks Bot", emu.post("x", ""))).wait()
    assert "no text" in reply["content"] and reply["flags"] & 64
    declined = emu.post("x", "Who won the 2018 World Cup?")
    reply = await (await emu.message_command("imager", "Ask Talks Bot", declined)).wait()
    assert reply["embeds"][0]["title"].startswith("Not answered")
