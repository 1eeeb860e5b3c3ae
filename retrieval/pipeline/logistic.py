"""Logistic regression, fitted by Newton's method with an L2 penalty: the decide step's models.

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

    def probability(self, rows: np.ndarray) -> np.ndarray:
        z = (rows - np.asarray(self.mean)) / np.asarray(self.scale)
        return 1.0 / (1.0 + np.exp(-np.clip(z @ np.asarray(self.weights) + self.bias, -60, 60)))

    def to_dict(self) -> dict[str, object]:
        return {
            "features": list(self.features), "mean": list(self.mean), "scale": list(self.scale),
            "weights": list(self.weights), "bias": self.bias,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Logistic:
        return cls(
            tuple(raw["features"]), tuple(raw["mean"]), tuple(raw["scale"]),
            tuple(raw["weights"]), float(raw["bias"]),
        )  # fmt: skip


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
