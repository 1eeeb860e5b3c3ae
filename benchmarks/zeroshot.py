"""Answer quality on questions nothing was fitted to: the figures of record.

    python -m benchmarks.zeroshot             # the tables (a few minutes; reader scores cached)
    python -m benchmarks.zeroshot --write     # also write the fitted decide step (decide.json)
    python -m benchmarks.zeroshot --kinds     # and the news figures per kind of question

The shipped reader was trained on general data only (``tools.general_data``: the public QA
pack and six SQuAD articles), never on a question about the shipped news articles. This script
fits the decide step on questions the reader never saw either, none of them about the news
articles either:

- **fit**: the two SQuAD articles of ``tools.splits.SQUAD_DECISION`` (answerable and
  unanswerable), a news corpus made of Wikinews pages from QAMR whose questions the reader
  never saw (``qamr_news``), and questions from other sources asked of both corpora, which
  must be declined (``elsewhere``: TweetQA dev, SQuADShifts Reddit and Amazon questions the
  reader did not train on);

and measures, with that decide step, the real pipeline on:

- **news**: all 285 shared questions about the shipped articles, per part (zero-shot: neither
  the reader nor the decide step saw any of them);
- **SQuAD-4**: the four SQuAD articles kept back (``tools.splits.SQUAD_KEPT_BACK``);
- **elsewhere → news**: other sources' questions asked of the shipped articles (to decline).

The reader's logits are cached under ``build/zeroshot/`` by the model's hash and the pair.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.zeroshot_sets import BUILD, elsewhere_items, qamr_news, squad_items
from retrieval.corpus import load_corpus
from retrieval.engine import Engine, Explanation
from retrieval.evaluate import Baseline, Item, Report, evaluate, is_right, load_items
from retrieval.pipeline import logistic
from retrieval.pipeline.decide import (
    CANDIDATE_FEATURES,
    DECIDE,
    QUESTION_FEATURES,
    Decider,
    Scored,
    candidate_rows,
    columns,
    question_row,
)  # fmt: skip
from retrieval.pipeline.read import MODEL, Pair, Reader, sha256
from tools import splits
from tools.general_data import trained_ids
from tools.reader_data import EVAL, as_quote

ROOT = Path(__file__).resolve().parent.parent


# Thresholds, chosen on the fitting questions, one per target of the issue: decline below the
# answerability that declines DECLINE_BUDGET of the answerable ones (target: 5 %); answer
# confidently from the lowest answerability at which the answerable questions' best candidates
# are right CONFIDENT_PRECISION of the time (target: 92 %) and at most CONFIDENT_TO_DECLINE of
# the questions to decline reach it (target: 5 %). Two counts, not one precision over the
# fitting mix: 60 % of the fitting questions are to decline, most of them SQuAD 2.0's
# unanswerable ones, written to look answerable; a server about the talks asks mostly about
# the talks, and one precision over that mix held the confident tier to 1-3 % of the news.
DECLINE_BUDGET = 0.03
CONFIDENT_PRECISION = 0.93
CONFIDENT_TO_DECLINE = 0.04
SEED = 11


class CachedReader:
    """The real reader, with every logit kept by (model, pair) so reruns read nothing twice."""

    def __init__(self, model: Path = MODEL) -> None:
        self.reader = Reader(model)
        self.model_hash = sha256(model)[:16]
        self.path = BUILD / f"logits-{self.model_hash}.jsonl.gz"
        self.logits: dict[str, float] = {}
        self.new: dict[str, float] = {}
        if self.path.is_file():
            with gzip.open(self.path, "rt", encoding="utf-8") as f:
                for line in f:
                    self.logits.update(json.loads(line))

    def run(self, pairs: Sequence[Pair]) -> list[float]:
        keys = [pair_key(p) for p in pairs]
        todo = [(k, p) for k, p in zip(keys, pairs, strict=True) if k not in self.logits]
        if todo:
            for (k, _), v in zip(todo, self.reader.run([p for _, p in todo]), strict=True):
                self.logits[k] = self.new[k] = v
        return [self.logits[k] for k in keys]

    def save(self) -> None:
        if self.new:
            BUILD.mkdir(parents=True, exist_ok=True)
            with gzip.open(self.path, "at", encoding="utf-8") as f:
                f.write(json.dumps(self.new) + "\n")
            self.new = {}


def pair_key(p: Pair) -> str:
    return hashlib.sha256("\0".join((p.question, p.text, p.context, p.title)).encode()).hexdigest()[
        :16
    ]


@dataclass
class Case:
    item: Item
    group: str
    rows: np.ndarray  # the read step's logits, one row per candidate
    right: np.ndarray
    steps: Explanation
    nearest: float


def engine_for(corpus_dir: Path, reader: CachedReader) -> Engine:
    corpus = load_corpus(corpus_dir)
    engine = Engine.build(
        corpus, cache_dir=BUILD / "cache", top_k=24, max_quotes=3, max_question_chars=300,
        reader=reader, decider=Decider.untrained(),
    )  # fmt: skip
    if engine.dense is not None:
        engine.dense.wait()
    return engine


def cases_for(engine: Engine, items: list[Item], groups: list[str]) -> list[Case]:
    out = []
    for item, group in zip(items, groups, strict=True):
        steps = engine.explain(item.question)
        readings = steps.readings
        _, nearest = engine.look(steps.query) if steps.query is not None else ([], 0.0)
        if readings:
            from retrieval.engine import pair

            assert steps.query is not None
            logits = engine.reader.run([pair(steps.query, r) for r in readings])
        else:
            logits = []
        right = np.array(
            [is_right(as_quote(r.candidate, engine.corpus), item) for r in readings], dtype=bool
        )
        out.append(Case(item, group, candidate_rows(readings, logits), right, steps, nearest))
    return out


def fit(cases: list[Case]) -> Decider:
    """Ranker and decision model on these questions; thresholds read off answerabilities the
    decision model gives to questions it was not fitted on (one group held out at a time)."""
    with_candidates = [c for c in cases if len(c.rows)]
    ranker_cases = [c for c in with_candidates if not c.item.should_decline]
    ranker = choose_ranker(ranker_cases)
    rows, labels = [], []
    for c in with_candidates:
        ranked, top_right = ranked_case(ranker, c)
        assert c.steps.query is not None and c.steps.decision is not None
        rows.append(question_row(c.steps.query, ranked, c.steps.decision.rules, c.nearest))
        labels.append(float(top_right))
    x, y = np.vstack(rows), np.array(labels)
    answerable = np.array([not c.item.should_decline for c in with_candidates])
    groups = np.array([c.group for c in with_candidates])
    p = np.zeros(len(y))
    for g in np.unique(groups):
        inside = groups != g
        p[~inside] = decision_model(x[inside], y[inside], answerable[inside]).probability(
            x[~inside]
        )
    decision = decision_model(x, y, answerable)
    return Decider(ranker, decision, *cut_points(p, y, answerable))


def cut_points(p: np.ndarray, y: np.ndarray, answerable: np.ndarray) -> tuple[float, float]:
    """(decline_below, confident_from) for answerabilities ``p`` (``y``: the best candidate is
    right), by the rules above."""
    decline_below = float(np.quantile(p[answerable], DECLINE_BUDGET))
    confident_from = 1.0
    for t in np.unique(p)[::-1]:
        above = p >= t
        right = y[above & answerable].mean() if (above & answerable).any() else 0.0
        to_decline = above[~answerable].mean() if (~answerable).any() else 0.0
        if right >= CONFIDENT_PRECISION and to_decline <= CONFIDENT_TO_DECLINE:
            confident_from = float(t)
    return decline_below, max(confident_from, decline_below)


# The rankers tried: the reader alone, with the dense look's cosine, with every signal (the
# pre-ranker's, which judge put it first) per candidate, and with every signal as a softmax
# over the question's candidates. The one whose first candidate is right most often on
# fitting questions of groups it was not fitted on is kept (the first of equals).
RANKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("logistic", ("logit",)),
    ("logistic", ("logit", "similarity")),
    ("logistic", CANDIDATE_FEATURES),
    ("softmax", CANDIDATE_FEATURES),
)


def fit_ranker(cases: list[Case], kind: str, features: tuple[str, ...]) -> logistic.Logistic:
    pick = [CANDIDATE_FEATURES.index(f) for f in features]
    if kind == "softmax":
        return logistic.fit_softmax(
            features, [c.rows[:, pick] for c in cases], [c.right for c in cases]
        )
    return logistic.fit(
        features,
        np.vstack([c.rows[:, pick] for c in cases]),
        np.concatenate([c.right for c in cases]).astype(float),
    )


def choose_ranker(cases: list[Case]) -> logistic.Logistic:
    groups = sorted({c.group for c in cases})
    best, best_right = RANKERS[0], -1.0
    for kind, features in RANKERS:
        right = 0
        for g in groups:
            ranker = fit_ranker([c for c in cases if c.group != g], kind, features)
            right += sum(ranked_case(ranker, c)[1] for c in cases if c.group == g)
        share = right / len(cases)
        name = f"{kind} {'+'.join(features)}"
        print(f"ranker {name}: first right {share:.1%} out of group", file=sys.stderr)
        if share > best_right:
            best, best_right = (kind, features), share
    return fit_ranker(cases, *best)


def decision_model(x: np.ndarray, y: np.ndarray, answerable: np.ndarray) -> logistic.Logistic:
    """Questions to answer and to decline weigh the same in total."""
    share = answerable.mean()
    weights = np.where(answerable, 0.5 / share, 0.5 / (1 - share))
    return logistic.fit(QUESTION_FEATURES, x, y, weights)


def ranked_case(ranker: logistic.Logistic, c: Case) -> tuple[list[Scored], bool]:
    probabilities = ranker.probability(columns(c.rows, ranker, CANDIDATE_FEATURES))
    order = sorted(range(len(c.rows)), key=lambda i: -probabilities[i])
    readings = c.steps.readings
    ranked = [Scored(readings[i], float(c.rows[i][0]), float(probabilities[i])) for i in order]
    return ranked, bool(c.right[order[0]])


def thresholds(decider: Decider, cases: list[Case]) -> tuple[float, float]:
    """(decline_below, confident_from) chosen on these questions by the rules of ``fit``, for
    a decision model fitted elsewhere: only the two numbers are fitted here."""
    p, y, answerable = [], [], []
    for c in cases:
        if not len(c.rows):
            continue
        ranked, top_right = ranked_case(decider.ranker, c)
        assert c.steps.query is not None and c.steps.decision is not None
        row = question_row(c.steps.query, ranked, c.steps.decision.rules, c.nearest)
        p.append(float(decider.decision.probability(row[None, :])[0]))
        y.append(float(top_right))
        answerable.append(not c.item.should_decline)
    return cut_points(np.array(p), np.array(y), np.array(answerable))


def measure(decider: Decider, engine: Engine, items: list[Item]) -> Report:
    scored = Engine(
        engine.corpus, engine.index, engine.speller, top_k=24, max_quotes=3,
        max_question_chars=300, reader=engine.reader, decider=decider, dense_look=engine.dense,
    )  # fmt: skip
    return evaluate(scored.answer, items, engine.corpus)


def table(name: str, report: Report) -> str:
    return (
        f"{name:<24} {report.first_quote:6.1%} {report.shown_quotes:6.1%} "
        f"{report.wrongly_declined:6.1%} {report.abstention:6.1%} "
        f"{report.confident_unanswerable:6.1%} {report.confident_right:6.1%} "
        f"{report.confident_answerable:6.1%} "
        f"{report.fidelity:6.1%}  ({report.answerable}+{report.unanswerable})"
    )


HEADER = (
    f"{'measured on':<24} {'first':>6} {'shown':>6} {'a.decl':>6} {'abstn':>6} "
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
    parser.add_argument("--eval-dir", type=Path, default=EVAL)
    parser.add_argument("--model", type=Path, default=MODEL, help="the reader to measure")
    parser.add_argument("--write", action="store_true", help="write the fitted decide step")
    parser.add_argument("--kinds", action="store_true", help="news figures per kind")
    parser.add_argument(
        "--news-thresholds",
        action="store_true",
        help="write (and measure) the decide step with its two thresholds calibrated on the "
        "news parts: its figures on them are then training figures",
    )
    args = parser.parse_args(argv)
    reader = CachedReader(args.model)
    print(f"reader {args.model.name} sha256 {reader.model_hash}…", file=sys.stderr)

    squad_engine = engine_for(args.eval_dir / "squad" / "articles", reader)
    items, groups = squad_items(args.eval_dir)
    roles = [splits.squad_role(g) for g in groups]
    fit_squad = [i for i, r in zip(items, roles, strict=True) if r == "decision"]
    fit_groups = [g for g, r in zip(groups, roles, strict=True) if r == "decision"]
    kept_back = [i for i, r in zip(items, roles, strict=True) if r == "kept_back"]
    trained = trained_ids()
    elsewhere = elsewhere_items(random.Random(SEED + 2), trained)
    half = len(elsewhere) // 2
    news_folder, qamr_items = qamr_news(random.Random(SEED), trained)
    qamr_engine = engine_for(news_folder, reader)

    fitting = cases_for(squad_engine, fit_squad, fit_groups)
    fitting += cases_for(squad_engine, elsewhere[:half], ["elsewhere-squad"] * half)
    fitting += cases_for(qamr_engine, qamr_items, ["qamr_news"] * len(qamr_items))
    rest = elsewhere[half:]
    fitting += cases_for(qamr_engine, rest, ["elsewhere-news"] * len(rest))
    reader.save()
    decider = fit(fitting)
    print(f"decide step fitted on {len(fitting)} questions", file=sys.stderr)

    print(HEADER)
    sets = {
        "a": args.eval_dir / "dev_questions.jsonl",
        "b": args.eval_dir / "dev_questions_b.jsonl",
        "c": args.eval_dir / "dev_questions_c.jsonl",
    }
    news_engine = engine_for(ROOT / "seeds", reader)
    reports = {}
    for part, path in sets.items():
        reports[part] = measure(decider, news_engine, load_items(path))
        reader.save()
        print(table(f"news part {part}", reports[part]))
    all_news = [i for path in sets.values() for i in load_items(path)]
    print(table("news, all 285", measure(decider, news_engine, all_news)))
    # The decision's two thresholds calibrated on news (the issue allows the seed articles'
    # questions to calibrate the decision's few parameters, never to train the reader): each
    # part measured with thresholds chosen on the other two, the model's weights unchanged.
    news_cases = {
        part: cases_for(news_engine, load_items(path), [part] * len(load_items(path)))
        for part, path in sets.items()
    }
    calibrated = {}
    for part in sets:
        others = [c for q, cs in news_cases.items() if q != part for c in cs]
        low, high = thresholds(decider, others)
        tuned = Decider(decider.ranker, decider.decision, low, high)
        calibrated[part] = measure(tuned, news_engine, load_items(sets[part]))
        print(table(f"  thresholds from ≠{part}: {part}", calibrated[part]))
    low, high = thresholds(decider, [c for cs in news_cases.values() for c in cs])
    news_decider = Decider(decider.ranker, decider.decision, low, high)
    print(
        f"general thresholds: decline < {decider.decline_below:.3f}, confident ≥ "
        f"{decider.confident_from:.3f}; on all news parts: {low:.3f}, {high:.3f}",
        file=sys.stderr,
    )
    print(table("SQuAD-4 kept back", measure(decider, squad_engine, kept_back)))
    if args.news_thresholds:
        print(table("  news thresholds: SQuAD-4", measure(news_decider, squad_engine, kept_back)))
    offtopic = elsewhere_items(random.Random(SEED + 1), trained | {i.id for i in elsewhere})
    print(table("elsewhere → news", measure(decider, news_engine, offtopic)))
    if args.news_thresholds:
        print(table("  news thresholds: elsewhere", measure(news_decider, news_engine, offtopic)))
    reader.save()
    # The anchor, as its authors configure it: rank-bm25's BM25Okapi over every line, quoting
    # the top paragraph, never declining (``retrieval.evaluate.Baseline``).
    print(
        table(
            "rank-bm25: news, all 285",
            evaluate(Baseline(news_engine.corpus), all_news, news_engine.corpus),
        )
    )
    print(
        table(
            "rank-bm25: SQuAD-4",
            evaluate(Baseline(squad_engine.corpus), kept_back, squad_engine.corpus),
        )
    )
    print(LEGEND)
    if args.kinds:
        for part in sets:
            print(f"part {part}, by kind:")
            for line in reports[part].kind_lines():
                print("  " + line)
    if args.write:
        shipped = news_decider if args.news_thresholds else decider
        raw = shipped.to_dict()
        raw["made_by"] = {
            "command": "python -m benchmarks.zeroshot --write"
            + (" --news-thresholds" if args.news_thresholds else ""),
            "reader": f"{args.model.name} sha256 {sha256(args.model)}",
            "questions": f"{len(fitting)} questions, none about the shipped articles: SQuAD "
            f"articles {', '.join(splits.SQUAD_DECISION)}, QAMR Wikinews pages, and other "
            "sources' questions to decline",
            "decline_budget": DECLINE_BUDGET,
            "confident_precision": CONFIDENT_PRECISION,
            "confident_to_decline": CONFIDENT_TO_DECLINE,
            "thresholds": "chosen on the 285 shared news questions (--news-thresholds): "
            "the reader's and the decision model's weights never saw them"
            if args.news_thresholds
            else "chosen on the fitting questions",
        }
        DECIDE.write_text(json.dumps(raw, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {DECIDE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
