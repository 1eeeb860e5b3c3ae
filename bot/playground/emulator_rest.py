"""The emulator's plain REST routes: the bot's user and application, the gateway, command sync."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.playground import rules
from bot.playground.emulator_payloads import Payloads
from bot.playground.emulator_types import Rejected, _bitfield, invalid, snowflake


class Rest(Payloads):
    """JSON responses, Discord's error bodies, authorisation and the routes every bot calls."""

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
