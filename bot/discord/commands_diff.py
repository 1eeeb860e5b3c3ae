"""The bot's current slash commands, built offline, and how they differ from what Discord has.

``talks-bot doctor`` compares without syncing: the expected payloads come from the same command
tree ``talks-bot run`` syncs (same cogs, same settings), so the comparison cannot drift from it.
"""

from __future__ import annotations

from typing import Any

import discord

from config import Settings

# The fields that change what members see or may use; Discord adds ids, versions and
# localisation fields of its own, which are not the bot's to compare.
_COMMAND_KEYS = ("type", "name", "description", "options", "default_member_permissions", "nsfw")
_OPTION_KEYS = (
    "type",
    "name",
    "description",
    "required",
    "choices",
    "min_value",
    "max_value",
    "min_length",
    "max_length",
    "channel_types",
    "autocomplete",
    "options",
)
# "description": Discord answers "" for message commands, which send none.
_DEFAULTS: dict[str, Any] = {
    "required": False, "autocomplete": False, "nsfw": False, "description": ""
}  # fmt: skip


async def expected_commands(settings: Settings) -> list[dict[str, Any]]:
    """The payloads ``talks-bot run`` would sync with these settings, built without connecting."""
    from bot.discord.client import TalksBot

    # The cogs read only settings while they load; engine and log are not touched.
    bot = TalksBot(settings, None, None)  # type: ignore[arg-type]
    await bot.load_commands()
    guild = discord.Object(settings.guild_id) if settings.guild_id else None
    if guild is not None:
        bot.tree.copy_global_to(guild=guild)  # as the bot's sync does
    return [command.to_dict(bot.tree) for command in bot.tree.get_commands(guild=guild)]


def differences(expected: list[dict[str, Any]], registered: list[dict[str, Any]]) -> list[str]:
    """One short phrase per command that is missing, left over or different."""
    want = {c["name"]: _normal(c, _COMMAND_KEYS) for c in expected}
    have = {c["name"]: _normal(c, _COMMAND_KEYS) for c in registered}
    out = [f"/{name} not registered" for name in want if name not in have]
    for name in want:
        if name in have and want[name] != have[name]:
            path, ours, theirs = _first_difference(want[name], have[name])
            out.append(f"/{name} differs at {path} (registered {theirs!r}, this version {ours!r})")
    out += [
        f"/{name} registered but not a command of this version" for name in have if name not in want
    ]
    return out


def _normal(obj: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        value = obj.get(key)
        if key == "options":
            value = [_normal(o, _OPTION_KEYS) for o in value or []]
        elif key == "choices":
            value = [{"name": c["name"], "value": c["value"]} for c in value or []]
        elif key == "channel_types":
            value = sorted(value or [])
        elif key == "default_member_permissions" and value is not None:
            value = str(value)  # Discord answers with a string, whatever was sent
        if value is None or value == [] or (key in _DEFAULTS and value == _DEFAULTS[key]):
            continue
        out[key] = value
    return out


def _first_difference(a: Any, b: Any, path: str = "") -> tuple[str, Any, Any]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=lambda k: (k != "name", k)):
            if a.get(key) != b.get(key):
                if key == "options" and isinstance(a.get(key), list):
                    return _options_difference(a[key], b.get(key) or [], path)
                return _first_difference(a.get(key), b.get(key), f"{path}{key}")
    return path or "command", a, b


def _options_difference(a: list[Any], b: list[Any], path: str) -> tuple[str, Any, Any]:
    names_a = [o.get("name") for o in a]
    names_b = [o.get("name") for o in b]
    if names_a != names_b:
        return f"{path}options", names_a, names_b
    for oa, ob in zip(a, b, strict=True):
        if oa != ob:
            return _first_difference(oa, ob, f"{path}{oa['name']}.")
    return f"{path}options", a, b
