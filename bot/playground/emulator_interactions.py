"""The emulator's interaction callback and webhook routes: responses, follow-ups and edits."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import BodyPartReader, web

from bot.playground import rules
from bot.playground.emulator_rest import Rest
from bot.playground.emulator_types import (
    EPHEMERAL,
    LOADING,
    RESPONSE_WINDOW_S,
    TOKEN_TTL_S,
    Exchange,
    Rejected,
    invalid,
    snowflake,
)


class Interactions(Rest):
    """What the bot sends with an interaction's token, checked against Discord's rules."""

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

    async def _delete(self, request: web.Request) -> web.Response:
        """DELETE @original or a follow-up: gone for everyone (204). A follow-up sent after the
        deferred original is deleted is a new message, its ephemeral flag honoured."""
        ex = self._exchange(request, webhook=True)
        if ex.callback is None:
            raise Rejected(404, 10015, "Unknown Webhook")
        msg = self._target(ex, request.match_info["message"])
        if failed := self._failed_on_purpose():
            return failed
        if msg is ex.original:
            ex.original = None
        else:
            ex.followups.remove(msg)
        self.messages.pop(int(msg["id"]), None)
        ex.deleted.append(msg["id"])
        ex.changed.set()
        return web.Response(status=204)

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
