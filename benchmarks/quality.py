"""Shared by the sweep and the ablation: both question sets, one built index, engines per tuning."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.app import engine_options
from retrieval.build import load_or_build
from retrieval.corpus import load_corpus
from retrieval.engine import Engine
from retrieval.evaluate import Item, Report, evaluate, load_items
from retrieval.index import Params
from retrieval.tuning import Tuning

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "own": ROOT / "tests" / "data" / "questions.jsonl",
    "dev": ROOT / "tests" / "data" / "dev_questions.jsonl",
}


@dataclass
class Bench:
    """The shipped corpus, its index built once, and the question sets."""

    def __post_init__(self) -> None:
        self.corpus = load_corpus()
        self.built = load_or_build(self.corpus, Params(), None, None)
        self.sets: dict[str, list[Item]] = {name: load_items(path) for name, path in SETS.items()}

    def engine(self, tuning: Tuning) -> Engine:
        options = {**engine_options(), "tuning": tuning}
        return Engine(self.corpus, self.built.index, self.built.speller, **options)

    def reports(self, tuning: Tuning) -> dict[str, Report]:
        engine = self.engine(tuning)
        sets = self.sets.items()
        return {name: evaluate(engine.answer, items, self.corpus) for name, items in sets}


def objective(reports: dict[str, Report]) -> float:
    """What the sweep maximises, per set then averaged: first-quote accuracy, half of shown-quote
    accuracy, abstention, minus answerable questions declined (a wrong decline costs a member
    an answer the articles hold; the dev set's kinds make that the commonest failure)."""
    total = 0.0
    for r in reports.values():
        total += r.first_quote + 0.5 * r.shown_quotes + r.abstention - r.wrongly_declined
    return total / len(reports)


def row(name: str, reports: dict[str, Report]) -> str:
    cells = []
    for set_name, r in reports.items():
        cells.append(
            f"{set_name}: first {r.first_quote:5.1%} shown {r.shown_quotes:5.1%} "
            f"declines {r.abstention:5.1%} wrongly declined {r.wrongly_declined:5.1%}"
        )
    return f"{name:<28} " + " | ".join(cells)
