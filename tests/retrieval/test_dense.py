"""The dense first look: sentences found by meaning, vectors kept by text, a build that waits
for nobody."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.app import engine_options
from retrieval import dense
from retrieval.corpus import load_corpus
from retrieval.engine import Engine
from retrieval.pipeline.read import sha256

# retrieval/data/dense-seeds.npz as made by `python -m tools.make_dense_seeds`.
SHIPPED_SHA256 = "b3d5ba18148e7b179eb2bd269fe309473eef382a610a4c946a211c2b508317d4"


class Counting:
    """The real embedder, counting the sentences it is asked to embed."""

    name = dense.EMBEDDER

    def __init__(self) -> None:
        self.inner = dense.E5Embedder()
        self.passages_embedded = 0
        self.gate = threading.Event()  # embedding waits until the test opens it
        self.gate.set()

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.queries(texts)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.gate.wait(timeout=60)
        self.passages_embedded += len(texts)
        return self.inner.passages(texts)


ARTICLE = (
    "The committee met on Tuesday to review the harbour budget.\n\n"
    "Its chair, Ana Ruiz, said the new ferry terminal would open in March.\n\n"
    "Local fishermen protested against higher mooring fees outside the town hall.\n"
)


def test_a_question_worded_differently_finds_its_sentence(write_corpus) -> None:
    """No word of the question is in the answer; BM25 has nothing to go on, meaning does."""
    corpus = load_corpus(write_corpus({"harbour.txt": ARTICLE}))
    look = dense.build(corpus.prose, None, Counting())
    hits, nearest = look.top(look.query("When does the new boat station start operating?"), 3)
    assert "ferry terminal" in corpus.prose[hits[0].paragraph].text[hits[0].start : hits[0].end]
    assert nearest == pytest.approx(hits[0].cosine)


def test_vectors_are_kept_by_sentence_so_a_grown_corpus_embeds_only_what_is_new(
    write_corpus, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = Counting()
    folder = write_corpus({"harbour.txt": ARTICLE})
    dense.build(load_corpus(folder).prose, cache, first).wait()
    assert first.passages_embedded == 3
    (folder / "weather.txt").write_text("Storms closed the port for two days.\n", encoding="utf-8")
    again = Counting()
    look = dense.build(load_corpus(folder).prose, cache, again)
    assert again.passages_embedded == 1
    assert look.ready and len(look) == 4


def test_a_large_corpus_is_embedded_in_the_background_and_bm25_answers_meanwhile(
    write_corpus,
) -> None:
    corpus = load_corpus(write_corpus({"harbour.txt": ARTICLE}))
    slow = Counting()
    slow.gate.clear()
    look = dense.build(corpus.prose, None, slow, at_start=0)
    engine = Engine(corpus, *_index(corpus), **engine_options(), dense_look=look)
    steps = engine.explain("Who chairs the committee?")
    assert not steps.dense_ready and steps.readings  # BM25's candidates, read as before
    slow.gate.set()
    assert look.wait(timeout=60)
    assert engine.explain("Who chairs the committee?").dense_ready


def test_the_seed_articles_vectors_ship_with_the_package() -> None:
    """A fresh install embeds nothing for the shipped articles: every sentence is in the file."""
    assert sha256(dense.SHIPPED) == SHIPPED_SHA256
    embedder = Counting()
    look = dense.build(load_corpus().prose, None, embedder)
    assert look.ready and embedder.passages_embedded == 0


def _index(corpus):  # type: ignore[no-untyped-def]
    from retrieval.build import load_or_build
    from retrieval.index import Params

    built = load_or_build(corpus, Params(), None, None)
    return built.index, built.speller


def test_a_corpus_too_large_for_the_dense_look_answers_with_bm25_alone(
    write_corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dense, "MAX_PARAGRAPHS", 2)
    corpus = load_corpus(write_corpus({"harbour.txt": ARTICLE}))
    assert dense.build(corpus.prose, None, Counting()) is None
    engine = Engine.build(corpus, **engine_options())
    steps = engine.explain("Who chairs the committee?")
    assert engine.dense is None and not steps.dense_ready and steps.readings
