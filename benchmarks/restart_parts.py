"""What a restart spends, part by part: run as a child process by ``benchmarks.start``.

    python -m benchmarks.restart_parts CORPUS_FOLDER CACHE_FOLDER

Does what ``talks-bot ask`` does on a restart, with the same engine (``bot.app.build_engine``:
the model and word lists loading on their threads), and prints one JSON line of seconds:
``imports`` (the application's modules), ``corpus`` (listing and stamping the files, the
paragraph table from the cache), ``engine`` (the settings, the index mapped from the cache, the word
lists, the engine), ``answer`` (the first question, waiting for the reader if it is still loading),
and ``ready``, the sum: from this process's first line to its first answer. The interpreter's
own start and exit are what the parent's wall time adds.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import json  # noqa: E402  (timed from the first line)
import sys  # noqa: E402
from pathlib import Path  # noqa: E402


def main() -> int:
    corpus_dir, cache_dir = Path(sys.argv[1]), Path(sys.argv[2])
    from bot import app
    from config import load_settings

    imported = time.perf_counter()
    settings = load_settings(corpus_dir=corpus_dir, index_cache_dir=cache_dir)
    parts: dict[str, float] = {"imports": imported - STARTED}
    load_corpus = app.load_corpus

    def timed_corpus(*args: object, **kwargs: object) -> object:
        at = time.perf_counter()
        corpus = load_corpus(*args, **kwargs)  # type: ignore[arg-type]
        parts["corpus"] = time.perf_counter() - at
        return corpus

    app.load_corpus = timed_corpus  # type: ignore[assignment]
    engine = app.build_engine(settings)
    parts["engine"] = time.perf_counter() - imported - parts["corpus"]  # settings included
    at = time.perf_counter()
    engine.answer("Where will the talks be held?")
    parts["answer"] = time.perf_counter() - at
    parts["ready"] = time.perf_counter() - STARTED
    sys.stdout.write(json.dumps(parts) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
