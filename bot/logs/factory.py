"""Which answer log the settings name: the factory above the two drivers.

As Red-DiscordBot's ``_drivers`` choose a driver by its configured backend, ``make_store``
chooses by URL: PostgreSQL (``bot.logs.postgres``) when ``TALKS_DB_URL`` is set, else the
SQLite file ``TALKS_DB_PATH`` (``bot.logs.sqlite``). The drivers know nothing of settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.logs.store import RETRY_DELAY_S, LogStore

if TYPE_CHECKING:
    from config import Settings


def make_store(
    settings: Settings, *, wait_timeout: float | None = None, retry_delay: float = RETRY_DELAY_S
) -> LogStore:
    """The store the settings name. Not opened yet; asyncpg is imported only when needed."""
    if settings.db_url is not None:
        from bot.logs.postgres import PostgresStore

        return PostgresStore(
            settings.db_url.get_secret_value(),
            fallback_dir=Path(settings.db_path).parent,
            wait_timeout=wait_timeout,
            retry_delay=retry_delay,
        )
    from bot.logs.sqlite import SqliteStore

    return SqliteStore(settings.db_path, wait_timeout=wait_timeout, retry_delay=retry_delay)


def describe(settings: Settings) -> str:
    """How messages name the configured log: its file, or its URL without the password."""
    if settings.db_url is not None:
        from bot.logs.postgres import redact

        return redact(settings.db_url.get_secret_value())
    return str(settings.db_path)
