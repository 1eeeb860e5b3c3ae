"""The shipped articles' sentence vectors, so a fresh install answers without embedding them.

    python -m tools.make_dense_seeds        # → retrieval/data/dense-seeds.npz

Embeds every sentence of ``seeds/`` with the engine's embedder (``retrieval.dense``) and writes
them by sentence-text hash; prints the file's sha256 for the model card (``READER.md``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from retrieval import dense
from retrieval.corpus import load_corpus
from retrieval.pipeline.read import sha256

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    corpus = load_corpus(ROOT / "seeds")
    look = dense.DenseLook(corpus.prose, dense.E5Embedder())
    dense.SHIPPED.unlink(missing_ok=True)
    store = dense.Store(None, path=dense.SHIPPED)
    look.fill(store)
    store.save()
    print(f"{dense.SHIPPED}: {len(look)} sentences, sha256 {sha256(dense.SHIPPED)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
