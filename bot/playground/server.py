"""The playground's page and the small JSON API it calls, on 127.0.0.1 (aiohttp).

The page acts as a person in a Discord client: each call becomes what Discord would send the
bot (``Emulator.invoke``, ``autocomplete``, ``click``, ``submit``, ``message_command``), over the
same gateway the bot is connected to. ``GET /api/state`` waits (bounded) for a change and
returns the whole channel; the page redraws from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.playground import commands
from bot.playground.channel import IDENTITIES, Channel
from bot.playground.emulator import Emulator, NotConnected, Refused
from bot.playground.logview import LogView

log = logging.getLogger(__name__)

PAGE = Path(__file__).parent / "page"
FILES = {
    "/": ("index.html", "text/html"),
    "/playground.css": ("playground.css", "text/css"),
    "/playground.js": ("playground.js", "text/javascript"),
}
WAIT_S = 2.0  # a state request waits this long for a change before answering anyway (the
# log's records are written after the answer, so the panel looks again this often)
CHOICES_WAIT_S = 3.0  # Discord's client gives up on suggestions after about this long
TEXT_MAX = 4000  # a message's length in Discord's client


class BadRequest(Exception):
    """What the page asked for cannot be done; the message is shown under the box."""


class Playground:
    def __init__(self, emu: Emulator, logs: LogView | None = None) -> None:
        self.emu = emu
        self.channel = Channel(emu)
        self.logs = logs
        self.bot_exited: str | None = None  # set when the bot process ends by itself
        self.closing = False  # the playground is stopping: waiting requests answer at once

    def app(self) -> web.Application:
        app = web.Application(client_max_size=256 * 1024, middlewares=[self._errors])
        r = app.router
        for path in FILES:
            r.add_get(path, self._file)
        r.add_get("/api/state", self._state)
        r.add_post("/api/send", self._send)
        r.add_post("/api/suggest", self._suggest)
        r.add_post("/api/click", self._click)
        r.add_post("/api/submit", self._submit)
        r.add_post("/api/apps", self._apps)
        return app

    # --- the page ---------------------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.Response:
        name, kind = FILES[request.path]
        return web.Response(
            body=(PAGE / name).read_bytes(),
            content_type=kind,
            charset="utf-8",
            headers={"Cache-Control": "no-store"},
        )

    @web.middleware
    async def _errors(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Bad input is a 400 with one line for the page, never a traceback."""
        try:
            return await handler(request)
        except (BadRequest, commands.TypedError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        except NotConnected as exc:
            return web.json_response({"error": f"Talks Bot is not connected ({exc})"}, status=503)

    async def _state(self, request: web.Request) -> web.Response:
        try:
            since = int(request.query.get("since", "-1"))
        except ValueError:
            raise BadRequest("since must be a number") from None
        revision = self.emu.revision if self.closing else await self.emu.changes(since, WAIT_S)
        ready = self.emu.synced.is_set() and 0 in self.emu.identified_shards
        # read only once the bot has opened (and, the first time, created) the log itself
        entries, problem = await self.logs.entries() if self.logs and ready else ([], None)
        return web.json_response(
            {
                "revision": revision,
                "ready": ready,
                "bot_exited": self.bot_exited,
                "identities": [{"id": k, "label": v} for k, v in IDENTITIES.items()],
                "commands": self._commands(),
                "posts": self.channel.shown(),
                "log": entries,
                "log_problem": problem,
            }
        )

    def _commands(self) -> list[dict[str, Any]]:
        """The commands synced for the server, with whom Discord lists each one for."""
        listed: list[dict[str, Any]] = []
        scopes = [str(self.emu.guild_id), "global"]
        for scope in scopes:
            for cmd in self.emu.commands.get(scope, []):
                if any(c["name"] == cmd["name"] and c["type"] == cmd["type"] for c in listed):
                    continue
                listed.append(
                    {
                        "name": cmd["name"],
                        "type": cmd.get("type", 1),
                        "description": cmd.get("description", ""),
                        "options": cmd.get("options", []),
                        "listed_for": [w for w in IDENTITIES if self.emu.offered(w, cmd["name"])],
                    }
                )
        return listed

    # --- what a person does -------------------------------------------------------------------

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise BadRequest("the request body is not JSON") from None
        if not isinstance(body, dict):
            raise BadRequest("the request body is not a JSON object")
        who = body.get("who")
        if who not in IDENTITIES:
            raise BadRequest(f"who must be one of {', '.join(IDENTITIES)}")
        return body

    @staticmethod
    def _text(body: dict[str, Any], key: str) -> str:
        value = body.get(key)
        if not isinstance(value, str):
            raise BadRequest(f"{key} must be text")
        return value

    async def _send(self, request: web.Request) -> web.Response:
        """The message box: a slash command, else a message in the channel."""
        body = await self._body(request)
        who, text = body["who"], self._text(body, "text").strip()
        if not text:
            raise BadRequest("type a message or a command")
        if len(text) > TEXT_MAX:
            raise BadRequest(f"a message is at most {TEXT_MAX} characters")
        if not text.startswith("/"):
            message = self.channel.said(who, text)
            return web.json_response({"message_id": message["id"]})
        typed = commands.read(text, self._all_commands())
        loosened = bool(body.get("members_see_all"))
        try:
            ex = await self.emu.invoke(
                who, typed.name, typed.options, sub=typed.sub, respect_defaults=not loosened
            )
        except Refused:
            self.channel.notice(
                who,
                f"/{typed.name} is not available to you here: its default permissions hide it "
                "from members (a server can change that under Server Settings › Integrations; "
                "tick \u201cMembers see moderator commands\u201d to do so here).",
            )
            return web.json_response({"refused": True})
        shown = " ".join([f"/{typed.name}", *([typed.sub] if typed.sub else [])])
        shown += "".join(f" {k}: {typed.raw.get(k, v)}" for k, v in typed.options.items())
        self.channel.acted(who, ex, shown)
        return web.json_response({"token": ex.token})

    def _all_commands(self) -> list[dict[str, Any]]:
        return [
            *self.emu.commands.get(str(self.emu.guild_id), []),
            *self.emu.commands.get("global", []),
        ]

    async def _suggest(self, request: web.Request) -> web.Response:
        """Autocomplete: what the bot suggests for the option being typed, as Discord asks it
        (interaction type 4); nothing when that option does not autocomplete."""
        body = await self._body(request)
        text = self._text(body, "text")
        try:
            typed = commands.read(text, self._all_commands(), partial=True)
        except commands.TypedError:
            return web.json_response({"choices": []})
        if typed.last is None:
            return web.json_response({"choices": []})
        others = {k: v for k, v in typed.options.items() if k != typed.last}
        loosened = bool(body.get("members_see_all"))
        try:
            ex = await self.emu.autocomplete(
                body["who"], typed.name, typed.last, typed.raw.get(typed.last, ""), others,
                sub=typed.sub, respect_defaults=not loosened,
            )  # fmt: skip
        except (Refused, KeyError):  # hidden from this person, or no such option
            return web.json_response({"choices": []})
        try:
            choices = await ex.wait_choices(CHOICES_WAIT_S)
        except TimeoutError:
            return web.json_response({"choices": [], "error": "Loading options failed"})
        return web.json_response(
            {"option": typed.last, "prefix_length": typed.last_at, "choices": choices}
        )

    def _message_arg(self, body: dict[str, Any]) -> dict[str, Any]:
        message = self.channel.message(self._text(body, "message_id"))
        if message is None:
            raise BadRequest("no such message in this channel")
        return message

    async def _click(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        message = self._message_arg(body)
        try:
            ex = await self.emu.click(body["who"], message, self._text(body, "custom_id"))
        except KeyError:
            raise BadRequest("no such button on that message") from None
        self.channel.acted(body["who"], ex, None)
        return web.json_response({"token": ex.token})

    async def _submit(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        opened = self.emu.exchanges.get(self._text(body, "token"))
        values = body.get("values")
        if opened is None or opened.modal is None:
            raise BadRequest("that interaction opened no form")
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            raise BadRequest("values must map each field's label to text")
        try:
            ex = await self.emu.submit(body["who"], opened, values)
        except KeyError as exc:
            raise BadRequest(str(exc).strip('"')) from None
        self.channel.acted(body["who"], ex, None)
        return web.json_response({"token": ex.token})

    async def _apps(self, request: web.Request) -> web.Response:
        """A message command from a message's menu (Apps › Ask Talks Bot)."""
        body = await self._body(request)
        message = self._message_arg(body)
        name = self._text(body, "name")
        try:
            ex = await self.emu.message_command(body["who"], name, message)
        except (KeyError, Refused) as exc:
            raise BadRequest(str(exc).strip('"')) from None
        self.channel.acted(body["who"], ex, name)
        return web.json_response({"token": ex.token})


async def serve(playground: Playground, port: int) -> tuple[web.AppRunner, int]:
    """Start the page on 127.0.0.1:``port`` (0: any free port); the runner and the port."""
    runner = web.AppRunner(playground.app(), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    return runner, runner.addresses[0][1]


async def stop(runner: web.AppRunner) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        await runner.cleanup()
