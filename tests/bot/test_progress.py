from __future__ import annotations

import io
import logging

from bot.progress import MIN_TOTAL, log_lines, terminal_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_on_a_terminal_for_large_builds_only() -> None:
    out = Terminal()
    show = terminal_bar(out)
    show(10, 100)  # small corpus: nothing drawn
    assert out.getvalue() == ""
    show(MIN_TOTAL, 2 * MIN_TOTAL)
    show(2 * MIN_TOTAL, 2 * MIN_TOTAL)
    text = out.getvalue()
    assert f"{MIN_TOTAL:,}/{2 * MIN_TOTAL:,} paragraphs" in text and text.endswith("\n")


def test_no_bar_when_not_a_terminal() -> None:
    out = io.StringIO()
    terminal_bar(out)(MIN_TOTAL, MIN_TOTAL)
    assert out.getvalue() == ""


def test_log_lines(caplog) -> None:
    with caplog.at_level(logging.INFO):
        log_lines(logging.getLogger("t"))(MIN_TOTAL, 2 * MIN_TOTAL)
    assert "indexing: 5000/10000 paragraphs (50%)" in caplog.text
