"""A burst of questions answered at the machine's speed, fairly, each within a bounded wait.

When news breaks a server asks many questions at once. They wait here, in one queue per
server and, inside it, per member; the answering takes them in turn (round-robin: one from
each server, each server's members in turn), so a server or a member that floods delays its
own questions, not everyone else's. Taken questions are read together, up to ``batch`` at a
time (``Engine.answer_many``: one reader call for all their candidates), on an answering
thread, while the models compute on their own threads (``TALKS_ANSWER_THREADS``).

The queue is bounded twice, and a question over either bound is answered at once with the
``busy`` decline (the member is told to ask again shortly; the log records it with that
reason), never dropped: ``capacity`` questions waiting at most, and an estimated wait past
``max_wait_s`` (the questions served before it, at the answers-per-second measured so far).
A question that nevertheless waited past ``max_wait_s`` (the machine slowed down) is given
the same answer when its turn comes rather than a late one.

Nothing here blocks the event loop: admission is a few dictionary operations, and answering
runs in the executor.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from retrieval import Answer, Engine
from retrieval.models import BUSY

log = logging.getLogger(__name__)

# Batches answered at the same time: while one batch's pipeline runs its Python (analysis,
# candidates, decision), the other's pairs keep the reader's threads busy. More would only
# add latency (the GIL lets one batch's Python run at a time).
IN_FLIGHT = 2
# Weight of the newest batch in the answers-per-second estimate: recent enough to follow a
# machine that slows down, smooth enough that one odd batch does not swing admission.
RATE_WEIGHT = 0.3


@dataclass(eq=False)
class _Waiting:
    question: str
    after: str | None  # the question it follows up
    engine: Engine
    future: asyncio.Future[Answer]
    since: float = field(default_factory=time.monotonic)


def busy(engine: Engine, question: str, wait_s: float) -> Answer:
    """The decline a member gets when the queue cannot answer in time (``wait_s``: the wait
    it would have had, or had, in whole seconds)."""
    return Answer(
        question=question,
        answered=False,
        reason=BUSY,
        details={"wait_s": round(wait_s)},
        corpus_version=engine.corpus.version,
        articles_total=len(engine.corpus.articles),
    )


class AnswerQueue:
    """Fair, bounded, batched answering. ``answer`` is called on the event loop."""

    def __init__(self, *, batch: int, capacity: int, max_wait_s: float) -> None:
        self.batch = batch
        self.capacity = capacity
        self.max_wait_s = max_wait_s
        # server -> member -> questions; both levels in turn order (first is next).
        self._servers: OrderedDict[Hashable, OrderedDict[Hashable, deque[_Waiting]]] = OrderedDict()
        self._waiting = 0
        self._rate: float | None = None  # answers per second, measured
        self._thread = ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="answer")
        self._wake: asyncio.Event | None = None
        self._workers: list[asyncio.Task[None]] = []
        self.refused = 0  # answered busy, since start (for the log and tests)
        self._closing = False
        self._in_flight = 0
        self._last_done: float | None = None
        self._steady = False

    @property
    def waiting(self) -> int:
        return self._waiting

    async def answer(
        self,
        engine: Engine,
        question: str,
        server: Hashable,
        member: Hashable,
        after: str | None = None,
    ) -> Answer:
        """The answer once the question's turn comes, or ``busy`` at once when it would wait
        past the bounds; ``after``: the question it follows up, if any."""
        if self._closing:
            return self._refuse(engine, question, 0, "stopping")
        self._start()
        estimate = self._estimate(server)
        if self._waiting >= self.capacity or estimate > self.max_wait_s:
            why = "queue full" if self._waiting >= self.capacity else "wait too long"
            return self._refuse(engine, question, estimate, f"{why}: {self._waiting} waiting")
        waiting = _Waiting(question, after, engine, asyncio.get_running_loop().create_future())
        self._servers.setdefault(server, OrderedDict()).setdefault(member, deque()).append(waiting)
        self._waiting += 1
        assert self._wake is not None
        self._wake.set()
        return await asyncio.shield(waiting.future)  # a cancelled caller leaves it answered

    def _refuse(self, engine: Engine, question: str, wait_s: float, why: str) -> Answer:
        self.refused += 1
        log.warning("answering busy (%s, about %.0f s): told to ask again shortly", why, wait_s)
        return busy(engine, question, wait_s)

    def _estimate(self, server: Hashable) -> float:
        """Seconds until a new question from ``server`` would be answered: its server's
        questions already waiting, and from every other server as many as take their turns
        before it, at the measured rate (0 before any batch is measured)."""
        if self._rate is None:
            return 0.0
        own = sum(map(len, self._servers.get(server, {}).values()))
        others = sum(
            min(sum(map(len, members.values())), own + 1)
            for other, members in self._servers.items()
            if other != server
        )
        return (own + others + 1) / self._rate

    def _take(self) -> list[_Waiting]:
        """Up to ``batch`` questions in turn order: a server, then its next member."""
        taken: list[_Waiting] = []
        while self._servers and len(taken) < self.batch:
            server, members = next(iter(self._servers.items()))
            member, questions = next(iter(members.items()))
            taken.append(questions.popleft())
            self._waiting -= 1
            members.move_to_end(member)
            if not questions:
                del members[member]
            self._servers.move_to_end(server)
            if not members:
                del self._servers[server]
        return taken

    def _start(self) -> None:
        if self._workers:
            return
        self._wake = asyncio.Event()
        self._workers = [asyncio.create_task(self._work()) for _ in range(IN_FLIGHT)]

    async def _work(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        while not self._closing:
            if not self._waiting:
                self._wake.clear()
                await self._wake.wait()
                continue
            taken = self._take()
            now = time.monotonic()
            late = [w for w in taken if now - w.since > self.max_wait_s]
            for w in late:
                w.future.set_result(self._refuse(w.engine, w.question, now - w.since, "waited"))
            taken = [w for w in taken if w not in late]
            if not taken:
                continue
            started = time.monotonic()
            self._in_flight += 1
            try:
                answers = await loop.run_in_executor(self._thread, _answer_all, taken)
            except Exception as exc:  # each caller gets the error, not a hang
                for w in taken:
                    if not w.future.done():
                        w.future.set_exception(exc)
                continue
            finally:
                self._in_flight -= 1
            self._measure(len(taken), started)
            for w, answer in zip(taken, answers, strict=True):
                if not w.future.done():
                    w.future.set_result(answer)

    def _measure(self, answered: int, started: float) -> None:
        """Answers per second from completions: over the time since the previous batch ended
        when the answering never stopped in between (the machine's rate, whatever the
        batches' overlap), else over this batch alone."""
        now = time.monotonic()
        since = self._last_done if self._last_done is not None and self._steady else started
        sample = answered / max(now - since, 1e-3)
        self._rate = sample if self._rate is None else (
            RATE_WEIGHT * sample + (1 - RATE_WEIGHT) * self._rate
        )  # fmt: skip
        self._last_done = now
        self._steady = self._in_flight > 0 or self._waiting > 0  # more is being answered

    async def close(self) -> None:
        """Stop taking questions: the batches in hand are finished, whatever still waits is
        told busy (the bot waits for the answers in flight before closing, so normally
        nothing does); then the answering thread ends."""
        self._closing = True
        if self._wake is not None:
            self._wake.set()
        await asyncio.gather(*self._workers, return_exceptions=True)
        for members in self._servers.values():
            for questions in members.values():
                for w in questions:
                    if not w.future.done():
                        w.future.set_result(busy(w.engine, w.question, 0))
        self._servers.clear()
        self._waiting = 0
        await asyncio.to_thread(self._thread.shutdown, True)


def _answer_all(taken: list[_Waiting]) -> list[Answer]:
    """Each engine's questions in one ``answer_many`` (a live reload may leave two)."""
    by_engine: dict[int, list[int]] = {}
    for n, w in enumerate(taken):
        by_engine.setdefault(id(w.engine), []).append(n)
    answers: list[Answer | None] = [None] * len(taken)
    for places in by_engine.values():
        engine = taken[places[0]].engine
        asked = engine.answer_many(
            [taken[n].question for n in places], [taken[n].after for n in places]
        )
        for n, answer in zip(places, asked, strict=True):
            answers[n] = answer
    return [a for a in answers if a is not None]
