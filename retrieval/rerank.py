"""A learned re-ranker (LambdaMART) over the hand-tuned order of the best candidates.

It reorders the top ``TOP`` candidates only; whether to answer stays the calibrated rule in
``extract.answerable`` (there are too few questions to decline to learn that). Its inputs are
the hand-tuned rank itself and its parts (a ranker on lexical features alone did not beat the
hand-tuned order). The model is trained by ``python -m tools.train_reranker`` with LightGBM's
``lambdarank`` and shipped as LightGBM's own JSON dump (``retrieval/data/reranker.json``); the
trees are evaluated here with numpy, so answering needs neither LightGBM nor its import time.
Without the file, the hand-tuned order stands.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from retrieval import extract
from retrieval.answer_types import Kind
from retrieval.extract import Candidate
from retrieval.query import Query

MODEL = "reranker.json"
TOP = 20  # candidates reordered: the first quote is nearly always among them

FEATURES = (
    "rank", "rank_gap", "position", "coverage", "sentence_coverage", "paragraph_coverage",
    "bm25", "proximity", "holds_type", "attributed", "order", "length", "opens_with_pronoun",
    "speaks", "asks_person", "asks_date", "asks_place", "asks_count", "asks_quotation",
)  # fmt: skip


def features(query: Query, found: list[Candidate]) -> np.ndarray:
    """One row per candidate (in the given order), columns as ``FEATURES``."""
    kind = query.answer_type.kind
    best = found[0].rank if found else 0.0
    rows = []
    for position, c in enumerate(found):
        text = c.text
        rows.append([
            c.rank, best - c.rank, position, c.coverage, c.sentence_coverage,
            c.paragraph_coverage, c.bm25, c.proximity, float(c.holds_type), float(c.attributed),
            c.order, len(text), float(bool(extract._PRONOUN_START.match(text))),
            float(bool(c.terms & extract.answer_types.SPEECH_VERBS)),
            float(kind is Kind.PERSON), float(kind is Kind.DATE), float(kind is Kind.PLACE),
            float(kind in (Kind.NUMBER, Kind.DURATION, Kind.TIME)), float(kind is Kind.QUOTATION),
        ])  # fmt: skip
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


@dataclass(frozen=True)
class _Tree:
    feature: np.ndarray  # per node; -1 marks a leaf
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    default_left: np.ndarray


class Reranker:
    """Gradient-boosted trees from a LightGBM model dump, evaluated with numpy."""

    def __init__(self, trees: list[_Tree]) -> None:
        self.trees = trees

    @classmethod
    def from_dump(cls, dump: dict[str, Any]) -> Reranker:
        names = dump["feature_names"]
        if tuple(names) != FEATURES:
            raise ValueError("re-ranker model was trained on other features; retrain it")
        return cls([_flatten(t["tree_structure"]) for t in dump["tree_info"]])

    @classmethod
    def shipped(cls) -> Reranker | None:
        """The model in the package, or None when there is none."""
        path = resources.files("retrieval").joinpath("data", MODEL)
        if not path.is_file():
            return None
        return cls.from_dump(json.loads(path.read_text(encoding="utf-8")))

    def scores(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros(len(x))
        rows = np.arange(len(x))
        for tree in self.trees:
            node = np.zeros(len(x), dtype=np.int64)
            for _ in range(64):  # deeper than any tree LightGBM grows with our settings
                inner = tree.feature[node] >= 0
                if not inner.any():
                    break
                f = np.where(inner, tree.feature[node], 0)
                value = x[rows, f]
                go_left = np.where(
                    np.isnan(value), tree.default_left[node], value <= tree.threshold[node]
                )
                nxt = np.where(go_left, tree.left[node], tree.right[node])
                node = np.where(inner, nxt, node)
            out += tree.value[node]
        return out

    def rerank(self, query: Query, found: list[Candidate]) -> list[Candidate]:
        """The top candidates in the model's order, the rest as they were."""
        head = found[:TOP]
        if len(head) < 2:
            return found
        scores = self.scores(features(query, head))
        order = sorted(range(len(head)), key=lambda i: (-scores[i], i))
        return [head[i] for i in order] + found[TOP:]


def _flatten(root: dict[str, Any]) -> _Tree:
    feature: list[int] = []
    threshold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    value: list[float] = []
    default_left: list[bool] = []

    def visit(node: dict[str, Any]) -> int:
        i = len(feature)
        feature.append(-1)
        threshold.append(0.0)
        left.append(i)
        right.append(i)
        value.append(float(node.get("leaf_value", 0.0)))
        default_left.append(bool(node.get("default_left", True)))
        if "split_feature" in node:
            feature[i] = int(node["split_feature"])
            threshold[i] = float(node["threshold"])
            left[i] = visit(node["left_child"])
            right[i] = visit(node["right_child"])
        return i

    visit(root)
    return _Tree(
        np.asarray(feature), np.asarray(threshold), np.asarray(left), np.asarray(right),
        np.asarray(value), np.asarray(default_left),
    )  # fmt: skip
