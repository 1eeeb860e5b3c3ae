"""Cross-validated answer quality: every figure on questions nothing was fitted to.

    python -m benchmarks.folds               # the tables (about 2 minutes)
    python -m benchmarks.folds --write       # also fit on everything → retrieval/data/decide.json

The reader's scores come from ``tools/train_reader.py --plan folds``: for each question, a
model that never saw it (``benchmarks/data/reader-oof-seed7.jsonl.gz``; the dev parts from
models trained without that part, SQuAD from models trained without that article). Then, for
each held-out group, the decide step (ranker, decision model, both thresholds) is fitted on
the other groups' questions alone, and the held-out questions go through the real pipeline
(assemble included) with those scores, counted by ``retrieval.evaluate``:

- **dev parts a, b, c**: leave one part out (fit on the other two);
- **SQuAD**: leave one article out, over the articles whose reader scores are clean (see
  ``CLEAN_SQUAD``), fit on the other clean articles.

The decide step is fitted within a domain: the reader is surer of itself on news about the
five articles it was trained around than on Wikipedia, and one model fitted on both answered
confidently almost never on news (3 % of answerable questions) while the news-fitted one does
for about half. ``--write`` fits the shipped decide step on the three dev parts.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from retrieval.corpus import load_corpus
from retrieval.engine import Engine, pair
from retrieval.evaluate import Item, Report, evaluate, is_right, load_items
from retrieval.pipeline import logistic
from retrieval.pipeline.candidates import LIMIT
from retrieval.pipeline.decide import (
    CANDIDATE_FEATURES,
    DECIDE,
    QUESTION_FEATURES,
    Decider,
    Scored,
    candidate_rows,
    question_row,
)  # fmt: skip
from retrieval.pipeline.read import Pair
from tools.reader_data import EVAL, QuestionSet, as_quote, default_sets

READ_LIMIT = LIMIT
OOF = Path(__file__).resolve().parent / "data" / "reader-oof-seed7.jsonl.gz"

# The SQuAD articles whose reader scores came from a model that saw none of their questions,
# answerable or not. In the seed-7 run the unanswerable questions (which name no article) were
# grouped apart, so the other nine articles' unanswerable questions were in their models'
# training data, and those models learnt the held-out articles' sentences as non-answers
# (their first sentence was right for 10-21 % of answerable questions, against 76 % here).
# ``tools.reader_data`` now groups them by article; a rerun with a GPU makes every article clean.
CLEAN_SQUAD = ("01_Computational_complexity_theory", "05_European_Union_law",
               "10_Scottish_Parliament")  # fmt: skip

# Thresholds, chosen on the fitting questions each time: decline below the answerability that
# declines DECLINE_BUDGET of the answerable ones; answer confidently from the lowest
# answerability at which confident answers are right CONFIDENT_PRECISION of the time.
DECLINE_UNRELATED = False  # Decider.decline_unrelated (--unrelated measures with it)
DECLINE_BUDGET = 0.03  # the target is 5 % declined outright: leave room for new questions
CONFIDENT_PRECISION = 0.92  # the target is 90 %


class LookupReader:
    """The read step with the cross-validation models' scores: (question, candidate) → logit.
    A candidate the models never scored (the pipeline before the reader changed since) reads
    as certainly wrong, and is counted."""

    def __init__(self, logits: dict[str, float]) -> None:
        self.logits = logits
        self.missing = 0

    def run(self, pairs: Sequence[Pair]) -> list[float]:
        out = []
        for p in pairs:
            value = self.logits.get(pair_key(p.question, p.text, p.context))
            if value is None:
                self.missing += 1
                value = MISSING
            out.append(value)
        return out


MISSING = -10.0  # below any logit the reader gives


def pair_key(question: str, text: str, context: str) -> str:
    """How the scores file names a pair (a hash: the file stays small and holds no text)."""
    return hashlib.sha256("\0".join((question, text, context)).encode()).hexdigest()[:16]


@dataclass
class Case:
    """One question, read once: what every fold's decide step needs."""

    item: Item
    group: str
    rows: np.ndarray  # candidate features
    right: np.ndarray  # per candidate
    steps: object  # the Explanation (query, readings, rules)


def read_oof(path: Path) -> dict[str, dict[str, float]]:
    """Each set's scores, by ``pair_key``."""
    out: dict[str, dict[str, float]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for row in map(json.loads, f):
            out.setdefault(row["set"], {}).update(row["scores"])
    return out


def cases_for(qset: QuestionSet, oof: dict, keep: set[str] | None) -> tuple[list[Case], Engine]:
    """Every question of a set with its candidates read by the model that never saw it."""
    corpus = load_corpus(qset.corpus)
    engine = Engine.build(
        corpus, top_k=24, max_quotes=3, max_question_chars=300,
        reader=LookupReader(oof.get(qset.name, {})), decider=Decider.untrained(),
    )  # fmt: skip
    engine.candidates.limit = READ_LIMIT
    items = load_items(qset.questions)
    cases = []
    for item, group in zip(items, qset.groups(items), strict=True):
        if keep is not None and group not in keep:
            continue
        steps = engine.explain(item.question)
        readings = steps.readings
        raw = engine.reader.run([pair(item.question, r) for r in readings])
        right = np.array([is_right(as_quote(r.candidate, corpus), item) for r in readings])
        cases.append(Case(item, group, candidate_rows(readings, raw), right, steps))
    return cases, engine


def fit(cases: list[Case]) -> Decider:
    """The decide step fitted on these questions alone. Its thresholds are read off
    answerabilities the decision model gives to questions it was not fitted on (one group
    held out at a time), since on its own fitting questions it is surer than it will be."""
    with_candidates = [c for c in cases if len(c.rows)]
    ranker_cases = [c for c in with_candidates if not c.item.should_decline]
    ranker = logistic.fit(
        CANDIDATE_FEATURES,
        np.vstack([c.rows for c in ranker_cases]),
        np.concatenate([c.right for c in ranker_cases]).astype(float),
    )
    rows, labels = [], []
    for c in with_candidates:
        ranked, top_right = _ranked(ranker, c)
        rows.append(question_row(c.steps.query, ranked, c.steps.decision.rules))  # type: ignore[attr-defined]
        labels.append(float(top_right))
    x, y = np.vstack(rows), np.array(labels)
    answerable = np.array([not c.item.should_decline for c in with_candidates])
    groups = np.array([c.group for c in with_candidates])
    p = np.zeros(len(y))
    for g in np.unique(groups):
        inside = groups != g
        p[~inside] = _decision(x[inside], y[inside], answerable[inside]).probability(x[~inside])
    decline_below = float(np.quantile(p[answerable], DECLINE_BUDGET))
    confident_from = 1.0
    for t in np.unique(p)[::-1]:
        if y[p >= t].mean() >= CONFIDENT_PRECISION:
            confident_from = float(t)
    decision = _decision(x, y, answerable)
    return Decider(ranker, decision, decline_below, max(confident_from, decline_below))


def _decision(x: np.ndarray, y: np.ndarray, answerable: np.ndarray) -> logistic.Logistic:
    """Answerable and unanswerable questions weigh the same in total."""
    share = answerable.mean()
    weights = np.where(answerable, 0.5 / share, 0.5 / (1 - share))
    return logistic.fit(QUESTION_FEATURES, x, y, weights)


def _ranked(ranker: logistic.Logistic, c: Case) -> tuple[list[Scored], bool]:
    probabilities = ranker.probability(c.rows)
    order = sorted(range(len(c.rows)), key=lambda i: -probabilities[i])
    readings = c.steps.readings  # type: ignore[attr-defined]
    ranked = [Scored(readings[i], float(c.rows[i][0]), float(probabilities[i])) for i in order]
    return ranked, bool(c.right[order[0]])


def measure(decider: Decider, engine: Engine, cases: list[Case]) -> Report:
    decider = replace(decider, decline_unrelated=DECLINE_UNRELATED)
    scored = Engine(
        engine.corpus, engine.index, engine.speller, top_k=24, max_quotes=3,
        max_question_chars=300, reader=engine.reader, decider=decider,
    )  # fmt: skip
    scored.candidates.limit = engine.candidates.limit
    return evaluate(scored.answer, [c.item for c in cases], engine.corpus)


def table(name: str, report: Report) -> str:
    return (
        f"{name:<22} {report.first_quote:6.1%} {report.shown_quotes:6.1%} "
        f"{report.wrongly_declined:6.1%} {report.abstention:6.1%} "
        f"{report.confident_unanswerable:6.1%} {report.confident_right:6.1%} "
        f"{report.confident_answerable:6.1%} "
        f"{report.fidelity:6.1%}  ({report.answerable}+{report.unanswerable})"
    )


HEADER = (
    f"{'held out':<22} {'first':>6} {'shown':>6} {'a.decl':>6} {'abstn':>6} "
    f"{'conf.u':>6} {'conf.r':>6} {'conf.a':>6} {'fidel.':>6}"
)
LEGEND = (
    "first: first quote right; shown: a shown quote right; a.decl: answerable declined "
    "outright; abstn: to decline, declined; conf.u: to decline, answered confidently; "
    "conf.r: confident answers right; conf.a: answerable, answered confidently; "
    "fidel.: citations verbatim ('not sure' counts as answered)"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oof", type=Path, default=OOF)
    parser.add_argument("--eval-dir", type=Path, default=EVAL)
    parser.add_argument("--write", action="store_true", help="fit on everything, write it")
    parser.add_argument("--kinds", action="store_true", help="figures per kind of question")
    parser.add_argument("--unrelated", action="store_true", help="with decline_unrelated")
    parser.add_argument("--limit", type=int, default=LIMIT, help="candidates read per question")
    args = parser.parse_args(argv)
    global DECLINE_UNRELATED
    DECLINE_UNRELATED = args.unrelated
    global READ_LIMIT
    READ_LIMIT = args.limit
    oof = read_oof(args.oof)
    sets = {s.name: s for s in default_sets(args.eval_dir)}
    parts: dict[str, tuple[list[Case], Engine]] = {
        p: cases_for(sets[p], oof, None) for p in ("a", "b", "c")
    }
    squad, squad_engine = cases_for(sets["squad"], oof, set(CLEAN_SQUAD))
    missing = sum(e.reader.missing for _, e in parts.values()) + squad_engine.reader.missing  # type: ignore[attr-defined]
    print(f"candidates without a cross-validated score: {missing}", file=sys.stderr)
    print(HEADER)
    reports = {}
    for p, (cases, engine) in parts.items():
        others = [c for q, (cs, _) in parts.items() if q != p for c in cs]
        reports[p] = measure(fit(others), engine, cases)
        print(table(f"dev part {p}", reports[p]))
    print(table("mean of a, b, c", mean([reports[p] for p in "abc"])))
    news = [c for cs, _ in parts.values() for c in cs]
    squad_reports = []
    for article in CLEAN_SQUAD:
        held = [c for c in squad if c.group == article]
        rest = [c for c in squad if c.group != article]
        squad_reports.append(measure(fit(rest), squad_engine, held))
        print(table(f"SQuAD {article[:16]}", squad_reports[-1]))
    print(table("SQuAD, all held out", pooled(squad_reports)))
    print(LEGEND)
    if args.kinds:
        for p in "abc":
            print(f"part {p}, by kind:")
            for line in reports[p].kind_lines():
                print("  " + line)
    if args.write:
        decider = fit(news)
        raw = decider.to_dict()
        raw["made_by"] = {
            "command": "python -m benchmarks.folds --write",
            "reader_scores": args.oof.name,
            "questions": f"dev parts a, b, c ({len(news)} questions), each scored by a reader "
            "that never saw it",
            "decline_budget": DECLINE_BUDGET,
            "confident_precision": CONFIDENT_PRECISION,
        }
        DECIDE.write_text(json.dumps(raw, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {DECIDE}")
    return 0


def mean(reports: list[Report]) -> Report:
    """The unweighted mean of each figure (each part counts once)."""
    fields = ("first_quote", "shown_quotes", "citations", "abstention", "fidelity",
              "wrongly_declined", "confident_unanswerable", "confident_right",
              "confident_answerable")  # fmt: skip
    values = {f: float(np.mean([getattr(r, f) for r in reports])) for f in fields}
    return Report(
        answerable=sum(r.answerable for r in reports),
        unanswerable=sum(r.unanswerable for r in reports),
        confident=sum(r.confident for r in reports), **values,
    )  # fmt: skip


def pooled(reports: list[Report]) -> Report:
    """Figures over all held-out questions together (weighted by their counts)."""
    a = sum(r.answerable for r in reports)
    u = sum(r.unanswerable for r in reports)
    n = sum(r.confident for r in reports)

    def by(field: str, count: str) -> float:
        total = sum(getattr(r, count) for r in reports)
        return sum(getattr(r, field) * getattr(r, count) for r in reports) / max(total, 1)

    return Report(
        first_quote=by("first_quote", "answerable"), shown_quotes=by("shown_quotes", "answerable"),
        citations=by("citations", "answerable"), abstention=by("abstention", "unanswerable"),
        fidelity=float(np.mean([r.fidelity for r in reports])),
        wrongly_declined=by("wrongly_declined", "answerable"), answerable=a, unanswerable=u,
        confident_unanswerable=by("confident_unanswerable", "unanswerable"),
        confident_right=by("confident_right", "confident"), confident=n,
        confident_answerable=by("confident_answerable", "answerable"),
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
