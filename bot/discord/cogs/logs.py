"""/logs for moderators: recent, declined, flagged, search, show, stats, export; all ephemeral.

Hidden from members by default permissions (Manage Messages), and checked again here, so a
server that loosens Discord's defaults still keeps the log private.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.errors import NotModerator
from bot.discord.render import NO_MENTIONS, entries_embed, entry_embed, stats_embed
from bot.logs import formats
from bot.logs.models import Filters
from bot.times import ago

if TYPE_CHECKING:
    from bot.discord.client import TalksBot

EXPORT_MAX = 5000


def is_moderator(interaction: discord.Interaction[TalksBot]) -> bool:
    """Manage Messages in this channel, or the configured moderator role."""
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        return False
    if interaction.permissions.manage_messages:
        return True
    role_id = interaction.client.settings.moderator_role_id
    return role_id is not None and any(r.id == role_id for r in interaction.user.roles)


def _check(interaction: discord.Interaction[TalksBot]) -> bool:
    if not is_moderator(interaction):
        raise NotModerator()
    return True


Limit = app_commands.Range[int, 1, 25]


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class Logs(
    commands.GroupCog, group_name="logs", group_description="Review the answer log (moderators)."
):
    def __init__(self, bot: TalksBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction[TalksBot]) -> bool:  # type: ignore[override]
        return _check(interaction)

    async def _list(
        self, interaction: discord.Interaction[TalksBot], title: str, filters: Filters
    ) -> None:
        entries = await self.bot.store.entries(filters)
        await interaction.response.send_message(
            embed=entries_embed(title, entries), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="recent", description="The latest questions.")
    @app_commands.describe(limit="How many (1-25, default 10)")
    async def recent(self, interaction: discord.Interaction[TalksBot], limit: Limit = 10) -> None:
        await self._list(interaction, "Recent questions", Filters(limit=limit))

    @app_commands.command(name="declined", description="Questions the bot declined.")
    @app_commands.describe(limit="How many (1-25, default 10)")
    async def declined(self, interaction: discord.Interaction[TalksBot], limit: Limit = 10) -> None:
        await self._list(interaction, "Declined questions", Filters(limit=limit, declined=True))

    @app_commands.command(name="flagged", description="Answers voted not helpful.")
    @app_commands.describe(limit="How many (1-25, default 10)")
    async def flagged(self, interaction: discord.Interaction[TalksBot], limit: Limit = 10) -> None:
        await self._list(
            interaction, "Answers voted not helpful", Filters(limit=limit, flagged=True)
        )

    @app_commands.command(name="search", description="Entries whose question or answer has a text.")
    @app_commands.describe(text="Text to look for", limit="How many (1-25, default 10)")
    async def search(
        self,
        interaction: discord.Interaction[TalksBot],
        text: app_commands.Range[str, 1, 200],
        limit: Limit = 10,
    ) -> None:
        await self._list(interaction, f"Entries with “{text}”", Filters(limit=limit, search=text))

    @app_commands.command(name="show", description="One entry in full.")
    @app_commands.describe(id="The entry id, as listed")
    async def show(self, interaction: discord.Interaction[TalksBot], id: str) -> None:
        entry = await self.bot.store.get(int(id)) if id.strip().isdigit() else None
        if entry is None:
            await interaction.response.send_message(
                "No log entry with that id.", ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        await interaction.response.send_message(
            embed=entry_embed(entry), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="stats", description="Totals over the last days.")
    @app_commands.describe(days="Period in days (default 7)")
    async def stats(
        self, interaction: discord.Interaction[TalksBot], days: app_commands.Range[int, 1, 3650] = 7
    ) -> None:
        since = ago(timedelta(days=days))
        s = await self.bot.store.stats(since)
        await interaction.response.send_message(
            embed=stats_embed(s, f"last {days} days"), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="export", description="Entries as a CSV file.")
    @app_commands.describe(which="Which entries (default: all)", days="Period in days (default 30)")
    async def export(
        self,
        interaction: discord.Interaction[TalksBot],
        which: Literal["all", "declined", "flagged"] = "all",
        days: app_commands.Range[int, 1, 3650] = 30,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        since = ago(timedelta(days=days))
        filters = Filters(
            limit=EXPORT_MAX, since=since, declined=which == "declined", flagged=which == "flagged"
        )
        entries = await self.bot.store.entries(filters)
        data = formats.csv_text(entries).encode("utf-8")
        file = discord.File(io.BytesIO(data), filename=f"talks-log-{which}-{days}d.csv")
        await interaction.followup.send(
            f"{len(entries)} entries ({which}, last {days} days).",
            file=file,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


async def setup(bot: TalksBot) -> None:
    await bot.add_cog(Logs(bot))
