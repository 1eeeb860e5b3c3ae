"""Spec-checked doubles of discord.py objects for unit tests (the emulator covers the rest).

``create_autospec`` makes a misspelt attribute or a wrong call signature fail the test instead
of passing silently, as python-discord's helpers do.
"""

from __future__ import annotations

from unittest import mock

import discord


def interaction(
    *, answered: bool, deferred_ephemeral: bool | None = None
) -> mock.NonCallableMagicMock:
    """``deferred_ephemeral``: answered by ``respond.defer`` (privately or not), not finished."""
    inter = mock.create_autospec(discord.Interaction, instance=True)
    inter.id = 1234
    inter.extras = {}
    inter.response = mock.create_autospec(discord.InteractionResponse, instance=True)
    inter.response.is_done.return_value = answered or deferred_ephemeral is not None
    inter.response.type = None
    if deferred_ephemeral is not None:
        inter.response.type = discord.InteractionResponseType.deferred_channel_message
        inter.extras["talks.deferred_ephemeral"] = deferred_ephemeral
    inter.followup = mock.create_autospec(discord.Webhook, instance=True)
    inter.command = None
    return inter
