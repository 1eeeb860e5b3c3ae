"""The emulator's read-only routes for `talks-bot doctor` and `invite`, and its request log."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

from aiohttp import web

from bot.playground.emulator_rest import Rest
from bot.playground.emulator_types import Guild, Member, Rejected


class SetupChecks(Rest):
    """The guild, channels, bot member and commands as the bot reads them over REST."""

    # --- issue 14: read-only endpoints for `talks-bot doctor` and `invite` -------------------
    # Kept apart from the rest: the guild as the bot sees it over REST (roles, channels with
    # their overwrites, the bot's member), the registered commands, and a log of every
    # request so tests can check that doctor only reads.

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

    def deny_in_channel(self, target_id: int, bits: int, *, role: bool = True) -> None:
        """Deny ``bits`` to a role (or a member) in the first server's channel."""
        self.channel_overwrites.append(
            {"id": str(target_id), "type": 0 if role else 1, "allow": "0", "deny": str(bits)}
        )

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
