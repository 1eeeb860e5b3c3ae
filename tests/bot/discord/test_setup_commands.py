"""``talks-bot invite`` and ``talks-bot doctor`` as a newcomer runs them, against the emulator."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import discord
import pytest
from conftest import unprivileged

from bot.discord.commands_diff import expected_commands
from bot.logs import schema
from bot.playground.emulator import Emulator
from bot.playground.process import BotProcess
from config import load_settings

EMBED_LINKS = 1 << 14
VIEW_CHANNEL = 1 << 10
STARTUP_S = 30


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as e:
        yield e


async def cli(
    *args: str, env: dict[str, str], cwd: Path, prefix: list[str] | None = None
) -> tuple[int, str, str]:
    """``python -m bot ARGS`` without blocking the loop the emulator answers on."""
    base = {
        k: v for k, v in os.environ.items() if not k.startswith("TALKS_") and k != "DISCORD_TOKEN"
    }
    proc = await asyncio.create_subprocess_exec(
        *(prefix or []), sys.executable, "-m", "bot", *args, env={**base, **env}, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


def setup_env(emu: Emulator, tmp: Path, **extra: str) -> dict[str, str]:
    defaults = {
        "TALKS_DB_PATH": str(tmp / "log.db"),
        "TALKS_MODERATOR_ROLE_ID": str(emu.moderator_role_id),
    }
    return emu.env(**{**defaults, **extra})


async def register(emu: Emulator, env: dict[str, str], *, edit=None) -> None:
    """Put commands in the emulator as a sync would (optionally edited, as an older version's)."""
    settings = load_settings(guild_id=int(env["TALKS_GUILD_ID"]))
    payload = await expected_commands(settings)
    if edit is not None:
        payload = edit(payload)
    url = f"{emu.api_url}/applications/{emu.app_id}/guilds/{emu.guild_id}/commands"
    async with (
        aiohttp.ClientSession() as s,
        s.put(url, json=payload, headers={"Authorization": f"Bot {emu.token}"}) as r,
    ):
        assert r.status == 200


def marks(out: str) -> dict[str, str]:
    """Each check's first words → its mark."""
    return {line[2:40]: line[0] for line in out.splitlines() if line[:1] in "✓✗–"}


# --- invite ---------------------------------------------------------------------------------


async def test_invite_reads_the_application_id_and_asks_for_exactly_what_the_bot_uses(
    emu: Emulator, tmp_path: Path
) -> None:
    code, out, err = await cli("invite", env=emu.env(), cwd=tmp_path)
    assert code == 0, err
    url = next(line for line in out.splitlines() if line.startswith("https://"))
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert (parts.netloc, parts.path) == ("discord.com", "/oauth2/authorize")
    assert query["client_id"] == str(emu.app_id)
    assert query["scope"].split() == ["bot", "applications.commands"]
    wanted = discord.Permissions(send_messages=True, embed_links=True, attach_files=True)
    assert int(query["permissions"]) == wanted.value == emu.INVITE_PERMISSIONS
    assert query["guild_id"] == str(emu.guild_id) and query["disable_guild_select"] == "true"
    for name in ("Send Messages", "Embed Links", "Attach Files"):
        assert sum(line.strip().startswith(name) for line in out.splitlines()) == 1
    assert emu.token not in out + err


async def test_invite_with_app_id_needs_no_token_or_guild(tmp_path: Path) -> None:
    code, out, _ = await cli("invite", "--app-id", "1234567890", env={}, cwd=tmp_path)
    assert code == 0
    url = next(line for line in out.splitlines() if line.startswith("https://"))
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == ["1234567890"]
    assert "guild_id" not in query and "disable_guild_select" not in query


async def test_invite_with_a_rejected_token_says_so_in_one_line(
    emu: Emulator, tmp_path: Path
) -> None:
    env = emu.env(TALKS_DISCORD_TOKEN="not-the-token")
    code, out, err = await cli("invite", env=env, cwd=tmp_path)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "rejected the token" in err
    assert "not-the-token" not in err


# --- doctor ---------------------------------------------------------------------------------


async def test_doctor_passes_after_the_real_bot_registered_its_commands(
    emu: Emulator, tmp_path: Path
) -> None:
    env = setup_env(emu, tmp_path)
    bot = await BotProcess(env, tmp_path).start()
    try:
        await asyncio.wait_for(emu.synced.wait(), STARTUP_S)
    finally:
        assert await bot.stop() == 0, bot.output
    before = len(emu.requests)
    code, out, err = await cli("doctor", env=env, cwd=tmp_path)
    assert code == 0, out + err
    assert set(marks(out).values()) == {"✓"}, out
    assert len(marks(out)) == 8 and "All 8 checks passed" in out
    assert "/ask /help /logs /sources" in out
    assert "✓ permissions: Send Messages, Embed Links, Attach Files in #talks" in out  # named
    assert emu.token not in out + err
    doctor_requests = emu.requests[before:]
    assert doctor_requests and all(method == "GET" for method, _ in doctor_requests)
    assert emu.sync_calls == [str(emu.guild_id)]  # the bot's own sync, none from doctor
    assert emu.rejections == []  # nothing the bot or doctor sent was refused


async def test_doctor_passes_before_the_first_run_saying_run_registers_the_commands(
    emu: Emulator, tmp_path: Path
) -> None:
    code, out, _ = await cli("doctor", env=setup_env(emu, tmp_path), cwd=tmp_path)
    assert code == 0, out
    assert [x for x in out.splitlines() if x[:1] in "✗–"] == [
        f"– commands: none registered in server {emu.guild_id} yet; `talks-bot run` registers "
        "(message menu: Ask Talks Bot) /ask /help /logs /sources when it starts"
    ]
    assert "All 7 checks passed, 1 skipped" in out
    assert not (tmp_path / "log.db").exists()  # doctor creates nothing


async def test_doctor_with_a_bad_token_fails_and_never_prints_it(
    emu: Emulator, tmp_path: Path
) -> None:
    env = setup_env(emu, tmp_path, TALKS_DISCORD_TOKEN="wrong-token-123")
    code, out, err = await cli("doctor", env=env, cwd=tmp_path)
    assert code == 1
    lines = out.splitlines()
    bad = next(i for i, line in enumerate(lines) if line.startswith("✗"))
    assert "rejected the token" in lines[bad] and lines[bad + 1].strip().startswith("fix:")
    assert sum(line.startswith("–") for line in lines) == 5  # the Discord checks after it
    assert [line[:1] for line in lines if "answer log" in line or "corpus" in line] == ["✓", "✓"]
    assert "wrong-token-123" not in out + err
    assert "looks like the Client Secret" in lines[bad + 1]  # no dots: not a bot token's shape


async def test_doctor_when_the_bot_is_not_in_the_guild(emu: Emulator, tmp_path: Path) -> None:
    emu.bot_in_guild = False
    code, out, _ = await cli("doctor", env=setup_env(emu, tmp_path), cwd=tmp_path)
    assert code == 1
    assert f"✗ the bot is not in server {emu.guild_id}" in out
    assert "talks-bot invite" in out.split(f"not in server {emu.guild_id}")[1].splitlines()[1]
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("–")] == [
        "– commands", "– permissions", "– moderator role",
    ]  # fmt: skip


async def test_doctor_finds_embed_links_denied_in_the_channel(
    emu: Emulator, tmp_path: Path
) -> None:
    env = setup_env(emu, tmp_path)
    await register(emu, env)
    emu.deny_in_channel(emu.guild_id, EMBED_LINKS)  # @everyone may not embed in #talks
    code, out, _ = await cli("doctor", env=env, cwd=tmp_path)
    assert code == 1
    failed = [line for line in out.splitlines() if line.startswith("✗")]
    assert failed == ["✗ permissions: #talks lacks Embed Links"], out
    assert "allow them for the bot's role" in out


async def test_doctor_fails_when_every_text_channel_is_hidden_from_the_bot(
    emu: Emulator, tmp_path: Path
) -> None:
    """A pass that checked no channel is no pass: the bot could answer nowhere."""
    env = setup_env(emu, tmp_path)
    await register(emu, env)
    emu.deny_in_channel(emu.guild_id, VIEW_CHANNEL)  # @everyone may not see #talks
    code, out, _ = await cli("doctor", env=env, cwd=tmp_path)
    assert code == 1
    failed = [line for line in out.splitlines() if line.startswith("✗")]
    assert failed == [
        "✗ permissions: no text channel could be checked (all 1 hidden from the bot)"
    ], out
    assert "allow View Channel" in out


async def test_a_role_allow_in_the_channel_beats_an_everyone_deny(
    emu: Emulator, tmp_path: Path
) -> None:
    env = setup_env(emu, tmp_path)
    await register(emu, env)
    emu.deny_in_channel(emu.guild_id, EMBED_LINKS)
    emu.channel_overwrites.append(
        {"id": str(emu.bot_role_id), "type": 0, "allow": str(EMBED_LINKS), "deny": "0"}
    )
    code, out, _ = await cli("doctor", env=env, cwd=tmp_path)
    assert code == 0, out


async def test_doctor_finds_commands_out_of_date(emu: Emulator, tmp_path: Path) -> None:
    env = setup_env(emu, tmp_path)

    def older(payload: list[dict]) -> list[dict]:
        ask = next(c for c in payload if c["name"] == "ask")
        ask["options"][0]["max_length"] = 500  # registered when TALKS_MAX_QUESTION_CHARS was 500
        return [c for c in payload if c["name"] != "help"] + [
            {"name": "old", "description": "Gone.", "type": 1}
        ]

    await register(emu, env, edit=older)
    code, out, _ = await cli("doctor", env=env, cwd=tmp_path)
    assert code == 1
    line = next(x for x in out.splitlines() if x.startswith("✗"))
    assert line.startswith(f"✗ commands registered in server {emu.guild_id} are out of date")
    assert "/help not registered" in line
    assert "/ask differs at question.max_length (registered 500, this version 300)" in line
    assert "/old registered but not a command of this version" in line
    assert "talks-bot run" in out


async def test_doctor_with_a_moderator_role_that_does_not_exist(
    emu: Emulator, tmp_path: Path
) -> None:
    env = setup_env(emu, tmp_path, TALKS_MODERATOR_ROLE_ID="123456789")
    await register(emu, env)
    code, out, _ = await cli("doctor", env=env, cwd=tmp_path)
    assert code == 1
    assert [x for x in out.splitlines() if x.startswith("✗")] == [
        "✗ moderator role 123456789 (TALKS_MODERATOR_ROLE_ID) is not a role in the server"
    ]


async def test_doctor_with_an_answer_log_it_cannot_create(emu: Emulator, tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the log's folder should be")
    env = setup_env(emu, tmp_path, TALKS_DB_PATH=str(tmp_path / "data" / "talks.db"))
    await register(emu, env)
    code, out, _ = await cli("doctor", env=env, cwd=tmp_path)
    assert code == 1
    failed = [x for x in out.splitlines() if x.startswith("✗")]
    assert len(failed) == 1 and "cannot be created" in failed[0] and "is a file" in failed[0]
    assert "TALKS_DB_PATH" in out.split(failed[0])[1].splitlines()[1]
    assert not (tmp_path / "data").is_dir()


async def test_doctor_with_a_read_only_answer_log(emu: Emulator, user_dir: Path) -> None:
    """As an ordinary user (root may write to read-only files): setpriv under root."""
    db = user_dir / "log.db"
    env = setup_env(emu, user_dir, HOME=str(user_dir), XDG_CACHE_HOME=str(user_dir / ".cache"))
    await register(emu, env)
    sqlite3.connect(db).close()
    db.chmod(0o444)
    code, out, _ = await cli("doctor", env=env, cwd=user_dir, prefix=unprivileged())
    assert code == 1 and "is not writable (the file)" in out


async def test_doctor_reads_the_log_schema_without_changing_the_file(
    emu: Emulator, tmp_path: Path
) -> None:
    db = tmp_path / "log.db"
    with sqlite3.connect(db) as conn:  # a log from the first release: schema 1
        conn.executescript(schema.MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    conn.close()
    before = db.read_bytes()
    env = setup_env(emu, tmp_path)
    await register(emu, env)
    code, out, _ = await cli("doctor", env=env, cwd=tmp_path)
    assert code == 0, out
    assert f"schema 1, upgraded to {schema.VERSION} at the next start" in out
    assert db.read_bytes() == before
    db.write_bytes(b"not a database at all" * 100)
    code, out, _ = await cli("doctor", env=env, cwd=tmp_path)
    assert code == 1 and "cannot be read" in out


# --- .env.example ---------------------------------------------------------------------------

EXAMPLES_NOT_DEFAULTS = {
    "discord_token", "guild_id", "moderator_role_id", "log_retention_days", "corpus_dir",
    "min_score", "db_path", "index_cache_dir",
}  # fmt: skip


def test_env_example_documents_every_setting_with_its_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.settings import ENV_PREFIX, Settings

    text = (Path(__file__).parents[3] / ".env.example").read_text("utf-8")
    assignments = [line.removeprefix("# ") for line in text.splitlines() if "=" in line
                   and line.removeprefix("# ").startswith(ENV_PREFIX)]  # fmt: skip
    named = {line.split("=", 1)[0] for line in assignments}
    assert named == {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    for key in [k for k in os.environ if k.startswith(ENV_PREFIX) or k == "DISCORD_TOKEN"]:
        monkeypatch.delenv(key)
    env_file = tmp_path / ".env"
    env_file.write_text("\n".join(assignments) + "\n", "utf-8")  # every line uncommented
    uncommented = Settings(_env_file=env_file)  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    for name in Settings.model_fields:
        if name not in EXAMPLES_NOT_DEFAULTS:
            assert getattr(uncommented, name) == getattr(defaults, name), name


async def test_doctor_without_a_test_guild_compares_the_global_commands(
    emu: Emulator, tmp_path: Path
) -> None:
    env = {k: v for k, v in setup_env(emu, tmp_path).items() if k != "TALKS_GUILD_ID"}
    payload = await expected_commands(load_settings())
    url = f"{emu.api_url}/applications/{emu.app_id}/commands"
    async with (
        aiohttp.ClientSession() as s,
        s.put(url, json=payload, headers={"Authorization": f"Bot {emu.token}"}) as r,
    ):
        assert r.status == 200
    code, out, _ = await cli("doctor", env=env, cwd=tmp_path)
    assert code == 0, out
    assert "✓ commands registered globally match this version" in out
    assert "– test server: TALKS_GUILD_ID is not set" in out
    assert "– permissions: not checked (needs TALKS_GUILD_ID)" in out


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("", "no Discord token"),
        ("Bot abc.def.ghi", "starts with 'Bot '"),
        ('"abc.def.ghi"', "spaces or quotes"),
        ("abc.def\nghi", "spaces or quotes"),
    ],
)
def test_token_mistakes_are_named_without_asking_discord(token: str, problem: str) -> None:
    from bot.discord.doctor import _token_problem

    found = _token_problem(token)
    assert found is not None and problem in found.text and found.ok is False
    assert "abc" not in found.text + found.fix
    assert _token_problem("  abc.def.ghi\n") is None  # surrounding whitespace is stripped


def test_names_from_discord_cannot_drive_the_terminal() -> None:
    from bot.checks import plain

    assert plain("talks\x1b[2J\x1b]0;pwned\x07\u202e") == "talks?[2J?]0;pwned??"
    assert len(plain("x" * 500)) == 100


async def test_doctor_reports_a_bad_setting_as_a_failed_check(tmp_path: Path) -> None:
    code, out, err = await cli("doctor", env={"TALKS_GUILD_ID": "my-server"}, cwd=tmp_path)
    assert code == 1 and err == ""
    assert out.splitlines()[1].startswith("✗ settings: invalid setting TALKS_GUILD_ID")
    assert "my-server" not in out and ".env.example" in out


async def test_doctor_when_discord_cannot_be_reached(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a loopback port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        "TALKS_DISCORD_TOKEN": "abc.def.ghi",
        "TALKS_DISCORD_API_URL": f"http://127.0.0.1:{port}/api/v10",
        "TALKS_DB_PATH": str(tmp_path / "log.db"),
    }
    code, out, err = await cli("doctor", env=env, cwd=tmp_path)
    assert code == 1 and err == ""
    assert out.splitlines()[1].startswith(f"✗ token: cannot reach http://127.0.0.1:{port}")
    assert "Cannot connect to host" in out and "ClientConnector" not in out  # as `run` says it
    assert "TALKS_DISCORD_API_URL" in out.splitlines()[2]
    code, out, err = await cli("invite", env=env, cwd=tmp_path)
    assert code == 2 and err.count("\n") == 1 and "cannot reach" in err
