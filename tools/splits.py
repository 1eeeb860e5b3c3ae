"""Which shared questions train what: one place, read by the training data and the benchmarks.

The figures of record are measured on questions the models never trained on. The news
questions (parts a, b, c, about the shipped articles) train nothing: the reader and the
decide step learn only from general data, so every news figure is zero-shot. The twelve
SQuAD 2.0 articles are split by article (questions of one article stay together):
"""

from __future__ import annotations

# Articles spread over the twelve topics (science, history, law, places); the four kept back
# are the "SQuAD-4" of the targets, never seen by the reader or the decide step.
SQUAD_READER = ("02", "03", "04", "07", "08", "09")  # train the reader's weights
SQUAD_DECISION = ("11", "13")  # fit the decide step on the reader's scores of unseen questions
SQUAD_KEPT_BACK = ("01", "05", "10", "14")  # measure only


def squad_role(article: str) -> str:
    """``reader``, ``decision`` or ``kept_back`` for a SQuAD article stem ("01_Computational…")."""
    number = article[:2]
    if number in SQUAD_READER:
        return "reader"
    if number in SQUAD_DECISION:
        return "decision"
    if number in SQUAD_KEPT_BACK:
        return "kept_back"
    raise ValueError(f"{article}: not one of the twelve SQuAD articles")
