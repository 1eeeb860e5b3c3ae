"""What every ``talks-bot`` command shares: the usage error, the common options, settings from
the arguments, the engine, printing, and running an action on the answer log."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from bot.text import repair

if TYPE_CHECKING:
    from typing import TypeAlias

    from bot.logs.store import LogStore
    from config import Settings
    from retrieval import Engine

    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

T = TypeVar("T")

PROG = "talks-bot"
DB_HELP = (
    "the answer log file (default: TALKS_DB_PATH, else the user's data folder); given, it is "
    "used even when TALKS_DB_URL names a PostgreSQL server"
)


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


def db_parent() -> argparse.ArgumentParser:
    """``--db``: global, and accepted after the command too (the value given last wins)."""
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", type=Path, metavar="PATH", default=argparse.SUPPRESS, help=DB_HELP)
    return db


def corpus_parent() -> argparse.ArgumentParser:
    """``--db`` and ``--corpus``, for the commands that answer or change the articles."""
    corpus = db_parent()
    corpus.add_argument(
        "--corpus", type=Path, metavar="DIR",
        help="folder of .txt articles (default: TALKS_CORPUS_DIR or the shipped seeds)",
    )  # fmt: skip
    return corpus


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The settings, with command-line overrides (``--corpus``); bad values are a usage error."""
    from config import SettingsError, load_settings

    overrides: dict[str, Any] = {}
    if getattr(args, "corpus", None) is not None:
        overrides["corpus_dir"] = args.corpus
    if getattr(args, "db", None) is not None:
        overrides["db_path"] = args.db
        overrides["db_url"] = ""  # a file named on the command line wins over the environment
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        raise UsageError(str(exc)) from None


def load_engine(settings: Settings) -> Engine:
    from bot.app import build_engine
    from bot.progress import terminal_bar
    from retrieval.corpus import CorpusError

    try:
        return build_engine(settings, progress=terminal_bar())
    except CorpusError as exc:
        raise UsageError(str(exc)) from None


def say(text: str, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    out.write(text + "\n")
    out.flush()


def to_json(obj: object) -> str:
    """Strict JSON (no NaN/Infinity), one line."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


def user_name() -> str | None:
    """The operating-system user: CLI entries record it, so --user and purge --user find them."""
    try:
        return repair(getpass.getuser())
    except (KeyError, OSError):
        return None


def run_store(
    settings: Settings, action: Callable[[LogStore], Awaitable[T]], *, create: bool = False
) -> T:
    """Run ``action(store)`` on the log; reading commands never create an empty log."""
    from bot.logs.factory import make_store
    from bot.logs.sqlite import check_path
    from bot.logs.store import StoreError

    path = Path(settings.db_path)
    try:
        check_path(path)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    if settings.db_url is None and not create and not path.exists():
        raise UsageError(
            f"no answer log at {path} yet (nothing has been logged there); --db PATH or "
            "TALKS_DB_PATH choose another file"
        )

    async def go() -> T:
        async with make_store(settings) as store:
            try:
                return await action(store)
            except Exception as exc:  # a database error, in the backend's own words
                translated = store._translate(exc)
                if translated is None:
                    raise
                raise translated from None

    try:
        return asyncio.run(go())
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    except sqlite3.Error as exc:
        raise UsageError(f"cannot use the answer log {path}: {exc}") from None


def log_name(settings: Settings) -> str:
    from bot.logs.factory import describe

    return describe(settings)
