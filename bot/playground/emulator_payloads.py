"""The emulator's state and every payload it sends, built in one place."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiohttp import web

from bot.playground import rules
from bot.playground.emulator_types import (
    CONTEXT_BOT_DM,
    CONTEXT_GUILD,
    LOADING,
    MANAGE_MESSAGES,
    MEMBER_PERMISSIONS,
    Exchange,
    Guild,
    Member,
    Rejected,
    _on_shard,
    snowflake,
)


class Payloads:
    """What the emulator knows, and the objects Discord sends built from it."""

    def __init__(self, token: str = "emulator-token", *, shards: int = 1) -> None:
        """``shards``: how many gateway shards the bot should open (``/gateway/bot`` says so);
        with more than one, server n is made to land on shard n % shards, each shard's
        session gets only its servers' events (Discord's (guild_id >> 22) % shards), and DMs
        go to shard 0."""
        self.token = token
        self.shards = shards
        self.app_id = snowflake()
        self.bot_user = self._user(self.app_id, "Talks Bot", bot=True)
        self.guilds = [
            Guild(_on_shard(n % shards, shards), snowflake(), snowflake(), name)
            for n, name in enumerate(("Server A", "Server B"))
        ]
        # the first server, which most tests use
        self.guild_id = self.guilds[0].id
        self.channel_id = self.guilds[0].channel_id
        self.moderator_role_id = self.guilds[0].moderator_role_id
        self.members: dict[str, Member] = {
            "moderator": Member(
                snowflake(), "mod", [self.moderator_role_id], MEMBER_PERMISSIONS | MANAGE_MESSAGES
            ),
            "member": Member(snowflake(), "member", [], MEMBER_PERMISSIONS),
            "helper": Member(snowflake(), "helper", [self.moderator_role_id], MEMBER_PERMISSIONS),
        }
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id
        self.sync_calls: list[str] = []
        self.exchanges: dict[str, Exchange] = {}  # by token
        self.messages: dict[int, dict[str, Any]] = {}
        self.rejections: list[Rejected] = []  # every request refused, for tests to inspect
        # (status, code) to refuse the next message the bot sends or edits, as a test's choice
        self.fail_next_message: tuple[int, int] | None = None
        self.identified = asyncio.Event()
        self.synced = asyncio.Event()
        self.fail_sync_with: tuple[int, int] | None = None  # (status, code) to refuse sync
        self._ws: web.WebSocketResponse | None = None  # shard 0's (or the only) session
        self._sockets: dict[int, web.WebSocketResponse] = {}  # by shard, when sharded
        self.identified_shards: set[int] = set()  # shards whose IDENTIFY was answered
        self._seq = 0
        self.revision = 0  # bumped on every change a watcher could see
        self._revised = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._init_setup_checks()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    INVITE_PERMISSIONS = (1 << 11) | (1 << 14) | (1 << 15)  # what `talks-bot invite` asks for

    def _init_setup_checks(self) -> None:
        self.bot_role_ids = {g.id: snowflake() for g in self.guilds}  # the bot's role per server
        self.bot_role_id = self.bot_role_ids[self.guild_id]
        self.bot_role_permissions = self.INVITE_PERMISSIONS
        self.channel_overwrites: list[dict[str, Any]] = []  # in the first server's channel
        self.bot_in_guild = True  # in the first server; False: as if never invited there
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request

    def revise(self) -> None:
        """Something a watcher could show changed: wake ``changes``."""
        self.revision += 1
        self._revised.set()
        self._revised = asyncio.Event()

    async def changes(self, since: int, timeout: float) -> int:
        """The revision once it is past ``since``, or after ``timeout`` seconds regardless."""
        if self.revision == since:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._revised.wait(), timeout)
        return self.revision

    # --- payloads, built in one place -------------------------------------------------------------

    @staticmethod
    def _user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
        return {
            "id": str(user_id),
            "username": name,
            "global_name": name,
            "discriminator": "0",
            "avatar": None,
            "bot": bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
        }

    def _member(self, m: Member, guild: Guild | None = None) -> dict[str, Any]:
        guild = guild or self.guilds[0]
        roles = {rid for rid, _ in self._role_list(guild)} | {self.bot_role_ids[guild.id]}
        return {
            "user": self._user(m.id, m.name),
            "roles": [str(r) for r in m.roles if r in roles],
            "nick": None,
            "avatar": None,
            "joined_at": "2025-05-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "permissions": str(m.permissions),
            "communication_disabled_until": None,
        }

    def _channel(self, guild: Guild | None = None) -> dict[str, Any]:
        guild = guild or self.guilds[0]
        return {
            "id": str(guild.channel_id),
            "type": 0,
            "guild_id": str(guild.id),
            "name": "talks",
            "position": 0,
            "permission_overwrites": self.channel_overwrites if guild is self.guilds[0] else [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def _thread(self, message: dict[str, Any], owner: Member) -> dict[str, Any]:
        """A public thread started from ``message`` (type 11): Discord gives it the message's
        id, and its parent is the message's channel."""
        return {
            "id": message["id"],
            "type": 11,
            "guild_id": message["guild_id"],
            "parent_id": message["channel_id"],
            "owner_id": str(owner.id),
            "name": "Follow-up",
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "thread_metadata": {
                "archived": False, "auto_archive_duration": 1440,
                "archive_timestamp": "2025-05-12T00:00:00+00:00", "locked": False,
            },
        }  # fmt: skip

    def _dm_channel(self, m: Member) -> dict[str, Any]:
        channel_id = self.dm_channels.setdefault(m.id, snowflake())
        return {
            "id": str(channel_id),
            "type": 1,
            "last_message_id": None,
            "recipients": [self._user(m.id, m.name)],
            "flags": 0,
        }

    @staticmethod
    def _role_list(guild: Guild) -> list[tuple[int, str]]:
        """(id, name) by position: @everyone has the server's id."""
        return [(guild.id, "@everyone"), (guild.moderator_role_id, "Moderators")]

    def _roles(self, guild: Guild | None = None) -> list[dict[str, Any]]:
        guild = guild or self.guilds[0]
        return [
            {
                "id": str(rid),
                "name": name,
                "permissions": str(MEMBER_PERMISSIONS),
                "position": position,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "icon": None,
                "unicode_emoji": None,
                "flags": 0,
            }
            for position, (rid, name) in enumerate(self._role_list(guild))
        ] + [self._bot_role(guild)]

    def _message(self, body: dict[str, Any], ex: Exchange, *, flags: int) -> dict[str, Any]:
        msg = {
            "id": str(snowflake()),
            "channel_id": str(ex.channel_id),
            "author": self.bot_user,
            "content": body.get("content") or "",
            "timestamp": "2025-05-12T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": body.get("_attachments", []),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 20,
            "flags": flags,
            "webhook_id": str(self.app_id),
            "application_id": str(self.app_id),
            "allowed_mentions": body.get("allowed_mentions"),
        }
        if ex.guild_id is not None:
            msg["guild_id"] = str(ex.guild_id)
        self.messages[int(msg["id"])] = msg
        return msg

    def _chat_message(self, m: Member, content: str, *, guild: int | None) -> dict[str, Any]:
        """A member's own message (type 0 DEFAULT), as Discord puts it in resolved data."""
        channel = self._dm_channel(m) if guild is None else self._channel(self.guilds[guild])
        msg: dict[str, Any] = {
            "id": str(snowflake()),
            "channel_id": channel["id"],
            "author": self._user(m.id, m.name),
            "content": content,
            "timestamp": "2025-05-12T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": "@everyone" in content,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        if guild is not None:
            msg["guild_id"] = str(self.guilds[guild].id)
        return msg

    @staticmethod
    def _apply_edit(msg: dict[str, Any], body: dict[str, Any]) -> None:
        """Fields present in an edit replace the message's; absent ones stay."""
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if "attachments" in body:
            kept = {str(a.get("id")) for a in body["attachments"] or []}
            msg["attachments"] = [a for a in msg["attachments"] if a["id"] in kept] + body.get(
                "_attachments", []
            )
        if isinstance(body.get("flags"), int):
            keep = msg["flags"] & ~rules.EDIT_FLAGS
            msg["flags"] = keep | (body["flags"] & rules.EDIT_FLAGS)
        msg["flags"] &= ~LOADING
        msg["edited_timestamp"] = "2025-05-12T00:00:01+00:00"

    def _interaction(
        self,
        kind: int,
        m: Member,
        data: dict[str, Any],
        message: dict[str, Any] | None = None,
        *,
        guild: int | None = 0,
        channel: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``channel``: where it was used, when not the server's channel (a thread)."""
        payload: dict[str, Any] = {
            "id": str(snowflake()),
            "application_id": str(self.app_id),
            "type": kind,
            "token": f"itoken-{snowflake()}",
            "version": 1,
            "data": data,
            "locale": m.locale,
            "app_permissions": str(MEMBER_PERMISSIONS),
            "entitlements": [],
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        if guild is None:
            channel = self._dm_channel(m)
            payload |= {
                "channel_id": channel["id"],
                "channel": channel,
                "user": self._user(m.id, m.name),
                "authorizing_integration_owners": {"0": "0"},
                "context": CONTEXT_BOT_DM,
            }
        else:
            g = self.guilds[guild]
            payload |= {
                "guild_id": str(g.id),
                "guild": {"id": str(g.id), "locale": "en-US", "features": []},
                "guild_locale": "en-US",
                "channel_id": str(channel["id"] if channel else g.channel_id),
                "channel": channel or self._channel(g),
                "member": self._member(m, g),
                "authorizing_integration_owners": {"0": str(g.id)},
                "context": CONTEXT_GUILD,
            }
        if message is not None:
            payload["message"] = message
        return payload

    def _bot_role(self, guild: Guild) -> dict[str, Any]:
        """The managed role Discord makes from the invite's permissions."""
        return {
            "id": str(self.bot_role_ids[guild.id]),
            "name": "Talks Bot",
            "permissions": str(self.bot_role_permissions),
            "position": len(self._role_list(guild)),
            "color": 0,
            "hoist": False,
            "managed": True,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }

    def _guild(self, guild: Guild | None = None) -> dict[str, Any]:
        """GUILD_CREATE of ``guild`` (default: the first server)."""
        guild = guild or self.guilds[0]
        bot_member = {
            **self._member(
                Member(self.app_id, "Talks Bot", [self.bot_role_ids[guild.id]], MEMBER_PERMISSIONS),
                guild,
            ),
            "user": self.bot_user,
        }
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "owner_id": "1",
            "roles": self._roles(guild),
            "emojis": [],
            "stickers": [],
            "features": [],
            "channels": [self._channel(guild)],
            "threads": [],
            "members": [bot_member],
            "member_count": len(self.members) + 1,
            "large": False,
            "unavailable": False,
            "joined_at": "2025-05-01T00:00:00+00:00",
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "system_channel_flags": 0,
            "nsfw_level": 0,
            "application_id": None,
        }
