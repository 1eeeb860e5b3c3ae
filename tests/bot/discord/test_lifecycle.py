"""Bots with a life of their own: a restart, and starts that must fail cleanly."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from harness import Harness, running

from bot.playground.emulator import Emulator


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as e:
        yield e


@pytest.fixture
async def discord_bot(emu: Emulator, tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(emu, tmp_path)
    async with running(h):
        yield h


async def test_votes_are_logged_and_buttons_survive_a_restart(discord_bot: Harness) -> None:
    emu = discord_bot.emu
    reply = await (
        await emu.invoke("member", "ask", {"question": "Where will the talks be held?"})
    ).wait()
    helpful, not_helpful, _follow_up = emu.buttons(reply)
    await discord_bot.wait_rows("SELECT id FROM entries", 1)
    ack = await (await emu.click("member", reply, helpful)).wait()
    assert ack["flags"] & 64 and "helpful" in ack["content"]
    assert discord_bot.rows("SELECT helpful FROM feedback") == [(1,)]

    assert await discord_bot.stop() == 0
    await discord_bot.start()
    opened = await emu.click("member", reply, not_helpful)  # a form asking what was wrong
    await opened.wait_modal()
    ack = await (await emu.submit("member", opened, {})).wait()  # left empty: still a vote
    assert "not helpful" in ack["content"]
    assert discord_bot.rows("SELECT helpful, reason FROM feedback") == [(0, None)]  # replaced


async def start_in_process(env: dict[str, str], monkeypatch, capsys, caplog) -> tuple[int, str]:
    """Run the bot's start-up in this process (a failing start needs no subprocess): the exit
    code, and everything it printed or logged."""
    from bot.discord.runner import _main, point_at
    from config import load_settings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    point_at(settings.discord_api_url, settings.discord_gateway_url)
    with caplog.at_level(logging.DEBUG):
        code = await _main(settings)
    out = capsys.readouterr()
    return code, out.out + out.err + caplog.text


def test_missing_token_exits_2_with_one_line(cli) -> None:
    result = cli("run")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "TALKS_DISCORD_TOKEN" in lines[0]


async def test_rejected_token_exits_2_with_one_line_and_no_secret(
    emu: Emulator, tmp_path: Path, monkeypatch, capsys, caplog
) -> None:
    env = emu.env(TALKS_DISCORD_TOKEN="wrong-secret-token", TALKS_DB_PATH=str(tmp_path / "x.db"))
    code, output = await start_in_process(env, monkeypatch, capsys, caplog)
    assert code == 2
    errors = [line for line in output.splitlines() if "talks-bot:" in line]
    assert len(errors) == 1 and "rejected the token" in errors[0]
    assert "Traceback" not in output and "wrong-secret-token" not in output


async def test_missing_applications_commands_scope_is_explained(
    emu: Emulator, tmp_path: Path, monkeypatch, capsys, caplog
) -> None:
    emu.fail_sync_with = (403, 50001)
    env = emu.env(TALKS_DB_PATH=str(tmp_path / "x.db"))
    code, output = await start_in_process(env, monkeypatch, capsys, caplog)
    assert code == 2
    assert "applications.commands" in output and "Traceback" not in output
