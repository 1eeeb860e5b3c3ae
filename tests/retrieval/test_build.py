"""Building the index over several processes gives exactly what one process gives."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval import build
from retrieval.corpus import load_corpus


@pytest.mark.slow  # starts a process pool (about 2 s); CI runs it (pytest -m "")
def test_process_pool_build_is_identical_to_one_process(monkeypatch) -> None:
    texts = [p.text for p in load_corpus().prose]
    monkeypatch.setattr(build, "CHUNK", 37)  # many chunks, so the merge really happens
    one, words_one = build.build(texts, workers=1)
    many, words_many = build.build(texts, workers=2)
    assert list(one.vocabulary) == list(many.vocabulary)
    for name in ("idf", "indptr", "doc_ids", "weights", "imp_ptr", "imp_ids", "imp_weights"):
        np.testing.assert_array_equal(getattr(one, name), getattr(many, name))
    assert list(words_one.items()) == list(words_many.items())
