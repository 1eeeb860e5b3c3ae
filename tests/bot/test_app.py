"""The one asking path: answered, logged with the time of asking, the same for every surface."""

from __future__ import annotations

import asyncio

from bot.app import Asking, Where, Who
from bot.times import utc_now


async def test_ask_answers_and_logs_with_the_time_of_asking(engine, store) -> None:
    slow_started: list[str] = []

    async def slow(fn, question):  # answering takes a while: the entry keeps the asking time
        slow_started.append(utc_now())
        await asyncio.sleep(0.05)
        return fn(question)

    before = utc_now()
    asking = Asking(engine, store, run=slow)
    answer, entry_id = await asking.ask(
        "Where will the talks be held?", Who(7, "ann"), Where("discord", 1, 2)
    )
    entry = await store.get(entry_id)
    assert answer.answered and entry is not None
    assert before <= entry.created_at <= slow_started[0]
    assert (entry.surface, entry.guild_id, entry.channel_id, entry.user_id, entry.user_name) == (
        "discord", "1", "2", "7", "ann"
    )  # fmt: skip
    assert entry.quotes[0]["citations"][0]["label"]


async def test_spawned_records_are_written_in_the_background(engine, store) -> None:
    tasks: list[asyncio.Task] = []
    asking = Asking(engine, store, spawn=lambda coro: tasks.append(asyncio.create_task(coro)))
    _, entry_id = await asking.ask("What is photosynthesis?", Who(), Where("cli"))
    await asyncio.gather(*tasks)
    entry = await store.get(entry_id)
    assert entry is not None and entry.reason == "not_covered"


async def test_without_a_store_nothing_is_logged(engine) -> None:
    answer, entry_id = await Asking(engine, None).ask("Where?", Who(), Where("cli"))
    assert entry_id > 0 and answer.question == "Where?"
