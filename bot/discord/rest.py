"""A read-only client for Discord's HTTP API: GET is the only method it has.

``talks-bot invite`` and ``doctor`` use it, so a check can never send a message or change a
server by mistake. It talks to TALKS_DISCORD_API_URL (the test emulator in tests).
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from bot import __version__

USER_AGENT = f"DiscordBot (talks-bot, {__version__})"  # the form Discord asks bots to send
TIMEOUT_S = 15.0  # one slow answer must not hang a command that only checks things
MAX_RATE_LIMIT_WAIT_S = 5.0  # wait out a short 429 once; a longer one is reported instead


class APIError(Exception):
    """Discord answered with an error status (or could not be reached: status 0)."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {message}" if status else message)
        self.status = status
        self.code = code
        self.message = message


class ReadOnlyAPI:
    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bot {token}", "User-Agent": USER_AGENT}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> ReadOnlyAPI:
        self._session = aiohttp.ClientSession(
            headers=self._headers, timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def get(self, path: str, **params: str | int) -> Any:
        """GET ``path`` and return its JSON; an error status raises :class:`APIError`."""
        assert self._session is not None, "use ReadOnlyAPI as an async context manager"
        for attempt in range(2):
            try:
                async with self._session.get(self.base_url + path, params=params) as resp:
                    data = await _json(resp)
                    if resp.status < 400:
                        return data
                    error = data if isinstance(data, dict) else {}
                    if resp.status == 429 and attempt == 0:
                        wait = float(error.get("retry_after", MAX_RATE_LIMIT_WAIT_S + 1))
                        if wait <= MAX_RATE_LIMIT_WAIT_S:
                            await asyncio.sleep(wait)
                            continue
                    raise APIError(
                        resp.status,
                        int(error.get("code") or 0),
                        str(error.get("message") or resp.reason or "error"),
                    )
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise APIError(0, 0, f"cannot reach {self.base_url}: {_what(exc)}") from None
        raise AssertionError("unreachable")  # pragma: no cover


async def _json(resp: aiohttp.ClientResponse) -> Any:
    try:
        return await resp.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return {}


def _what(exc: BaseException) -> str:
    """What went wrong, in the words ``talks-bot run`` uses ("Cannot connect to host … [Name
    or service not known]"), not an exception class name."""
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    return " ".join(str(exc).split()) or type(exc).__name__
