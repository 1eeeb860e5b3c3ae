"""Spec-checked doubles of discord.py objects for unit tests (the emulator covers the rest).

``create_autospec`` makes a misspelt attribute or a wrong call signature fail the test instead
of passing silently, as python-discord's helpers do.
"""

from __future__ import annotations

from unittest import mock

import discord


def interaction(*, answered: bool) -> mock.NonCallableMagicMock:
    inter = mock.create_autospec(discord.Interaction, instance=True)
    inter.id = 1234
    inter.response = mock.create_autospec(discord.InteractionResponse, instance=True)
    inter.response.is_done.return_value = answered
    inter.followup = mock.create_autospec(discord.Webhook, instance=True)
    inter.command = None
    return inter
