"""/logs for moderators: recent, declined, flagged, unreviewed, unanswered, search, show,
review, stats, export; all ephemeral.

Hidden from members by default permissions (Manage Messages), and checked again here, so a
server that loosens Discord's defaults still keeps the log private. Manage Messages is a
per-server permission, so every subcommand reads only the entries asked in the server it is
used in: another server's entries and DM entries (the operator's, through the CLI and
Datasette) never show. Every subcommand defers before querying: on a large log a query can
take longer than Discord's 3 s.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import versions
from bot.discord import respond, suggest
from bot.discord.errors import NotModerator
from bot.discord.render import (
    cut,
    entries_embed,
    entry_embed,
    safe,
    stats_embed,
    unanswered_embed,
)
from bot.logs import formats
from bot.logs.models import REVIEW_NOTE_MAX, Filters, LogEntry, is_entry_id
from bot.times import ago

if TYPE_CHECKING:
    from bot.discord.client import TalksBot

EXPORT_MAX = 5000
ID_CHOICES = 25  # Discord's limit on autocomplete choices


def is_moderator(interaction: discord.Interaction[TalksBot]) -> bool:
    """Manage Messages in this channel, or the configured moderator role."""
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        return False
    if interaction.permissions.manage_messages:
        return True
    role_id = interaction.client.settings.moderator_role_id
    return role_id is not None and any(r.id == role_id for r in interaction.user.roles)


def _guild(interaction: discord.Interaction[TalksBot]) -> str:
    """The server /logs was used in (``is_moderator`` has already required one)."""
    if interaction.guild_id is None:
        raise NotModerator()
    return str(interaction.guild_id)


def _check(interaction: discord.Interaction[TalksBot]) -> bool:
    if not is_moderator(interaction):
        raise NotModerator()
    return True


Limit = app_commands.Range[int, 1, 25]


@app_commands.guild_only()
@app_commands.allowed_installs(guilds=True, users=False)
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
        await respond.defer(interaction, ephemeral=True)
        entries = await self.bot.store.entries(replace(filters, guild_id=_guild(interaction)))
        await respond.finish(interaction, embed=entries_embed(title, entries))

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

    @app_commands.command(
        name="unreviewed", description="Answers voted not helpful that no moderator has reviewed."
    )
    @app_commands.describe(limit="How many (1-25, default 10)")
    async def unreviewed(
        self, interaction: discord.Interaction[TalksBot], limit: Limit = 10
    ) -> None:
        await self._list(
            interaction,
            "Not helpful, not yet reviewed",
            Filters(limit=limit, flagged=True, unreviewed=True),
        )

    @app_commands.command(
        name="unanswered",
        description="Declined, not-sure and voted-down questions, grouped: the articles to add.",
    )
    @app_commands.describe(
        limit="How many questions (1-25, default 10)", days="Period in days (default 30)"
    )
    async def unanswered(
        self,
        interaction: discord.Interaction[TalksBot],
        limit: Limit = 10,
        days: app_commands.Range[int, 1, 3650] = 30,
    ) -> None:
        await respond.defer(interaction, ephemeral=True)
        filters = Filters(
            limit=limit, since=ago(timedelta(days=days)), guild_id=_guild(interaction)
        )
        groups = await self.bot.store.unanswered(filters)
        await respond.finish(interaction, embed=unanswered_embed(groups, f"last {days} days"))

    @app_commands.command(name="search", description="Entries whose question or answer has a text.")
    @app_commands.describe(text="Text to look for", limit="How many (1-25, default 10)")
    async def search(
        self,
        interaction: discord.Interaction[TalksBot],
        text: app_commands.Range[str, 1, 200],
        limit: Limit = 10,
    ) -> None:
        title = f"Entries with “{safe(cut(' '.join(text.split()), 100))}”"
        await self._list(interaction, title, Filters(limit=limit, search=text))

    @app_commands.command(name="show", description="One entry in full.")
    @app_commands.describe(id="The entry id, as listed")
    async def show(self, interaction: discord.Interaction[TalksBot], id: str) -> None:
        await respond.defer(interaction, ephemeral=True)
        entry, text = None, id.strip()
        if text.isascii() and text.isdigit() and len(text) <= 19 and is_entry_id(int(text)):
            entry = await self.bot.store.get(int(text), guild_id=_guild(interaction))
        if entry is None:
            await respond.finish(interaction, content="No log entry with that id in this server.")
            return
        await respond.finish(interaction, embed=entry_embed(entry, await self._articles(entry)))

    @app_commands.command(name="review", description="Mark an entry reviewed, with a note.")
    @app_commands.describe(id="The entry id, as listed", note="What was done (optional)")
    async def review(
        self,
        interaction: discord.Interaction[TalksBot],
        id: str,
        note: app_commands.Range[str, 1, REVIEW_NOTE_MAX] | None = None,
    ) -> None:
        await respond.defer(interaction, ephemeral=True)
        entry, text = None, id.strip()
        if text.isascii() and text.isdigit() and len(text) <= 19 and is_entry_id(int(text)):
            reviewer = interaction.user.display_name
            entry = await self.bot.store.review(
                int(text), f"{reviewer} ({interaction.user.id})", note,
                guild_id=_guild(interaction),
            )  # fmt: skip
        if entry is None:
            await respond.finish(interaction, content="No log entry with that id in this server.")
            return
        await respond.finish(
            interaction,
            content=f"Marked entry `{entry.id}` reviewed.",
            embed=entry_embed(entry, await self._articles(entry)),
        )

    async def _articles(self, entry: LogEntry) -> list[tuple[str, str]] | None:
        """Which articles the entry's corpus version had (``bot.versions``), read off the loop."""
        where = versions.path_for(self.bot.settings)
        return await asyncio.to_thread(versions.articles_of, where, entry.corpus_version)

    @show.autocomplete("id")
    @review.autocomplete("id")
    async def suggest_ids(
        self, interaction: discord.Interaction[TalksBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """This server's latest entries, for moderators only (checked here: Discord does not
        run the command's checks for autocomplete), matched by id or question; from memory."""
        if not is_moderator(interaction) or interaction.guild_id is None:
            return []
        try:
            recent = await self.bot.asked.recent(interaction.guild_id)
        except Exception:
            return []
        typed = current.strip().casefold()
        choices = []
        for a in recent:
            if typed and not (str(a.id).startswith(typed) or typed in a.question.casefold()):
                continue
            head = f"{a.id} · "
            name = (head + suggest.label(a.question, suggest.CHOICE_CHARS - len(head))).strip()
            choices.append(app_commands.Choice(name=name, value=str(a.id)))
            if len(choices) == ID_CHOICES:
                break
        return choices

    @app_commands.command(name="stats", description="Totals over the last days.")
    @app_commands.describe(days="Period in days (default 7)")
    async def stats(
        self, interaction: discord.Interaction[TalksBot], days: app_commands.Range[int, 1, 3650] = 7
    ) -> None:
        await respond.defer(interaction, ephemeral=True)
        since = ago(timedelta(days=days))
        s = await self.bot.store.stats(since, guild_id=_guild(interaction))
        await respond.finish(interaction, embed=stats_embed(s, f"last {days} days"))

    @app_commands.command(name="export", description="Entries as a CSV file.")
    @app_commands.describe(which="Which entries (default: all)", days="Period in days (default 30)")
    async def export(
        self,
        interaction: discord.Interaction[TalksBot],
        which: Literal["all", "declined", "flagged"] = "all",
        days: app_commands.Range[int, 1, 3650] = 30,
    ) -> None:
        await respond.defer(interaction, ephemeral=True)
        since = ago(timedelta(days=days))
        filters = Filters(
            limit=EXPORT_MAX, since=since, declined=which == "declined",
            flagged=which == "flagged", guild_id=_guild(interaction),
        )  # fmt: skip
        entries = await self.bot.store.entries(filters)
        total = len(entries)
        if total == EXPORT_MAX:
            total = await self.bot.store.matching(filters)
        data = formats.csv_text(entries).encode("utf-8")
        file = discord.File(io.BytesIO(data), filename=f"talks-log-{which}-{days}d.csv")
        what = f"from this server ({which}, last {days} days)"
        content = f"{total} entries {what}."
        if total > len(entries):  # Discord caps an attachment's size; say what is left out
            content = (
                f"The newest {len(entries):,} of {total:,} entries {what}: fewer days give the "
                "rest, or `talks-bot logs --format csv --since …` on the bot's machine."
            )
        await respond.finish(interaction, content=content, attachments=[file])


async def setup(bot: TalksBot) -> None:
    await bot.add_cog(Logs(bot))
