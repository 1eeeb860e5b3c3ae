"""The fallback file: JSON Lines of records the database did not take, shared under ``flock``.

``LogStore`` appends here while the database fails and imports the lines when it answers
again; bot processes on one host share the file, so every read and write holds an exclusive
``flock``, and a file replaced while a writer waited is reopened.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path

from bot.logs.models import LogEntry


def append(path: Path, entries: list[LogEntry]) -> None:
    """All lines in one write, synced, under an exclusive ``flock``; on failure the file is
    cut back to where it was, so a half-written line never reaches the import."""
    if not entries:
        return
    data = "".join(json.dumps(e.to_dict(), allow_nan=False) + "\n" for e in entries)
    for _ in range(3):  # the file was imported and replaced while this waited: reopen
        with path.open("ab") as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            if not _same_file(f.fileno(), path):
                continue
            size = f.seek(0, os.SEEK_END)
            try:
                f.write(data.encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
            except OSError:
                with contextlib.suppress(OSError):
                    f.truncate(size)
                raise
            return
    raise OSError(f"{path} kept being replaced while writing to it")


def read(path: Path) -> bytes:
    with path.open("rb") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # no half-written line from another process
        return f.read()


def drop_imported(path: Path, size: int) -> None:
    """Remove the first ``size`` bytes (what was imported); lines appended since stay."""
    with path.open("rb") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        data = f.read()
        rest = data[size:]
        if not rest:
            path.unlink()
            return
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_bytes(rest)
        os.replace(tmp, path)  # writers waiting on the old file reopen


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
