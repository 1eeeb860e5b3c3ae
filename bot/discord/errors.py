"""One error handler for every slash command, with one reply path.

Whether or not the interaction was already answered, the member gets a message only they can
see (``respond.private``: after a public defer, the placeholder becomes a neutral line and the
error goes to an ephemeral follow-up): when to retry after a cooldown, a plain refusal for a
missing permission, or an apology with a short error id that is also in the bot's log next to
the traceback. A member never sees "The application did not respond".
"""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

from bot.discord import respond
from bot.logs.store import StoreBusy

log = logging.getLogger(__name__)


class NotModerator(app_commands.CheckFailure):
    """The member lacks Manage Messages and the configured moderator role."""


async def reply(interaction: discord.Interaction, text: str) -> None:
    """Show ``text`` to the member only, whatever stage the interaction is at."""
    try:
        await respond.private(interaction, text)
    except discord.HTTPException:
        log.warning("could not send an error reply for interaction %s", interaction.id)


async def on_app_command_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    if isinstance(error, app_commands.CommandOnCooldown):
        await reply(
            interaction,
            f"You're asking quickly: try again in {error.retry_after:.0f} seconds.",
        )
    elif isinstance(error, NotModerator | app_commands.MissingPermissions):
        await reply(interaction, "Sorry, this command is for moderators only.")
    elif isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(
            p.replace("_", " ").replace("guild", "server").title()
            for p in error.missing_permissions
        )
        await reply(
            interaction,
            f"I can't do that here: I'm missing the {missing} permission in this channel. "
            "A server admin can grant it (`talks-bot doctor` lists what is missing).",
        )
    elif isinstance(error, app_commands.NoPrivateMessage):
        await reply(interaction, "This command works in a server, not in direct messages.")
    elif isinstance(error, app_commands.CheckFailure):
        await reply(interaction, "Sorry, you can't use this command here.")
    elif isinstance(getattr(error, "original", None), StoreBusy):
        log.warning("/%s: %s", interaction.command and interaction.command.name, error.original)  # type: ignore[attr-defined]
        await reply(interaction, "The answer log is busy right now; please try again in a minute.")
    else:
        error_id = secrets.token_hex(4)
        original = getattr(error, "original", error)
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("error %s in /%s", error_id, command, exc_info=original)
        await reply(
            interaction,
            f"Sorry, something went wrong on my side (error id `{error_id}`). "
            "Please try again; if it keeps happening, tell a moderator the error id.",
        )


class Tree(app_commands.CommandTree):
    """The bot's command tree: every slash command's errors go to ``on_app_command_error``."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        await on_app_command_error(interaction, error)
