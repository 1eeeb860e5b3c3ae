"""/help: what the bot does (/sources is its own cog, ``cogs/sources.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.render import NO_MENTIONS, help_embed

if TYPE_CHECKING:
    from bot.discord.client import TalksBot


class Info(commands.Cog):
    def __init__(self, bot: TalksBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What Talks Bot does and does not do.")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    async def help(self, interaction: discord.Interaction[TalksBot]) -> None:
        await interaction.response.send_message(
            embed=help_embed(), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: TalksBot) -> None:
    await bot.add_cog(Info(bot))
