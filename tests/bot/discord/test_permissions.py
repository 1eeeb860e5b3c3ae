"""Channel permissions computed as Discord documents them, and what the invite asks for."""

from __future__ import annotations

import discord

from bot.discord.commands_diff import differences
from bot.discord.permissions import (
    ADMINISTRATOR,
    INVITE_PERMISSIONS,
    VIEW_CHANNEL,
    base_permissions,
    channel_permissions,
    missing,
)

GUILD, OWNER, BOT, ROLE, OTHER = 1, 2, 3, 10, 11
SEND, EMBED, ATTACH = 1 << 11, 1 << 14, 1 << 15
EVERYONE = VIEW_CHANNEL | SEND


def test_invite_asks_for_exactly_send_embed_attach() -> None:
    assert (
        discord.Permissions(send_messages=True, embed_links=True, attach_files=True).value
        == INVITE_PERMISSIONS
    )


def test_base_permissions_add_roles_and_honour_owner_and_administrator() -> None:
    roles = {GUILD: EVERYONE, ROLE: EMBED | ATTACH, OTHER: ADMINISTRATOR}
    assert base_permissions(GUILD, OWNER, roles, BOT, [ROLE]) == EVERYONE | EMBED | ATTACH
    assert missing(base_permissions(GUILD, OWNER, roles, BOT, [])) != []
    assert missing(base_permissions(GUILD, OWNER, roles, BOT, [OTHER])) == []
    assert missing(base_permissions(GUILD, BOT, roles, BOT, [])) == []  # the owner


def ow(target: int, allow: int = 0, deny: int = 0, kind: int = 0) -> dict:
    return {"id": str(target), "type": kind, "allow": str(allow), "deny": str(deny)}


def perms(base: int, overwrites: list[dict], roles: list[int] = [ROLE]) -> int:  # noqa: B006
    return channel_permissions(base, overwrites, guild_id=GUILD, member_id=BOT, member_roles=roles)


def test_overwrites_apply_everyone_then_roles_then_member() -> None:
    base = EVERYONE | EMBED | ATTACH
    assert perms(base, [ow(GUILD, deny=EMBED)]) == base & ~EMBED  # @everyone deny wins over base
    assert perms(base, [ow(GUILD, deny=EMBED), ow(ROLE, allow=EMBED)]) == base  # role allow wins
    # a role allow beats another role's deny; the member's own deny beats both
    both = [ow(ROLE, deny=EMBED), ow(OTHER, allow=EMBED)]
    assert perms(base, both, [ROLE, OTHER]) == base
    assert perms(base, [*both, ow(BOT, deny=EMBED, kind=1)], [ROLE, OTHER]) == base & ~EMBED
    # overwrites for roles the bot lacks do nothing
    assert perms(base, [ow(OTHER, deny=EMBED)]) == base


def test_no_view_channel_means_nothing_and_administrator_means_everything() -> None:
    base = EVERYONE | EMBED | ATTACH
    assert perms(base, [ow(GUILD, deny=VIEW_CHANNEL)]) == 0
    assert missing(perms(base | ADMINISTRATOR, [ow(GUILD, deny=VIEW_CHANNEL | EMBED)])) == []


def test_command_comparison_ignores_discord_fields_but_not_the_bot_s() -> None:
    ours = [
        {
            "name": "ask",
            "description": "Ask.",
            "type": 1,
            "nsfw": False,
            "default_member_permissions": None,
            "contexts": None,
            "options": [
                {"type": 3, "name": "q", "description": "Q", "required": True, "max_length": 300},
                {"type": 5, "name": "p", "description": "P", "required": False},
            ],
        }
    ]
    theirs = [
        {
            "id": "9",
            "application_id": "8",
            "version": "7",
            "guild_id": "6",
            "name": "ask",
            "description": "Ask.",
            "type": 1,
            "name_localizations": None,
            "default_member_permissions": None,
            "dm_permission": True,
            "contexts": [0],
            "options": [
                {"type": 3, "name": "q", "description": "Q", "required": True, "max_length": 300},
                {"type": 5, "name": "p", "description": "P"},
            ],
        }
    ]
    assert differences(ours, theirs) == []
    theirs[0]["options"].reverse()
    assert differences(ours, theirs) == [
        "/ask differs at options (registered ['p', 'q'], this version ['q', 'p'])"
    ]
    theirs[0]["options"].reverse()
    theirs[0]["default_member_permissions"] = "8192"
    assert differences(ours, theirs) == [
        "/ask differs at default_member_permissions (registered '8192', this version None)"
    ]
