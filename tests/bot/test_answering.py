"""The answer queue: servers and members served in turn, a bounded wait, busy said at once."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

from bot.answering import AnswerQueue
from retrieval import Answer
from retrieval.models import BUSY


class FakeEngine:
    """Answers every question; the first batch waits for ``release`` so a queue builds up."""

    def __init__(self) -> None:
        self.corpus = SimpleNamespace(version="v1", articles=[object()])
        self.batches: list[list[str]] = []
        self.release = threading.Event()

    def answer_many(self, questions: list[str], after: object = None) -> list[Answer]:
        self.batches.append(list(questions))
        assert self.release.wait(10)
        return [Answer(question=q, answered=True) for q in questions]


async def _until(condition, limit: float = 5.0) -> None:
    for _ in range(int(limit / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never met")


async def _hold(queue: AnswerQueue, engine: FakeEngine, server: object) -> list[asyncio.Task]:
    """Two questions taken one at a time, held: both answering slots busy."""
    held = []
    for n in range(2):
        held.append(asyncio.create_task(queue.answer(engine, f"held{n}", server, n)))  # type: ignore[arg-type]
        await _until(lambda n=n: len(engine.batches) == n + 1)
    return held


async def test_a_flooding_server_does_not_starve_another() -> None:
    engine = FakeEngine()
    queue = AnswerQueue(batch=4, capacity=100, max_wait_s=600)
    first, second = await _hold(queue, engine, "A")
    flood = [
        asyncio.create_task(queue.answer(engine, f"a{n}", "A", n % 3))  # type: ignore[arg-type]
        for n in range(2, 30)
    ]
    late = asyncio.create_task(queue.answer(engine, "b0", "B", 9))  # type: ignore[arg-type]
    await _until(lambda: queue.waiting == 29)
    engine.release.set()
    answers = await asyncio.gather(first, second, *flood, late)
    assert all(a.answered for a in answers)
    order = [q for batch in engine.batches for q in batch]
    assert order.index("b0") < 2 + 4  # in the first batch after the held ones
    # server A's three members take turns: no member's questions all go first
    third_batch = engine.batches[2]
    assert len({int(q[1:]) % 3 for q in third_batch if q.startswith("a")}) == 3
    await queue.close()


async def test_a_full_queue_says_busy_at_once_and_answers_the_rest() -> None:
    engine = FakeEngine()
    queue = AnswerQueue(batch=1, capacity=2, max_wait_s=600)
    held = await _hold(queue, engine, 0)
    waiting = [asyncio.create_task(queue.answer(engine, f"w{n}", n, n)) for n in range(2)]  # type: ignore[arg-type]
    await _until(lambda: queue.waiting == 2)
    refused = await asyncio.wait_for(queue.answer(engine, "over", 5, 5), 1)  # type: ignore[arg-type]
    assert (refused.answered, refused.reason, refused.question) == (False, BUSY, "over")
    assert refused.corpus_version == "v1"
    engine.release.set()
    answers = await asyncio.gather(*held, *waiting)
    assert [a.answered for a in answers] == [True] * 4
    assert queue.refused == 1
    await queue.close()


async def test_a_wait_longer_than_the_bound_says_busy_at_once() -> None:
    engine = FakeEngine()
    queue = AnswerQueue(batch=1, capacity=100, max_wait_s=3)
    held = await _hold(queue, engine, 1)
    waiting = [asyncio.create_task(queue.answer(engine, f"w{n}", 1, n)) for n in range(4)]  # type: ignore[arg-type]
    await _until(lambda: queue.waiting == 4)
    queue._rate = 1.0  # as measured on a slow machine: one answer a second
    refused = await asyncio.wait_for(queue.answer(engine, "later", 1, 7), 1)  # type: ignore[arg-type]
    assert refused.reason == BUSY and refused.details["wait_s"] >= 3
    # another server's first question goes ahead of most of the wait, so it is taken
    other = asyncio.create_task(queue.answer(engine, "elsewhere", 2, 1))  # type: ignore[arg-type]
    engine.release.set()
    answers = await asyncio.gather(*held, *waiting, other)
    assert all(a.answered for a in answers)
    await queue.close()


async def test_closing_answers_whatever_still_waits() -> None:
    engine = FakeEngine()
    queue = AnswerQueue(batch=1, capacity=100, max_wait_s=600)
    held = await _hold(queue, engine, 1)
    stranded = asyncio.create_task(queue.answer(engine, "stranded", 1, 3))  # type: ignore[arg-type]
    await _until(lambda: queue.waiting == 1)
    engine.release.set()
    await asyncio.gather(*held)
    await queue.close()
    answer = await asyncio.wait_for(stranded, 1)
    assert answer.question == "stranded"  # answered or told busy, never left hanging
