"""/sources list, add and remove: the articles the bot quotes, kept current from Discord.

Everyone may list them. Adding and removing change what every member is answered from, so
they are for moderators (Manage Messages or the configured role), checked here in the bot as
/logs does, since a server may loosen Discord's command permissions. Both acknowledge at once
(a private "thinking…"), then fetch and write off the event loop, then wait for the live
reload (``bot.reload``) so the reply can say the bot answers from the new set. A URL is
fetched under ``bot.fetch``'s checks; everything quoted back (titles, outlets, the URL,
refusal messages) is escaped.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.articles import Added, SourceError, add_url, is_url, refuse_shipped, remove
from bot.discord import respond
from bot.discord.cogs.logs import is_moderator
from bot.discord.errors import NotModerator
from bot.discord.render import (
    DECLINE_COLOUR,
    DESCRIPTION_MAX,
    REVIEW_COLOUR,
    TITLE_MAX,
    cut,
    safe,
    sources_embed,
)
from bot.fetch import Policy

if TYPE_CHECKING:
    from bot.discord.client import TalksBot

ID_CHOICES = 25  # Discord's limit on autocomplete choices


@app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
@app_commands.allowed_installs(guilds=True, users=False)
class Sources(
    commands.GroupCog,
    group_name="sources",
    group_description="The articles the bot quotes; moderators add and remove them.",
):
    def __init__(self, bot: TalksBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="list", description="List the articles the bot quotes.")
    async def list_(self, interaction: discord.Interaction[TalksBot]) -> None:
        await respond.defer(interaction, ephemeral=True)  # the engine first, like every command
        corpus = self.bot.engine.corpus
        await respond.finish(interaction, embed=sources_embed(corpus.articles, corpus.version))

    @app_commands.command(
        name="add", description="Add a news article by its web address (moderators)."
    )
    @app_commands.describe(url="The article's address, https://…")
    async def add(
        self, interaction: discord.Interaction[TalksBot], url: app_commands.Range[str, 1, 2000]
    ) -> None:
        if not is_moderator(interaction):
            raise NotModerator()
        await respond.defer(interaction, ephemeral=True)
        url = url.strip()
        try:
            if not is_url(url):
                raise SourceError(f"{url}: not a web address (give https://…)")
            directory = self._directory()
            policy = Policy(allow_loopback=self.bot.settings.allow_local_urls)
            added = await asyncio.to_thread(add_url, directory, url, policy)
        except SourceError as exc:
            await respond.finish(interaction, embed=_refused("Not added", str(exc)))
            return
        problem = await self.bot.reloader.reload()
        await respond.finish(interaction, embed=self._added(added, problem))

    @app_commands.command(name="remove", description="Remove an article (moderators).")
    @app_commands.describe(id="The article's id, as /sources list shows it")
    async def remove(
        self, interaction: discord.Interaction[TalksBot], id: app_commands.Range[str, 1, 200]
    ) -> None:
        if not is_moderator(interaction):
            raise NotModerator()
        await respond.defer(interaction, ephemeral=True)
        source = id.strip()
        try:
            known = {a.source: a for a in self.bot.engine.corpus.articles}.get(source)
            file = await asyncio.to_thread(remove, self._directory(), source)
        except SourceError as exc:
            await respond.finish(interaction, embed=_refused("Not removed", str(exc)))
            return
        problem = await self.bot.reloader.reload()
        title = f" ({safe(cut(known.title, 150))})" if known else ""
        text = f"Removed `{file[:-4]}`{title}. " + self._now(problem)
        embed = discord.Embed(title="Article removed", description=text, colour=REVIEW_COLOUR)
        await respond.finish(interaction, embed=embed)

    @remove.autocomplete("id")
    async def suggest_ids(
        self, interaction: discord.Interaction[TalksBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """The current articles by id or title, for moderators only (Discord does not run a
        command's checks for autocomplete); from memory."""
        if not is_moderator(interaction):
            return []
        typed = current.strip().casefold()
        choices = []
        for a in self.bot.engine.corpus.articles:
            if typed and typed not in a.source.casefold() and typed not in a.title.casefold():
                continue
            name = cut(f"{a.source} · {a.title}", 100)
            choices.append(app_commands.Choice(name=name, value=a.source))
            if len(choices) == ID_CHOICES:
                break
        return choices

    def _directory(self) -> Path:
        directory = self.bot.reloader.corpus_dir
        if directory is None:
            raise SourceError("the bot has no articles folder of its own to change")
        refuse_shipped(directory)
        return directory

    def _now(self, problem: str | None) -> str:
        corpus = self.bot.engine.corpus
        if problem is not None:
            return (
                "The articles could not be reloaded, so answers still come from the previous "
                f"set ({safe(cut(problem, 300))})."
            )
        return f"Answering from {len(corpus.articles)} articles now (corpus `{corpus.version}`)."

    def _added(self, added: Added, problem: str | None) -> discord.Embed:
        about = ", ".join(safe(x) for x in (added.outlet, added.date) if x)
        lines = [
            f"`{added.source}`: **{safe(cut(added.title or '(no title)', 200))}**"
            + (f" ({about})" if about else "")
            + f", {added.paragraphs} paragraphs.",
        ]
        if added.url:
            lines.append(f"Link: {safe(cut(added.url, 300))}")
        lines.append(self._now(problem))
        return discord.Embed(
            title="Article added",
            description=cut("\n".join(lines), DESCRIPTION_MAX),
            colour=REVIEW_COLOUR,
        )


def _refused(title: str, why: str) -> discord.Embed:
    return discord.Embed(
        title=cut(title, TITLE_MAX),
        description=cut(safe(" ".join(why.split())), DESCRIPTION_MAX),
        colour=DECLINE_COLOUR,
    )


async def setup(bot: TalksBot) -> None:
    await bot.add_cog(Sources(bot))
