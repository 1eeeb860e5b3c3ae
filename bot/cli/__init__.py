"""The ``talks-bot`` command: ask, sources, eval, logs, invite, doctor, run and playground.

One module per command group, each declaring its parser beside its handlers (``register``
adds its subcommands; ``set_defaults(handler=...)`` names the function that runs them):
``ask``, ``sources`` (sources, add, remove), ``eval``, ``logs`` (and its subcommands) and
``discord`` (invite, doctor, run), ``playground``. ``common`` holds what they share. Adding a
command is one ``register`` in one module and a line in ``build_parser``.

Every failure a user can cause ends in one line on stderr and exit code 2, never a traceback.
Heavy imports (the Discord stack, Datasette) happen only in the commands that need them.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from pathlib import Path

from bot import __version__
from bot.cli import ask, discord, eval, logs, playground, sources
from bot.cli.common import DB_HELP, PROG, UsageError, corpus_parent, say

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Answers questions about the May 2025 Istanbul peace talks by quoting news "
            "articles word for word, with citations. Settings come from TALKS_* environment "
            "variables or a .env file (see README)."
        ),
        epilog=f'Start with: {PROG} ask "Where will the talks be held?"',
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--db", type=Path, metavar="PATH", help=DB_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    corpus = corpus_parent()
    ask.register(commands, corpus)
    sources.register(commands, corpus)
    eval.register(commands, corpus)
    logs.register(commands)
    discord.register(commands, corpus)
    playground.register(commands, corpus)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 terminal gets escapes, not a crash
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except UsageError as exc:
        say(f"{PROG}: {exc}", sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
