"""Live reload: a changed corpus becomes a new engine, built aside and swapped in whole.

The running bot answers through ``Asking.engine``. When the articles change (a file written
into the corpus folder, seen by watchfiles, or ``/sources add``/``remove``), a new engine is
built on a thread of its own while questions keep being answered from the old one; then one
attribute assignment (``asking.engine = new``) swaps it in. A question reads that attribute
once, so it is answered wholly from the old engine or wholly from the new one, never from a
half-built index, and none waits for the build. A failed build (an article that cannot be
read, a broken ``articles.json``) keeps the old engine and says why in the log.

Requests made during a build are folded into one more build after it, so a burst of file
events costs at most two builds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot import versions
from bot.app import Asking, build_engine
from config import Settings
from retrieval.corpus import METADATA_FILE, Corpus, CorpusError
from retrieval.engine import Engine

log = logging.getLogger(__name__)

DEBOUNCE_MS = 300  # a copy of several files is one change, not several rebuilds
WATCH_STEP_MS = 1000  # how often the watcher looks at its stop flag


class Reloader:
    """Rebuilds the engine of ``asking`` from ``settings`` on request, off the event loop."""

    def __init__(
        self,
        settings: Settings,
        asking: Asking,
        *,
        corpus_dir: Path | None,
        on_swap: Callable[[Engine], object] | None = None,
    ) -> None:
        self.settings = settings
        self.asking = asking
        self.corpus_dir = corpus_dir
        self._on_swap = on_swap
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reload")
        self._wanted = 0  # requests made
        self._done = 0  # requests a finished build has covered
        self._error: str | None = None  # the last build's failure, for who asked
        self._changed = asyncio.Condition()
        self._builder: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self.builds = 0  # engines built and swapped in (for tests and the log)

    async def reload(self) -> str | None:
        """Build an engine from the corpus as it is now and swap it in; returns when done
        (``None``) or with why the build failed (the old engine stays)."""
        self._wanted += 1
        mine = self._wanted
        if self._builder is None or self._builder.done():
            self._builder = asyncio.create_task(self._build_until_current())
        async with self._changed:
            await self._changed.wait_for(lambda: self._done >= mine)
            return self._error

    def request(self) -> None:
        """Ask for a rebuild without waiting for it (the watcher's way)."""
        self._wanted += 1
        if self._builder is None or self._builder.done():
            self._builder = asyncio.create_task(self._build_until_current())

    async def _build_until_current(self) -> None:
        loop = asyncio.get_running_loop()
        while self._done < self._wanted:  # bounded: each pass covers every request so far
            target = self._wanted
            old = self.asking.engine
            try:
                new = await loop.run_in_executor(self._thread, self._build, old)
            except CorpusError as exc:
                self._error = str(exc)
                log.error("corpus changed but cannot be loaded (still answering from %s): %s",
                          old.corpus.version, exc)  # fmt: skip
            except Exception as exc:  # never let a rebuild take the bot down
                self._error = f"{type(exc).__name__}: {exc}"
                log.exception("rebuilding the engine failed; still answering from %s",
                              old.corpus.version)  # fmt: skip
            else:
                self._error = None
                if _differs(old.corpus, new.corpus):
                    self.asking.engine = new  # the swap: one assignment
                    self.builds += 1
                    log.info(
                        "now answering from corpus %s (%d articles; was %s)",
                        new.corpus.version, len(new.corpus.articles), old.corpus.version,
                    )  # fmt: skip
                    if self._on_swap is not None:
                        self._on_swap(new)
            async with self._changed:
                self._done = target
                self._changed.notify_all()

    def _build(self, old: Engine) -> Engine:
        """The new engine, ready to answer (the reader is shared, so no model is loaded)."""
        engine = build_engine(self.settings, reader=old.reader)
        if _differs(old.corpus, engine.corpus):
            versions.remember(versions.path_for(self.settings), engine.corpus)
        return engine

    async def watch(self) -> None:
        """Rebuild whenever an article or ``articles.json`` in the corpus folder changes,
        until ``close``. Temporary files (``.name.tmp``) are ignored: only the rename that
        completes a write counts."""
        if self.corpus_dir is None:
            return
        from watchfiles import awatch

        def relevant(change: object, path: str) -> bool:
            name = Path(path).name
            return not name.startswith(".") and (name.endswith(".txt") or name == METADATA_FILE)

        try:
            async for _changes in awatch(
                self.corpus_dir, watch_filter=relevant, stop_event=self._stop,
                debounce=DEBOUNCE_MS, rust_timeout=WATCH_STEP_MS, recursive=False,
            ):  # fmt: skip
                log.info("articles changed in %s; rebuilding the index", self.corpus_dir)
                self.request()
        except (OSError, RuntimeError) as exc:  # the folder went away, or no watch is possible
            log.warning("not watching %s for changes any more: %s", self.corpus_dir, exc)

    async def close(self) -> None:
        """Stop watching, let a build in progress finish, end the build thread."""
        self._stop.set()
        if self._builder is not None:
            await asyncio.gather(self._builder, return_exceptions=True)
        self._thread.shutdown(wait=True)


def _differs(old: Corpus, new: Corpus) -> bool:
    """Whether answers could differ: other files (the version), or other titles, outlets,
    dates or links from ``articles.json``, which the version does not cover."""

    def about(corpus: Corpus) -> list[tuple[object, ...]]:
        return [(a.source, a.title, a.outlet, a.date, a.url, a.label) for a in corpus.articles]

    return old.version != new.version or about(old) != about(new)
