"""The one error path: every failure becomes an ephemeral reply, answered interaction or not."""

from __future__ import annotations

import logging
import re

import pytest
from discord import app_commands
from support.helpers import interaction

from bot.discord.errors import NotModerator, on_app_command_error
from bot.discord.respond import NEUTRAL


def sent_text(inter) -> tuple[str, dict]:
    call = inter.followup.send.call_args or inter.response.send_message.call_args
    return call.args[0], call.kwargs


@pytest.mark.parametrize("answered", [False, True])
async def test_unexpected_error_gets_an_error_id_that_is_in_the_log(answered, caplog) -> None:
    inter = interaction(answered=answered)
    error = app_commands.CommandInvokeError.__new__(app_commands.CommandInvokeError)
    error.original = RuntimeError("database on fire")
    with caplog.at_level(logging.ERROR):
        await on_app_command_error(inter, error)
    used, unused = (inter.followup.send, inter.response.send_message)
    if not answered:
        used, unused = unused, used
    assert used.await_count == 1 and unused.await_count == 0
    text, kwargs = sent_text(inter)
    assert kwargs["ephemeral"] is True
    error_id = re.search(r"error id `([0-9a-f]+)`", text).group(1)
    assert error_id in caplog.text and "database on fire" in caplog.text
    assert "database on fire" not in text


async def test_cooldown_says_when_to_retry() -> None:
    inter = interaction(answered=False)
    cooldown = app_commands.Cooldown(1, 30)
    await on_app_command_error(inter, app_commands.CommandOnCooldown(cooldown, 12.4))
    text, kwargs = sent_text(inter)
    assert "12 seconds" in text and kwargs["ephemeral"]


async def test_missing_permission_is_a_plain_refusal() -> None:
    inter = interaction(answered=False)
    await on_app_command_error(inter, NotModerator())
    text, _ = sent_text(inter)
    assert text == "Sorry, this command is for moderators only."


async def test_the_bot_missing_a_permission_names_it_and_does_not_blame_the_member() -> None:
    inter = interaction(answered=False)
    error = app_commands.BotMissingPermissions(["embed_links", "read_message_history"])
    await on_app_command_error(inter, error)
    text, kwargs = sent_text(inter)
    assert "Embed Links" in text and "Read Message History" in text and kwargs["ephemeral"]
    assert "you can't" not in text and "talks-bot doctor" in text


def _failure() -> app_commands.CommandInvokeError:
    error = app_commands.CommandInvokeError.__new__(app_commands.CommandInvokeError)
    error.original = RuntimeError("database on fire")
    return error


async def test_error_after_a_public_defer_edits_in_a_neutral_line_and_tells_privately() -> None:
    inter = interaction(answered=False, deferred_ephemeral=False)
    await on_app_command_error(inter, _failure())
    edit = inter.edit_original_response.call_args.kwargs
    assert edit["content"] == NEUTRAL and edit["embed"] is None and edit["view"] is None
    text, kwargs = inter.followup.send.call_args.args[0], inter.followup.send.call_args.kwargs
    assert "error id" in text and kwargs["ephemeral"] is True
    assert inter.response.send_message.await_count == 0


async def test_error_after_a_private_defer_replaces_the_placeholder() -> None:
    inter = interaction(answered=False, deferred_ephemeral=True)
    await on_app_command_error(inter, _failure())
    assert "error id" in inter.edit_original_response.call_args.kwargs["content"]
    assert inter.followup.send.await_count == 0
