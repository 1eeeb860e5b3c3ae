"""A small Discord for tests: the HTTP API and Gateway a discord.py bot uses, on loopback.

The real ``talks-bot run`` connects to it through TALKS_DISCORD_API_URL and
TALKS_DISCORD_GATEWAY_URL. Tests act as members: ``invoke`` a slash command or ``click`` a
button, then read what the bot answered. Like Discord, it refuses to deliver a command that
the member's permissions hide (``default_member_permissions``), unless a test says the
server loosened that default. Every payload is built in one place (``_user``, ``_member``,
``_message``, ``_interaction``), because a missing field kills the bot, not just one reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

DISCORD_EPOCH_MS = 1_420_070_400_000
MANAGE_MESSAGES = 1 << 13
ADMINISTRATOR = 1 << 3
MEMBER_PERMISSIONS = (
    (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 31)
)  # view, send, embed, attach, use app commands
EPHEMERAL = 64
_counter = itertools.count()


def snowflake() -> int:
    """A snowflake from the current time, as Discord makes them."""
    return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(_counter) % 4096)


def _bitfield(value: int | str | None) -> str | None:
    """Discord stores permission bitfields as strings, whatever the bot sent."""
    return None if value is None else str(value)


class Refused(Exception):
    """Discord would not deliver this command to the member."""


@dataclass
class Member:
    id: int
    name: str
    roles: list[int]
    permissions: int


@dataclass
class Exchange:
    """One interaction and everything the bot sent for it."""

    id: int
    token: str
    sent_at: float
    acked_at: float | None = None
    callback: dict[str, Any] | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    answered_at: float | None = None

    @property
    def ephemeral(self) -> bool:
        flags = ((self.callback or {}).get("data") or {}).get("flags", 0) or 0
        return bool(flags & EPHEMERAL) or any(m.get("flags", 0) & EPHEMERAL for m in self.messages)

    def record(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        self.answered_at = time.perf_counter()
        self.done.set()

    @property
    def reply(self) -> dict[str, Any]:
        return self.messages[-1]

    async def wait(self, timeout: float = 15) -> dict[str, Any]:
        await asyncio.wait_for(self.done.wait(), timeout)
        return self.reply


class Emulator:
    def __init__(self, token: str = "emulator-token") -> None:
        self.token = token
        self.app_id = snowflake()
        self.bot_user = self._user(self.app_id, "Talks Bot", bot=True)
        self.guild_id = snowflake()
        self.channel_id = snowflake()
        self.moderator_role_id = snowflake()
        self.members: dict[str, Member] = {
            "moderator": Member(
                snowflake(), "mod", [self.moderator_role_id], MEMBER_PERMISSIONS | MANAGE_MESSAGES
            ),
            "member": Member(snowflake(), "member", [], MEMBER_PERMISSIONS),
            "helper": Member(snowflake(), "helper", [self.moderator_role_id], MEMBER_PERMISSIONS),
        }
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id
        self.sync_calls: list[str] = []
        self.exchanges: dict[str, Exchange] = {}  # by token
        self.messages: dict[int, dict[str, Any]] = {}
        self.identified = asyncio.Event()
        self.synced = asyncio.Event()
        self.fail_sync_with: tuple[int, int] | None = None  # (status, code) to refuse sync
        self._ws: web.WebSocketResponse | None = None
        self._seq = 0
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._init_setup_checks()

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024, middlewares=[self._log_request])
        r = app.router
        self._add_setup_routes(r)
        r.add_get("/gateway", self._gateway)
        r.add_get("/api/v10/users/@me", self._me)
        r.add_get("/api/v10/oauth2/applications/@me", self._application)
        r.add_get("/api/v10/gateway", self._gateway_url)
        r.add_get("/api/v10/gateway/bot", self._gateway_url)
        r.add_put("/api/v10/applications/{app}/commands", self._sync_commands)
        r.add_put("/api/v10/applications/{app}/guilds/{guild}/commands", self._sync_commands)
        r.add_post("/api/v10/interactions/{id}/{token}/callback", self._callback)
        r.add_post("/api/v10/webhooks/{app}/{token}", self._followup)
        r.add_patch("/api/v10/webhooks/{app}/{token}/messages/{message}", self._followup)
        r.add_get("/api/v10/webhooks/{app}/{token}/messages/{message}", self._get_message)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def env(self, **extra: str) -> dict[str, str]:
        """Settings that point a bot at this emulator."""
        return {
            "TALKS_DISCORD_TOKEN": self.token,
            "TALKS_GUILD_ID": str(self.guild_id),
            "TALKS_DISCORD_API_URL": self.api_url,
            "TALKS_DISCORD_GATEWAY_URL": self.gateway_url,
            **extra,
        }

    # --- what tests do --------------------------------------------------------------------------

    def command(self, name: str) -> dict[str, Any]:
        for scope in (str(self.guild_id), "global"):
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name:
                    return cmd
        raise KeyError(f"command /{name} was not synced")

    async def invoke(
        self,
        who: str,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        sub: str | None = None,
        respect_defaults: bool = True,
    ) -> Exchange:
        """A member runs /name [sub] with options, as Discord would deliver it."""
        cmd = self.command(name)
        member = self.member(who)
        required = cmd.get("default_member_permissions")
        if respect_defaults and required is not None:
            need = int(required)
            if member.permissions & need != need and not member.permissions & ADMINISTRATOR:
                raise Refused(f"/{name} is hidden from {who}")
        opts = [
            self._option(cmd if sub is None else self._sub(cmd, sub), k, v)
            for k, v in (options or {}).items()
        ]
        if sub is not None:
            opts = [{"type": 1, "name": sub, "options": opts}]
        data = {
            "id": cmd["id"],
            "name": name,
            "type": 1,
            "guild_id": str(self.guild_id),
            "options": opts,
        }
        return await self._dispatch(self._interaction(2, member, data))

    async def click(self, who: str, message: dict[str, Any], custom_id: str) -> Exchange:
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._dispatch(self._interaction(3, self.member(who), data, message))

    def member(self, who: str) -> Member:
        """A member by name; unknown names join the guild as plain members."""
        if who not in self.members:
            self.members[who] = Member(snowflake(), who, [], MEMBER_PERMISSIONS)
        return self.members[who]

    @staticmethod
    def buttons(message: dict[str, Any]) -> list[str]:
        return [
            c["custom_id"]
            for row in message.get("components", [])
            for c in row.get("components", [])
            if "custom_id" in c
        ]

    def _sub(self, cmd: dict[str, Any], sub: str) -> dict[str, Any]:
        return next(o for o in cmd.get("options", []) if o["name"] == sub)

    @staticmethod
    def _option(cmd: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
        spec = next(o for o in cmd.get("options", []) if o["name"] == name)
        return {"name": name, "type": spec["type"], "value": value}

    async def _dispatch(self, payload: dict[str, Any]) -> Exchange:
        ex = Exchange(int(payload["id"]), payload["token"], time.perf_counter())
        self.exchanges[ex.token] = ex
        await self._send_event("INTERACTION_CREATE", payload)
        return ex

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

    def _member(self, m: Member) -> dict[str, Any]:
        return {
            "user": self._user(m.id, m.name),
            "roles": [str(r) for r in m.roles],
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

    def _channel(self) -> dict[str, Any]:
        return {
            "id": str(self.channel_id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": "talks",
            "position": 0,
            "permission_overwrites": self.channel_overwrites,
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def _roles(self) -> list[dict[str, Any]]:
        def role(rid: int, name: str, perms: int, pos: int) -> dict[str, Any]:
            return {
                "id": str(rid),
                "name": name,
                "permissions": str(perms),
                "position": pos,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "icon": None,
                "unicode_emoji": None,
                "flags": 0,
            }

        bot_role = role(self.bot_role_id, "Talks Bot", self.bot_role_permissions, 2)
        bot_role["managed"] = True  # the role Discord makes from the invite's permissions
        return [
            role(self.guild_id, "@everyone", MEMBER_PERMISSIONS, 0),
            role(self.moderator_role_id, "Moderators", MEMBER_PERMISSIONS, 1),
            bot_role,
        ]

    def _message(
        self, body: dict[str, Any], *, interaction_id: int | None = None
    ) -> dict[str, Any]:
        msg = {
            "id": str(snowflake()),
            "channel_id": str(self.channel_id),
            "guild_id": str(self.guild_id),
            "author": self.bot_user,
            "content": body.get("content") or "",
            "timestamp": "2025-05-12T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 20 if interaction_id else 0,
            "flags": body.get("flags") or 0,
            "webhook_id": str(self.app_id),
            "application_id": str(self.app_id),
            "allowed_mentions": body.get("allowed_mentions"),
        }
        msg["attachments"] = body.get("_attachments", [])
        self.messages[int(msg["id"])] = msg
        return msg

    def _interaction(
        self, kind: int, m: Member, data: dict[str, Any], message: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        payload = {
            "id": str(snowflake()),
            "application_id": str(self.app_id),
            "type": kind,
            "token": f"itoken-{snowflake()}",
            "version": 1,
            "guild_id": str(self.guild_id),
            "channel_id": str(self.channel_id),
            "channel": self._channel(),
            "member": self._member(m),
            "data": data,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": str(MEMBER_PERMISSIONS),
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        return payload

    # --- REST ------------------------------------------------------------------------------------

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        # discord.py decodes JSON only for exactly "application/json", with no charset.
        return web.Response(
            status=status,
            body=json.dumps(data).encode(),
            headers={"Content-Type": "application/json"},
        )

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {self.token}"

    async def _me(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        return self._json(self.bot_user)

    async def _application(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        return self._json(
            {
                "id": str(self.app_id),
                "name": "Talks Bot",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": self._user(snowflake(), "owner"),
                "flags": 0,
                "team": None,
            }
        )

    async def _gateway_url(self, request: web.Request) -> web.Response:
        return self._json(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _sync_commands(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        if self.fail_sync_with is not None:
            status, code = self.fail_sync_with
            return self._json({"message": "Missing Access", "code": code}, status)
        scope = request.match_info.get("guild", "global")
        body = await request.json()
        out = []
        for cmd in body:
            out.append(
                {
                    **cmd,
                    "id": str(snowflake()),
                    "application_id": str(self.app_id),
                    "version": str(snowflake()),
                    "type": cmd.get("type", 1),
                    "default_member_permissions": _bitfield(cmd.get("default_member_permissions")),
                }
            )
            if scope != "global":
                out[-1]["guild_id"] = scope
        self.commands[scope] = out
        self.sync_calls.append(scope)
        self.synced.set()
        return self._json(out)

    async def _callback(self, request: web.Request) -> web.Response:
        ex = self.exchanges.get(request.match_info["token"])
        if ex is None:
            return self._json({"message": "Unknown interaction", "code": 10062}, 404)
        if ex.callback is not None:
            return self._json(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, 400
            )
        body = await self._body(request)
        ex.callback = body
        ex.acked_at = time.perf_counter()
        kind = body["type"]
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 7):  # a message now (or an update of the clicked one)
            message = self._message(body.get("data") or {}, interaction_id=ex.id)
            ex.record(message)
            resource["message"] = message
        flags = (body.get("data") or {}).get("flags") or 0
        interaction = {
            "id": str(ex.id),
            "type": 2,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(flags & EPHEMERAL),
        }
        if "message" in resource:
            interaction["response_message_id"] = resource["message"]["id"]
        if request.query.get("with_response") in ("1", "true", "True"):
            return self._json({"interaction": interaction, "resource": resource})
        return web.Response(status=204)

    async def _followup(self, request: web.Request) -> web.Response:
        """A follow-up (POST) or an edit of the original response (PATCH)."""
        ex = self.exchanges.get(request.match_info["token"])
        if ex is None:
            return self._json({"message": "Unknown Webhook", "code": 10015}, 404)
        message = self._message(await self._body(request), interaction_id=ex.id)
        ex.record(message)
        return self._json(message)

    async def _get_message(self, request: web.Request) -> web.Response:
        ex = self.exchanges.get(request.match_info["token"])
        if ex is None or not ex.messages:
            return self._json({"message": "Unknown Message", "code": 10008}, 404)
        return self._json(ex.messages[-1])

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        """JSON, or multipart with payload_json and files (attachments)."""
        if request.content_type.startswith("multipart/"):
            body: dict[str, Any] = {}
            files = []
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    body.update(json.loads(await part.text()))
                else:
                    data = await part.read()
                    files.append(
                        {
                            "id": str(snowflake()),
                            "filename": part.filename,
                            "size": len(data),
                            "content": data.decode("utf-8", "replace"),
                            "url": "http://127.0.0.1/file",
                            "proxy_url": "http://127.0.0.1/file",
                        }
                    )
            body["_attachments"] = files
            return body
        return await request.json() if request.can_read_body else {}

    # --- Gateway ---------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            op = frame.get("op")
            if op == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                if frame["d"].get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                self._ws = ws
                await self._send_event(
                    "READY",
                    {
                        "v": 10,
                        "user": self.bot_user,
                        "guilds": [{"id": str(self.guild_id), "unavailable": True}],
                        "session_id": "emulator-session",
                        "resume_gateway_url": self.gateway_url,
                        "application": {"id": str(self.app_id), "flags": 0},
                        "private_channels": [],
                        "relationships": [],
                        "shard": [0, 1],
                    },
                )
                await self._send_event("GUILD_CREATE", self._guild())
                self.identified.set()
            elif op == 6:
                self._ws = ws
                await self._send_event("RESUMED", {})
        if self._ws is ws:
            self._ws = None
        return ws

    def _guild(self) -> dict[str, Any]:
        bot_member = {
            **self._member(
                Member(self.app_id, "Talks Bot", [self.bot_role_id], MEMBER_PERMISSIONS)
            ),
            "user": self.bot_user,
        }
        return {
            "id": str(self.guild_id),
            "name": "Emulated guild",
            "icon": None,
            "owner_id": "1",
            "roles": self._roles(),
            "emojis": [],
            "stickers": [],
            "features": [],
            "channels": [self._channel()],
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

    async def _send_event(self, name: str, data: dict[str, Any]) -> None:
        if self._ws is None:
            raise RuntimeError("the bot is not connected to the gateway")
        self._seq += 1
        await self._ws.send_json({"op": 0, "t": name, "s": self._seq, "d": data})

    # --- issue 14: read-only endpoints for `talks-bot doctor` and `invite` -------------------
    # Kept apart from the rest: the guild as the bot sees it over REST (roles, channels with
    # their overwrites, the bot's member), the registered commands, and a log of every
    # request so tests can check that doctor only reads.

    INVITE_PERMISSIONS = (1 << 11) | (1 << 14) | (1 << 15)  # what `talks-bot invite` asks for

    def _init_setup_checks(self) -> None:
        self.bot_role_id = snowflake()
        self.bot_role_permissions = self.INVITE_PERMISSIONS
        self.channel_overwrites: list[dict[str, Any]] = []
        self.bot_in_guild = True
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request

    def _add_setup_routes(self, r: web.UrlDispatcher) -> None:
        r.add_get("/api/v10/guilds/{guild}", self._get_guild)
        r.add_get("/api/v10/guilds/{guild}/channels", self._get_channels)
        r.add_get("/api/v10/guilds/{guild}/members/{user}", self._get_member)
        r.add_get("/api/v10/applications/{app}/commands", self._get_commands)
        r.add_get("/api/v10/applications/{app}/guilds/{guild}/commands", self._get_commands)

    @web.middleware
    async def _log_request(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        return await handler(request)

    def deny_in_channel(self, target_id: int, bits: int, *, role: bool = True) -> None:
        """Add a channel overwrite denying ``bits`` to a role (or a member) in the channel."""
        self.channel_overwrites.append(
            {"id": str(target_id), "type": 0 if role else 1, "allow": "0", "deny": str(bits)}
        )

    def _guild_access(self, request: web.Request) -> web.Response | None:
        """Discord's answers for a bad token, an unknown guild, or one the bot is not in."""
        if not self._authorised(request):
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        if request.match_info["guild"] != str(self.guild_id):
            return self._json({"message": "Unknown Guild", "code": 10004}, 404)
        if not self.bot_in_guild:
            return self._json({"message": "Missing Access", "code": 50001}, 403)
        return None

    async def _get_guild(self, request: web.Request) -> web.Response:
        if (refused := self._guild_access(request)) is not None:
            return refused
        g = self._guild()
        rest = {
            k: g[k]
            for k in (
                "id",
                "name",
                "icon",
                "owner_id",
                "roles",
                "emojis",
                "stickers",
                "features",
                "afk_timeout",
                "verification_level",
                "default_message_notifications",
                "explicit_content_filter",
                "mfa_level",
                "system_channel_flags",
                "nsfw_level",
                "premium_tier",
                "preferred_locale",
                "application_id",
            )
        }
        none = (
            "description",
            "home_header",
            "splash",
            "discovery_splash",
            "banner",
            "region",
            "afk_channel_id",
            "system_channel_id",
            "widget_channel_id",
            "max_presences",
            "vanity_url_code",
            "rules_channel_id",
            "safety_alerts_channel_id",
            "public_updates_channel_id",
            "incidents_data",
        )
        return self._json(
            {
                **rest,
                **dict.fromkeys(none),
                "widget_enabled": False,
                "max_members": 500000,
                "max_stage_video_channel_users": 50,
                "max_video_channel_users": 25,
                "premium_subscription_count": 0,
                "premium_progress_bar_enabled": False,
                "nsfw": False,
            }
        )

    async def _get_channels(self, request: web.Request) -> web.Response:
        if (refused := self._guild_access(request)) is not None:
            return refused
        return self._json([self._channel()])

    async def _get_member(self, request: web.Request) -> web.Response:
        if (refused := self._guild_access(request)) is not None:
            return refused
        if request.match_info["user"] != str(self.app_id):
            return self._json({"message": "Unknown Member", "code": 10007}, 404)
        member = self._member(Member(self.app_id, "Talks Bot", [self.bot_role_id], 0))
        member.pop("permissions")  # only interactions carry a member's permissions
        return self._json({**member, "user": self.bot_user, "banner": None})

    async def _get_commands(self, request: web.Request) -> web.Response:
        if "guild" in request.match_info:
            refused = self._guild_access(request)
            if refused is not None:  # a Response is a mapping: empty means falsy
                return refused
        if not self._authorised(request):
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        return self._json(self.commands.get(request.match_info.get("guild", "global"), []))


class BotProcess:
    """The real ``talks-bot run`` as a subprocess; its output goes to a file the test reads."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TALKS_") and k != "DISCORD_TOKEN"
        }
        self.env = {**base, **env}
        self.cwd = cwd
        self.log_path = cwd / f"bot-{snowflake()}.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> BotProcess:
        self._log = self.log_path.open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=self.cwd,
            env=self.env,
            stdout=self._log,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
        )
        return self

    @property
    def output(self) -> str:
        return self.log_path.read_text("utf-8", "replace")

    async def wait(self, timeout: float = 30) -> int:
        assert self.proc is not None
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        finally:
            self._log.close()

    async def stop(self, timeout: float = 20) -> int | None:
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self._log.close()
        return self.proc.returncode
