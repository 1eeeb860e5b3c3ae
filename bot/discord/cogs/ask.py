"""/ask: acknowledge at once, ask through the application layer; vote buttons under answers.

Both /ask and a vote defer before touching the engine or the log, and finish by editing the
deferred response (``respond.finish``), Discord's documented path.
"""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Earlier, Where, Who
from bot.discord import followup, respond, suggest
from bot.discord.cooldown import ASK_COOLDOWNS
from bot.discord.render import NO_MENTIONS, answer_embed, cut
from bot.logs.models import Asked, Surface, entry_time, is_entry_id
from bot.text import repair

if TYPE_CHECKING:
    from bot.discord.client import TalksBot

log = logging.getLogger(__name__)

UNWRITTEN_S = 60  # a record is written right after its answer is shown; younger: not yet there
MAX_OPTION_CHARS = 6000  # Discord's own cap on a string option


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"talks:vote:(?P<entry>[0-9]+):(?P<helpful>[01])",
):
    """Helpful / not helpful. The custom id carries the log entry id, so buttons keep working
    on old answers after the bot restarts."""

    def __init__(self, entry_id: int, helpful: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                emoji="👍" if helpful else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"talks:vote:{entry_id}:{int(helpful)}",
            )
        )
        self.entry_id = entry_id
        self.helpful = helpful

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(int(match["entry"]), match["helpful"] == "1")

    async def callback(self, interaction: discord.Interaction[TalksBot]) -> None:  # type: ignore[override]
        if not is_entry_id(self.entry_id):  # a forged button: no form, no database
            await respond.private(interaction, NO_SUCH_ENTRY)
            return
        if not self.helpful:  # ask what was wrong first: a modal must be the initial response,
            await interaction.response.send_modal(WhyModal(self.entry_id))  # no database yet
            return
        await respond.defer(interaction, ephemeral=True)
        await record_vote(interaction, self.entry_id, helpful=True)


NO_SUCH_ENTRY = "There is no such answer in the log."
WHY_MAX = 200  # the cap: one or two sentences a moderator reads in a list
WHY_TIMEOUT_S = 15 * 60  # a member writing a line; after that the form is dropped from memory


class WhyModal(discord.ui.Modal, title="What was wrong with this answer?"):
    """The 👎 button's form: an optional reason, stored with the vote."""

    reason: discord.ui.TextInput[WhyModal] = discord.ui.TextInput(
        label="What was wrong? (optional)",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=WHY_MAX,
        placeholder="e.g. the quote is about a different meeting",
    )

    def __init__(self, entry_id: int) -> None:
        super().__init__(custom_id=f"talks:why:{entry_id}", timeout=WHY_TIMEOUT_S)
        self.entry_id = entry_id

    async def on_submit(self, interaction: discord.Interaction[TalksBot]) -> None:  # type: ignore[override]
        await respond.defer(interaction, ephemeral=True)
        text = " ".join(repair(self.reason.value or "").split())[:WHY_MAX] or None
        await record_vote(interaction, self.entry_id, helpful=False, reason=text)


async def record_vote(
    interaction: discord.Interaction[TalksBot],
    entry_id: int,
    *,
    helpful: bool,
    reason: str | None = None,
) -> None:
    """Store a (deferred) vote and tell the member how it went."""
    if not is_entry_id(entry_id):
        await respond.finish(interaction, content=NO_SUCH_ENTRY)
        return
    try:
        stored = await interaction.client.store.vote(entry_id, interaction.user.id, helpful, reason)
    except Exception:
        log.exception("could not store a vote on entry %s", entry_id)
        await respond.finish(
            interaction, content="I couldn't record that vote just now; please try again."
        )
        return
    if not stored and time.time() - entry_time(entry_id) < UNWRITTEN_S:
        await respond.finish(  # its record is still being written
            interaction, content="I couldn't record that vote just now; please try again."
        )
        return
    if stored and not helpful:  # a 👎'd answer's question is suggested no more
        interaction.client.asked.flag(interaction.guild_id, entry_id)
    if not stored:  # the entry was deleted (retention or a purge) after the answer was shown
        await respond.finish(
            interaction,
            content="This answer is no longer in the log, so the vote can't be recorded.",
        )
        return
    thanks = "Thanks, noted as helpful." if helpful else (
        "Thanks, noted as not helpful: moderators will review it."
    )  # fmt: skip
    await respond.finish(interaction, content=thanks + " Voting again replaces your vote.")


class ShareButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"talks:share:(?P<entry>[0-9]+)",
):
    """ "Post publicly" under a private answer: the same answer, with its citations and vote
    buttons, posted in the channel as the member's (a follow-up to their click), once."""

    def __init__(self, entry_id: int, *, posted: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Posted publicly" if posted else "Post publicly",
                emoji="📣",
                style=discord.ButtonStyle.primary,
                custom_id=f"talks:share:{entry_id}",
                disabled=posted,
            )
        )
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ShareButton:
        return cls(int(match["entry"]))

    async def callback(self, interaction: discord.Interaction[TalksBot]) -> None:  # type: ignore[override]
        message = interaction.message
        if not is_entry_id(self.entry_id):
            await respond.private(interaction, NO_SUCH_ENTRY)
            return
        if self.entry_id in _SHARED or message is None or not message.embeds:
            await respond.private(interaction, ALREADY_SHARED)  # a second, racing click
            return
        _SHARED.add(self.entry_id)  # before any await: two quick clicks post once
        # Acknowledge by disabling the button on the private answer (no database touched),
        # then post the answer itself as a public follow-up in the channel.
        await interaction.response.edit_message(view=vote_view(self.entry_id, posted=True))
        posted = await interaction.followup.send(
            embeds=message.embeds,
            view=vote_view(self.entry_id),
            allowed_mentions=NO_MENTIONS,
            wait=True,
        )
        followup.made_public(self.entry_id)
        followup.remember_message(self.entry_id, posted.id)


ALREADY_SHARED = "This answer has already been posted in the channel."
# Entry ids posted since start: the disabled button stops a second post across restarts, this
# set stops two clicks racing in before the button is disabled. One id per share: tiny.
_SHARED: set[int] = set()


def vote_view(entry_id: int, *, share: bool = False, posted: bool = False) -> discord.ui.View:
    """Vote buttons and "Follow up"; with ``share`` or ``posted`` also the private answer's
    share button."""
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton(entry_id, True))
    view.add_item(VoteButton(entry_id, False))
    view.add_item(followup.FollowButton(entry_id))
    if share or posted:
        view.add_item(ShareButton(entry_id, posted=posted))
    return view


NO_TEXT = "That message has no text to look up; I can only answer from a message's words."


class Ask(commands.Cog):
    def __init__(self, bot: TalksBot) -> None:
        self.bot = bot
        # Discord enforces the configured question length in the client, before sending.
        self.ask._params["question"].max_value = bot.settings.max_question_chars
        # Context menus cannot be declared inside a cog; discord.py's documented way is to
        # build one here and add it to the tree (removed again when the cog unloads).
        self.ask_message = app_commands.ContextMenu(
            name=app_commands.locale_str("Ask Talks Bot"), callback=self.ask_about_message
        )
        self.ask_message.allowed_contexts = app_commands.AppCommandContext(
            guild=True, dm_channel=True
        )
        self.ask_message.allowed_installs = app_commands.AppInstallationType(guild=True)
        bot.tree.add_command(self.ask_message)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.ask_message.name, type=self.ask_message.type)

    @app_commands.command(name="ask", description="Ask about the Istanbul peace talks; "
                          "the answer quotes the news articles.")  # fmt: skip
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    @app_commands.describe(
        question="Your question, e.g. Where will the talks be held?",
        private="Show the question and answer only to you (default: no)",
    )
    @app_commands.check(ASK_COOLDOWNS.take)
    async def ask(
        self,
        interaction: discord.Interaction[TalksBot],
        question: app_commands.Range[str, 1, MAX_OPTION_CHARS],
        private: bool = False,
    ) -> None:
        await self.answer(interaction, question, "discord", private=private, in_thread=True)

    @ask.autocomplete("question")
    async def suggest_questions(
        self, interaction: discord.Interaction[TalksBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Suggestions as the member types: this server's answered public questions and the
        articles' sentences (``bot.discord.suggest``), from memory. Never an error: without
        the log, the articles' suggestions alone."""
        bot = self.bot
        try:
            asked = await bot.asked.candidates(interaction.guild_id)
        except Exception:
            log.exception("autocomplete: could not read this server's questions")
            asked = []
        try:
            texts = suggest.rank(current, asked, bot.article_suggestions, bot.vocabulary)
        except Exception:  # a bug here must not turn into "loading options failed"
            log.exception("autocomplete: could not rank suggestions")
            texts = [c.text for c in bot.article_suggestions[: suggest.CHOICES_MAX]]
        return [app_commands.Choice(name=t, value=t) for t in texts]

    @app_commands.check(ASK_COOLDOWNS.take)
    async def ask_about_message(
        self, interaction: discord.Interaction[TalksBot], message: discord.Message
    ) -> None:
        """ "Ask Talks Bot" on a message: its text is the question, the answer only for the
        member who asked. Discord sends the message's content with the interaction (resolved
        data), so the privileged message-content intent is not needed."""
        await self.answer(interaction, message.content, "context_menu", private=True)

    async def answer(
        self,
        interaction: discord.Interaction[TalksBot],
        question: str,
        surface: Surface,
        *,
        private: bool,
        after: Earlier | None = None,
        deferred: bool = False,
        in_thread: bool = False,
    ) -> None:
        """Defer (unless ``deferred``), ask through the application layer, show the answer
        with its buttons. ``after``: the question this one follows up; ``in_thread``: /ask in
        a thread started from an answer follows that answer up."""
        with self.bot.track():
            if not deferred:
                await respond.defer(interaction, ephemeral=private)
            question = repair(question)  # lone surrogates: one repair for answer, embed, log
            if surface == "context_menu" and not question.strip():  # only files, embeds…
                await respond.finish(interaction, content=NO_TEXT)
                return
            started_from = followup.thread_answer(interaction.channel) if in_thread else None
            if after is None and started_from is not None:
                after = await followup.earlier(interaction, started_from)
            answer, entry_id = await self.bot.asking.ask(
                question,
                Who(interaction.user.id, interaction.user.display_name, interaction.locale.value),
                Where(
                    surface, interaction.guild_id, interaction.channel_id, private,
                    guild_name=interaction.guild.name if interaction.guild else None,
                    channel_name=getattr(interaction.channel, "name", None),
                    shard_id=self.bot.shard_for(interaction.guild_id),
                ),
                after=after,
            )  # fmt: skip
            # the log record is written in the background, not before the answer is shown
            self.bot.asked.note(
                interaction.guild_id,
                Asked(
                    entry_id,
                    answer.question,
                    answer.answered and answer.confidence != "low",
                    private,
                    flagged=False,
                ),
            )
            if not answer.answered:  # to the asker alone, and not counted against them
                ASK_COOLDOWNS.refund(interaction)
                covers = [a.label for a in self.bot.asking.engine.corpus.articles]
                embed = answer_embed(answer, question, interaction.locale, covers)
                await respond.to_asker_only(interaction, embed=embed)
                return
            share = private and surface == "discord"  # /ask private:True; not the menu command
            embed = answer_embed(answer, question, interaction.locale)
            if after is not None:
                embed.set_author(name=cut(f"Following up: {' '.join(after.question.split())}", 256))
            shown = await respond.finish(
                interaction, embed=embed, view=vote_view(entry_id, share=share)
            )
            # a follow-up's question as it was read ("When did …?" for "and when?"), so a
            # follow-up on it in turn has a topic to take
            read_as = (
                question
                if after is None
                else self.bot.asking.engine.analyse(question, after.question).plain
            )
            followup.remember(
                followup.Shown(entry_id, read_as, interaction.channel_id,
                               interaction.user.id, private),
                shown.id,
            )  # fmt: skip


async def setup(bot: TalksBot) -> None:
    bot.add_dynamic_items(VoteButton, ShareButton, followup.FollowButton)
    await bot.add_cog(Ask(bot))
