"""Autocomplete while the answer log is busy: suggestions still come, in time, never an error."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from harness import Harness, running

from bot.playground.emulator import Emulator

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]  # waits out a real lock


# A question the bot answers confidently: only those are offered to others as suggestions.
ASKED = "When did Russia and Ukraine last hold direct peace talks?"


async def test_a_locked_log_still_gets_suggestions_within_discords_3_seconds(tmp_path) -> None:
    async with Emulator() as emu:
        h = Harness(emu, tmp_path, global_commands=True)
        async with running(h):
            articles = [c["value"] for c in await (
                await emu.autocomplete("early", "ask", "question", "", guild=None)
            ).wait_choices()]  # fmt: skip
            lock = sqlite3.connect(h.db, isolation_level=None)
            lock.execute("BEGIN IMMEDIATE")  # another program holds the write lock
            try:
                question = {"question": ASKED}
                await (await emu.invoke("asker", "ask", question)).wait()
                await asyncio.sleep(0.3)  # its record is now waiting on the lock, and every
                # read of the log queues behind it: the server's first keystroke cannot load
                ex = await emu.autocomplete("typist", "ask", "question", "")
                offered = [c["value"] for c in await ex.wait_choices()]
                assert ex.acked_at is not None
                # It waited its second for the log (so the log really was stuck), then answered.
                assert 0.9 < ex.acked_at - ex.sent_at < 3
                assert ASKED in offered  # the bot's own memory
                assert set(articles) & set(offered)  # and the articles
            finally:
                lock.execute("ROLLBACK")
                lock.close()
            await h.wait_rows("SELECT 1 FROM entries", 1, timeout=30)
            again = await emu.autocomplete("typist", "ask", "question", "when")
            later = [c["value"] for c in await again.wait_choices()]
            assert ASKED in later
