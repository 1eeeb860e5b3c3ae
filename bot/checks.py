"""One line of a setup report (``talks-bot doctor``), and names made fit for a terminal.

Below every surface: the Discord checks (``bot.discord.doctor``) and the answer log's
(``bot.logs.health``) both report in these lines.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Check:
    """One line of the report: ok True (✓), False (✗) or None (–, skipped: not checkable yet)."""

    ok: bool | None
    text: str
    fix: str = ""

    def lines(self) -> list[str]:
        mark = {True: "✓", False: "✗", None: "–"}[self.ok]
        out = [f"{mark} {self.text}"]
        if self.fix and self.ok is False:
            out.append(f"    fix: {self.fix}")
        return out


def plain(text: Any, limit: int = 100) -> str:
    """Names from Discord, fit for a terminal: no control or bidi characters, bounded length."""
    s = "".join("?" if unicodedata.category(c)[0] == "C" else c for c in str(text))
    return s if len(s) <= limit else s[: limit - 1] + "…"
