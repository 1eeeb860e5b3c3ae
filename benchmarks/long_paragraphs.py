"""A 1 MB article with no line breaks: load and answer times against the same text in lines.

    python -m benchmarks.long_paragraphs [--megabytes 1] [--rounds 5]

The text is the shipped seeds' prose, repeated (each copy with its place names numbered, so
copies are not identical) until it reaches the size. The anchor is the same text with one
paragraph per line, as the seeds are written: the single line should cost about the same,
because a long line is split into bounded passages. Targets (issue 9): load under 2 s, an
answer under 50 ms. Every quote is checked to be an exact slice of the article.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from retrieval import Engine
from retrieval.corpus import default_corpus_dir, load_corpus

QUESTIONS = [
    "Where will the talks be held?",
    "Who is the Kremlin spokesperson?",
    "What did Trump call Putin's announcement?",
    "Who won the 2018 World Cup?",
    "How many Russian breaches did Ukraine claim?",
]


def paragraphs() -> list[str]:
    lines = []
    for path in sorted(default_corpus_dir().glob("*.txt")):
        lines += [x.strip() for x in path.read_text("utf-8").splitlines() if x.strip()]
    return [x for x in lines if x.endswith((".", '"', "”"))]


def build_text(size: int) -> list[str]:
    base, out, n, total = paragraphs(), [], 0, 0
    while total < size:
        n += 1
        for p in base:
            p = p.replace("Istanbul", f"Istanbul{n}") if n > 1 else p
            out.append(p)
            total += len(p.encode()) + 1
    return out


def measure(folder: Path, rounds: int) -> dict[str, float]:
    start = time.perf_counter()
    corpus = load_corpus(folder)
    engine = Engine(corpus)
    load_s = time.perf_counter() - start
    text = corpus.articles[0].text
    times = []
    for _ in range(rounds):
        for q in QUESTIONS:
            t = time.perf_counter()
            answer = engine.answer(q)
            times.append((time.perf_counter() - t) * 1000)
            for quote in answer.quotes:
                assert all(piece.strip() in text for piece in quote.text.split("…")), quote.text
    return {
        "load_s": load_s,
        "passages": len(corpus.passages),
        "median_ms": statistics.median(times),
        "max_ms": max(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    lines = build_text(int(args.megabytes * 1_000_000))
    with tempfile.TemporaryDirectory() as tmp:
        one, many = Path(tmp, "one"), Path(tmp, "many")
        one.mkdir()
        many.mkdir()
        (one / "article.txt").write_text(" ".join(lines) + "\n", "utf-8")
        (many / "article.txt").write_text("\n".join(lines) + "\n", "utf-8")
        size = (one / "article.txt").stat().st_size
        print(f"{size / 1e6:.2f} MB of text, {len(QUESTIONS)} questions x {args.rounds} rounds")
        print(f"{'layout':28} {'load s':>7} {'passages':>9} {'answer median ms':>17} {'max ms':>7}")
        for name, folder in (("one line (the case)", one), ("a line per paragraph", many)):
            r = measure(folder, args.rounds)
            print(f"{name:28} {r['load_s']:7.2f} {r['passages']:9.0f} "
                  f"{r['median_ms']:17.2f} {r['max_ms']:7.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
