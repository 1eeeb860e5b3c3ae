"""``talks-bot invite``: the exact invite URL for this bot, and what each permission is for."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from bot.discord.permissions import INVITE_PERMISSIONS, NEEDED
from bot.discord.rest import APIError, ReadOnlyAPI

AUTHORIZE_URL = "https://discord.com/oauth2/authorize"
SCOPES = (
    ("bot", "adds the bot user to the server"),
    ("applications.commands", "lets it register /ask, /sources, /help and /logs there"),
)


class InviteError(Exception):
    """The application id could not be found; the message says what to do."""


def invite_url(app_id: int, guild_id: int | None = None) -> str:
    params: dict[str, str | int] = {
        "client_id": app_id,
        "scope": " ".join(name for name, _ in SCOPES),
        "permissions": INVITE_PERMISSIONS,
    }
    if guild_id is not None:
        params["guild_id"] = guild_id
        params["disable_guild_select"] = "true"
    return f"{AUTHORIZE_URL}?{urlencode(params, quote_via=quote)}"


def invite_text(app_id: int, guild_id: int | None = None) -> str:
    where = f"server {guild_id} (TALKS_GUILD_ID)" if guild_id else "your test server"
    lines = [
        f"Open this URL, choose {where} and press Authorize:",
        "",
        invite_url(app_id, guild_id),
        "",
        "Scopes:",
        *(f"  {name:<22} {why}" for name, why in SCOPES),
        f"Permissions ({INVITE_PERMISSIONS}), exactly what the bot uses:",
        *(f"  {p.name:<22} {p.purpose}" for p in NEEDED),
        "",
        "Then check the setup: talks-bot doctor",
    ]
    return "\n".join(lines)


async def application_id(api_url: str, token: str) -> int:
    """The application id of the bot that ``token`` belongs to."""
    async with ReadOnlyAPI(api_url, token) as api:
        try:
            app = await api.get("/oauth2/applications/@me")
        except APIError as exc:
            if exc.status == 401:
                raise InviteError(
                    "Discord rejected the token (401 Unauthorized): copy it again from the "
                    "Developer Portal (Bot → Reset Token), or give --app-id"
                ) from None
            raise InviteError(f"cannot read the application from Discord: {exc}") from None
    return int(app["id"])
