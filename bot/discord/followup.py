"""Follow-up questions in Discord: the "Follow up" button under every answer, its form, and
/ask in a thread started from an answer.

The button's custom id carries the answer's log entry id (untrusted: checked for its form,
length and range where it enters); the form is the button's initial response, and the
follow-up defers before the log or the engine is touched. The question it follows is found
in memory (answers given since the bot started) or in the log, and only where the member may
see it: the same channel (or the thread's parent), and a private answer only for its asker.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.app import Earlier
from bot.discord import respond
from bot.discord.cooldown import ASK_COOLDOWNS
from bot.logs.models import is_entry_id
from bot.text import repair

if TYPE_CHECKING:
    from bot.discord.client import TalksBot

log = logging.getLogger(__name__)

MAX_ID_DIGITS = len(str(2**63 - 1))  # the largest entry id's digits: 19
FOLLOW_TIMEOUT_S = 15 * 60  # a member typing one question; then the form is dropped
FOLLOW_MAX = 300  # characters: the default question limit; the engine checks its own limit
# Answers remembered since the start, so a follow-up finds its question before the log record
# is written and /ask in a thread finds the answer it was started from: a few hundred bytes
# each, the oldest forgotten first.
REMEMBERED = 4096
NO_EARLIER = "I can't find the answer this follows up any more; please ask with /ask."


@dataclass(frozen=True, slots=True)
class Shown:
    """An answer the bot showed: what a follow-up on it needs, and who may follow it up."""

    entry_id: int
    question: str
    channel_id: int | None
    user_id: int
    private: bool


_BY_ENTRY: OrderedDict[int, Shown] = OrderedDict()
_BY_MESSAGE: OrderedDict[int, int] = OrderedDict()  # answer message id -> its entry id


def remember(shown: Shown, message_id: int | None) -> None:
    """An answer just shown (``message_id``: its message, where a thread may start)."""
    _BY_ENTRY[shown.entry_id] = shown
    if message_id is not None:
        _BY_MESSAGE[message_id] = shown.entry_id
    for table in (_BY_ENTRY, _BY_MESSAGE):
        while len(table) > REMEMBERED:
            table.popitem(last=False)


def remember_message(entry_id: int, message_id: int) -> None:
    """Another message showing the answer of ``entry_id`` (its public copy)."""
    _BY_MESSAGE[message_id] = entry_id
    while len(_BY_MESSAGE) > REMEMBERED:
        _BY_MESSAGE.popitem(last=False)


def made_public(entry_id: int) -> None:
    """A private answer was posted in the channel: anyone there may follow it up now."""
    shown = _BY_ENTRY.get(entry_id)
    if shown is not None:
        _BY_ENTRY[entry_id] = Shown(entry_id, shown.question, shown.channel_id, shown.user_id,
                                    private=False)  # fmt: skip


def thread_answer(channel: object) -> int | None:
    """The entry of the answer a thread was started from: a thread started from a message has
    that message's id as its own."""
    if isinstance(channel, discord.Thread):
        return _BY_MESSAGE.get(channel.id)
    return None


async def earlier(interaction: discord.Interaction[TalksBot], entry_id: int) -> Earlier | None:
    """The question of entry ``entry_id``, if this member may follow it up here."""
    if not is_entry_id(entry_id):
        return None
    here = {interaction.channel_id, getattr(interaction.channel, "parent_id", None)} - {None}
    user = interaction.user.id
    shown = _BY_ENTRY.get(entry_id)
    if shown is not None:
        mine = not shown.private or shown.user_id == user
        return Earlier(entry_id, shown.question) if shown.channel_id in here and mine else None
    guild = str(interaction.guild_id) if interaction.guild_id is not None else None
    try:
        entry = await interaction.client.store.get(entry_id, guild_id=guild)
    except Exception:
        log.exception("could not read entry %s for a follow-up", entry_id)
        return None
    if entry is None or entry.channel_id not in {str(c) for c in here}:
        return None
    if entry.private is not False and entry.user_id != str(user):
        return None  # private (or not recorded as public): only its asker follows it up
    return Earlier(entry.id, entry.question)


class FollowButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"talks:follow:(?P<entry>[0-9]+)",
):
    """ "Follow up" under an answer: opens a form for a question read with this answer's."""

    def __init__(self, entry_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Follow up",
                emoji="💬",
                style=discord.ButtonStyle.secondary,
                custom_id=f"talks:follow:{entry_id}",
            )
        )
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FollowButton:
        digits = match["entry"]  # an entry id has at most 19 digits; longer: none (0)
        return cls(int(digits) if len(digits) <= MAX_ID_DIGITS else 0)

    async def callback(self, interaction: discord.Interaction[TalksBot]) -> None:  # type: ignore[override]
        if not is_entry_id(self.entry_id):  # a forged id: no form, no database
            await respond.private(interaction, "There is no such answer in the log.")
            return
        message = interaction.message
        private = bool(message is not None and message.flags.ephemeral)
        await interaction.response.send_modal(FollowModal(self.entry_id, private=private))


class FollowModal(discord.ui.Modal, title="Follow up on this answer"):
    """One text field: the follow-up, answered where the answer was, as public as it was."""

    question: discord.ui.TextInput[FollowModal] = discord.ui.TextInput(
        label="Your follow-up question",
        style=discord.TextStyle.short,
        min_length=1,
        max_length=FOLLOW_MAX,
        placeholder="e.g. and when?",
    )

    def __init__(self, entry_id: int, *, private: bool) -> None:
        super().__init__(custom_id=f"talks:followup:{entry_id}", timeout=FOLLOW_TIMEOUT_S)
        self.entry_id = entry_id
        self.private = private

    async def on_submit(self, interaction: discord.Interaction[TalksBot]) -> None:  # type: ignore[override]
        try:
            ASK_COOLDOWNS.take(interaction)
        except app_commands.CommandOnCooldown as exc:
            await respond.private(
                interaction, f"You're asking quickly: try again in {exc.retry_after:.0f} seconds."
            )
            return
        await respond.defer(interaction, ephemeral=self.private)  # within 3 s, before the log
        found = await earlier(interaction, self.entry_id)
        if found is None:
            ASK_COOLDOWNS.refund(interaction)
            await respond.finish(interaction, content=NO_EARLIER)
            return
        asking = interaction.client.get_cog("Ask")
        text = repair(self.question.value or "")
        await asking.answer(  # type: ignore[union-attr]
            interaction, text, "discord", private=self.private, after=found, deferred=True
        )
