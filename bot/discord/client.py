"""The bot: owns the engine, the answer log and the asking path (``bot.app.Asking``) through
its fair, bounded, batched answer queue (``bot.answering``); loads one cog per feature; syncs
commands once.

Commands are synced in ``setup_hook`` (once per start) to the test guild when one is set and
globally otherwise, never both and never in ``on_ready``, which fires on every reconnect. A
bot run as several processes (``ShardedTalksBot``, ``talks-bot run --shard-ids``) syncs them
from the process holding shard 0 only, so N processes do not race N identical syncs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
from discord.ext import commands, tasks

from bot.answering import AnswerQueue
from bot.app import Asking
from bot.discord import errors, suggest
from bot.discord.asked import AskedMemory
from bot.discord.locales import Translator
from bot.discord.render import NO_MENTIONS
from bot.logs.store import RETRY_BUDGET_S, LogStore
from bot.reload import Reloader
from bot.times import ago
from config import Settings
from retrieval import Engine

log = logging.getLogger(__name__)

COGS = (
    "bot.discord.cogs.ask",
    "bot.discord.cogs.info",
    "bot.discord.cogs.sources",
    "bot.discord.cogs.logs",
)
# Longer than one record's whole retry budget, so a record that is still retrying when the
# bot is told to stop ends in the database or the fallback file, never cut off.
SHUTDOWN_GRACE_S = RETRY_BUDGET_S + 5.0


class SyncError(Exception):
    """Discord refused the command sync; the message says what the server owner must do."""


@dataclass(frozen=True, slots=True)
class Sharding:
    """Which gateway shards this process opens: ``ids`` None means all ``count`` of them."""

    ids: list[int] | None
    count: int

    @property
    def syncs_commands(self) -> bool:
        return self.ids is None or 0 in self.ids


class TalksBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        store: LogStore,
        sharding: Sharding | None = None,
        *,
        corpus_dir: Path | None = None,
    ) -> None:
        """``sharding``: which gateway shards to open (none: one connection); ``corpus_dir``:
        the folder to watch for changed articles (none: no watching)."""
        intents = discord.Intents.none()
        intents.guilds = True  # roles and channels for permission checks; nothing privileged
        shards: dict[str, Any] = {}
        if sharding is not None:
            shards = {"shard_count": sharding.count}
            if sharding.ids is not None:
                shards["shard_ids"] = sharding.ids
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            help_command=None,
            tree_cls=errors.Tree,
            **shards,
        )
        self.sharding = sharding
        self.settings = settings
        self.store = store
        self.synced: list[discord.app_commands.AppCommand] = []
        self._background: set[asyncio.Task[Any]] = set()
        self.answering = AnswerQueue(
            batch=settings.answer_batch,
            capacity=settings.answer_queue,
            max_wait_s=settings.answer_wait_s,
        )
        self._closing = False
        self.asking = Asking(engine, store, queue=self.answering, spawn=self.spawn)
        self.reloader = Reloader(
            settings, self.asking, corpus_dir=corpus_dir, on_swap=self._swapped
        )
        self._watcher: asyncio.Task[None] | None = None
        self.asked = AskedMemory(store)  # each server's questions, for autocomplete
        self.article_suggestions: list[suggest.Candidate] = []  # filled in setup_hook
        self.vocabulary: suggest.Vocabulary | None = None

    @property
    def engine(self) -> Engine:
        """The engine answering now; a live reload replaces it (``bot.reload``)."""
        return self.asking.engine

    async def setup_hook(self) -> None:
        await self._suggest_from(self.engine)
        self._watcher = asyncio.create_task(self.reloader.watch())
        await self.load_commands()
        await self.tree.set_translator(Translator())  # uk and ru names, filled in at sync
        if self.sharding is None or self.sharding.syncs_commands:
            await self._sync()
        else:
            log.info("not syncing commands: the process holding shard 0 does")
        if self.settings.log_retention_days:
            self.purge_old_entries.start()

    async def _suggest_from(self, engine: Engine) -> None:
        """Autocomplete's article suggestions and vocabulary, made off the event loop."""
        corpus = engine.corpus
        suggestions = await asyncio.to_thread(suggest.from_corpus, corpus)
        vocabulary = await asyncio.to_thread(suggest.Vocabulary.of, corpus)
        if self.engine is engine:  # not already replaced by a newer reload
            self.article_suggestions, self.vocabulary = suggestions, vocabulary

    def _swapped(self, engine: Engine) -> None:
        self.spawn(self._suggest_from(engine))

    async def load_commands(self) -> None:
        """Build the command tree; no connection needed, so `talks-bot doctor` builds the same."""
        for name in COGS:
            await self.load_extension(name)

    @tasks.loop(hours=24)
    async def purge_old_entries(self) -> None:
        """Apply TALKS_LOG_RETENTION_DAYS once a day."""
        days = self.settings.log_retention_days or 0
        cutoff = ago(timedelta(days=days))
        deleted = await self.store.purge(before=cutoff)
        self.asked.forget()  # purged questions are suggested no more
        log.info("retention: deleted %d log entries older than %d days", deleted, days)

    async def _sync(self) -> None:
        guild = discord.Object(self.settings.guild_id) if self.settings.guild_id else None
        try:
            if guild is not None:
                self.tree.copy_global_to(guild=guild)
                self.synced = await self.tree.sync(guild=guild)
            else:
                self.synced = await self.tree.sync()
        except discord.Forbidden as exc:
            if exc.code == 50001:
                raise SyncError(
                    "Discord refused to register the slash commands (403, code 50001): the bot "
                    "was invited without the applications.commands scope. Re-invite it with "
                    "the scopes bot and applications.commands (see README)."
                ) from None
            raise
        where = f"guild {self.settings.guild_id}" if guild else "all guilds (global)"
        log.info("synced %d commands to %s", len(self.synced), where)

    async def on_ready(self) -> None:
        log.info("connected as %s (%s) in %d guilds", self.user, self.user and self.user.id,
                 len(self.guilds))  # fmt: skip

    def shard_for(self, guild_id: int | None) -> int:
        """The shard Discord delivers a server's events on, as Discord computes it; DMs come on
        shard 0. An unsharded bot is shard 0 of 1."""
        count = self.shard_count or 1
        return 0 if guild_id is None else (int(guild_id) >> 22) % count

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run work that must finish before shutdown (log writes) in the background."""
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def track(self) -> _Tracked:
        """Mark the current command as in flight, so shutdown waits for its answer."""
        return _Tracked(self._background)

    async def close(self) -> None:
        """Finish answers in flight and the log writes they start, then disconnect and close
        the log. Work that starts while waiting (an answer spawning its record) is waited for
        too, until nothing is left or the grace period ends."""
        if self._closing:
            return
        self._closing = True
        if self.purge_old_entries.is_running():
            self.purge_old_entries.cancel()
        deadline = asyncio.get_running_loop().time() + SHUTDOWN_GRACE_S
        await self._drain(deadline)
        await super().close()
        await self._drain(deadline)  # records spawned by answers that ended with the connection
        await self.reloader.close()
        if self._watcher is not None:
            await asyncio.gather(self._watcher, return_exceptions=True)
        await self.answering.close()
        await self.asked.close()
        await self.store.close()  # whatever is still retrying goes to the fallback file

    async def _drain(self, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        announced = False
        while self._background and (left := deadline - loop.time()) > 0:
            if not announced:
                log.info("finishing %d answers and log writes in flight", len(self._background))
                announced = True
            await asyncio.wait(set(self._background), timeout=left)
        if self._background:
            log.error(
                "%d answers or log writes still running after %.0f s; stopping anyway",
                len(self._background),
                SHUTDOWN_GRACE_S,
            )


class _Tracked:
    def __init__(self, tasks: set[asyncio.Task[Any]]) -> None:
        self._tasks = tasks
        self._task: asyncio.Task[Any] | None = None

    def __enter__(self) -> None:
        self._task = asyncio.current_task()
        if self._task is not None:
            self._tasks.add(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._tasks.discard(self._task)


class ShardedTalksBot(TalksBot, commands.AutoShardedBot):
    """The same bot over several gateway shards in one process (discord.py opens each)."""


def make_bot(
    settings: Settings,
    engine: Engine,
    store: LogStore,
    sharding: Sharding | None = None,
    *,
    corpus_dir: Path | None = None,
) -> TalksBot:
    """One connection (the default), or ``AutoShardedBot`` when shards are asked for."""
    if sharding is None:
        return TalksBot(settings, engine, store, corpus_dir=corpus_dir)
    return ShardedTalksBot(settings, engine, store, sharding, corpus_dir=corpus_dir)
