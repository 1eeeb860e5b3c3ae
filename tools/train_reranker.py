"""Train the LambdaMART re-ranker (``retrieval/data/reranker.json``) on both question sets.

    pip install '.[train]' && python -m tools.train_reranker [--folds 5] [--no-save]

For every answerable question, the hand-tuned pipeline's top candidates are labelled 1 when the
sentence holds an accepted answer and cites a supporting article. Grouped cross-validation
reports first-quote accuracy with and without the model on questions the model never saw; a
group is every question sharing its accepted answers, so paraphrases of one question never
straddle folds. Then the model is trained on everything and saved as LightGBM's JSON dump.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.quality import Bench
from retrieval.evaluate import is_right
from retrieval.models import Citation, Quote
from retrieval.tuning import Tuning
from retrieval.rerank import FEATURES, MODEL, TOP, Reranker, features

OUT = Path(__file__).resolve().parent.parent / "retrieval" / "data" / MODEL
PARAMS = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [1],
    "learning_rate": 0.05,
    "num_leaves": 7,
    "min_data_in_leaf": 10,
    "feature_fraction": 0.8,
    "lambdarank_truncation_level": TOP,
    "verbosity": -1,
    "seed": 7,
    "deterministic": True,
    "num_threads": 1,
}
ROUNDS = 60  # small ensemble: fast to evaluate per question, and the data is small


def collect(bench: Bench):
    engine = bench.engine(replace(Tuning(), reranker=False))
    groups: dict[frozenset[str], int] = {}
    xs, ys, qid, gid = [], [], [], []
    for items in bench.sets.values():
        for item in items:
            if item.should_decline:
                continue
            steps = engine.explain(item.question)
            if steps.query is None or not steps.candidates:
                continue
            head = steps.candidates[:TOP]
            labels = []
            for c in head:
                cite = Citation(c.passage.source, "", "", c.passage.paragraph)
                labels.append(int(is_right(Quote(c.text, 0.0, [cite]), item)))
            if not any(labels):
                continue  # nothing to learn from: the answer is not among the candidates
            xs.append(features(steps.query, head))
            ys.append(np.asarray(labels))
            qid.append(len(qid))
            gid.append(groups.setdefault(frozenset(a.casefold() for a in item.answers), len(groups)))
    return xs, ys, np.asarray(gid)


def train(lgb, xs, ys):
    data = lgb.Dataset(
        np.vstack(xs), np.concatenate(ys), group=[len(x) for x in xs],
        feature_name=list(FEATURES), free_raw_data=False,
    )  # fmt: skip
    return lgb.train(PARAMS, data, num_boost_round=ROUNDS)


def main(argv: list[str] | None = None) -> int:
    import lightgbm as lgb

    parser = argparse.ArgumentParser(prog="python -m tools.train_reranker", description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    bench = Bench()
    xs, ys, gid = collect(bench)
    unique = np.unique(gid)
    rng = np.random.default_rng(7)
    fold_of = dict(zip(unique, rng.permutation(len(unique)) % args.folds, strict=True))
    folds = np.asarray([fold_of[g] for g in gid])
    before = after = 0
    for k in range(args.folds):
        train_idx = [i for i in range(len(xs)) if folds[i] != k]
        test_idx = [i for i in range(len(xs)) if folds[i] == k]
        booster = train(lgb, [xs[i] for i in train_idx], [ys[i] for i in train_idx])
        model = Reranker.from_dump(booster.dump_model())
        for i in test_idx:
            before += int(ys[i][0])
            after += int(ys[i][int(np.argmax(model.scores(xs[i])))])  # ties: hand-tuned order
    n = len(xs)
    print(f"{n} answerable questions with the answer among the top {TOP} candidates")
    print(f"grouped {args.folds}-fold CV, first candidate right: hand-tuned {before / n:.1%}, "
          f"re-ranked {after / n:.1%}")
    if not args.no_save:
        booster = train(lgb, xs, ys)
        OUT.write_text(json.dumps(booster.dump_model(), separators=(",", ":")) + "\n")
        print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
