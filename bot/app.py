"""The application layer every surface shares: the engine built from settings, and ``ask``.

Retrieval never reads settings and never logs; this is where settings, the engine and the
answer log meet. The CLI and the Discord cogs both ask through ``Asking.ask``, so a question
is answered and recorded the same way whichever surface it came from.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.logs.models import LogEntry, Surface, new_entry_id
from bot.logs.store import LogStore
from bot.times import utc_now
from config import Settings
from retrieval import lexicon
from retrieval.corpus import load_corpus
from retrieval.engine import Engine, EngineOptions, ProgressFn, Reads
from retrieval.index import Params
from retrieval.models import Answer
from retrieval.pipeline.read import Reader

if TYPE_CHECKING:
    from bot.answering import AnswerQueue


def engine_options(settings: Settings | None = None) -> EngineOptions:
    """The engine's answering options from settings; without settings, the settings class's
    defaults (read without the environment), for tools and tests that build an engine."""
    s = settings or Settings.model_construct()
    return {
        "top_k": s.top_k,
        "max_quotes": s.max_quotes,
        "min_score": s.min_score,
        "max_question_chars": s.max_question_chars,
    }


def build_engine(
    settings: Settings, *, progress: ProgressFn | None = None, reader: Reads | None = None
) -> Engine:
    """The engine for these settings, over ``TALKS_CORPUS_DIR`` or the operator's own articles
    (seeded from the shipped ones on first use); the analysed index is cached in
    ``index_cache_dir`` (the user's cache folder by default) when ``index_cache`` is on, so a
    restart skips the build. ``reader``: an engine's reader to share (a live reload), so the
    model is not loaded again."""
    from bot.articles import corpus_dir

    cache_dir = Path(settings.index_cache_dir) if settings.index_cache else None
    options = engine_options(settings)
    # The corpus first, alone: its listing stats every file, and each stat gives up and takes
    # back the GIL, which waits for any thread running Python (at 50,000 files the listing
    # took 0.6 s beside the model loads instead of 0.15 s).
    corpus = load_corpus(corpus_dir(settings), cache_dir)
    if reader is None:
        reader = Reader(workers=settings.answer_threads or None)
        reader.preload()  # the model loads while the index is mapped and the engine made
        # bounded work, so not a daemon: an early exit waits for it (see ``Reader.preload``)
        threading.Thread(target=lexicon.shared, args=(cache_dir,), name="lexicon-load").start()
    options["reader"] = reader
    return Engine.build(
        corpus,
        params=Params(variant=settings.bm25_variant, k1=settings.bm25_k1, b=settings.bm25_b),
        cache_dir=cache_dir,
        progress=progress,
        **options,
    )


@dataclass(frozen=True, slots=True)
class Who:
    """The person asking, as the surface knows them (nothing for an anonymous terminal)."""

    user_id: int | str | None = None
    user_name: str | None = None
    locale: str | None = None  # their client's language, e.g. "uk" (Discord tells; a terminal not)


@dataclass(frozen=True, slots=True)
class Where:
    """The surface a question came from and, in Discord, the server and channel."""

    surface: Surface
    guild_id: int | str | None = None
    channel_id: int | str | None = None
    private: bool | None = None  # Discord: shown only to the asker; None where it means nothing
    shard_id: int | None = None  # Discord: the gateway shard that delivered it
    guild_name: str | None = None  # names as they were when asked, shown beside the ids
    channel_name: str | None = None


@dataclass(frozen=True, slots=True)
class Earlier:
    """The question a follow-up follows: its log entry, and its text, which the engine reads
    with the follow-up (passed with each question; the engine keeps no conversation)."""

    entry_id: int
    question: str


Run = Callable[[Callable[[str], Answer], str], Awaitable[Answer]]
Spawn = Callable[[Coroutine[Any, Any, Any]], object]


async def _in_thread(fn: Callable[[str], Answer], question: str) -> Answer:
    return await asyncio.to_thread(fn, question)


class Asking:
    """Answer a question and log it: the one path every surface takes.

    ``run`` says where answering happens (the Discord bot passes its one answering thread);
    ``queue``, when given, is where answering happens instead (the Discord bot's fair,
    bounded, batched queue, keyed by server and member); ``spawn``, when given, writes the
    record in the background so the answer is shown without
    waiting for the log (the bot's spawn also makes shutdown wait for it). Without a store
    nothing is logged (``talks-bot ask --no-log``).
    """

    def __init__(
        self,
        engine: Engine,
        store: LogStore | None,
        *,
        run: Run = _in_thread,
        spawn: Spawn | None = None,
        queue: AnswerQueue | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self._run = run
        self._spawn = spawn
        self._queue = queue

    async def ask(
        self, question: str, who: Who, where: Where, *, after: Earlier | None = None
    ) -> tuple[Answer, int]:
        """The answer and the id of its log entry; the entry's time is the time of asking.
        ``after``: the question this one follows up; the entry records its id.
        ``self.engine`` is read once: a live reload swapping it meanwhile changes nothing
        for this question (its answer and its logged corpus version are the old engine's)."""
        asked_at = utc_now()
        engine = self.engine
        earlier = after.question if after is not None else None
        if self._queue is not None:
            answer = await self._queue.answer(
                engine, question, where.guild_id, who.user_id, after=earlier
            )
        else:
            answering: Callable[[str], Answer] = functools.partial(engine.answer, after=earlier)
            answer = await self._run(answering, question)
        entry = LogEntry.from_answer(
            answer, where.surface, entry_id=new_entry_id(), created_at=asked_at,
            guild_id=where.guild_id, channel_id=where.channel_id,
            user_id=who.user_id, user_name=who.user_name, locale=who.locale,
            private=where.private, guild_name=where.guild_name,
            channel_name=where.channel_name, shard_id=where.shard_id,
            follows=after.entry_id if after is not None else None,
        )  # fmt: skip
        if self.store is not None:
            if self._spawn is not None:
                self._spawn(self.store.record(entry))
            else:
                await self.store.record(entry)
        return answer, entry.id
