"""The emulator's Gateway: the bot's sessions, one per shard, and the events sent on them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSMsgType, web

from bot.playground.emulator_payloads import Payloads
from bot.playground.emulator_types import NotConnected


class Gateway(Payloads):
    """The websocket the bot connects to: HELLO, IDENTIFY (READY, GUILD_CREATE), RESUME."""

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
