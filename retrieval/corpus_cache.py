"""The corpus's cache file: what a restart needs to know of the articles without reading them.

One file per corpus version (``paragraphs-<version>.npz``, beside the index cache): where
every paragraph is (``ParagraphTable``), each article's derived title and paragraph count,
the articles' short labels (with the key of what they were made from: ``articles.json`` and
the labelling code), and the folder as it was (every ``.txt`` name with its ``file_stamp``).
A restart whose folder lists the same names with the same stamps takes the corpus version
from here instead of reading and hashing every file; any other folder is read and hashed
again, and its table reused when the contents are the same (a ``touch``).

Written whole or not at all (``retrieval.atomic``); anything unreadable or from another
format is ignored with a warning, and the articles are read again.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.atomic import replacing
from retrieval.lazy import LazySequence

log = logging.getLogger(__name__)

FORMAT = "3"  # 2: the folder's names and stamps, and the labels; 3: strings as UTF-8 blobs
TABLE_FIELDS = ("article", "number", "start", "end", "prose")
PATTERN = "paragraphs-*.npz"


class Strings(LazySequence[str]):
    """Strings kept as one UTF-8 blob and their end offsets, each decoded when read: 50,000
    titles as Python strings (or JSON) cost a restart a tenth of a second."""

    def __init__(self, blob: np.ndarray, ends: np.ndarray) -> None:
        self.blob = blob
        self.ends = ends

    @classmethod
    def of(cls, strings: Sequence[str]) -> Strings:
        encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
        ends = np.cumsum([len(e) for e in encoded], dtype=np.int64)
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8), ends)

    def __len__(self) -> int:
        return len(self.ends)

    def _item(self, i: int) -> str:
        start = int(self.ends[i - 1]) if i > 0 else 0
        return self.blob[start : int(self.ends[i])].tobytes().decode("utf-8", "surrogatepass")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Strings):
            return np.array_equal(self.ends, other.ends) and np.array_equal(self.blob, other.blob)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Listing:
    """The folder's ``.txt`` files as they are now: sorted names, one stamp row each."""

    names: Sequence[str]
    stamps: np.ndarray  # int64, (files, 4): ``retrieval.texts.file_stamp``


@dataclass(frozen=True)
class Entry:
    """One cache file's contents. ``kept``: which listed files are articles (not empty)."""

    version: str
    listing: Listing
    kept: np.ndarray  # bool, one per listed file
    arrays: dict[str, np.ndarray]  # the paragraph table's columns (``TABLE_FIELDS``)
    titles: Sequence[str]
    counts: list[int]
    labels: Sequence[str]
    labels_key: str


def path_for(directory: Path, version: str) -> Path:
    return directory / f"paragraphs-{version}.npz"


def find(directory: Path, listing: Listing, parser: str) -> Entry | None:
    """The cache file written for this very folder (same names, same stamps), if any."""
    for path in sorted(directory.glob(PATTERN)):
        entry = load(path, parser)
        if entry is not None and _same(entry.listing, listing):
            return entry
    return None


def load(path: Path, parser: str) -> Entry | None:
    """A cache file's contents, or None when it is missing, damaged or of another format."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["format"]) != f"{FORMAT}|{parser}":
                return None  # another version of the parser or of this file: read again
            arrays = {k: data[k] for k in TABLE_FIELDS}
            entry = Entry(
                version=path.stem.removeprefix("paragraphs-"),
                listing=Listing(_strings(data, "names"), data["stamps"]),
                kept=data["kept"],
                arrays=arrays,
                titles=_strings(data, "titles"),
                counts=data["counts"].tolist(),
                labels=_strings(data, "labels"),
                labels_key=str(data["labels_key"]),
            )
        articles = int(entry.kept.sum())
        if len({len(a) for a in arrays.values()}) != 1:
            raise ValueError("inconsistent arrays")
        if not len(entry.titles) == len(entry.counts) == articles:
            raise ValueError("written for other files")
        if len(entry.listing.names) != len(entry.kept) or entry.listing.stamps.shape != (
            len(entry.kept),
            4,
        ):
            raise ValueError("inconsistent listing")
        if entry.labels and len(entry.labels) != articles:
            raise ValueError("labels for other files")
        return entry
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        log.warning("ignoring paragraph table %s (%s); reading the articles again", path, exc)
        return None


def save(directory: Path, entry: Entry, parser: str) -> None:
    """Best effort, like the index cache: written whole (fsync, rename) or not at all; the
    other versions' files go."""
    path = path_for(directory, entry.version)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with replacing(path) as f:
            fields: dict[str, Any] = {
                "format": np.array(f"{FORMAT}|{parser}"),
                "stamps": entry.listing.stamps.astype(np.int64),
                "kept": entry.kept.astype(bool),
                "counts": np.array(entry.counts, dtype=np.int64),
                "labels_key": np.array(entry.labels_key),
                **_packed("names", entry.listing.names),
                **_packed("titles", entry.titles),
                **_packed("labels", entry.labels),
                **entry.arrays,
            }
            np.savez(f, **fields)
        for old in directory.glob(PATTERN):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not write the paragraph table in %s: %s", directory, exc)


def _same(a: Listing, b: Listing) -> bool:
    return np.array_equal(a.stamps, b.stamps) and _as_strings(a.names) == _as_strings(b.names)


def _as_strings(strings: Sequence[str]) -> Strings:
    return strings if isinstance(strings, Strings) else Strings.of(strings)


def _packed(name: str, strings: Sequence[str]) -> dict[str, np.ndarray]:
    packed = _as_strings(strings)
    return {f"{name}_blob": packed.blob, f"{name}_ends": packed.ends}


def _strings(data: Any, name: str) -> Strings:
    return Strings(data[f"{name}_blob"], data[f"{name}_ends"])
