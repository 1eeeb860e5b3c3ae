"""The emulator's Discord constants, value types (members, servers, interactions) and errors."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.playground import rules

DISCORD_EPOCH_MS = 1_420_070_400_000
MANAGE_MESSAGES = 1 << 13
ADMINISTRATOR = 1 << 3
MEMBER_PERMISSIONS = (
    (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 31)
)  # view, send, embed, attach, use app commands
EPHEMERAL = rules.EPHEMERAL
LOADING = rules.LOADING
RESPONSE_WINDOW_S = 3.0  # Discord: the initial response within 3 seconds
TOKEN_TTL_S = 15 * 60  # Discord: interaction tokens are valid for 15 minutes
CONTEXT_GUILD, CONTEXT_BOT_DM = 0, 1
_counter = itertools.count()


def snowflake() -> int:
    """A snowflake from the current time, as Discord makes them."""
    return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(_counter) % 4096)


def _bitfield(value: int | str | None) -> str | None:
    """Discord stores permission bitfields as strings, whatever the bot sent."""
    return None if value is None else str(value)


class Refused(Exception):
    """Discord would not deliver this command to the member."""


class NotConnected(RuntimeError):
    """No bot session to deliver the event to (none connected, or not that shard's)."""


class Rejected(Exception):
    """A request Discord would refuse: status, Discord error code and message."""

    def __init__(
        self, status: int, code: int, message: str, errors: Iterable[tuple[str, str]] = ()
    ) -> None:
        super().__init__(f"{status} {code} {message} {list(errors)}")
        self.status, self.code, self.message, self.errors = status, code, message, list(errors)


def invalid(problems: rules.Problems) -> Rejected:
    return Rejected(400, 50035, "Invalid Form Body", problems)


@dataclass
class Member:
    id: int
    name: str
    roles: list[int]
    permissions: int
    locale: str = "en-US"  # the member's client language, sent as the interaction's locale


@dataclass
class Guild:
    id: int
    channel_id: int
    moderator_role_id: int
    name: str


@dataclass
class Exchange:
    """One interaction and everything the bot sent for it.

    ``original`` is the initial response message as members see it now (``None`` before a
    message response); ``messages`` every state a member could see, in order (edits and
    follow-ups; a loading placeholder is not one); ``reply`` the latest.
    """

    id: int
    token: str
    sent_at: float
    kind: int = 2
    guild_id: int | None = None
    channel_id: int = 0
    acked_at: float | None = None
    callback: dict[str, Any] | None = None
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    deprecated_followups: int = 0
    deleted: list[str] = field(default_factory=list)  # ids of its messages the bot deleted
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)  # set once a message is shown
    answered_at: float | None = None
    source_message: dict[str, Any] | None = None
    modal: dict[str, Any] | None = None  # the form a type-9 response opened for the member
    focused: dict[str, Any] | None = None  # autocomplete: the focused option, as declared
    choices: list[dict[str, Any]] | None = None  # autocomplete: what a type-8 response offered
    # what happened, in order: the gateway event, then each request the bot made with this
    # interaction's token and Discord's status (the playground's side panel shows it)
    trace: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        return bool(self.reply.get("flags", 0) & EPHEMERAL) if self.messages else False

    @property
    def loading(self) -> bool:
        return self.original is not None and bool(self.original["flags"] & LOADING)

    def record(self, message: dict[str, Any]) -> None:
        self.messages.append(json.loads(json.dumps(message)))  # a snapshot, not a live view
        self.answered_at = time.perf_counter()
        self.changed.set()
        self.done.set()

    @property
    def reply(self) -> dict[str, Any]:
        return self.messages[-1]

    async def wait_modal(self, timeout: float = 15) -> dict[str, Any]:
        """The modal the bot opened in answer (callback type 9)."""
        async with asyncio.timeout(timeout):
            while self.modal is None:
                self.changed.clear()
                await self.changed.wait()
        return self.modal

    async def wait_choices(self, timeout: float = 5) -> list[dict[str, Any]]:
        """The choices the bot offered (callback type 8) for an autocomplete interaction."""
        async with asyncio.timeout(timeout):
            while self.choices is None:
                self.changed.clear()
                await self.changed.wait()
        return self.choices

    async def wait(self, timeout: float = 15, count: int = 1) -> dict[str, Any]:
        """The latest message once at least ``count`` have been shown."""
        async with asyncio.timeout(timeout):
            while len(self.messages) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.reply


def _on_shard(shard: int, shards: int) -> int:
    """A new server id that Discord routes to ``shard`` of ``shards``: (id >> 22) % shards."""
    guild_id = snowflake()
    while (guild_id >> 22) % shards != shard:
        guild_id += 1 << 22
    return guild_id
