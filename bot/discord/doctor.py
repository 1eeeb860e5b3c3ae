"""``talks-bot doctor``: check a bot's setup end to end, one ✓/✗ line per check, changing nothing.

Discord is only read (``ReadOnlyAPI`` has no method but GET); the answer log is opened
read-only; the command sync is compared, not done. The token is never printed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.checks import Check, plain
from bot.discord import permissions as perms
from bot.discord.commands_diff import differences, expected_commands
from bot.discord.rest import APIError, ReadOnlyAPI
from bot.logs.health import check_answer_log
from config import Settings

TEXT_CHANNEL_TYPES = (0, 5)  # text and announcement channels, where /ask answers
MAX_LISTED = 5  # channels or commands named in one line before "and N more"
INVITE_FIX = "open the URL that `talks-bot invite` prints"


@dataclass
class _Discord:
    """What the Discord checks learnt, for the checks after them."""

    user: dict[str, Any] | None = None
    app: dict[str, Any] | None = None
    guild: dict[str, Any] | None = None


def _command_name(command: dict[str, Any]) -> str:
    """A slash command as members type it; a message command as its menu entry."""
    if command.get("type", 1) == 3:
        return f"(message menu: {command['name']})"
    return f"/{command['name']}"


def _listed(items: list[str]) -> str:
    more = len(items) - MAX_LISTED
    return "; ".join(items[:MAX_LISTED]) + (f"; and {more} more" if more > 0 else "")


async def diagnose(settings: Settings) -> list[Check]:
    """Every check, in the order a newcomer fixes things."""
    checks = await _discord_checks(settings)
    checks.append(await check_answer_log(settings))
    from bot.articles import corpus_dir

    checks.append(await asyncio.to_thread(check_corpus, corpus_dir(settings, create=False)))
    return checks


def report(checks: list[Check]) -> str:
    lines = [line for check in checks for line in check.lines()]
    failed = sum(c.ok is False for c in checks)
    skipped = sum(c.ok is None for c in checks)
    if failed:
        tail = f" ({skipped} skipped)" if skipped else ""
        lines.append(
            f"{failed} of {len(checks)} checks failed{tail}. Fix them and run "
            "`talks-bot doctor` again."
        )
    else:
        extra = f", {skipped} skipped" if skipped else ""
        lines.append(
            f"All {len(checks) - skipped} checks passed{extra}. Start the bot: talks-bot run"
        )
    return "\n".join(lines)


# --- Discord ------------------------------------------------------------------------------------


def _token_problem(raw: str) -> Check | None:
    token = raw.strip()
    if not token:
        return Check(
            False,
            "no Discord token",
            "set TALKS_DISCORD_TOKEN in .env (Developer Portal → your application → "
            "Bot → Reset Token, then copy)",
        )
    if token.lower().startswith("bot "):
        return Check(
            False,
            "the token starts with 'Bot '",
            "set TALKS_DISCORD_TOKEN to the token alone, without 'Bot '",
        )
    if any(c.isspace() or c in "\"'" for c in token):
        return Check(
            False,
            "the token has spaces or quotes inside it",
            "paste the token again as one word, without quotes",
        )
    return None


async def _discord_checks(settings: Settings) -> list[Check]:
    names = ["token", "application", "server", "commands", "permissions", "moderator role"]
    raw = settings.discord_token.get_secret_value() if settings.discord_token else ""
    problem = _token_problem(raw)
    if problem is not None:
        return [problem, *(_skipped(n, "needs an accepted token") for n in names[1:])]
    seen = _Discord()
    out: list[Check] = []
    async with ReadOnlyAPI(settings.discord_api_url, raw.strip()) as api:
        steps = (
            _check_token,
            _check_application,
            _check_guild,
            _check_commands,
            _check_permissions,
            _check_moderator_role,
        )
        for name, step in zip(names, steps, strict=True):
            try:
                out.append(await step(api, settings, seen))
            except APIError as exc:
                out.append(_api_failure(name, exc, dotted="." in raw))
            if name in ("token", "application") and out[-1].ok is not True:
                reason = "needs an accepted token" if name == "token" else "needs the application"
                return out + [_skipped(n, reason) for n in names[len(out) :]]
    return out


def _skipped(name: str, why: str) -> Check:
    return Check(None, f"{name}: not checked ({why})")


def _no_guild(name: str, settings: Settings) -> Check:
    why = "needs TALKS_GUILD_ID" if settings.guild_id is None else "needs the bot in the server"
    return _skipped(name, why)


def _api_failure(name: str, exc: APIError, *, dotted: bool = True) -> Check:
    if exc.status == 0:
        return Check(
            False,
            f"{name}: {exc.message}",
            "check the network, or TALKS_DISCORD_API_URL if you set it",
        )
    if exc.status == 401:
        return Check(
            False,
            "Discord rejected the token (401 Unauthorized)",
            (
                ""
                if dotted
                else "a bot token has three parts separated by dots; this looks like "
                "the Client Secret or Public Key. "
            )
            + "Copy a fresh token (Developer Portal → Bot → Reset Token) into "
            "TALKS_DISCORD_TOKEN; paste it without quotes or spaces",
        )
    return Check(
        False,
        f"{name}: Discord answered {plain(exc)}",
        "try again; if it persists, see https://discordstatus.com",
    )


async def _check_token(api: ReadOnlyAPI, settings: Settings, seen: _Discord) -> Check:
    seen.user = await api.get("/users/@me")
    return Check(True, "token accepted by Discord")


async def _check_application(api: ReadOnlyAPI, settings: Settings, seen: _Discord) -> Check:
    app = seen.app = await api.get("/oauth2/applications/@me")
    user = seen.user or {}
    if not user.get("bot"):
        return Check(
            False,
            f"the token is not a bot token (user {plain(user.get('username'))})",
            "use the token from the application's Bot page",
        )
    return Check(
        True,
        f"application {plain(app.get('name'))!r} (id {app.get('id')}), "
        f"bot user {plain(user.get('username'))!r} (id {user.get('id')})",
    )


async def _check_guild(api: ReadOnlyAPI, settings: Settings, seen: _Discord) -> Check:
    if settings.guild_id is None:
        return Check(
            None,
            "test server: TALKS_GUILD_ID is not set, so commands sync globally "
            "(Discord can take up to an hour to show them) and the server checks are "
            "skipped; set it to your test server's id",
        )
    try:
        guild = seen.guild = await api.get(f"/guilds/{settings.guild_id}", with_counts="false")
    except APIError as exc:
        if exc.status in (403, 404):
            return Check(
                False,
                f"the bot is not in server {settings.guild_id} (TALKS_GUILD_ID)",
                f"{INVITE_FIX} and choose that server; if the bot is there, check "
                "TALKS_GUILD_ID (Developer Mode on, right-click the server → Copy "
                "Server ID)",
            )
        raise
    return Check(
        True, f"server {plain(guild.get('name'))!r} ({settings.guild_id}): the bot is a member"
    )


async def _check_commands(api: ReadOnlyAPI, settings: Settings, seen: _Discord) -> Check:
    app_id = (seen.app or {})["id"]
    if settings.guild_id is not None:
        if seen.guild is None:
            return _skipped("commands", "needs the bot in the server")
        where, path = (
            f"in server {settings.guild_id}",
            f"/applications/{app_id}/guilds/{settings.guild_id}/commands",
        )
    else:
        where, path = "globally", f"/applications/{app_id}/commands"
    expected = await expected_commands(settings)
    try:
        registered = await api.get(path)
    except APIError as exc:
        if exc.status == 403:
            return Check(
                False,
                f"commands: Discord refuses to list them {where} (403)",
                f"the bot lacks the applications.commands scope there: {INVITE_FIX}",
            )
        raise
    names = " ".join(sorted(_command_name(c) for c in expected))
    if not registered:  # a new application: the first `talks-bot run` registers them
        return Check(None, f"commands: none registered {where} yet; `talks-bot run` registers "
                     f"{names} when it starts")  # fmt: skip
    diff = differences(expected, registered)
    if not diff:
        return Check(True, f"commands registered {where} match this version: {names}")
    return Check(
        False,
        f"commands registered {where} are out of date: {plain(_listed(diff), 400)}",
        "start the bot once (talks-bot run): it registers its commands at start"
        + ("" if settings.guild_id else "; global ones can take up to an hour to show"),
    )


async def _check_permissions(api: ReadOnlyAPI, settings: Settings, seen: _Discord) -> Check:
    if seen.guild is None:
        return _no_guild("permissions", settings)
    guild, gid = seen.guild, int(settings.guild_id or 0)
    bot_id = int((seen.user or {})["id"])
    member = await api.get(f"/guilds/{gid}/members/{bot_id}")
    channels = await api.get(f"/guilds/{gid}/channels")
    roles = {int(r["id"]): int(r["permissions"]) for r in guild.get("roles", [])}
    bot_roles = [int(r) for r in member.get("roles", [])]
    base = perms.base_permissions(gid, int(guild.get("owner_id") or 0), roles, bot_id, bot_roles)
    if lacking := perms.missing(base):
        names = ", ".join(p.name for p in lacking)
        return Check(
            False,
            f"permissions: the bot's roles lack {names} in the whole server",
            f"{INVITE_FIX} again (it asks for exactly these), or grant them to the "
            "bot's role in Server Settings → Roles",
        )
    text = [c for c in channels if c.get("type") in TEXT_CHANNEL_TYPES]
    problems, hidden, checked = [], 0, []
    for channel in sorted(text, key=lambda c: (c.get("position", 0), int(c["id"]))):
        value = perms.channel_permissions(
            base,
            channel.get("permission_overwrites") or [],
            guild_id=gid,
            member_id=bot_id,
            member_roles=bot_roles,
        )
        if value == 0:
            hidden += 1
            continue
        checked.append(f"#{plain(channel.get('name'), 60)}")
        if lacking := perms.missing(value):
            problems.append(
                f"#{plain(channel.get('name'), 60)} lacks " + ", ".join(p.name for p in lacking)
            )
    seen_note = f" ({hidden} hidden from the bot, not checked)" if hidden else ""
    if problems:
        return Check(
            False,
            f"permissions: {_listed(problems)}{seen_note}",
            "Edit Channel → Permissions: allow them for the bot's role (a deny for @everyone "
            "or another role in the channel overrides the server-wide grant)",
        )
    needed = ", ".join(p.name for p in perms.NEEDED)
    if not checked:  # a pass that checked nothing is no pass: the bot can answer nowhere
        return Check(
            False,
            "permissions: no text channel could be checked"
            + (f" (all {hidden} hidden from the bot)" if hidden else " (the server has none)"),
            "Edit Channel → Permissions on the channel members ask in: allow View Channel, "
            f"{needed} for the bot's role",
        )
    return Check(True, f"permissions: {needed} in {_listed(checked)}{seen_note}")


async def _check_moderator_role(api: ReadOnlyAPI, settings: Settings, seen: _Discord) -> Check:
    role_id = settings.moderator_role_id
    if role_id is None:
        return Check(
            True,
            "moderator role: none set (TALKS_MODERATOR_ROLE_ID); /logs is for "
            "members with Manage Messages",
        )
    if seen.guild is None:
        return _no_guild("moderator role", settings)
    role = next((r for r in seen.guild.get("roles", []) if int(r["id"]) == role_id), None)
    if role is None:
        return Check(
            False,
            f"moderator role {role_id} (TALKS_MODERATOR_ROLE_ID) is not a role in the server",
            "Server Settings → Roles → right-click the role → Copy Role "
            "ID (Developer Mode on), or unset TALKS_MODERATOR_ROLE_ID",
        )
    return Check(True, f"moderator role {plain(role.get('name'))!r} ({role_id}) exists")


# --- local: answer log and corpus -------------------------------------------------------------


def check_corpus(corpus_dir: Path | None) -> Check:
    from retrieval.corpus import CorpusError, load_corpus

    where = str(corpus_dir) if corpus_dir else "the shipped articles"
    try:
        corpus = load_corpus(corpus_dir)
    except CorpusError as exc:
        return Check(
            False,
            f"corpus: {plain(exc, 300)}",
            "fix the file named, or point TALKS_CORPUS_DIR at a folder of .txt articles",
        )
    paragraphs = sum(a.paragraphs for a in corpus.articles)
    return Check(
        True, f"corpus: {len(corpus.articles)} articles, {paragraphs} paragraphs ({where})"
    )
