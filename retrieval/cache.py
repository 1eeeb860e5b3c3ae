"""The analysed index on disk, so a restart skips analysing every paragraph again.

One ``.npz`` file per (corpus version, index parameters, format version). A file that does not
load, whose checksum does not match its arrays, or whose key differs, is ignored and rebuilt:
a cache is never trusted over the corpus; an empty or cut-off file is just another damaged
one. Files are written to a temporary name, synced, and renamed, so a crash or power loss
mid-write leaves no half file behind.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.index import BM25Index, Params

log = logging.getLogger(__name__)

FORMAT = 1
_ARRAYS = ("idf", "indptr", "doc_ids", "weights", "constant", "counts")


@dataclass(frozen=True)
class Cached:
    index: BM25Index
    word_counts: Counter[str]


def key(corpus_version: str, params: Params, analyzer_version: str) -> str:
    text = f"{FORMAT}|{corpus_version}|{params}|{analyzer_version}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def path_for(directory: Path, cache_key: str) -> Path:
    return directory / f"index-{cache_key}.npz"


def save(path: Path, cache_key: str, index: BM25Index, word_counts: Counter[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {
        "idf": index.idf,
        "indptr": index.indptr,
        "doc_ids": index.doc_ids,
        "weights": index.weights,
        "constant": index.constant,
        "counts": np.fromiter(word_counts.values(), dtype=np.int64, count=len(word_counts)),
    }
    blobs = {
        "terms": _blob(index.vocabulary),
        "words": _blob(word_counts),
        "meta": np.frombuffer(f"{cache_key}|{index.n_docs}".encode(), dtype=np.uint8),
    }
    checksum = _checksum({**arrays, **blobs})
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".index-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, checksum=np.frombuffer(checksum, dtype=np.uint8), **arrays, **blobs)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path, cache_key: str) -> Cached | None:
    """The cached index, or None when there is none or it cannot be trusted."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            loaded = {name: data[name] for name in data.files}
        stored = loaded.pop("checksum").tobytes()
        if _checksum(loaded) != stored:
            raise ValueError("checksum mismatch")
        meta_key, n_docs = loaded["meta"].tobytes().decode().split("|")
        if meta_key != cache_key:
            raise ValueError("written for another corpus or settings")
        terms = _unblob(loaded["terms"])
        words = _unblob(loaded["words"])
        index = BM25Index(
            vocabulary={t: i for i, t in enumerate(terms)},
            idf=loaded["idf"],
            indptr=loaded["indptr"],
            doc_ids=loaded["doc_ids"],
            weights=loaded["weights"],
            n_docs=int(n_docs),
            constant=loaded["constant"],
        )
        if len(terms) + 1 != len(index.indptr) or len(words) != len(loaded["counts"]):
            raise ValueError("inconsistent arrays")
        return Cached(index, Counter(dict(zip(words, loaded["counts"].tolist(), strict=True))))
    except (OSError, EOFError, ValueError, KeyError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        log.warning("ignoring index cache %s (%s); rebuilding it", path, exc)
        return None


def _blob(items: object) -> np.ndarray:
    return np.frombuffer("\n".join(items).encode("utf-8"), dtype=np.uint8)  # type: ignore[arg-type]


def _unblob(array: np.ndarray) -> list[str]:
    text = array.tobytes().decode("utf-8")
    return text.split("\n") if text else []


def _checksum(arrays: dict[str, np.ndarray]) -> bytes:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    return digest.digest()
