"""The analysed index on disk, so a restart skips analysing every paragraph again.

One file per (corpus version, index parameters, analyzer version, format version): a small
JSON header, then each array's raw bytes, 64-byte aligned, so a restart memory-maps the
arrays instead of reading and copying them. The header records the file's exact length and a
CRC-32 of everything after it: a file that is empty, cut short, altered or written for another
key is ignored (with a warning) and rebuilt — a cache is never trusted over the corpus. The
CRC is checked once per file: a sidecar stamp (``.ok``) then records the file's size, change
time and inode, and a restart that finds them unchanged maps the arrays without reading the
whole file again (at 1,000,000 paragraphs, about 400 MB that a restart need not read). Any
write to the file changes its change time, so an altered file is checked again. Files
are written to a temporary name, flushed to disk (fsync) and renamed over the old one, so a
crash mid-write leaves the previous file or none, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.atomic import replacing
from retrieval.index import BM25Index, Params

log = logging.getLogger(__name__)

FORMAT = 3  # 3: long terms also in impact order (imp_ptr, imp_ids, imp_weights)
MAGIC = b"TALKSIDX"
_ALIGN = 64
_READ = 1 << 22  # bytes per read while checking the CRC


@dataclass(frozen=True)
class Cached:
    index: BM25Index
    word_counts: Counter[str]


def key(corpus_version: str, params: Params, analyzer_version: str) -> str:
    text = f"{FORMAT}|{corpus_version}|{params}|{analyzer_version}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def path_for(directory: Path, cache_key: str) -> Path:
    return directory / f"index-{cache_key}.bin"


def evict(directory: Path, keep: Path) -> None:
    """Remove every other index file (older corpus versions or formats) from ``directory``."""
    for old in [
        *directory.glob("index-*.bin"),
        *directory.glob("index-*.npz"),
        *directory.glob("index-*.ok"),
    ]:
        if old not in (keep, keep.with_suffix(".ok")):
            old.unlink(missing_ok=True)


def save(path: Path, cache_key: str, index: BM25Index, word_counts: Counter[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {
        "idf": index.idf,
        "indptr": index.indptr,
        "doc_ids": index.doc_ids,
        "weights": index.weights,
        "constant": index.constant,
        "imp_ptr": index.imp_ptr,
        "imp_ids": index.imp_ids,
        "imp_weights": index.imp_weights,
        "counts": np.fromiter(word_counts.values(), dtype=np.int64, count=len(word_counts)),
        "terms": _blob(index.vocabulary),
        "words": _blob(word_counts),
    }
    layout: dict[str, tuple[int, str, int]] = {}
    offset = 0
    for name, array in arrays.items():
        offset = -(-offset // _ALIGN) * _ALIGN
        layout[name] = (offset, array.dtype.str, len(array))
        offset += array.nbytes
    body_len = offset
    crc = 0
    with replacing(path) as f:
        # The header is written last, once the CRC of the body is known.
        start = _ALIGN * 64  # room for the header
        f.seek(start)
        at = 0
        for name, array in arrays.items():
            pad = layout[name][0] - at
            chunk = b"\0" * pad
            f.write(chunk)
            crc = zlib.crc32(chunk, crc)
            data = np.ascontiguousarray(array).data.cast("B")
            for i in range(0, len(data), _READ):
                crc = zlib.crc32(data[i : i + _READ], crc)
            f.write(data)
            at = layout[name][0] + array.nbytes
        header = json.dumps(
            {
                "key": cache_key,
                "n_docs": index.n_docs,
                "body": start,
                "length": start + body_len,
                "crc32": crc,
                "arrays": layout,
            }
        ).encode()
        if len(header) + len(MAGIC) + 8 > start:
            raise OSError("index cache header too large")
        f.seek(0)
        f.write(MAGIC + len(header).to_bytes(8, "little") + header)
    _fsync_dir(path.parent)
    mark_checked(path, crc)


def _identity(path: Path) -> str:
    st = os.stat(path)
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ctime_ns} {st.st_ino}"


def mark_checked(path: Path, crc: int) -> None:
    """Record that ``path`` as it is now has been checked (best effort)."""
    with contextlib.suppress(OSError):  # then the next load checks the CRC again
        path.with_suffix(".ok").write_text(f"{_identity(path)} {crc}", encoding="ascii")


def is_marked_checked(path: Path, crc: int) -> bool:
    try:
        return path.with_suffix(".ok").read_text(encoding="ascii") == f"{_identity(path)} {crc}"
    except (OSError, UnicodeDecodeError):
        return False


def load(path: Path, cache_key: str) -> Cached | None:
    """The cached index (arrays memory-mapped), or None when absent or not to be trusted."""
    if not path.exists():
        return None
    try:
        with open(path, "rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                raise ValueError("not an index cache file (empty or cut short?)")
            header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
            if header["key"] != cache_key:
                raise ValueError("written for another corpus or settings")
            size = os.fstat(f.fileno()).st_size
            if size != header["length"]:
                raise ValueError(f"{size} bytes where {header['length']} were written")
            if not is_marked_checked(path, header["crc32"]):
                crc = crc_from(f, header["body"])
                if crc != header["crc32"]:
                    raise ValueError("checksum mismatch")
                mark_checked(path, crc)
        arrays = {
            name: _map(path, header["body"] + offset, dtype, count)
            for name, (offset, dtype, count) in header["arrays"].items()
        }
        terms = _unblob(arrays.pop("terms"))
        words = _unblob(arrays.pop("words"))
        counts = arrays.pop("counts")
        if len(terms) + 1 != len(arrays["indptr"]) or len(words) != len(counts):
            raise ValueError("inconsistent arrays")
        index = BM25Index(
            vocabulary=dict(zip(terms, range(len(terms)), strict=True)),
            n_docs=int(header["n_docs"]),
            **arrays,
        )
        return Cached(index, Counter(dict(zip(words, counts.tolist(), strict=True))))
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        log.warning("ignoring index cache %s (%s); rebuilding it", path, exc)
        return None


def crc_from(f: io.BufferedIOBase, offset: int) -> int:
    """The CRC-32 of an open file from ``offset`` to its end."""
    f.seek(offset)
    crc = 0
    buffer = bytearray(_READ)
    view = memoryview(buffer)
    while n := f.readinto(buffer):
        crc = zlib.crc32(view[:n], crc)
    return crc


def _map(path: Path, offset: int, dtype: str, count: int) -> np.ndarray:
    if count == 0:
        return np.zeros(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=(count,))


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform; the rename itself is still atomic
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _blob(items: object) -> np.ndarray:
    return np.frombuffer("\n".join(items).encode("utf-8"), dtype=np.uint8)  # type: ignore[arg-type]


def _unblob(array: np.ndarray) -> list[str]:
    text = bytes(array).decode("utf-8")
    return text.split("\n") if text else []
