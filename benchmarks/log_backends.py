"""Answer-log writes, SQLite against PostgreSQL, from one and from two processes.

    python -m benchmarks.log_backends [--records 2000] [--concurrency 16] [--runs 2]

Starts a throwaway PostgreSQL cluster (tests/postgres_cluster.py, durable settings: fsync and
synchronous_commit on, as a real server runs) and an SQLite file (WAL, synchronous=NORMAL, the
store's own settings). Each writer process opens the store the bot would open and records
``--records`` entries through ``LogStore.record`` — the bot's own write path, one transaction
per entry with its citations — from ``--concurrency`` tasks at once (as answers arrive in a
burst). Reported: records per second over all processes (first record started to last record
written) and each record's latency, median and p95.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import statistics
import tempfile
import time
from pathlib import Path

from bot.logs.models import LogEntry, new_entry_id
from tests.support.postgres_cluster import Cluster  # run from the repository root


def sample_entry() -> dict:
    """One realistic record: a real answer's quotes and citations (the shipped articles)."""
    from bot.app import engine_options
    from retrieval import Engine
    from retrieval.corpus import load_corpus

    engine = Engine.build(load_corpus(), **engine_options())
    answer = engine.answer("Where will the talks be held?")
    return LogEntry.from_answer(answer, "discord", guild_id=1, channel_id=2, user_id=3).to_dict()


def _open(backend: str, target: str, folder: str):
    from bot.logs.postgres import PostgresStore
    from bot.logs.sqlite import SqliteStore

    if backend == "sqlite":
        return SqliteStore(target)
    return PostgresStore(target, fallback_dir=Path(folder))


def writer(backend: str, target: str, folder: str, template: dict, n: int, conc: int,
           start_at: float, out: mp.Queue) -> None:  # fmt: skip
    """One bot process's writes: ``n`` records from ``conc`` tasks, starting together."""

    async def go() -> tuple[list[float], float, float, int]:
        store = await _open(backend, target, folder).open()
        latencies: list[float] = []
        left = iter(range(n))
        kept = 0

        async def task() -> None:
            nonlocal kept
            for i in left:
                entry = LogEntry(**{**template, "id": new_entry_id(), "user_id": str(i)})
                t = time.perf_counter()
                kept += not await store.record(entry)
                latencies.append((time.perf_counter() - t) * 1000)

        await asyncio.sleep(max(0.0, start_at - time.time()))  # all processes start together
        began = time.time()
        await asyncio.gather(*(task() for _ in range(conc)))
        ended = time.time()
        await store.close()
        return latencies, began, ended, kept

    try:
        out.put(asyncio.run(go()))
    except BaseException as exc:  # the parent says what failed instead of waiting
        out.put(repr(exc))
        raise


def run_once(backend: str, target: str, folder: str, template: dict, processes: int,
             n: int, conc: int) -> dict:  # fmt: skip
    ctx = mp.get_context("spawn")
    out: mp.Queue = ctx.Queue()
    start_at = time.time() + 3.0  # time for the processes to import and connect
    procs = [
        ctx.Process(target=writer, args=(backend, target, folder, template, n, conc, start_at, out))
        for _ in range(processes)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    failed = [r for r in results if isinstance(r, str)]
    if failed:
        raise SystemExit(f"a writer process failed: {failed[0]}")
    latencies = sorted(x for r in results for x in r[0])
    wall = max(r[2] for r in results) - min(r[1] for r in results)
    return {
        "rate": len(latencies) / wall,
        "median": statistics.median(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))],
        "kept_aside": sum(r[3] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=2000, help="records per process")
    parser.add_argument("--concurrency", type=int, default=16, help="writing tasks per process")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    template = sample_entry()
    print(f"{args.records} records per process, {args.concurrency} tasks each, "
          f"{args.runs} runs; best and worst run\n")  # fmt: skip
    print("| backend | processes | records/s | record latency median / p95 ms | kept aside |")
    print("|---|---|---|---|---|")
    with Cluster(fast=False) as cluster, tempfile.TemporaryDirectory() as folder:
        for backend in ("sqlite", "postgresql"):
            for processes in (1, 2):
                runs = []
                for run in range(args.runs):
                    if backend == "sqlite":
                        target = str(Path(folder) / f"bench-{processes}-{run}.db")
                    else:
                        name = f"bench_{processes}_{run}"
                        cluster.psql(f"CREATE DATABASE {name}")
                        target = cluster.url(name)
                    runs.append(run_once(backend, target, folder, template, processes,
                                         args.records, args.concurrency))  # fmt: skip
                runs.sort(key=lambda r: r["rate"])
                rate = " – ".join(f"{r['rate']:,.0f}" for r in runs)
                lat = " – ".join(f"{r['median']:.1f} / {r['p95']:.1f}" for r in runs)
                kept = sum(r["kept_aside"] for r in runs)
                print(f"| {backend} | {processes} | {rate} | {lat} | {kept} |", flush=True)


if __name__ == "__main__":
    main()
