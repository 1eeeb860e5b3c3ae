"""Index-build progress: a bar on an interactive terminal, plain lines in logs."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TextIO

MIN_TOTAL = 5000  # smaller builds finish before a bar is worth drawing
WIDTH = 30


def terminal_bar(stream: TextIO | None = None) -> Callable[[int, int], None]:
    out = stream or sys.stderr
    interactive = out.isatty()

    def show(done: int, total: int) -> None:
        if total < MIN_TOTAL or not interactive:
            return
        filled = WIDTH * done // total
        out.write(
            f"\rIndexing {'█' * filled}{'·' * (WIDTH - filled)} {done:,}/{total:,} paragraphs"
        )
        if done == total:
            out.write("\n")
        out.flush()

    return show


def log_lines(logger: logging.Logger) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        if total >= MIN_TOTAL:
            logger.info("indexing: %d/%d paragraphs (%d%%)", done, total, 100 * done // total)

    return show
