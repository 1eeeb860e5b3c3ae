"""Watch the event loop for stalls: blocking work shows up as a late wake-up.

A task sleeps for a fixed tick and measures how late it wakes. Anything that holds the loop
(a slow callback, retrieval run inline) makes it late by about that long; so does a backlog
of many short callbacks under a burst of interactions. Stalls above the warning threshold are
logged as they happen; the largest is logged at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

log = logging.getLogger(__name__)

TICK_S = 0.02
WARN_MS = 100.0


class LoopWatch:
    def __init__(self) -> None:
        self.largest_ms = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="loop-watch")

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(TICK_S)
            late_ms = (time.perf_counter() - before - TICK_S) * 1000
            if late_ms > self.largest_ms:
                self.largest_ms = late_ms
            if late_ms > WARN_MS:
                log.warning("the event loop was blocked for %.0f ms", late_ms)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            log.info("largest event-loop stall: %.1f ms", self.largest_ms)
