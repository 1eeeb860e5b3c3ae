"""Fit the short-answer step's logistic regression on the shared QA pack's answer spans.

    python -m tools.train_span [--write]

Training items: the pack's questions with answer spans in a news-like sentence (QAMR
Wikinews, TweetQA, SQuADShifts new Wikipedia; ``TRAIN``), never the news questions of
``shared/eval``. The text read is the item's answer sentence (the engine reads its first
quote, one sentence or two); a candidate (``retrieval.pipeline.span.candidates``) is positive
when its words equal an accepted answer's, ignoring case and edge punctuation. Items without
a positive candidate (long answers, free text) are left out. The weights are fitted by
gradient descent on the log loss with a small L2 penalty. A span is shown from ``SHOW_AT``;
what that gives on held-out items (``HELD_OUT``) is printed. ``--write`` stores both in
``retrieval/data/span.json`` with the files' hashes and this command (the card:
``retrieval/data/SPAN.md``).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
from pathlib import Path

import numpy as np

from retrieval import answer_types
from retrieval.pipeline.span import FEATURES, MODEL_PATH, SHORT_KINDS, SpanModel, rows

ROOT = Path(__file__).resolve().parent.parent
QA = ROOT.parent / "shared" / "qa"
TRAIN = ("qamr_wikinews_dev.jsonl.gz", "tweetqa_train.jsonl.gz", "squadshifts_new_wiki.jsonl.gz")
HELD_OUT = ("qamr_wikinews_test.jsonl.gz", "tweetqa_dev.jsonl.gz")
PER_FILE = 6000  # items read from each file: enough for 32 weights, a minute on two cores
NEGATIVES = 12  # negatives kept per item (every candidate of a sentence would be ~100)
L2 = 1e-3
STEPS, RATE = 600, 0.5
# A span is shown when the model finds it more likely an answer than not: the regression's own
# decision point, not a value tuned to any question set (the held-out pack's spans are too
# noisy a measure to tune on: QAMR's answers are phrases of any length, TweetQA's free text).
SHOW_AT = 0.5
SEED = 29


def _norm(text: str) -> str:
    return " ".join(text.strip(" .,;:!?\"'“”‘’()").lower().split())


def items(name: str, limit: int) -> list[dict]:
    out = []
    with gzip.open(QA / name, "rt", encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            if item.get("answer_starts") and item.get("answer_sentence"):
                out.append(item)
    random.Random(SEED).shuffle(out)
    return out[:limit]


def labelled(item: dict) -> tuple[list[list[float]], list[int]] | None:
    text, question = item["answer_sentence"], item["question"]
    kind = answer_types.detect(question).kind
    spans, feats = rows(text, question, kind)
    answers = {_norm(a) for a in item["answers"]}
    labels = [int(_norm(text[s.start : s.end]) in answers) for s in spans]
    if not any(labels):
        return None
    return feats, labels


def dataset(names: tuple[str, ...], rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    xs: list[list[float]] = []
    ys: list[int] = []
    for name in names:
        for item in items(name, PER_FILE):
            got = labelled(item)
            if got is None:
                continue
            feats, labels = got
            pos = [i for i, y in enumerate(labels) if y]
            neg = [i for i, y in enumerate(labels) if not y]
            for i in pos + rng.sample(neg, min(NEGATIVES, len(neg))):
                xs.append(feats[i])
                ys.append(labels[i])
    return np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64)


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Logistic regression by full-batch gradient descent with Adam's step sizes."""
    w = np.zeros(x.shape[1])
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for step in range(1, STEPS + 1):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) / len(y) + L2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= RATE * 0.1 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w


def held_out(model: SpanModel) -> list[tuple[float, bool]]:
    """Each held-out item that asks for a value or a name (the only ones a span is shown for):
    its best span's probability, and whether the span contains an accepted answer (the
    measure the news questions are held to)."""
    out = []
    for name in HELD_OUT:
        for item in items(name, PER_FILE // 2):
            kind = answer_types.detect(item["question"]).kind
            if kind not in SHORT_KINDS:
                continue
            best = model.best(item["answer_sentence"], item["question"], kind)
            if best is not None:
                span, p = best
                text = _norm(item["answer_sentence"][span.start : span.end])
                out.append((p, any(_norm(a) and _norm(a) in text for a in item["answers"])))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_PATH.name}")
    args = parser.parse_args()
    x, y = dataset(TRAIN, random.Random(SEED))
    print(f"{len(y)} candidates, {int(y.sum())} right, {x.shape[1]} features")
    w = fit(x, y)
    scored = held_out(SpanModel(tuple(w.tolist()), 0.0))
    cut = SHOW_AT
    shown = [ok for p, ok in scored if p >= cut]
    print(
        f"held out: best span holds an answer {sum(ok for _, ok in scored) / len(scored):.1%} of "
        f"{len(scored)}; shown from p >= {cut:.3f}: {len(shown)} ({len(shown) / len(scored):.0%}),"
        f" right {sum(shown) / max(1, len(shown)):.1%}"
    )
    for at in (0.3, 0.5, 0.7, 0.9):
        kept = [ok for p, ok in scored if p >= at]
        print(f"  p >= {at}: {len(kept)} shown, right {sum(kept) / max(1, len(kept)):.1%}")
    for name, weight in sorted(zip(FEATURES, w, strict=True), key=lambda t: -abs(t[1]))[:10]:
        print(f"  {name:24} {weight:+.3f}")
    if args.write:
        data = {
            "features": list(FEATURES),
            "weights": [round(float(v), 6) for v in w],
            "threshold": round(cut, 6),
            "trained_on": {n: _sha256(QA / n) for n in TRAIN},
            "threshold_from": {n: _sha256(QA / n) for n in HELD_OUT},
            "command": "python -m tools.train_span --write",
        }
        MODEL_PATH.write_text(json.dumps(data, indent=1) + "\n", "utf-8")
        print(f"wrote {MODEL_PATH}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    main()
