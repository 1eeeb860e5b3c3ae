"""What tests and the playground do as members: run commands, click, submit, type."""

from __future__ import annotations

import time
from typing import Any

from bot.playground import rules
from bot.playground.emulator_gateway import Gateway
from bot.playground.emulator_types import (
    ADMINISTRATOR,
    CONTEXT_BOT_DM,
    MEMBER_PERMISSIONS,
    Exchange,
    Member,
    Refused,
    snowflake,
)


class Members(Gateway):
    """Interactions as Discord delivers them when a member acts."""

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
        thread: dict[str, Any] | None = None,
    ) -> Exchange:
        """A member runs /name [sub] with options in server ``guild`` (index; None: a DM with
        the bot), as Discord would deliver it; ``thread``: in a thread started from that
        message (one in the server's channel)."""
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
        channel = self._thread(thread, member) if thread is not None else None
        return await self._dispatch(
            self._interaction(2, member, data, guild=guild, channel=channel)
        )

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
