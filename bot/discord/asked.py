"""Each server's recent questions in memory, for autocomplete: /ask suggestions and the
/logs show id picker.

Autocomplete must answer within Discord's 3 s and should cost the bot almost nothing per
keystroke, so it never queries the log itself: a server's latest ``LOAD_LIMIT`` questions are
loaded once, lazily (the first keystroke in that server waits at most ``FIRST_WAIT_S`` for the
load, then gets article suggestions only while it finishes), kept current by the bot as it
answers and records 👎 votes, and reloaded in the background after ``REFRESH_S`` (entries
written by another process, purges). A log that is busy or failing never turns into an
autocomplete error: the server's questions are simply missing until a later reload works.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from bot.discord import suggest
from bot.logs.models import Asked
from bot.logs.store import LogStore

log = logging.getLogger(__name__)

# Questions kept per server: enough for months of an active server's distinct questions, and
# ranking them costs about a millisecond per keystroke (benchmarks/autocomplete.py).
LOAD_LIMIT = 2_000
SERVERS_MAX = 64  # servers kept in memory; the least recently used one is dropped
FIRST_WAIT_S = 1.0  # of Discord's 3 s: the rest is for the response to travel
LOAD_TIMEOUT_S = 10.0  # one load's limit; it runs in the background after FIRST_WAIT_S
REFRESH_S = 300.0  # picks up other processes' writes and purges within five minutes
RETRY_S = 30.0  # after a failed load


@dataclass
class _Server:
    rows: dict[int, Asked] = field(default_factory=dict)  # by id, newest first once loaded
    candidates: list[suggest.Candidate] | None = None  # rebuilt when ``rows`` change
    loaded_at: float | None = None
    failed_at: float | None = None
    loading: asyncio.Task[None] | None = None


class AskedMemory:
    def __init__(self, store: LogStore) -> None:
        self.store = store
        self._servers: OrderedDict[int, _Server] = OrderedDict()
        self._warned = False

    def _server(self, guild_id: int) -> _Server:
        server = self._servers.get(guild_id)
        if server is None:
            server = self._servers[guild_id] = _Server()
            while len(self._servers) > SERVERS_MAX:
                _, dropped = self._servers.popitem(last=False)
                if dropped.loading is not None:
                    dropped.loading.cancel()
        self._servers.move_to_end(guild_id)
        return server

    async def candidates(self, guild_id: int | None) -> list[suggest.Candidate]:
        """The server's suggestable questions (none in a DM)."""
        if guild_id is None:
            return []
        server = await self._ready(guild_id)
        if server.candidates is None:
            server.candidates = suggest.from_asked(server.rows.values())
        return server.candidates

    async def recent(self, guild_id: int) -> list[Asked]:
        """The server's questions, newest first, whatever their outcome (for moderators)."""
        server = await self._ready(guild_id)
        return list(server.rows.values())

    async def _ready(self, guild_id: int) -> _Server:
        server = self._server(guild_id)
        now = time.monotonic()
        stale = server.loaded_at is None or now - server.loaded_at > REFRESH_S
        may_try = server.failed_at is None or now - server.failed_at > RETRY_S
        if stale and may_try and server.loading is None:
            server.loading = asyncio.create_task(self._load(guild_id, server))
        if server.loaded_at is None and server.loading is not None:
            with contextlib.suppress(TimeoutError):  # articles only this time; load goes on
                await asyncio.wait_for(asyncio.shield(server.loading), FIRST_WAIT_S)
        return server

    async def _load(self, guild_id: int, server: _Server) -> None:
        try:
            rows = await self.store.asked(str(guild_id), LOAD_LIMIT, timeout=LOAD_TIMEOUT_S)
        except Exception as exc:  # busy, locked, closed: suggestions go on without it
            server.failed_at = time.monotonic()
            if not self._warned:
                self._warned = True
                log.warning("autocomplete: cannot read the answer log (%s); suggesting from "
                            "the articles only until it can", exc)  # fmt: skip
            return
        finally:
            server.loading = None
        fresh = {a.id: a for a in rows}
        for a in server.rows.values():  # noted since the load began: keep what the bot knows
            known = fresh.get(a.id)
            fresh[a.id] = a if known is None else Asked(
                a.id, a.question, a.answered, a.private, a.flagged or known.flagged
            )  # fmt: skip
        server.rows = dict(sorted(fresh.items(), reverse=True)[:LOAD_LIMIT])  # ids: time order
        server.candidates = None
        server.loaded_at = time.monotonic()
        server.failed_at = None
        self._warned = False

    def note(self, guild_id: int | None, asked: Asked) -> None:
        """A question the bot just answered in a server."""
        if guild_id is None:
            return
        server = self._server(guild_id)
        server.rows = {asked.id: asked, **server.rows}
        if len(server.rows) > LOAD_LIMIT:  # the oldest stays counted until the next reload
            server.rows.pop(next(reversed(server.rows)))
        if server.candidates is not None:
            server.candidates = suggest.added(server.candidates, asked)

    def flag(self, guild_id: int | None, entry_id: int) -> None:
        """A 👎 on an answer: its question is no longer suggested."""
        server = self._servers.get(guild_id) if guild_id is not None else None
        if server is not None and (a := server.rows.get(entry_id)) is not None and not a.flagged:
            a.flagged = True
            server.candidates = None  # rebuilt at the next keystroke (votes are rare)

    async def close(self) -> None:
        """Stop loads still reading the log, before the log closes under them."""
        loads = [s.loading for s in self._servers.values() if s.loading is not None]
        for task in loads:
            task.cancel()
        await asyncio.gather(*loads, return_exceptions=True)

    def forget(self) -> None:
        """Entries were purged: reload every server at its next keystroke."""
        for server in self._servers.values():
            server.loaded_at = None
            server.rows.clear()
            server.candidates = None
