"""A small Discord on loopback: the HTTP API and Gateway a discord.py bot uses, for the tests
and for ``talks-bot playground``.

The real ``talks-bot run`` connects to it through TALKS_DISCORD_API_URL and
TALKS_DISCORD_GATEWAY_URL. Tests act as members: ``invoke`` a slash command, ``click`` a
button, ``submit`` a modal, run a ``message_command`` or type into an option (``autocomplete``:
interaction type 4, answered only by type 8 with valid choices) in one of
two servers or in a DM, then read what the bot answered. Like Discord, it
refuses to deliver a command that the member's permissions hide (``default_member_permissions``,
unless a test says the server loosened that default) or that the command's ``contexts`` do not
offer in a DM, and it fails what Discord fails (``rules``: the published schema and
the documented limits; the interaction rules below), answering with Discord's status and error
code. Every refusal is kept in ``rejections``, so a test fails when the bot sends something
Discord would refuse even if the bot shrugs it off.

Interaction rules: exactly one initial response, within 3 s of dispatch (later: 404, 10062
Unknown interaction; twice: 400, 40060); follow-ups and edits need a response first (404,
10015 / 10008); a follow-up sent while a deferred response is still loading edits the original
and ignores its ephemeral flag (documented, deprecated; counted in ``deprecated_followups``);
``@original`` can be read and edited; the token works for 15 minutes (then 401, 50027).

Every payload is built in one place (``_user``, ``_member``, ``_message``, ``_interaction``),
because a missing field kills the bot, not just one reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

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


class Emulator:
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

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(
            client_max_size=32 * 1024 * 1024, middlewares=[self._log_request, self._refusals]
        )
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
        r.add_patch("/api/v10/webhooks/{app}/{token}/messages/{message}", self._edit)
        r.add_get("/api/v10/webhooks/{app}/{token}/messages/{message}", self._get_message)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in {self._ws, *self._sockets.values()} - {None}:
            if not ws.closed:  # type: ignore[union-attr]
                await ws.close()  # type: ignore[union-attr]
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Emulator:
        """``async with Emulator() as emu``: started, and stopped however the block ends."""
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def env(self, *, global_commands: bool = False, **extra: str) -> dict[str, str]:
        """Settings that point a bot at this emulator; commands sync to the first server only,
        unless ``global_commands`` (then no TALKS_GUILD_ID: the default for real use)."""
        env = {
            "TALKS_DISCORD_TOKEN": self.token,
            "TALKS_DISCORD_API_URL": self.api_url,
            "TALKS_DISCORD_GATEWAY_URL": self.gateway_url,
            **extra,
        }
        if not global_commands:
            env.setdefault("TALKS_GUILD_ID", str(self.guild_id))
        return env

    # --- what tests do --------------------------------------------------------------------------

    def command(self, name: str, guild: int | None = 0) -> dict[str, Any]:
        """The command ``name`` as Discord offers it in server ``guild`` (index) or a DM (None)."""
        scopes = ["global"] if guild is None else [str(self.guilds[guild].id), "global"]
        for scope in scopes:
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name:
                    return cmd
        where = "in DMs" if guild is None else f"in {self.guilds[guild].name}"
        raise KeyError(f"command /{name} is not synced {where}")

    def offered(
        self, who: str, name: str, guild: int | None = 0, *, respect_defaults: bool = True
    ) -> bool:
        """Whether Discord lists /name for this member here (the playground's command menu)."""
        try:
            self._usable(who, name, guild, respect_defaults)
        except (Refused, KeyError):
            return False
        return True

    def _usable(
        self, who: str, name: str, guild: int | None, respect_defaults: bool
    ) -> tuple[dict[str, Any], Member]:
        """The command and the member, if Discord offers /name to them here: not in a DM
        unless the command's contexts allow it, not to members without its default
        permissions (unless the test overrides them)."""
        cmd = self.command(name, guild)
        member = self.member(who)
        if guild is None:
            contexts = cmd.get("contexts")
            offered = CONTEXT_BOT_DM in contexts if contexts else cmd.get("dm_permission", True)
            if not offered:
                raise Refused(f"/{name} is not offered in DMs")
        required = cmd.get("default_member_permissions")
        if guild is not None and respect_defaults and required is not None:
            need = int(required)
            if member.permissions & need != need and not member.permissions & ADMINISTRATOR:
                raise Refused(f"/{name} is hidden from {who}")
        return cmd, member

    async def invoke(
        self,
        who: str,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        sub: str | None = None,
        guild: int | None = 0,
        respect_defaults: bool = True,
    ) -> Exchange:
        """A member runs /name [sub] with options in server ``guild`` (index; None: a DM with
        the bot), as Discord would deliver it."""
        cmd, member = self._usable(who, name, guild, respect_defaults)
        opts = [
            self._option(cmd if sub is None else self._sub(cmd, sub), k, v)
            for k, v in (options or {}).items()
        ]
        if sub is not None:
            opts = [{"type": 1, "name": sub, "options": opts}]
        data: dict[str, Any] = {"id": cmd["id"], "name": name, "type": 1, "options": opts}
        if "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        return await self._dispatch(self._interaction(2, member, data, guild=guild))

    async def autocomplete(
        self,
        who: str,
        name: str,
        focused: str,
        typed: Any,
        options: dict[str, Any] | None = None,
        *,
        sub: str | None = None,
        guild: int | None = 0,
        respect_defaults: bool = True,
    ) -> Exchange:
        """A member typing ``typed`` into option ``focused`` of /name [sub]: interaction type 4
        (APPLICATION_COMMAND_AUTOCOMPLETE), the focused option marked ``"focused": true`` among
        the other ``options`` filled so far. Discord sends it only for an option that declares
        ``autocomplete: true``, and only where the member may use the command."""
        cmd, member = self._usable(who, name, guild, respect_defaults)
        level = cmd if sub is None else self._sub(cmd, sub)
        spec = next((o for o in level.get("options", []) if o["name"] == focused), None)
        if spec is None or not spec.get("autocomplete"):
            raise Refused(f"option {focused!r} of /{name} does not declare autocomplete")
        opts = [self._option(level, k, v) for k, v in (options or {}).items() if k != focused]
        opts.append({**self._option(level, focused, typed), "focused": True})
        if sub is not None:
            opts = [{"type": 1, "name": sub, "options": opts}]
        data: dict[str, Any] = {"id": cmd["id"], "name": name, "type": 1, "options": opts}
        if "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        payload = self._interaction(rules.AUTOCOMPLETE, member, data, guild=guild)
        ex = self._open(payload)
        ex.focused = spec
        await self._send_event("INTERACTION_CREATE", payload)
        return ex

    def post(self, who: str, content: str, *, guild: int | None = 0) -> dict[str, Any]:
        """A member's message in the server's channel (or their DM with the bot), for a test
        to use with ``message_command``; the bot never sees it (no message intents)."""
        return self._chat_message(self.member(who), content, guild=guild)

    async def message_command(
        self, who: str, name: str, message: dict[str, Any], *, guild: int | None = 0
    ) -> Exchange:
        """A member picks the message command ``name`` on ``message``: interaction type 2 with
        command type 3 (MESSAGE), the message in ``resolved.messages`` with its content, which
        Discord sends even to bots without the message-content intent."""
        cmd = self.command(name, guild)
        if cmd.get("type") != 3:
            raise KeyError(f"{name!r} is not a message command")
        if guild is None:
            contexts = cmd.get("contexts")
            offered = CONTEXT_BOT_DM in contexts if contexts else cmd.get("dm_permission", True)
            if not offered:
                raise Refused(f"{name!r} is not offered in DMs")
        data: dict[str, Any] = {
            "id": cmd["id"], "name": name, "type": 3, "target_id": message["id"],
            "resolved": {"messages": {message["id"]: message}},
        }  # fmt: skip
        if "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        return await self._dispatch(self._interaction(2, self.member(who), data, guild=guild))

    async def click(self, who: str, message: dict[str, Any], custom_id: str) -> Exchange:
        if custom_id not in self.buttons(message):
            raise KeyError(f"no button {custom_id!r} on that message")
        guild = self._guild_index(message.get("guild_id"))
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._dispatch(
            self._interaction(3, self.member(who), data, message, guild=guild)
        )

    async def submit(self, who: str, opened: Exchange, values: dict[str, str]) -> Exchange:
        """The member fills the modal ``opened`` showed (``values`` by text input label; an
        input not named is left empty) and submits it: interaction type 5."""
        modal = opened.modal
        if modal is None:
            raise KeyError("that interaction opened no modal")
        inputs = [
            c for row in modal["components"] for c in row.get("components", []) if c["type"] == 4
        ] + [row["component"] for row in modal["components"] if row.get("type") == 18]
        unknown = set(values) - {i.get("label") for i in inputs}
        if unknown:
            raise KeyError(f"no text input labelled {sorted(unknown)!r} in that modal")
        rows = [
            {"type": 1, "components": [
                {"type": 4, "custom_id": i["custom_id"], "value": values.get(i.get("label"), "")}
            ]}
            for i in inputs
        ]  # fmt: skip
        data = {"custom_id": modal["custom_id"], "components": rows}
        message = opened.source_message
        guild = self._guild_index(message.get("guild_id")) if message else 0
        return await self._dispatch(
            self._interaction(5, self.member(who), data, message, guild=guild)
        )

    def open_interaction(
        self, who: str = "member", *, kind: int = 2, option_type: int = 3
    ) -> Exchange:
        """An interaction as if delivered, without a bot: tests answer it over HTTP. An
        autocomplete one (kind 4) focuses an option ``q`` of ``option_type``."""
        data = {"id": str(snowflake()), "name": "test", "type": 1, "options": []}
        if kind == rules.AUTOCOMPLETE:
            data["options"] = [{"name": "q", "type": option_type, "value": "", "focused": True}]
        if kind == 3:
            data = {"custom_id": "test", "component_type": 2}
        ex = self._open(self._interaction(kind, self.member(who), data))
        if kind == rules.AUTOCOMPLETE:
            ex.focused = {"name": "q", "type": option_type, "autocomplete": True}
        return ex

    def member(self, who: str) -> Member:
        """A member by name; unknown names join both servers as plain members."""
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

    def _guild_index(self, guild_id: str | None) -> int | None:
        for n, g in enumerate(self.guilds):
            if str(g.id) == guild_id:
                return n
        return None

    def _sub(self, cmd: dict[str, Any], sub: str) -> dict[str, Any]:
        return next(o for o in cmd.get("options", []) if o["name"] == sub)

    @staticmethod
    def _option(cmd: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
        spec = next(o for o in cmd.get("options", []) if o["name"] == name)
        return {"name": name, "type": spec["type"], "value": value}

    def _open(self, payload: dict[str, Any]) -> Exchange:
        ex = Exchange(
            int(payload["id"]), payload["token"], time.perf_counter(), kind=payload["type"],
            guild_id=int(payload["guild_id"]) if "guild_id" in payload else None,
            channel_id=int(payload["channel_id"]), source_message=payload.get("message"),
        )  # fmt: skip
        self.exchanges[ex.token] = ex
        ex.trace.append(
            {"at": time.time(), "what": f"gateway INTERACTION_CREATE (type {ex.kind})",
             "body": payload}
        )  # fmt: skip
        self.revise()
        return ex

    async def _dispatch(self, payload: dict[str, Any]) -> Exchange:
        ex = self._open(payload)
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
    ) -> dict[str, Any]:
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
                "channel_id": str(g.channel_id),
                "channel": self._channel(g),
                "member": self._member(m, g),
                "authorizing_integration_owners": {"0": str(g.id)},
                "context": CONTEXT_GUILD,
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

    @web.middleware
    async def _refusals(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Turn ``Rejected`` into Discord's error body, and keep it for the tests."""
        try:
            return await handler(request)
        except Rejected as exc:
            self.rejections.append(exc)
            body: dict[str, Any] = {"message": exc.message, "code": exc.code}
            if exc.errors:
                body["errors"] = {
                    path: {"_errors": [{"code": "INVALID", "message": msg}]}
                    for path, msg in exc.errors
                }
            return self._json(body, exc.status)

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
                "shards": self.shards,
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
        problems = rules.check_commands(body)
        if problems:
            raise invalid(problems)
        out = []
        for cmd in body:
            out.append(
                {
                    "description": "",  # Discord returns "" for user and message commands
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
                out[-1].pop("contexts", None)  # only global commands have contexts
                out[-1].pop("integration_types", None)
        self.commands[scope] = out
        self.sync_calls.append(scope)
        self.synced.set()
        return self._json(out)

    def _exchange(self, request: web.Request, *, webhook: bool) -> Exchange:
        """The interaction a token names, if Discord still knows it."""
        ex = self.exchanges.get(request.match_info["token"])
        if ex is None or (not webhook and str(ex.id) != request.match_info["id"]):
            raise Rejected(404, 10062, "Unknown interaction")
        if webhook:
            if request.match_info["app"] != str(self.app_id):
                raise Rejected(404, 10015, "Unknown Webhook")
            if time.perf_counter() - ex.sent_at > TOKEN_TTL_S:
                raise Rejected(401, 50027, "Invalid Webhook Token")
        return ex

    async def _callback(self, request: web.Request) -> web.Response:
        ex = self._exchange(request, webhook=False)
        if ex.callback is not None:
            raise Rejected(400, 40060, "Interaction has already been acknowledged.")
        if time.perf_counter() - ex.sent_at > RESPONSE_WINDOW_S:
            raise Rejected(404, 10062, "Unknown interaction")
        body, parts = await self._body(request)
        if ex.kind == rules.AUTOCOMPLETE:
            problems = rules.check_autocomplete(body, ex.focused or {})
        else:
            problems = rules.check_callback(body, ex.kind)
        if parts:
            problems += rules.check_attachments(body.get("data") or {}, ["payload_json", *parts])
        if problems:
            raise invalid(problems)
        ex.callback = body
        ex.acked_at = time.perf_counter()
        kind = body["type"]
        data = {**(body.get("data") or {}), "_attachments": list(parts.values())}
        flags = data.get("flags") or 0
        resource: dict[str, Any] = {"type": kind}
        if kind == 4:
            ex.original = self._message(data, ex, flags=flags)
            ex.record(ex.original)
        elif kind == 5:  # "thinking…": a placeholder the bot edits later
            ex.original = self._message({}, ex, flags=(flags & EPHEMERAL) | LOADING)
        elif kind == 7 and ex.source_message is not None:
            self._apply_edit(ex.source_message, data)
            ex.original = ex.source_message
            ex.record(ex.original)
        elif kind == 6 and ex.source_message is not None:
            ex.original = ex.source_message
        elif kind == 9:  # a form for the member; no message, nothing to edit later
            ex.modal = body["data"]
            ex.changed.set()
        elif kind == rules.AUTOCOMPLETE_RESULT:  # choices under the member's input; no message
            ex.choices = body["data"]["choices"]
            ex.changed.set()
        if ex.original is not None:
            resource["message"] = ex.original
        interaction = {
            "id": str(ex.id),
            "type": ex.kind,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(flags & EPHEMERAL),
        }
        if ex.original is not None:
            interaction["response_message_id"] = ex.original["id"]
        if request.query.get("with_response") in ("1", "true", "True"):
            return self._json({"interaction": interaction, "resource": resource})
        return web.Response(status=204)

    async def _followup(self, request: web.Request) -> web.Response:
        """A follow-up message; straight after a defer, Discord makes it the original."""
        ex = self._exchange(request, webhook=True)
        if ex.callback is None:
            raise Rejected(404, 10015, "Unknown Webhook")
        body, parts = await self._body(request)
        problems = rules.check_message(body, edit=False, route="IncomingWebhookRequestPartial")
        if parts:
            problems += rules.check_attachments(body, ["payload_json", *parts])
        if problems:
            raise invalid(problems)
        body["_attachments"] = list(parts.values())
        if failed := self._failed_on_purpose():
            return failed
        if ex.loading:  # documented: edits the original, "the ephemeral flag will be ignored"
            assert ex.original is not None
            ex.deprecated_followups += 1
            self._apply_edit(ex.original, {k: v for k, v in body.items() if k != "flags"})
            ex.record(ex.original)
            return self._json(ex.original)
        message = self._message(body, ex, flags=body.get("flags") or 0)
        ex.followups.append(message)
        ex.record(message)
        return self._json(message)

    def _failed_on_purpose(self) -> web.Response | None:
        """A test's choice, not a rule: not kept in ``rejections``."""
        if self.fail_next_message is None:
            return None
        (status, code), self.fail_next_message = self.fail_next_message, None
        return self._json({"message": "Refused on purpose by the test", "code": code}, status)

    def _target(self, ex: Exchange, message_id: str) -> dict[str, Any]:
        if message_id == "@original":
            if ex.original is None:
                raise Rejected(404, 10008, "Unknown Message")
            return ex.original
        for msg in ex.followups:
            if msg["id"] == message_id:
                return msg
        raise Rejected(404, 10008, "Unknown Message")

    async def _edit(self, request: web.Request) -> web.Response:
        """PATCH @original or a follow-up of this interaction."""
        ex = self._exchange(request, webhook=True)
        msg = self._target(ex, request.match_info["message"])
        body, parts = await self._body(request)
        problems = rules.check_message(body, edit=True, route="IncomingWebhookUpdateRequestPartial")
        if parts:
            existing = {a["id"] for a in msg["attachments"]}
            problems += rules.check_attachments(body, ["payload_json", *parts], existing)
        if problems:
            raise invalid(problems)
        body["_attachments"] = list(parts.values())
        if failed := self._failed_on_purpose():
            return failed
        self._apply_edit(msg, body)
        ex.record(msg)
        return self._json(msg)

    async def _get_message(self, request: web.Request) -> web.Response:
        ex = self._exchange(request, webhook=True)
        return self._json(self._target(ex, request.match_info["message"]))

    @staticmethod
    async def _body(request: web.Request) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """JSON, or multipart: payload_json and its uploads by form-part name."""
        if not request.content_type.startswith("multipart/"):
            try:
                return (await request.json() if request.can_read_body else {}), {}
            except json.JSONDecodeError:
                raise Rejected(400, 50109, "The request body contains invalid JSON.") from None
        body: dict[str, Any] = {}
        parts: dict[str, dict[str, Any]] = {}
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):  # Discord's bodies are never nested
                raise Rejected(400, 50109, "The request body contains a nested multipart body.")
            if part.name == "payload_json":
                body.update(json.loads(await part.text()))
                continue
            data = await part.read()
            parts[part.name or ""] = {
                "id": str(snowflake()),
                "filename": part.filename,
                "size": len(data),
                "content": data.decode("utf-8", "replace"),
                "url": "http://127.0.0.1/file",
                "proxy_url": "http://127.0.0.1/file",
            }
        return body, parts

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
                shard, count = frame["d"].get("shard") or [0, 1]
                if count != self.shards or not 0 <= shard < count:
                    await ws.close(code=4010, message=b"Invalid shard.")
                    break
                self._attach(ws, shard)
                mine = [g for g in self.guilds if (g.id >> 22) % count == shard]
                await self._send_event(
                    "READY",
                    {
                        "v": 10,
                        "user": self.bot_user,
                        "guilds": [{"id": str(g.id), "unavailable": True} for g in mine],
                        "session_id": f"emulator-session-{shard}",
                        "resume_gateway_url": self.gateway_url,
                        "application": {"id": str(self.app_id), "flags": 0},
                        "private_channels": [],
                        "relationships": [],
                        "shard": [shard, count],
                    },
                    ws=ws,
                )
                for guild in mine:
                    await self._send_event("GUILD_CREATE", self._guild(guild), ws=ws)
                self.identified_shards.add(shard)
                self.identified.set()
            elif op == 6:
                session = str(frame["d"].get("session_id", ""))
                shard = int(session.rsplit("-", 1)[-1]) if session[-1:].isdigit() else 0
                self._attach(ws, shard)
                await self._send_event("RESUMED", {}, ws=ws)
        if self._ws is ws:
            self._ws = None
        for shard in [n for n, s in self._sockets.items() if s is ws]:
            del self._sockets[shard]
            self.identified_shards.discard(shard)
        return ws

    def _attach(self, ws: web.WebSocketResponse, shard: int) -> None:
        self._sockets[shard] = ws
        if shard == 0:
            self._ws = ws

    def shard_of(self, guild: int | None) -> int:
        """The shard a server's (index) events go to; DMs (None) go to shard 0."""
        return 0 if guild is None else (self.guilds[guild].id >> 22) % self.shards

    async def wait_shards(self, shards: set[int], timeout: float = 60) -> None:
        """Until every shard in ``shards`` has a session (bounded)."""
        async with asyncio.timeout(timeout):
            while not shards <= self.identified_shards:
                await asyncio.sleep(0.05)

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

    async def _send_event(
        self, name: str, data: dict[str, Any], *, ws: web.WebSocketResponse | None = None
    ) -> None:
        """Send an event on ``ws``, else on the session of the shard the server's events go
        to (shard 0 for DMs and when unsharded)."""
        if ws is None:
            ws = self._ws
            if self.shards > 1 and data.get("guild_id") is not None:
                ws = self._sockets.get((int(data["guild_id"]) >> 22) % self.shards)
        if ws is None:
            raise NotConnected("the bot is not connected to the gateway (for that shard)")
        self._seq += 1
        await ws.send_json({"op": 0, "t": name, "s": self._seq, "d": data})

    # --- issue 14: read-only endpoints for `talks-bot doctor` and `invite` -------------------
    # Kept apart from the rest: the guild as the bot sees it over REST (roles, channels with
    # their overwrites, the bot's member), the registered commands, and a log of every
    # request so tests can check that doctor only reads.

    INVITE_PERMISSIONS = (1 << 11) | (1 << 14) | (1 << 15)  # what `talks-bot invite` asks for

    def _init_setup_checks(self) -> None:
        self.bot_role_ids = {g.id: snowflake() for g in self.guilds}  # the bot's role per server
        self.bot_role_id = self.bot_role_ids[self.guild_id]
        self.bot_role_permissions = self.INVITE_PERMISSIONS
        self.channel_overwrites: list[dict[str, Any]] = []  # in the first server's channel
        self.bot_in_guild = True  # in the first server; False: as if never invited there
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
        response = await handler(request)
        ex = self.exchanges.get(request.match_info.get("token", ""))
        if ex is not None:
            body: Any = None
            if request.content_type == "application/json" and request.can_read_body is False:
                with contextlib.suppress(ValueError):
                    body = json.loads(await request.text() or "null")
            elif request.content_type.startswith("multipart/"):
                body = "(multipart: payload_json and files)"
            path = request.path.replace(ex.token, "{token}")
            ex.trace.append(
                {"at": time.time(), "what": f"{request.method} {path}", "status": response.status,
                 "body": body}
            )  # fmt: skip
        self.revise()
        return response

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

    def deny_in_channel(self, target_id: int, bits: int, *, role: bool = True) -> None:
        """Deny ``bits`` to a role (or a member) in the first server's channel."""
        self.channel_overwrites.append(
            {"id": str(target_id), "type": 0 if role else 1, "allow": "0", "deny": str(bits)}
        )

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

    def _setup_guild(self, request: web.Request) -> Guild:
        """The server a request names, or Discord's refusal for a bad token, an unknown server,
        or one the bot is not in."""
        if not self._authorised(request):
            raise Rejected(401, 0, "401: Unauthorized")
        guild = next((g for g in self.guilds if str(g.id) == request.match_info["guild"]), None)
        if guild is None:
            raise Rejected(404, 10004, "Unknown Guild")
        if guild is self.guilds[0] and not self.bot_in_guild:
            raise Rejected(403, 50001, "Missing Access")
        return guild

    async def _get_guild(self, request: web.Request) -> web.Response:
        g = self._guild(self._setup_guild(request))
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
        return self._json([self._channel(self._setup_guild(request))])

    async def _get_member(self, request: web.Request) -> web.Response:
        guild = self._setup_guild(request)
        if request.match_info["user"] != str(self.app_id):
            raise Rejected(404, 10007, "Unknown Member")
        bot = Member(self.app_id, "Talks Bot", [self.bot_role_ids[guild.id]], 0)
        member = self._member(bot, guild)
        member.pop("permissions")  # only interactions carry a member's permissions
        return self._json({**member, "user": self.bot_user, "banner": None})

    async def _get_commands(self, request: web.Request) -> web.Response:
        if "guild" in request.match_info:
            self._setup_guild(request)
        elif not self._authorised(request):
            raise Rejected(401, 0, "401: Unauthorized")
        return self._json(self.commands.get(request.match_info.get("guild", "global"), []))
