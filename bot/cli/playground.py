"""``talks-bot playground``: a local Discord, the real bot connected to it, and a page in the
browser that behaves like a Discord channel (``bot/playground``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import UsageError, settings_from_args

if TYPE_CHECKING:
    from bot.cli.common import Commands

PLAYGROUND_PORT = 8765


def register(commands: Commands, corpus: argparse.ArgumentParser) -> None:
    playground = commands.add_parser(
        "playground", parents=[corpus], help="try the bot as Discord shows it, in a browser",
        description="Start a local Discord on 127.0.0.1, the real bot connected to it, and a page "
        "that looks and behaves like a Discord channel: /ask, /logs, /sources, buttons, forms. "
        "No token, no network. The answer log and corpus settings are those of run.",
    )  # fmt: skip
    playground.add_argument(
        "--port", type=_port, default=PLAYGROUND_PORT, metavar="PORT",
        help=f"the page's port on 127.0.0.1 (default {PLAYGROUND_PORT}; 0: any free port)",
    )  # fmt: skip
    playground.add_argument(
        "--no-browser", action="store_true", help="print the page's address, open no browser",
    )  # fmt: skip
    playground.set_defaults(handler=cmd_playground)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, not {port}")
    return port


def cmd_playground(args: argparse.Namespace) -> int:
    from bot.playground.run import PlaygroundError, run

    settings = settings_from_args(args)  # bad settings: one line here, not in the bot's output
    bot_args: list[str] = []
    if getattr(args, "db", None) is not None:
        bot_args += ["--db", str(Path(args.db).resolve())]
    if args.corpus is not None:
        bot_args += ["--corpus", str(Path(args.corpus).resolve())]
    try:
        return run(settings, args.port, tuple(bot_args), browser=not args.no_browser,
                   out=sys.stdout)  # fmt: skip
    except PlaygroundError as exc:
        raise UsageError(str(exc)) from None
