"""What the answer log holds for this playground session, for the page's side panel.

The bot writes its records in the background, to the log the settings name (as for ``run``);
this reads them back through the same ``LogStore``, only the entries asked in the playground's
server (its id is new each run, so earlier sessions' entries never show). Never an error on
the page: a log that cannot be read is reported as one line instead of entries.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.logs.factory import make_store
from bot.logs.models import Filters, LogEntry
from bot.logs.store import LogStore
from config import Settings

log = logging.getLogger(__name__)

SHOWN = 20  # the latest entries; the panel is a glance, `talks-bot logs` has the rest


class LogView:
    def __init__(self, settings: Settings, guild_id: int) -> None:
        self.settings = settings
        self.guild_id = str(guild_id)
        self._store: LogStore | None = None

    async def entries(self) -> tuple[list[dict[str, Any]], str | None]:
        """The session's latest entries, newest first, and a problem reading them (or None)."""
        try:
            if self._store is None:
                self._store = await make_store(self.settings).open()
            found = await self._store.entries(Filters(limit=SHOWN, guild_id=self.guild_id))
        except Exception as exc:  # the panel says so; the bot itself is unaffected
            log.debug("playground: cannot read the answer log", exc_info=True)
            return [], f"cannot read the answer log: {exc}"
        return [_shown(e) for e in found], None

    async def close(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None


def _shown(e: LogEntry) -> dict[str, Any]:
    return {
        "id": str(e.id),  # a 64-bit id: a string, so JavaScript keeps every digit
        "created_at": e.created_at,
        "surface": e.surface,
        "user": e.user_name,
        "question": e.question,
        "answered": e.answered,
        "reason": e.reason,
        "confidence": e.confidence,
        "result": e.result,  # "answered", "not sure" or "declined: REASON", as every view says
        "private": e.private,
        "helpful": e.feedback.get("helpful", 0),
        "not_helpful": e.feedback.get("not_helpful", 0),
        "reasons": list(e.reasons),
    }
