"""End to end: what a member sees of a conversation (issue 29). The "Follow up" button under an
answer opens a form; the follow-up is answered in the channel, as public as the answer, read
with the answer's question and logged with the entry it follows; /ask in a thread started
from an answer does the same. Forged button ids get no form and touch no log. A confident
answer shows its short answer in bold, escaped."""

from __future__ import annotations

import copy
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from harness import Harness, embed_text, running

from bot.app import engine_options
from bot.playground.emulator import EPHEMERAL, RESPONSE_WINDOW_S, Emulator
from retrieval.corpus import load_corpus
from retrieval.engine import Engine

pytestmark = pytest.mark.asyncio(loop_scope="module")

WHERE = "Where did Putin propose holding the talks?"
WHEN = re.compile(r"May 1[15]|Thursday|Sunday")
FIELD = "Your follow-up question"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as e:
        yield e


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(emu: Emulator, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    h = Harness(emu, tmp_path_factory.mktemp("followups"))
    async with running(h):
        yield h


def follow_id(emu: Emulator, message: dict) -> str:
    ids = [c for c in emu.buttons(message) if c.startswith("talks:follow:")]
    assert len(ids) == 1, emu.buttons(message)
    return ids[0]


async def test_follow_up_button_opens_a_form_and_answers_with_the_earlier_topic(
    bot: Harness,
) -> None:
    emu = bot.emu
    first = await (await emu.invoke("asker", "ask", {"question": WHERE})).wait()
    assert "Istanbul" in first["embeds"][0]["description"]
    custom_id = follow_id(emu, first)
    clicked = await emu.click("asker", first, custom_id)
    modal = await clicked.wait_modal()
    assert clicked.callback["type"] == 9  # the form is the click's initial response
    assert modal["title"] == "Follow up on this answer"
    submitted = await emu.submit("asker", clicked, {FIELD: "and when?"})
    reply = await submitted.wait(timeout=30)
    assert submitted.callback["type"] == 5  # acknowledged first, then answered
    assert submitted.acked_at - submitted.sent_at < RESPONSE_WINDOW_S
    assert not reply["flags"] & EPHEMERAL  # the first answer was public: so is this one
    embed = reply["embeds"][0]
    assert embed["title"] == "Q: and when?"
    assert WHEN.search(embed["description"]), embed["description"]
    assert embed["author"]["name"] == f"Following up: {WHERE}"
    assert follow_id(emu, reply) != custom_id  # a follow-up can be followed up in turn
    # a follow-up on the follow-up: read with the question the first follow-up was read as
    again = await emu.click("asker", reply, follow_id(emu, reply))
    await again.wait_modal()
    second = await (await emu.submit("asker", again, {FIELD: "and where?"})).wait(timeout=30)
    assert "Istanbul" in second["embeds"][0]["description"]
    assert second["embeds"][0]["author"]["name"].startswith("Following up: When did Putin")
    first_id = int(custom_id.rsplit(":", 1)[1])
    rows = await bot.wait_rows("SELECT id, question, follows FROM entries ORDER BY id", 2)
    rows = [r for r in rows if r[1] != "and where?"]
    assert [(q, f) for _, q, f in rows[-2:]] == [(WHERE, None), ("and when?", first_id)]
    assert rows[-2][0] == first_id


async def test_a_private_answer_is_followed_up_privately(bot: Harness) -> None:
    emu = bot.emu
    ask = await emu.invoke("quiet", "ask", {"question": WHERE, "private": True})
    first = await ask.wait()
    assert first["flags"] & EPHEMERAL
    clicked = await emu.click("quiet", first, follow_id(emu, first))
    await clicked.wait_modal()
    submitted = await emu.submit("quiet", clicked, {FIELD: "and when?"})
    reply = await submitted.wait(timeout=30)
    assert submitted.callback == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert reply["flags"] & EPHEMERAL and WHEN.search(reply["embeds"][0]["description"])


async def test_forged_follow_up_ids_get_no_form(bot: Harness) -> None:
    emu = bot.emu
    first = await (await emu.invoke("forger", "ask", {"question": WHERE})).wait()
    before = bot.rows("SELECT count(*) FROM entries")[0][0]
    for forged in ("talks:follow:0", "talks:follow:9999999999999999999"):  # 0; above 2**63
        fake = copy.deepcopy(first)
        fake["components"][0]["components"][0]["custom_id"] = forged
        ex = await emu.click("forger", fake, forged)
        reply = await ex.wait()
        assert ex.modal is None and reply["flags"] & EPHEMERAL
        assert "no such answer" in reply["content"]
    # a real id, but another member's private answer: a form, then no answer from it
    hidden = await (await emu.invoke("owner", "ask", {"question": WHERE, "private": True})).wait()
    fake = copy.deepcopy(first)  # its id forged onto a public answer's button
    fake["components"][0]["components"][0]["custom_id"] = follow_id(emu, hidden)
    clicked = await emu.click("forger", fake, follow_id(emu, hidden))
    await clicked.wait_modal()
    submitted = await emu.submit("forger", clicked, {FIELD: "and when?"})
    reply = await submitted.wait(timeout=30)
    assert "can't find the answer this follows up" in embed_text(reply)
    after = bot.rows("SELECT count(*) FROM entries")[0][0]
    assert after == before + 1  # only the owner's question: nothing logged for the forgeries


async def test_ask_in_a_thread_started_from_an_answer_follows_it_up(bot: Harness) -> None:
    emu = bot.emu
    first = await (await emu.invoke("threader", "ask", {"question": WHERE})).wait()
    ex = await emu.invoke("threader", "ask", {"question": "and when?"}, thread=first)
    reply = await ex.wait(timeout=30)
    assert reply["channel_id"] == first["id"]  # answered in the thread
    assert WHEN.search(reply["embeds"][0]["description"])
    first_id = int(follow_id(emu, first).rsplit(":", 1)[1])
    rows = await bot.wait_rows(f"SELECT follows FROM entries WHERE follows = {first_id}", 1)
    assert rows == [(first_id,)]


async def test_a_confident_answer_shows_its_short_answer_in_bold(bot: Harness) -> None:
    """The span is the engine's own (asked here in-process on the same articles); a question
    the shipped articles answer confidently today, and one they answer "not sure"."""
    engine = Engine.build(load_corpus(), **engine_options())
    question = "When did Putin put forward his proposal to resume talks?"
    expected = engine.answer(question)
    assert expected.confidence == "high" and expected.short_answer is not None
    reply = await (await bot.emu.invoke("bold", "ask", {"question": question})).wait()
    first = reply["embeds"][0]["description"].split("\n\n")[0]
    assert first.startswith("> ")
    assert f"**{expected.short_answer.text}**" in first
    assert first.count("**") == 4  # the short answer and the markers, nothing else bold
    unsure = await (
        await bot.emu.invoke("bold", "ask", {"question": "Who is the Kremlin spokesperson?"})
    ).wait()
    quotes = [line for line in unsure["embeds"][0]["description"].split("\n\n")
              if line.startswith("> ")]  # fmt: skip
    assert quotes and all(q.count("**") == 2 for q in quotes)  # only the [n] markers
