"""/sources in Discord and the live reload, end to end: the real bot process, the emulator,
and a web server on 127.0.0.1 that the tests start (TALKS_ALLOW_LOCAL_URLS on), serving the
pages the tests write. The bot answers from a copy of the shipped articles in a temporary
folder, which the tests change through Discord and behind the bot's back."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from harness import Harness, embed_text, running
from support.webpages import PARAGRAPH, Page, PageServer, article_html, serving

from bot.playground.emulator import Emulator
from retrieval.corpus import default_corpus_dir, load_corpus

pytestmark = pytest.mark.asyncio(loop_scope="module")

ACK_S = 3.0  # Discord's deadline for acknowledging an interaction
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def web() -> Iterator[PageServer]:
    with serving("127.0.0.1") as server:
        yield server


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus") / "articles"
    folder.mkdir()
    for path in default_corpus_dir().iterdir():
        if path.suffix == ".txt" or path.name == "articles.json":
            shutil.copyfile(path, folder / path.name)
    return folder


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as e:
        yield e


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    emu: Emulator, articles: Path, web: PageServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    h = Harness(
        emu, tmp_path_factory.mktemp("bot"), TALKS_MODERATOR_ROLE_ID=str(emu.moderator_role_id),
        TALKS_CORPUS_DIR=str(articles), TALKS_ALLOW_LOCAL_URLS="true",
    )  # fmt: skip
    async with running(h):
        yield h


async def sources_add(emu: Emulator, who: str, url: str) -> dict:
    ex = await emu.invoke(who, "sources", {"url": url}, sub="add")
    reply = await ex.wait(timeout=60)
    assert ex.callback is not None and ex.acked_at is not None
    assert ex.acked_at - ex.sent_at < ACK_S
    return reply


def txt_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.txt"))


async def test_the_sources_command_has_list_add_and_remove(bot: Harness) -> None:
    sources = bot.emu.command("sources")
    assert {o["name"] for o in sources["options"]} == {"list", "add", "remove"}
    assert sources.get("default_member_permissions") is None  # list is for everyone


async def test_a_member_without_the_role_cannot_add_or_remove(
    bot: Harness, web: PageServer, articles: Path
) -> None:
    web.pages["/member-try"] = Page(article_html().encode())
    before = txt_files(articles)
    reply = await (await bot.emu.invoke(
        "member", "sources", {"url": web.url("/member-try")}, sub="add"
    )).wait()  # fmt: skip
    assert "moderators" in reply["content"] and reply["flags"] & 64
    reply = await (await bot.emu.invoke(
        "member", "sources", {"id": before[0][:-4]}, sub="remove"
    )).wait()  # fmt: skip
    assert "moderators" in reply["content"]
    assert txt_files(articles) == before
    assert all(path != "/member-try" for path, _ in web.requests)  # nothing was fetched


async def test_a_moderator_adds_an_article_and_members_are_answered_from_it(
    bot: Harness, web: PageServer, articles: Path
) -> None:
    emu = bot.emu
    web.pages["/world/vatican-talks"] = Page(article_html().encode())
    start = time.perf_counter()
    reply = await sources_add(emu, "moderator", web.url("/world/vatican-talks"))
    added_s = time.perf_counter() - start
    assert reply["flags"] & 64  # only the moderator sees it
    text = embed_text(reply)
    assert "Article added" in text and "Vatican offers to host talks" in text
    assert "(Example Herald, 2025-05-19), 9 paragraphs" in text
    assert "Answering from 6 articles now" in text
    assert len(txt_files(articles)) == 6

    asked = await emu.invoke("reader", "ask", {"question": "Who offered to host a second round "
                                                            "of talks?"})  # fmt: skip
    answer = await asked.wait()
    print(f"\n/sources add: {added_s:.2f} s to the reply; then /ask answered from it: "
          f"{time.perf_counter() - start:.2f} s in all")  # fmt: skip
    embed = answer["embeds"][0]
    assert "The Vatican offered on" in embed["description"]
    sources = next(f for f in embed["fields"] if f["name"] == "Sources")["value"]
    assert "Example Herald, 2025-05-19" in sources

    listed = embed_text(await (await emu.invoke("member", "sources", sub="list")).wait())
    assert "6 articles" in listed and "Vatican offers to host talks" in listed
    assert "Example Herald, 2025-05-19" in listed
    assert "(<https://herald.example.com/vatican-talks>)" in listed  # the link


async def test_a_bad_page_is_refused_in_one_escaped_line_and_changes_nothing(
    bot: Harness, web: PageServer, articles: Path
) -> None:
    web.pages["/stub"] = Page(b"<html><body><p>Subscribe to read **this** @everyone.</p></body>"
                              b"</html>")  # fmt: skip
    before = txt_files(articles)
    reply = await sources_add(bot.emu, "moderator", web.url("/stub"))
    text = embed_text(reply)
    assert "Not added" in text and "too little article text" in text
    assert reply["allowed_mentions"] == {"parse": []}
    reply = await sources_add(bot.emu, "moderator", web.url("/nothing_here_*x*_@everyone"))
    description = reply["embeds"][0]["description"]
    assert "HTTP 404" in description
    assert "@everyone" not in description.replace("@\u200beveryone", "")  # no mass mention
    reply = await sources_add(bot.emu, "moderator", "http://10.1.2.3/internal")
    assert "private address" in embed_text(reply)
    assert txt_files(articles) == before


async def test_a_moderator_removes_an_article(bot: Harness, web: PageServer, articles: Path):
    emu = bot.emu
    malta = PARAGRAPH.replace("Vatican", "Government of Malta")
    body = "".join(f"<p>{malta.replace('Monday', d)}</p>" for d in ("Monday", "Tuesday",
                   "Wednesday", "Thursday", "Friday"))  # fmt: skip
    page = (
        article_html(body=body)
        .replace("/vatican-talks", "/malta")
        .replace(
            'content="Vatican offers to host talks"',
            'content="**Malta** offers talks @everyone <@&1>"',
        )
    )
    web.pages["/to-remove"] = Page(page.encode())
    reply = await sources_add(emu, "moderator", web.url("/to-remove"))
    added = embed_text(reply)
    assert "\\*\\*Malta\\*\\* offers talks" in added  # the page's markup shows as text
    assert "@everyone" not in added.replace("@\u200beveryone", "") and "<@&1>" not in added
    source = added.split("`")[1]
    assert (articles / f"{source}.txt").exists()
    ex = await emu.invoke("helper", "sources", {"id": source}, sub="remove")  # the role
    text = embed_text(await ex.wait(timeout=60))
    assert f"Removed `{source}`" in text and "Answering from 6 articles now" in text
    assert not (articles / f"{source}.txt").exists()
    ex = await emu.invoke("helper", "sources", {"id": source}, sub="remove")
    assert "no such article" in embed_text(await ex.wait(timeout=60))


async def test_remove_suggests_the_current_articles_to_moderators_only(bot: Harness) -> None:
    emu = bot.emu
    offered = await (await emu.autocomplete("moderator", "sources", "id", "zelensky",
                                            sub="remove")).wait_choices()  # fmt: skip
    assert offered and all(c["value"] in {a.source for a in load_corpus().articles}
                           for c in offered)  # fmt: skip
    assert all("zelensky" in c["name"].lower() for c in offered)
    nothing = await emu.autocomplete("member", "sources", "id", "", sub="remove")
    assert await nothing.wait_choices() == []


async def test_fifty_questions_asked_during_a_rebuild_are_all_answered_and_logged(
    bot: Harness, articles: Path
) -> None:
    """A long article is written into the folder behind the bot's back; once the watcher has
    started rebuilding, 50 members ask. Every question is answered and logged, each from one
    whole corpus version (the old one until the new engine is swapped in)."""
    emu = bot.emu
    assert bot.bot is not None
    old = load_corpus(articles).version
    lines = (ROOT / "tests" / "data" / "questions.jsonl").read_text("utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines][:50]
    assert len(set(questions)) == 50
    swiss = PARAGRAPH.replace("Vatican", "Swiss government")
    body = "\n".join(swiss.replace("the end of June", f"day {n} of the month") for n in
                     range(REBUILD_PARAGRAPHS))  # fmt: skip
    (articles / ".incoming.tmp").write_text(body + "\n", "utf-8")
    (articles / ".incoming.tmp").rename(articles / "090_swiss.txt")  # as add does: whole
    new = load_corpus(articles).version
    for _ in range(200):  # bounded: the watcher notices within a second or so
        if "rebuilding the index" in bot.bot.output:
            break
        await asyncio.sleep(0.05)
    assert "rebuilding the index" in bot.bot.output, bot.bot.output
    exchanges = [await emu.invoke(f"asker{n}", "ask", {"question": q})
                 for n, q in enumerate(questions)]  # fmt: skip
    asked_during = f"now answering from corpus {new}" not in bot.bot.output
    replies = await asyncio.gather(*(ex.wait(timeout=120) for ex in exchanges))
    assert all(r["embeds"] for r in replies)
    marks = ",".join("?" * len(questions))
    query = f"SELECT corpus_version FROM entries WHERE question IN ({marks})"
    rows = await _rows(bot, query, questions, 50)
    versions = [v for (v,) in rows]
    assert len(versions) == 50 and set(versions) <= {old, new}
    print(f"\n50 questions asked during a rebuild: {versions.count(old)} answered from the old "
          f"corpus, {versions.count(new)} from the new")  # fmt: skip
    assert asked_during  # all 50 were sent before the new engine was swapped in
    for _ in range(600):  # bounded: the swap is logged once the new engine answers
        if f"now answering from corpus {new}" in bot.bot.output:
            break
        await asyncio.sleep(0.1)
    listed = embed_text(await (await emu.invoke("member", "sources", sub="list")).wait())
    assert "090_swiss" in listed
    question = "Which government offered to host a second round of talks?"
    late = await (await emu.invoke("late", "ask", {"question": question})).wait()
    swiss = next(a for a in load_corpus(articles).articles if a.source == "090_swiss")
    assert swiss.label in embed_text(late)  # cited by its label


REBUILD_PARAGRAPHS = 3000  # an article long enough that the rebuild takes a moment


async def _rows(bot: Harness, query: str, params: list[str], n: int) -> list[tuple]:
    """The rows once ``n`` are there (records are written in the background), bounded."""
    rows = bot.rows(query, *params)
    for _ in range(100):
        if len(rows) >= n:
            break
        await asyncio.sleep(0.1)
        rows = bot.rows(query, *params)
    return rows


async def test_logs_show_says_which_articles_the_entrys_version_had(bot: Harness) -> None:
    emu = bot.emu
    (entry_id, version), *_ = bot.rows(
        "SELECT id, corpus_version FROM entries ORDER BY created_at DESC LIMIT 1"
    )
    ex = await emu.invoke("moderator", "logs", {"id": str(entry_id)}, sub="show")
    text = embed_text(await ex.wait())
    assert f"`{version}`:" in text and "articles" in text
    assert "090_swiss" in text and "000_f667f68348de0163" in text
