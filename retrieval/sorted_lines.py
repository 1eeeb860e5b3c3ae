"""Sorted ``key\\tvalue`` lines in one buffer, found by binary search.

A table of a few hundred thousand words is held as the bytes of its lines and where each line
starts, not as a dict or a list of strings: it loads (or maps from a file) in a few
milliseconds instead of the tenth of a second that making 300,000 Python objects takes, and a
question looks up a few hundred words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import numpy as np


class Buffer(Protocol):
    def __getitem__(self, s: slice, /) -> bytes: ...


class SortedLines:
    """``find(key)`` gives the value of the line ``key\\tvalue``, or None. The lines are sorted
    as UTF-8 bytes (the order of their code points), one line per key."""

    def __init__(self, buffer: Buffer, starts: memoryview, base: int = 0) -> None:
        """``starts``: each line's first byte, then the end of the last line (its newline's
        position plus one), as a memoryview of int64, counted from ``base`` in ``buffer``."""
        self._buffer = buffer
        self._starts = starts
        self._base = base
        self._n = len(starts) - 1

    def __len__(self) -> int:
        return self._n

    def _raw(self, i: int) -> bytes:
        base = self._base
        return self._buffer[base + self._starts[i] : base + self._starts[i + 1] - 1]

    def line(self, i: int) -> str:
        return self._raw(i).decode("utf-8")

    def find(self, key: str) -> str | None:
        wanted = key.encode("utf-8") + b"\t"  # a tab sorts before any character of a key
        raw = self._raw
        lo, hi = 0, self._n
        while lo < hi:
            mid = (lo + hi) // 2
            if raw(mid) < wanted:
                lo = mid + 1
            else:
                hi = mid
        if lo == self._n:
            return None
        line = raw(lo)
        return line[len(wanted) :].decode("utf-8") if line.startswith(wanted) else None


def sorted_blob(lines: Iterable[str]) -> bytes:
    """Lines in any order (no newlines in them) as the sorted buffer ``SortedLines`` reads."""
    return "".join(line + "\n" for line in sorted(lines)).encode("utf-8")


def line_starts(blob: bytes) -> np.ndarray:
    """Where each line of ``blob`` (every line ending in a newline) starts, then its end."""
    ends = np.flatnonzero(np.frombuffer(blob, dtype=np.uint8) == 10) + 1
    return np.concatenate(([0], ends)).astype(np.int64)
