"""Logistic regression, fitted by Newton's method with an L2 penalty: the decide step's models.

Two kinds: ``Logistic`` (one row, one probability: is this question answered?) and
``Softmax`` (the rows of one question compete: which candidate answers?). The second is the
conditional logit of ranking: it learns from how a question's candidates differ, not from how
easy the question is, so a hard question's best candidate still comes first.

Small enough to write out (a few hundred questions, a dozen features), exact and deterministic,
and the fitted model is a JSON file of numbers any reader can check, with no library behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

L2 = 1.0  # on standardised features: keeps weights finite when a feature separates the classes


@dataclass(frozen=True)
class Logistic:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    kind = "logistic"

    def score(self, rows: np.ndarray) -> np.ndarray:
        z = (rows - np.asarray(self.mean)) / np.asarray(self.scale)
        return np.clip(z @ np.asarray(self.weights) + self.bias, -60, 60)

    def probability(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.score(rows)))

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind, "features": list(self.features), "mean": list(self.mean),
            "scale": list(self.scale), "weights": list(self.weights), "bias": self.bias,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Logistic:
        kind = Softmax if raw.get("kind") == "softmax" else cls
        return kind(
            tuple(raw["features"]), tuple(raw["mean"]), tuple(raw["scale"]),
            tuple(raw["weights"]), float(raw["bias"]),
        )  # fmt: skip


class Softmax(Logistic):
    """The rows are one question's candidates: each one's share of the question (they sum to 1)."""

    kind = "softmax"

    def probability(self, rows: np.ndarray) -> np.ndarray:
        if not len(rows):
            return np.zeros(0)
        s = self.score(rows)
        e = np.exp(s - s.max())
        return e / e.sum()


def fit(
    features: Sequence[str],
    rows: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray | None = None,
    l2: float = L2,
    iterations: int = 50,
) -> Logistic:
    """Maximum penalised likelihood; ``weights`` count some rows more (a balanced class)."""
    x = np.asarray(rows, dtype=float)
    y = np.asarray(labels, dtype=float)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -60, 60)))
        gradient = z.T @ (w * (y - p)) - penalty * beta
        hessian = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    return Logistic(
        tuple(features), tuple(mean.tolist()), tuple(scale.tolist()),
        tuple(beta[:-1].tolist()), float(beta[-1]),
    )  # fmt: skip


def fit_softmax(
    features: Sequence[str],
    questions: Sequence[np.ndarray],
    labels: Sequence[np.ndarray],
    l2: float = L2,
    iterations: int = 50,
) -> Softmax:
    """Conditional logit: each question's right candidates share its target. A question with
    no right candidate teaches nothing about which one answers and is left out."""
    kept = [
        (np.asarray(x, float), np.asarray(y, float)) for x, y in zip(questions, labels, strict=True)
    ]
    kept = [(x, y / y.sum()) for x, y in kept if len(x) and y.sum() > 0]
    allx = np.vstack([x for x, _ in kept])
    mean = allx.mean(axis=0)
    scale = allx.std(axis=0)
    scale[scale < 1e-9] = 1.0
    zs = [((x - mean) / scale, t) for x, t in kept]

    def loss(beta: np.ndarray) -> float:
        total = 0.5 * l2 * float(beta @ beta)
        for z, t in zs:
            s = z @ beta
            total -= float(t @ (s - s.max() - np.log(np.exp(s - s.max()).sum())))
        return total

    beta = np.zeros(allx.shape[1])
    for _ in range(iterations):
        gradient = -l2 * beta
        hessian = np.eye(len(beta)) * l2
        for z, t in zs:
            s = z @ beta
            p = np.exp(s - s.max())
            p /= p.sum()
            gradient += z.T @ (t - p)
            zp = z.T @ p
            hessian += (z * p[:, None]).T @ z - np.outer(zp, zp)
        step = np.linalg.solve(hessian, gradient)
        before = loss(beta)
        while loss(beta + step) > before and np.abs(step).max() > 1e-10:
            step /= 2  # damped: a full Newton step can overshoot from the start
        beta = beta + step
        if np.abs(step).max() < 1e-8:
            break
    return Softmax(
        tuple(features), tuple(mean.tolist()), tuple(scale.tolist()), tuple(beta.tolist()), 0.0
    )
