"""The playground's server without a browser or a bot: its page, its answers to bad input (one
line, never a traceback), Discord's own refusals, and the command's usage errors."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.cli import main
from bot.playground.emulator import MANAGE_MESSAGES, Emulator
from bot.playground.server import Playground, serve, stop

LOGS = {
    "id": "1", "name": "logs", "type": 1, "description": "Review the answer log.",
    "default_member_permissions": str(MANAGE_MESSAGES),
    "options": [{"name": "recent", "type": 1, "description": "The latest.", "options": []}],
}  # fmt: skip


@pytest.fixture
async def site() -> AsyncIterator[tuple[str, Emulator, Playground]]:
    emu = Emulator()
    await emu.start()
    emu.commands[str(emu.guild_id)] = [LOGS]  # as if the bot had synced; no bot connected
    playground = Playground(emu)
    runner, port = await serve(playground, 0)
    try:
        yield f"http://127.0.0.1:{port}", emu, playground
    finally:
        playground.closing = True
        emu.revise()
        await stop(runner)
        await emu.stop()


async def call(url: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as s:
        data = body if isinstance(body, str) else None
        async with s.post(url + path, data=data, json=None if data else body) as r:
            return r.status, await r.json()


async def test_the_page_and_its_files_are_served(site: tuple[str, Emulator, Playground]) -> None:
    url = site[0]
    async with aiohttp.ClientSession() as s:
        for path, kind, holds in [
            ("/", "text/html", 'aria-label="Message #talks"'),
            ("/playground.js", "text/javascript", "/api/state"),
            ("/playground.css", "text/css", ".embed"),
        ]:
            async with s.get(url + path) as r:
                assert (r.status, r.content_type) == (200, kind)
                assert holds in await r.text()
        async with s.get(url + "/api/state?since=-1") as r:
            state = await r.json()
    assert state["ready"] is False  # no bot connected
    assert [c["name"] for c in state["commands"]] == ["logs"]
    assert state["commands"][0]["listed_for"] == ["moderator"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("not json", "not JSON"),
        ([1, 2], "not a JSON object"),
        ({"who": "admin", "text": "/logs recent"}, "who must be one of member, moderator"),
        ({"who": "member", "text": 5}, "text must be text"),
        ({"who": "member", "text": "   "}, "type a message or a command"),
        ({"who": "member", "text": "x" * 4001}, "at most 4000 characters"),
        ({"who": "member", "text": "/pizza"}, "there is no command /pizza here"),
        ({"who": "moderator", "text": "/logs"}, "/logs needs one of: recent"),
    ],
)
async def test_bad_input_is_one_line(
    site: tuple[str, Emulator, Playground], body: Any, says: str
) -> None:
    status, answer = await call(site[0], "/api/send", body)
    assert status == 400
    assert says in answer["error"]


async def test_discord_hides_a_moderator_command_from_a_member(
    site: tuple[str, Emulator, Playground],
) -> None:
    url, emu, playground = site
    status, answer = await call(url, "/api/send", {"who": "member", "text": "/logs recent"})
    assert (status, answer) == (200, {"refused": True})
    [notice] = playground.channel.shown()
    assert notice["kind"] == "notice" and notice["who"] == "member"
    assert "not available to you here" in notice["text"]
    assert emu.exchanges == {}  # nothing reached the bot


async def test_a_command_without_a_bot_is_a_clear_error(
    site: tuple[str, Emulator, Playground],
) -> None:
    status, answer = await call(site[0], "/api/send", {"who": "moderator", "text": "/logs recent"})
    assert status == 503
    assert answer["error"].startswith("Talks Bot is not connected")


async def test_buttons_forms_and_menus_need_what_they_name(
    site: tuple[str, Emulator, Playground],
) -> None:
    url = site[0]
    _, said = await call(url, "/api/send", {"who": "member", "text": "hello"})
    cases = [
        ("/api/click", {"who": "member", "message_id": "123", "custom_id": "x"}, "no such message"),
        ("/api/click", {"who": "member", "message_id": said["message_id"], "custom_id": "x"},
         "no such button"),
        ("/api/submit", {"who": "member", "token": "nope", "values": {}}, "opened no form"),
        ("/api/apps", {"who": "member", "message_id": said["message_id"], "name": "Nope"},
         "not synced"),
    ]  # fmt: skip
    for path, body, says in cases:
        status, answer = await call(url, path, body)
        assert status == 400 and says in answer["error"], (path, answer)
    _, suggested = await call(url, "/api/suggest", {"who": "member", "text": "/pizza"})
    assert suggested == {"choices": []}


def test_the_command_refuses_a_bad_or_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["playground", "--port", "70000"])
    assert exited.value.code == 2
    assert "a port is 0-65535" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["playground", "--port", str(port), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert f"cannot serve the page on 127.0.0.1:{port}" in err
    assert "--port" in err and "Traceback" not in err


async def test_a_deferred_interaction_shows_thinking_then_its_answer(
    site: tuple[str, Emulator, Playground],
) -> None:
    """What the page draws follows Discord's state: "thinking…" after a deferral, the edited
    message after it, and each request in the interaction's trace."""
    _, emu, playground = site
    ex = emu.open_interaction("member")
    playground.channel.acted("member", ex, "/ask question: where?")
    base = f"{emu.api_url}"
    hook = f"{base}/webhooks/{emu.app_id}/{ex.token}/messages/@original"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {emu.token}"}) as s:
        async with s.post(f"{base}/interactions/{ex.id}/{ex.token}/callback",
                          json={"type": 5, "data": {"flags": 64}}) as r:  # fmt: skip
            assert r.status == 204
        [shown] = playground.channel.shown()
        assert (shown["thinking"], shown["thinking_ephemeral"], shown["messages"]) == (
            True, True, [],
        )  # fmt: skip
        async with s.patch(hook, json={"content": "Istanbul."}) as r:
            assert r.status == 200
    [shown] = playground.channel.shown()
    assert shown["thinking"] is False
    assert [(m["content"], m["ephemeral"]) for m in shown["messages"]] == [("Istanbul.", True)]
    steps = [(t["what"], t.get("status")) for t in shown["trace"]]
    assert steps[0] == ("gateway INTERACTION_CREATE (type 2)", None)
    assert steps[1][0].endswith("/{token}/callback") and steps[1][1] == 204
    assert steps[2] == (f"PATCH /api/v10/webhooks/{emu.app_id}/{{token}}/messages/@original", 200)
    assert shown["trace"][2]["body"] == {"content": "Istanbul."}
