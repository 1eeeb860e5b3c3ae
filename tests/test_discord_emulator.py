"""The emulator fails what Discord fails: one deliberately bad request per rule, so its
strictness cannot silently rot (the end-to-end tests only prove the bot's requests pass)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.playground import rules
from bot.playground.emulator import EPHEMERAL, TOKEN_TTL_S, Emulator, Exchange, Refused


class Client:
    """Sends requests as a bot would, straight to the emulator."""

    def __init__(self, emu: Emulator, session: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.session = session
        self.headers = {"Authorization": f"Bot {emu.token}"}

    async def send(self, method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, dict]:
        url = self.emu.api_url + path
        async with self.session.request(method, url, json=body, headers=self.headers, **kw) as r:
            text = await r.text()
            return r.status, (json.loads(text) if text else {})

    async def callback(self, ex: Exchange, body: Any) -> tuple[int, dict]:
        return await self.send("POST", f"/interactions/{ex.id}/{ex.token}/callback", body)

    async def followup(self, ex: Exchange, body: Any) -> tuple[int, dict]:
        return await self.send("POST", f"/webhooks/{self.emu.app_id}/{ex.token}", body)

    async def edit(self, ex: Exchange, body: Any, message: str = "@original") -> tuple[int, dict]:
        path = f"/webhooks/{self.emu.app_id}/{ex.token}/messages/{message}"
        return await self.send("PATCH", path, body)

    async def sync(self, commands: Any) -> tuple[int, dict]:
        return await self.send("PUT", f"/applications/{self.emu.app_id}/commands", commands)


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    emu = Emulator()
    await emu.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield Client(emu, session)
    finally:
        await emu.stop()


def message(**fields: Any) -> dict[str, Any]:
    return {"type": 4, "data": fields}


def embed(**fields: Any) -> dict[str, Any]:
    return {"title": "t", **fields}


def row(*custom_ids: str) -> dict[str, Any]:
    return {
        "type": 1,
        "components": [{"type": 2, "style": 2, "label": "x", "custom_id": c} for c in custom_ids],
    }


BAD_MESSAGES = {
    "content over 2000": message(content="x" * 2001),
    "11 embeds": message(embeds=[embed()] * 11),
    "embed title 257": message(embeds=[embed(title="x" * 257)]),
    "description 4097": message(embeds=[embed(description="x" * 4097)]),
    "26 fields": message(embeds=[embed(fields=[{"name": "n", "value": "v"}] * 26)]),
    "field name 257": message(embeds=[embed(fields=[{"name": "x" * 257, "value": "v"}])]),
    "field value 1025": message(embeds=[embed(fields=[{"name": "n", "value": "x" * 1025}])]),
    "blank field": message(embeds=[embed(fields=[{"name": "n", "value": " "}])]),
    "footer 2049": message(embeds=[embed(footer={"text": "x" * 2049})]),
    "embeds total 6001": message(embeds=[embed(description="x" * 4000)] * 2),
    "custom_id 101": message(components=[row("x" * 101)]),
    "custom_id twice": message(components=[row("a", "a")]),
    "custom_id twice across rows": message(components=[row("a"), row("a")]),
    "parse users and users": message(allowed_mentions={"parse": ["users"], "users": ["1"]}),
    "parse roles and roles": message(allowed_mentions={"parse": ["roles"], "roles": ["1"]}),
    "unknown parse type": message(allowed_mentions={"parse": ["here"]}),
    "flag not settable": message(content="x", flags=1 << 1),
    "content not a string": message(content=5),
    "defer with a non-ephemeral flag": {"type": 5, "data": {"flags": 1 << 12}},
    "no type": {"data": {"content": "x"}},
    "update for a command": {"type": 7, "data": {"content": "x"}},
}


@pytest.mark.parametrize("case", BAD_MESSAGES)
async def test_bad_initial_response_is_400_invalid_form_body(client: Client, case: str) -> None:
    ex = client.emu.open_interaction()
    status, body = await client.callback(ex, BAD_MESSAGES[case])
    assert (status, body["code"]) == (400, 50035), body
    assert ex.callback is None and client.emu.rejections
    status, _ = await client.callback(ex, message(content="fine"))  # still unanswered
    assert status == 204


async def test_a_good_response_passes(client: Client) -> None:
    ex = client.emu.open_interaction()
    full = embed(
        title="x" * 256, description="x" * 2984, footer={"text": "x" * 200},  # 6000 in all
        fields=[{"name": "n" * 256, "value": "v" * 1024}] * 2,
    )  # fmt: skip
    body = message(
        content="x" * 2000, embeds=[full], components=[row("a", "b")], flags=EPHEMERAL,
        allowed_mentions={"parse": []},
    )  # fmt: skip
    assert (await client.callback(ex, body))[0] == 204
    assert client.emu.rejections == []


async def test_followup_and_edit_bodies_are_checked_too(client: Client) -> None:
    ex = client.emu.open_interaction()
    assert (await client.callback(ex, message(content="x")))[0] == 204
    status, body = await client.followup(ex, {"content": "x" * 2001})
    assert (status, body["code"]) == (400, 50035)
    status, body = await client.edit(ex, {"embeds": [embed(description="x" * 4097)]})
    assert (status, body["code"]) == (400, 50035)
    status, body = await client.edit(ex, {"content": "x", "flags": EPHEMERAL})  # not on edits
    assert (status, body["code"]) == (400, 50035)


async def test_initial_response_exactly_once_within_3_seconds(client: Client) -> None:
    late = client.emu.open_interaction()
    late.sent_at -= 3.1
    status, body = await client.callback(late, {"type": 5})
    assert (status, body["code"]) == (404, 10062)
    ex = client.emu.open_interaction()
    assert (await client.callback(ex, {"type": 5}))[0] == 204
    status, body = await client.callback(ex, message(content="again"))
    assert (status, body["code"]) == (400, 40060)
    unknown = client.emu.open_interaction()
    status, body = await client.send(
        "POST", f"/interactions/1/{unknown.token}/callback", {"type": 5}
    )
    assert (status, body["code"]) == (404, 10062)  # the id must match the token


async def test_followup_or_edit_before_any_response_is_refused(client: Client) -> None:
    ex = client.emu.open_interaction()
    status, body = await client.followup(ex, {"content": "too early"})
    assert (status, body["code"]) == (404, 10015)
    status, body = await client.edit(ex, {"content": "too early"})
    assert (status, body["code"]) == (404, 10008)
    status, body = await client.edit(ex, {"content": "x"}, message="123")
    assert (status, body["code"]) == (404, 10008)


async def test_followup_right_after_a_defer_edits_the_original_and_ignores_ephemeral(
    client: Client,
) -> None:
    ex = client.emu.open_interaction()
    assert (await client.callback(ex, {"type": 5}))[0] == 204  # a public "thinking…"
    assert ex.messages == [] and ex.loading
    status, msg = await client.followup(ex, {"content": "secret", "flags": EPHEMERAL})
    assert status == 200 and msg["id"] == ex.original["id"]
    assert not msg["flags"] & EPHEMERAL and ex.deprecated_followups == 1
    assert ex.followups == []
    status, later = await client.followup(ex, {"content": "now private", "flags": EPHEMERAL})
    assert status == 200 and later["flags"] & EPHEMERAL and later["id"] != msg["id"]


async def test_deleting_the_deferred_original_makes_the_next_followup_a_new_message(
    client: Client,
) -> None:
    """DELETE @original (204), as Discord's "Delete Original Interaction Response": after it, a
    follow-up is a message of its own whose ephemeral flag holds; deleting needs a response
    first and a message that exists."""
    ex = client.emu.open_interaction()
    path = f"/webhooks/{client.emu.app_id}/{ex.token}/messages/@original"
    status, body = await client.send("DELETE", path)
    assert (status, body["code"]) == (404, 10015)  # nothing to delete before a response
    assert (await client.callback(ex, {"type": 5}))[0] == 204  # a public "thinking…"
    original = ex.original["id"]
    assert (await client.send("DELETE", path))[0] == 204
    assert ex.original is None and ex.deleted == [original]
    assert int(original) not in client.emu.messages
    status, body = await client.send("DELETE", path)
    assert (status, body["code"]) == (404, 10008)  # already gone
    status, msg = await client.followup(ex, {"content": "only you", "flags": EPHEMERAL})
    assert status == 200 and msg["flags"] & EPHEMERAL and msg["id"] != original
    assert ex.deprecated_followups == 0 and [m["id"] for m in ex.messages] == [msg["id"]]
    status, _ = await client.send("DELETE", path[: -len("@original")] + msg["id"])
    assert status == 204 and ex.followups == []


async def test_original_is_editable_and_readable(client: Client) -> None:
    ex = client.emu.open_interaction()
    assert (await client.callback(ex, {"type": 5, "data": {"flags": EPHEMERAL}}))[0] == 204
    status, msg = await client.edit(ex, {"content": "done"})
    assert status == 200 and msg["content"] == "done" and msg["flags"] == EPHEMERAL
    status, got = await client.send(
        "GET", f"/webhooks/{client.emu.app_id}/{ex.token}/messages/@original"
    )
    assert status == 200 and got["content"] == "done"
    assert ex.deprecated_followups == 0 and ex.reply["content"] == "done"


async def test_token_expires_after_15_minutes(client: Client) -> None:
    ex = client.emu.open_interaction()
    assert (await client.callback(ex, {"type": 5}))[0] == 204
    ex.sent_at -= TOKEN_TTL_S + 1
    status, body = await client.edit(ex, {"content": "late"})
    assert (status, body["code"]) == (401, 50027)
    status, body = await client.followup(ex, {"content": "late"})
    assert (status, body["code"]) == (401, 50027)


async def test_multipart_attachment_ids_must_match_file_parts(client: Client) -> None:
    ex = client.emu.open_interaction()
    assert (await client.callback(ex, {"type": 5}))[0] == 204

    async def edit_with(payload: dict, part: str) -> tuple[int, dict]:
        form = aiohttp.FormData()
        form.add_field("payload_json", json.dumps(payload), content_type="application/json")
        form.add_field(part, b"a,b\r\n", filename="x.csv", content_type="text/csv")
        path = f"/webhooks/{client.emu.app_id}/{ex.token}/messages/@original"
        async with client.session.patch(client.emu.api_url + path, data=form) as r:
            return r.status, await r.json()

    status, body = await edit_with({"attachments": [{"id": 1, "filename": "x.csv"}]}, "files[0]")
    assert (status, body["code"]) == (400, 50035)
    status, body = await edit_with({"attachments": [{"id": 0, "filename": "x.csv"}]}, "upload")
    assert (status, body["code"]) == (400, 50035)
    status, msg = await edit_with({"attachments": [{"id": 0, "filename": "x.csv"}]}, "files[0]")
    assert status == 200 and msg["attachments"][0]["filename"] == "x.csv"


def command(name: str = "ask", **fields: Any) -> dict[str, Any]:
    return {"name": name, "description": "d", "type": 1, **fields}


def option(name: str, required: bool = False, kind: int = 3) -> dict[str, Any]:
    return {"name": name, "description": "d", "type": kind, "required": required}


BAD_COMMANDS = {
    "uppercase name": [command("Ask")],
    "space in name": [command("ask me")],
    "name over 32": [command("a" * 33)],
    "punctuation in name": [command("ask!")],
    "no description": [{"name": "ask", "type": 1}],
    "description over 100": [command(description="x" * 101)],
    "required after optional": [command(options=[option("a"), option("b", required=True)])],
    "duplicate option names": [command(options=[option("a"), option("a")])],
    "26 options": [command(options=[option(f"o{n}") for n in range(26)])],
    "uppercase option": [command(options=[option("Q")])],
    "subcommand mixed with option": [command(options=[option("s", kind=1), option("a")])],
    "same name twice": [command(), command()],
    "context 3": [command(contexts=[3])],
    "bad permissions": [command(default_member_permissions="manage")],
    "message command with a description": [{"name": "Ask Bot", "type": 3, "description": "d"}],
    "message command name with a leading space": [{"name": " Ask", "type": 3}],
    "localised name in capitals": [command(name_localizations={"uk": "Запитати"})],
    "localised option name with a space": [
        command(options=[{**option("q"), "name_localizations": {"ru": "ваш вопрос"}}])
    ],
    "unknown locale": [command(description_localizations={"xx": "d"})],
    "autocomplete with choices": [
        command(
            options=[
                {**option("q"), "autocomplete": True, "choices": [{"name": "a", "value": "a"}]}
            ]
        )
    ],
    "autocomplete on a boolean": [command(options=[{**option("b", kind=5), "autocomplete": True}])],
}


@pytest.mark.parametrize("case", BAD_COMMANDS)
async def test_bad_command_sync_is_refused(client: Client, case: str) -> None:
    status, body = await client.sync(BAD_COMMANDS[case])
    assert (status, body["code"]) == (400, 50035), body
    assert "global" not in client.emu.commands


async def test_global_commands_are_offered_in_both_servers_and_dms_by_context(
    client: Client,
) -> None:
    sub = {"name": "recent", "description": "d", "type": 1, "options": []}
    commands = [
        command("ask", options=[option("question", required=True), option("private", kind=5)],
                contexts=[0, 1], integration_types=[0]),
        command("logs", options=[sub], contexts=[0], integration_types=[0],
                default_member_permissions="8192"),
    ]  # fmt: skip
    status, _ = await client.sync(commands)
    assert status == 200
    emu = client.emu
    assert emu.command("ask", 0) and emu.command("ask", 1) and emu.command("ask", None)
    with pytest.raises(Refused):
        await emu.invoke("moderator", "logs", {}, sub="recent", guild=None)
    with pytest.raises(Refused):
        await emu.invoke("member", "logs", {}, sub="recent", guild=1)  # Manage Messages hides it


def test_every_rule_has_a_bad_request_above_and_the_spec_version_is_known() -> None:
    """Each rule in ``RULES`` is what rejects at least one of the cases above."""
    reported: set[str] = set()
    for body in BAD_MESSAGES.values():
        problems = rules.check_callback(body, 2)
        if isinstance(body.get("data"), dict):
            problems += rules.check_message(body["data"], edit=False, route="")
        assert problems, body
        reported |= {text.split(":")[0] for _, text in problems}
    for commands in BAD_COMMANDS.values():
        problems = rules.check_commands(commands)
        assert problems, commands
        reported |= {text.split(":")[0] for _, text in problems}
    for body, kind in BAD_AUTOCOMPLETE.values():
        problems = rules.check_autocomplete(body, {"name": "q", "type": kind})
        assert problems, body
        reported |= {text.split(":")[0] for _, text in problems}
    bad_upload = rules.check_attachments({"attachments": [{"id": 1}]}, ["files[0]"])
    reported |= {text.split(":")[0] for _, text in bad_upload}
    assert reported == set(rules.RULES)
    assert "74fda0fad044407ea280043a03ffc9bc64c4e49e" in rules.spec_version()


def modal(title: str = "Why?", **text_input: object) -> dict[str, object]:
    field = {"type": 4, "custom_id": "why", "style": 2, "label": "What was wrong?"} | text_input
    rows = [{"type": 1, "components": [field]}]
    return {"type": 9, "data": {"custom_id": "talks:why:1", "title": title, "components": rows}}


BAD_MODALS = {
    "title over 45": modal(title="x" * 46),
    "label over 45": modal(label="x" * 46),
    "max_length over 4000": modal(max_length=4001),
    "style 3": modal(style=3),
    "no components": {"type": 9, "data": {"custom_id": "x", "title": "t", "components": []}},
}


@pytest.mark.parametrize("case", BAD_MODALS)
async def test_modal_responses_are_checked(client: Client, case: str) -> None:
    ex = client.emu.open_interaction(kind=3)
    status, body = await client.callback(ex, BAD_MODALS[case])
    assert (status, body["code"]) == (400, 50035), body
    assert (await client.callback(ex, modal(max_length=200, required=False)))[0] == 204
    assert ex.modal is not None and ex.modal["title"] == "Why?"


def choices(*items: tuple[Any, Any]) -> dict[str, Any]:
    return {"type": 8, "data": {"choices": [{"name": n, "value": v} for n, v in items]}}


STRING, INTEGER = 3, 4
BAD_AUTOCOMPLETE = {  # (response, type of the focused option)
    "26 choices": (choices(*[(f"q{n}", f"q{n}") for n in range(26)]), STRING),
    "empty name": (choices(("", "x")), STRING),
    "name over 100": (choices(("x" * 101, "x")), STRING),
    "string value over 100": (choices(("x", "x" * 101)), STRING),
    "integer value for a string option": (choices(("x", 5)), STRING),
    "string value for an integer option": (choices(("x", "5")), INTEGER),
    "a message instead of choices": (message(content="x"), STRING),
    "a defer": ({"type": 5}, STRING),
    "no choices": ({"type": 8, "data": {}}, STRING),
    "unknown locale": (
        {
            "type": 8,
            "data": {"choices": [{"name": "a", "value": "a", "name_localizations": {"xx": "b"}}]},
        },
        STRING,
    ),
}


@pytest.mark.parametrize("case", BAD_AUTOCOMPLETE)
async def test_autocomplete_responses_are_checked(client: Client, case: str) -> None:
    """Type 4 takes only type 8, with choices as Discord documents them; a good one shows."""
    body, kind = BAD_AUTOCOMPLETE[case]
    ex = client.emu.open_interaction(kind=4, option_type=kind)
    status, reply = await client.callback(ex, body)
    assert (status, reply["code"]) == (400, 50035), reply
    good = choices(*[("x" * 100, ("y" * 100) if kind == STRING else n) for n in range(25)])
    assert (await client.callback(ex, good))[0] == 204
    assert ex.choices is not None and len(ex.choices) == 25


async def test_choices_answer_only_autocomplete(client: Client) -> None:
    ex = client.emu.open_interaction()  # a slash command
    status, reply = await client.callback(ex, choices(("a", "a")))
    assert (status, reply["code"]) == (400, 50035), reply


async def test_autocomplete_is_sent_only_for_options_that_declare_it(client: Client) -> None:
    commands = [command("ask", options=[
        {**option("question", required=True), "autocomplete": True}, option("other")
    ])]  # fmt: skip
    assert (await client.sync(commands))[0] == 200
    emu = client.emu
    emu._ws = _Sink()  # no bot connected: keep what would be sent
    ex = await emu.autocomplete("member", "ask", "question", "wher", guild=None)
    sent = emu._ws.sent[-1]["d"]
    assert sent["type"] == 4 and ex.focused and ex.focused["name"] == "question"
    assert sent["data"]["options"] == [
        {"name": "question", "type": 3, "value": "wher", "focused": True}
    ]
    with pytest.raises(Refused):
        await emu.autocomplete("member", "ask", "other", "x", guild=None)


class _Sink:
    """Stands in for the bot's gateway connection."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.closed = False

    async def send_json(self, frame: dict[str, Any]) -> None:
        self.sent.append(frame)

    async def close(self) -> None:
        self.closed = True
