"""Article texts, read from their files when first needed and then kept.

A restart from the cache knows every paragraph's place without reading the articles (the
paragraph table, ``retrieval.corpus_cache``), and a question reads a handful of them: at
50,000 files, reading them all cost a restart more than a second. Each file read late is
checked against what it was when the corpus was loaded (size, modification and change time,
inode): a file rewritten since is refused, never quoted at the old offsets.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np


class CorpusChanged(Exception):
    """An article changed on disk after the corpus was loaded: load it again (the bot's live
    reload does, on the same change)."""


def file_stamp(st: os.stat_result) -> tuple[int, int, int, int]:
    """What tells a rewritten file apart: size, modification and change time (ns), inode.
    The change time moves on every write and cannot be set back, so restoring the
    modification time does not hide an edit."""
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


class Texts:
    """The texts of a corpus's articles by position; ``known`` holds those already read (the
    first start reads every file to hash it), ``stamps`` what each file was at loading (one
    row of ``file_stamp`` per article)."""

    def __init__(
        self,
        directory: str,
        files: Sequence[str],
        stamps: np.ndarray,
        known: list[str | None] | None = None,
    ) -> None:
        self._directory = directory
        self._files = files
        self._stamps = stamps
        self._texts: list[str | None] = known if known is not None else [None] * len(files)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._texts)

    def __getitem__(self, n: int) -> str:
        text = self._texts[n]
        if text is None:
            text = self._read(n)
            with self._lock:
                self._texts[n] = text
        return text

    def _read(self, n: int) -> str:
        path = os.path.join(self._directory, self._files[n])
        try:
            with open(path, "rb") as f:
                stamp = file_stamp(os.fstat(f.fileno()))
                raw = f.read()
        except OSError as exc:
            why = exc.strerror or exc
            raise CorpusChanged(f"{path}: cannot read it any more ({why})") from None
        if stamp != tuple(int(v) for v in self._stamps[n]):
            raise CorpusChanged(f"{path} changed after the corpus was loaded")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CorpusChanged(f"{path} is no longer UTF-8 text") from None
