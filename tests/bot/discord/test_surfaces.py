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
from harness import Harness, running

from bot.playground.emulator import Emulator
from retrieval.corpus import load_corpus

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
    async with running(h):
        yield h


async def test_each_cited_article_links_to_its_original(bot: Harness) -> None:
    ex = await bot.emu.invoke("reader", "ask", {"question": "Where will the talks be held?"})
    reply = await ex.wait()
    sources = next(f for f in reply["embeds"][0]["fields"] if f["name"] == "Sources")["value"]
    lines = sources.splitlines()
    assert lines
    by_label = {a.label: a.source for a in load_corpus(Path(bot.env["TALKS_CORPUS_DIR"])).articles}
    for line in lines:
        # "**[n]** label, outlet · ¶p": the number, then the article's short label (linked)
        label = re.match(r"\*\*\[\d+\]\*\* \[?(.+?)(?:\]\(<|, Example News)", line)[1]  # type: ignore[index]
        source = by_label[label.replace("\\", "")]  # the label as escaped for Discord
        if source.startswith("000_"):  # articles.json gives this one no URL: a plain label
            assert "](" not in line
        else:
            assert f"[{label}](<https://news.example/{source}>)" in line, line
        assert "`" not in line  # no file ids for members: a label, a link


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
    assert len(emu.buttons(reply)) == 3  # 👍, 👎, Follow up
    rows = await bot.wait_rows(
        "SELECT surface, user_id, question FROM entries WHERE surface = 'context_menu'", 1
    )
    assert rows == [("context_menu", str(emu.members["checker"].id), claim["content"])]


async def test_ask_talks_bot_on_a_message_without_text_says_so(bot: Harness) -> None:
    emu = bot.emu
    reply = await (await emu.message_command("imager", "Ask Talks Bot", emu.post("x", ""))).wait()
    assert "no text" in reply["content"] and reply["flags"] & 64
    declined = emu.post("x", "What is photosynthesis?")
    reply = await (await emu.message_command("imager", "Ask Talks Bot", declined)).wait()
    assert reply["embeds"][0]["title"].startswith("Not answered")


async def test_commands_have_ukrainian_and_russian_names_and_descriptions(bot: Harness) -> None:
    ask = bot.emu.command("ask")
    assert ask["name_localizations"] == {"uk": "запитати", "ru": "спросить"}
    assert "англійською" in ask["description_localizations"]["uk"]
    question = next(o for o in ask["options"] if o["name"] == "question")
    assert question["name_localizations"] == {"uk": "питання", "ru": "вопрос"}
    assert set(question["description_localizations"]) == {"uk", "ru"}
    logs = bot.emu.command("logs")
    show = next(o for o in logs["options"] if o["name"] == "show")
    assert show["name_localizations"]["ru"] == "показать"
    menu = bot.emu.command("Ask Talks Bot")
    assert menu["name_localizations"] == {"uk": "Запитати Talks Bot", "ru": "Спросить Talks Bot"}


async def test_a_question_in_cyrillic_is_told_to_ask_in_english_in_both_languages(
    bot: Harness,
) -> None:
    emu = bot.emu
    emu.member("olena").locale = "uk"
    ex = await emu.invoke("olena", "ask", {"question": "Де відбудуться переговори?"})
    embed = (await ex.wait())["embeds"][0]
    assert "Please ask in English." in embed["description"]
    assert "Будь ласка, запитайте англійською." in embed["description"]
    assert "don't cover" not in embed["description"]
    emu.member("ivan").locale = "ru"
    claim = emu.post("someone", "Путин согласился на перемирие!")
    embed = (await (await emu.message_command("ivan", "Ask Talks Bot", claim)).wait())["embeds"][0]
    assert "Please ask in English." in embed["description"]
    assert "Пожалуйста, спросите по-английски." in embed["description"]
    emu.member("hans").locale = "de"  # a language the bot does not speak: English only
    ex = await emu.invoke("hans", "ask", {"question": "Где пройдут переговоры?"})
    embed = (await ex.wait())["embeds"][0]
    assert embed["description"].endswith("Please ask in English.")
    rows = await bot.wait_rows(
        "SELECT user_name, reason, locale FROM entries WHERE reason = 'not_english' "
        "ORDER BY id", 3
    )  # fmt: skip
    assert rows == [
        ("olena", "not_english", "uk"), ("ivan", "not_english", "ru"),
        ("hans", "not_english", "de"),
    ]  # fmt: skip
    await (await emu.invoke("anglo", "ask", {"question": "Where will the talks be held?"})).wait()
    english = await bot.wait_rows("SELECT locale FROM entries WHERE user_name = 'anglo'", 1)
    assert english == [("en-US",)]
