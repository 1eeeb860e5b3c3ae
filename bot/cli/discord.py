"""``talks-bot invite``, ``doctor`` and ``run``: adding the bot to a server, checking its setup,
and starting it. The Discord stack is imported only inside the handlers."""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import TYPE_CHECKING

from bot.cli.common import UsageError, positive_int, say, settings_from_args

if TYPE_CHECKING:
    from bot.cli.common import Commands


def register(commands: Commands, corpus: argparse.ArgumentParser) -> None:
    invite = commands.add_parser(
        "invite", help="print the URL that adds the bot to a server",
        description="Print the invite URL for this bot: scopes bot and applications.commands, "
        "exactly the permissions it uses, and TALKS_GUILD_ID's server preselected if set. "
        "The application id comes from Discord with TALKS_DISCORD_TOKEN, or from --app-id.",
    )  # fmt: skip
    invite.add_argument(
        "--app-id", type=_snowflake, metavar="ID",
        help="the application id (Developer Portal → General Information); no token needed",
    )  # fmt: skip
    invite.set_defaults(handler=cmd_invite)

    doctor = commands.add_parser(
        "doctor", parents=[corpus], help="check the Discord setup, changing nothing",
        description="Check the token, application, test server, registered commands, channel "
        "permissions, moderator role, answer log and corpus: one line each, with the fix for "
        "each failure. Sends no message and changes nothing. Exit code 0 when all pass.",
    )  # fmt: skip
    doctor.set_defaults(handler=cmd_doctor)

    run = commands.add_parser(
        "run", parents=[corpus], help="start the Discord bot",
        description="Connect to Discord and serve slash commands. Needs TALKS_DISCORD_TOKEN.",
    )  # fmt: skip
    run.add_argument(
        "--shards", type=positive_int, metavar="N",
        help="open N gateway shards in this one process (discord.py's AutoShardedBot)",
    )  # fmt: skip
    run.add_argument(
        "--shard-ids", type=_shard_ids, metavar="IDS",
        help="this process's shards among several processes, e.g. 0,1 (with --shard-count)",
    )  # fmt: skip
    run.add_argument(
        "--shard-count", type=positive_int, metavar="N",
        help="shards across all processes (with --shard-ids)",
    )  # fmt: skip
    run.set_defaults(handler=cmd_run)


def _shard_ids(text: str) -> list[int]:
    try:
        ids = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of shard numbers: {text!r}") from None
    if not ids or ids[0] < 0:
        raise argparse.ArgumentTypeError("give shard numbers from 0, e.g. 0,1")
    return ids


def _snowflake(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("must be a number, e.g. 123456789012345678")
    return int(text)


def cmd_invite(args: argparse.Namespace) -> int:
    from bot.discord import invite

    settings = settings_from_args(args)
    app_id = args.app_id
    if app_id is None:
        token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
        if not token:
            raise UsageError(
                "no application id: give --app-id ID (Developer Portal → General Information "
                "→ Application ID) or set TALKS_DISCORD_TOKEN"
            )
        try:
            app_id = asyncio.run(invite.application_id(settings.discord_api_url, token))
        except invite.InviteError as exc:
            raise UsageError(str(exc)) from None
    say(invite.invite_text(app_id, settings.guild_id))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.checks import Check
    from bot.discord import doctor

    say("Checking the setup (sends no message, changes nothing)...")
    try:
        settings = settings_from_args(args)
    except UsageError as exc:  # a typo in .env is what doctor is for: report it as a check
        bad = Check(False, f"settings: {exc}", "correct it in .env or the environment "
                           "(.env.example describes every setting)")  # fmt: skip
        say(doctor.report([bad]))
        return 1
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # voice extras: not used
    checks = asyncio.run(doctor.diagnose(settings))
    say(doctor.report(checks))
    return 0 if all(c.ok is not False for c in checks) else 1


def cmd_run(args: argparse.Namespace) -> int:
    from bot.discord.runner import Sharding, run

    if args.shards is not None and (args.shard_ids or args.shard_count):
        raise UsageError("give either --shards N, or --shard-ids with --shard-count")
    if (args.shard_ids is None) != (args.shard_count is None):
        raise UsageError("--shard-ids and --shard-count go together, e.g. --shard-ids 0,1 "
                         "--shard-count 4")  # fmt: skip
    if args.shard_ids and args.shard_ids[-1] >= args.shard_count:
        raise UsageError(f"shard ids run from 0 to {args.shard_count - 1} with --shard-count "
                         f"{args.shard_count}")  # fmt: skip
    sharding = None
    if args.shards is not None:
        sharding = Sharding(ids=None, count=args.shards)
    elif args.shard_ids is not None:
        sharding = Sharding(ids=args.shard_ids, count=args.shard_count)
    return run(settings_from_args(args), sharding)
