"""The permissions the bot asks for, and a channel's effective permissions computed as Discord does.

Kept free of discord.py so that ``talks-bot invite`` and ``doctor`` stay light; a test checks
the bits against ``discord.Permissions``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

VIEW_CHANNEL = 1 << 10
ADMINISTRATOR = 1 << 3
ALL = (1 << 53) - 1  # every bit Discord defines fits below 2**53


@dataclass(frozen=True)
class Needed:
    name: str
    bit: int
    purpose: str


# Exactly what the bot uses, nothing more: an invite that asks for less fails in use, one that
# asks for more is a needless grant for a server owner to review.
NEEDED: tuple[Needed, ...] = (
    Needed("Send Messages", 1 << 11, "answers in the channel where /ask is used"),
    Needed("Embed Links", 1 << 14, "answers, sources and /logs views are embeds"),
    Needed("Attach Files", 1 << 15, "/logs export attaches the log as a CSV file"),
)
INVITE_PERMISSIONS = sum(p.bit for p in NEEDED)


def missing(permissions: int) -> list[Needed]:
    """The needed permissions that ``permissions`` lacks."""
    return [p for p in NEEDED if not permissions & p.bit]


def base_permissions(
    guild_id: int,
    owner_id: int,
    roles: Mapping[int, int],
    member_id: int,
    member_roles: Iterable[int],
) -> int:
    """Guild-level permissions: @everyone plus the member's roles; owner and Administrator: all."""
    if member_id == owner_id:
        return ALL
    perms = roles.get(guild_id, 0)
    for role in member_roles:
        perms |= roles.get(role, 0)
    return ALL if perms & ADMINISTRATOR else perms


def channel_permissions(
    base: int,
    overwrites: Iterable[Mapping[str, Any]],
    *,
    guild_id: int,
    member_id: int,
    member_roles: Iterable[int],
) -> int:
    """Apply a channel's overwrites in Discord's order: @everyone, then the member's roles
    together, then the member; no View Channel means no permission at all there."""
    if base & ADMINISTRATOR:
        return ALL
    by_id = {int(o["id"]): o for o in overwrites}
    perms = base

    def apply(o: Mapping[str, Any] | None) -> None:
        nonlocal perms
        if o is not None:
            perms = (perms & ~int(o.get("deny") or 0)) | int(o.get("allow") or 0)

    apply(by_id.get(guild_id))
    allow = deny = 0
    for role in member_roles:
        o = by_id.get(role)
        if o is not None and int(o.get("type", 0)) == 0:
            allow |= int(o.get("allow") or 0)
            deny |= int(o.get("deny") or 0)
    perms = (perms & ~deny) | allow
    member = by_id.get(member_id)
    apply(member if member is not None and int(member.get("type", 1)) == 1 else None)
    return perms if perms & VIEW_CHANNEL else 0
