"""The real ``talks-bot run`` process against the emulator, with the log file it writes."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.playground.emulator import Emulator
from bot.playground.process import BotProcess

STARTUP_S = 30


class Harness:
    def __init__(
        self, emu: Emulator, tmp: Path, *, global_commands: bool = False, **env: str
    ) -> None:
        """``global_commands``: no TALKS_GUILD_ID, so commands sync globally (both servers)."""
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


def assert_discord_accepted_everything(emu: Emulator) -> None:
    """The bot sent nothing Discord refuses and never leaned on deprecated behaviour."""
    assert emu.rejections == [], emu.rejections
    assert [ex for ex in emu.exchanges.values() if ex.deprecated_followups] == []


def embed_text(message: dict) -> str:
    parts = [message.get("content") or ""]
    for e in message.get("embeds", []):
        parts += [e.get("title", ""), e.get("description", ""), e.get("footer", {}).get("text", "")]
        parts += [f["name"] + "\n" + f["value"] for f in e.get("fields", [])]
    return "\n".join(parts)


@asynccontextmanager
async def running(h: Harness) -> AsyncIterator[Harness]:
    """A started bot that must stop cleanly (exit 0) having sent nothing Discord refuses."""
    await h.start()
    try:
        yield h
    finally:
        assert await h.stop() == 0, h.bot.output if h.bot else ""
    assert_discord_accepted_everything(h.emu)
