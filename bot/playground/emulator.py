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
``@original`` can be read, edited and deleted (then a follow-up is a new message, its
ephemeral flag honoured); the token works for 15 minutes (then 401, 50027).

Every payload is built in one place (``_user``, ``_member``, ``_message``, ``_interaction``),
because a missing field kills the bot, not just one reply.
"""

from __future__ import annotations

from aiohttp import web

from bot.playground import rules
from bot.playground.emulator_interactions import Interactions
from bot.playground.emulator_members import Members
from bot.playground.emulator_setup import SetupChecks
from bot.playground.emulator_types import (
    ADMINISTRATOR,
    CONTEXT_BOT_DM,
    CONTEXT_GUILD,
    DISCORD_EPOCH_MS,
    EPHEMERAL,
    LOADING,
    MANAGE_MESSAGES,
    MEMBER_PERMISSIONS,
    RESPONSE_WINDOW_S,
    TOKEN_TTL_S,
    Exchange,
    Guild,
    Member,
    NotConnected,
    Refused,
    Rejected,
    invalid,
    snowflake,
)

__all__ = [
    "ADMINISTRATOR",
    "CONTEXT_BOT_DM",
    "CONTEXT_GUILD",
    "DISCORD_EPOCH_MS",
    "EPHEMERAL",
    "LOADING",
    "MANAGE_MESSAGES",
    "MEMBER_PERMISSIONS",
    "RESPONSE_WINDOW_S",
    "TOKEN_TTL_S",
    "Emulator",
    "Exchange",
    "Guild",
    "Member",
    "NotConnected",
    "Refused",
    "Rejected",
    "invalid",
    "rules",
    "snowflake",
]


class Emulator(Members, Interactions, SetupChecks):
    """The emulator: its state and payloads, the Gateway, what members do, the REST routes
    (plain, interaction and webhook, setup checks), started and stopped here."""

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
        r.add_delete("/api/v10/webhooks/{app}/{token}/messages/{message}", self._delete)
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
