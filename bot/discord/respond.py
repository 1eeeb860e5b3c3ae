"""The one way the bot answers an interaction: acknowledge, then finish by editing @original.

Discord's documented path for a deferred response (type 5) is ``PATCH
/webhooks/{app}/{token}/messages/@original``; a follow-up sent straight after a defer also
edits the original, but "the ephemeral flag will be ignored" and Discord calls that
deprecated. So every command defers through ``defer`` (recording whether the placeholder is
private), finishes through ``finish``, and the error path reads both marks to decide whether
an error can replace the placeholder or must go to a separate ephemeral follow-up.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.discord.render import NO_MENTIONS

_EPHEMERAL = "talks.deferred_ephemeral"
_FINISHED = "talks.finished"

NEUTRAL = "This request could not be completed."  # replaces a public placeholder on an error


async def defer(interaction: discord.Interaction, *, ephemeral: bool) -> None:
    """Acknowledge within Discord's 3 s with a "thinking…" placeholder, before any slow work."""
    await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    interaction.extras[_EPHEMERAL] = ephemeral


async def finish(interaction: discord.Interaction, **message: object) -> discord.Message:
    """Replace the deferred placeholder with the real message (files go in ``attachments``)."""
    message.setdefault("allowed_mentions", NO_MENTIONS)
    shown = await interaction.edit_original_response(**message)  # type: ignore[arg-type]
    interaction.extras[_FINISHED] = True
    return shown


async def to_asker_only(interaction: discord.Interaction, **message: Any) -> None:
    """Finish a deferred interaction with a message only the member sees, leaving nothing in
    the channel: a private placeholder becomes the message; a public one is deleted, and the
    message follows as an ephemeral follow-up (a new message once the original is gone, so
    Discord honours its flag). Whether an answer is public can only be known after answering,
    so a public /ask defers publicly and a decline takes this path."""
    message.setdefault("allowed_mentions", NO_MENTIONS)
    if interaction.extras.get(_EPHEMERAL, False):
        await finish(interaction, **message)
        return
    await interaction.delete_original_response()
    interaction.extras[_FINISHED] = True  # nothing left to edit: errors go to a follow-up
    await interaction.followup.send(ephemeral=True, **message)


async def private(interaction: discord.Interaction, text: str) -> None:
    """Show ``text`` to the member only, at whatever stage the interaction is.

    Not answered yet: an ephemeral response. Deferred privately: the placeholder becomes the
    text. Deferred publicly: the placeholder becomes a neutral line (a public message can
    never turn private) and the text follows as an ephemeral follow-up, which Discord honours
    once the original is no longer loading. Already finished: an ephemeral follow-up.
    """
    if not interaction.response.is_done():
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return
    deferred = interaction.response.type is discord.InteractionResponseType.deferred_channel_message
    if deferred and not interaction.extras.get(_FINISHED):
        if interaction.extras.get(_EPHEMERAL, False):
            await finish(interaction, content=text, embed=None, view=None, attachments=[])
            return
        await finish(interaction, content=NEUTRAL, embed=None, view=None, attachments=[])
    await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
