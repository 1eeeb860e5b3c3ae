"""A 1 MB article with no line breaks: load and answer times against the same text in lines.

    python -m benchmarks.long_paragraphs [--megabytes 1] [--rounds 5]

The text is the shipped seeds' prose, repeated (each copy with its place names numbered, so
copies are not identical) until it reaches the size. Anchors, same text, same run: one
paragraph per line, as the seeds are written; and one line per passage the single line is
split into (the same documents, so the same answering cost if splitting is sound). Targets
(issue 9): load under 2 s, an answer under 50 ms. Every quote is checked to be an exact
slice of the article.

The engine scores every sentence of a corpus of up to ``Tuning.all_sentences_max_docs``
prose passages instead of the top-k; a 1 MB single line makes fewer passages than that and
so takes that slower path, like any corpus of that size. ``--top-k-only`` turns it off to
show the cost of the passages themselves.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bot.app import engine_options
from retrieval import Engine
from retrieval.corpus import default_corpus_dir, load_corpus
from retrieval.tuning import Tuning

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


def measure(folder: Path, rounds: int, tuning: Tuning) -> dict[str, float]:
    start = time.perf_counter()
    corpus = load_corpus(folder)
    engine = Engine.build(corpus, **{**engine_options(), "tuning": tuning})
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
    parser.add_argument(
        "--top-k-only", action="store_true", help="turn off scoring every sentence of small corpora"
    )
    args = parser.parse_args()
    tuning = Tuning(all_sentences=not args.top_k_only)
    lines = build_text(int(args.megabytes * 1_000_000))
    with tempfile.TemporaryDirectory() as tmp:
        one, many, split = Path(tmp, "one"), Path(tmp, "many"), Path(tmp, "split")
        for folder in (one, many, split):
            folder.mkdir()
        text = " ".join(lines)
        (one / "article.txt").write_text(text + "\n", "utf-8")
        (many / "article.txt").write_text("\n".join(lines) + "\n", "utf-8")
        pieces = [p.text for p in load_corpus(one).passages]
        (split / "article.txt").write_text("\n".join(pieces) + "\n", "utf-8")
        size = (one / "article.txt").stat().st_size
        print(f"{size / 1e6:.2f} MB of text, {len(QUESTIONS)} questions x {args.rounds} rounds, "
              f"all_sentences={tuning.all_sentences}")  # fmt: skip
        print(f"{'layout':28} {'load s':>7} {'passages':>9} {'answer median ms':>17} {'max ms':>7}")
        layouts = (
            ("one line (the case)", one),
            ("a line per passage", split),
            ("a line per paragraph", many),
        )
        for name, folder in layouts:
            r = measure(folder, args.rounds, tuning)
            print(f"{name:28} {r['load_s']:7.2f} {r['passages']:9.0f} "
                  f"{r['median_ms']:17.2f} {r['max_ms']:7.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
