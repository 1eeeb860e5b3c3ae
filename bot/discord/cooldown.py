"""The /ask cooldown, per member, that gives a use back when the question was declined.

discord.py's own cooldown check keeps its buckets out of reach, so a use cannot be returned.
Here each member's uses are kept by interaction id: a declined question (the articles do not
cover it) is taken back with ``refund``, so the member can rephrase at once; only answers
count. A sliding window of ``ask_cooldown_seconds`` allows ``ask_cooldown_rate`` uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

if TYPE_CHECKING:
    from bot.discord.client import TalksBot


# Members kept before the map is swept of those whose uses are all older than the window: a
# sweep costs one pass, so it runs once per this many new members, not on every question.
SWEEP_AT = 1024


class Cooldowns:
    """Each member's counted uses in the current window, by interaction id."""

    def __init__(self) -> None:
        self._uses: dict[int, dict[int, float]] = {}

    def take(self, interaction: discord.Interaction[TalksBot]) -> bool:
        """Count this use, or raise ``CommandOnCooldown`` with when to retry (the app command
        check; discord.py's error path words it)."""
        settings = interaction.client.settings
        rate, per = settings.ask_cooldown_rate, settings.ask_cooldown_seconds
        if per <= 0:
            return True
        now = interaction.created_at.timestamp()
        if len(self._uses) > SWEEP_AT:  # forget members with no use left in the window
            self._uses = {
                user: uses for user, uses in self._uses.items()
                if any(now - t < per for t in uses.values())
            }  # fmt: skip
        uses = self._uses.setdefault(interaction.user.id, {})
        for key in [k for k, t in uses.items() if now - t >= per]:
            del uses[key]
        if len(uses) >= rate:
            retry = per - (now - min(uses.values()))
            raise app_commands.CommandOnCooldown(app_commands.Cooldown(rate, per), retry)
        uses[interaction.id] = now
        return True

    def refund(self, interaction: discord.Interaction) -> None:
        """Give back the use this interaction took (its question was declined)."""
        uses = self._uses.get(interaction.user.id)
        if uses is not None:
            uses.pop(interaction.id, None)


ASK_COOLDOWNS = Cooldowns()  # one bot per process: one map of uses
