"""The ``talks-bot`` command: ask, sources, eval, logs, invite, doctor, run and playground.

Every failure a user can cause ends in one line on stderr and exit code 2, never a traceback.
Heavy imports (the Discord stack, Datasette) happen only in the commands that need them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import io
import json
import logging
import math
import signal
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot import __version__
from bot.text import for_terminal, repair

if TYPE_CHECKING:
    from bot.logs.store import LogStore
    from config import Settings
    from retrieval import Engine

PROG = "talks-bot"
DB_HELP = (
    "the answer log file (default: TALKS_DB_PATH, else the user's data folder); given, it is "
    "used even when TALKS_DB_URL names a PostgreSQL server"
)


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


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

    corpus = argparse.ArgumentParser(add_help=False)
    # --db is global; accepted after the command too (the value given last wins).
    corpus.add_argument("--db", type=Path, metavar="PATH", default=argparse.SUPPRESS, help=DB_HELP)
    corpus.add_argument(
        "--corpus", type=Path, metavar="DIR",
        help="folder of .txt articles (default: TALKS_CORPUS_DIR or the shipped seeds)",
    )  # fmt: skip

    ask = commands.add_parser(
        "ask", parents=[corpus], help="answer a question from the articles",
        description="Answer a question with verbatim quotes from the articles and their sources.",
    )  # fmt: skip
    ask.add_argument("question", nargs="?", help="the question, in quotes")
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ask.add_argument(
        "--batch", metavar="FILE",
        help='answer JSON Lines {"id": ..., "question": ...} from FILE (- for stdin); '
        "prints one JSON line per input line, in order",
    )  # fmt: skip
    ask.add_argument("--no-log", action="store_true", help="do not record in the answer log")
    ask.add_argument(
        "--explain", action="store_true",
        help="show how the question was read (focus, term weights, answer type, candidates) "
        "and why it was answered or declined; nothing is logged",
    )  # fmt: skip
    ask.set_defaults(handler=cmd_ask)

    sources = commands.add_parser(
        "sources", parents=[corpus], help="list the articles the bot answers from",
        description="List the articles with their ids, sizes, labels, outlets and dates.",
    )  # fmt: skip
    sources.add_argument("--json", action="store_true", help="print JSON")
    sources.set_defaults(handler=cmd_sources)

    add = commands.add_parser(
        "add", parents=[corpus], help="add articles from web pages or local .html/.txt files",
        description="Add each SOURCE (an http(s) URL, or a local .html or .txt file) to the "
        "articles: HTML is reduced to the article's text, title, outlet, date and link. A URL "
        "is fetched with checks (public addresses only unless TALKS_ALLOW_LOCAL_URLS allows "
        "loopback; 5 MB, 10 s, 5 redirects; HTML or plain text). A bad source gets one line "
        "and changes nothing.",
    )  # fmt: skip
    add.add_argument(
        "source", nargs="+", metavar="SOURCE", help="https://… or a local .html or .txt file"
    )
    add.set_defaults(handler=cmd_add)

    remove = commands.add_parser(
        "remove", parents=[corpus], help="remove an article by its id",
        description="Remove the article ID (as `talks-bot sources` lists it) and its metadata.",
    )  # fmt: skip
    remove.add_argument("id", metavar="ID", help="the article's id (its file name without .txt)")
    remove.set_defaults(handler=cmd_remove)

    ev = commands.add_parser(
        "eval", parents=[corpus], help="measure answer quality on a question set",
        description="Answer every question of a JSON Lines question set and print accuracy, "
        "citation accuracy, abstention and quote fidelity.",
    )  # fmt: skip
    ev.add_argument(
        "files", type=Path, nargs="+", metavar="FILE",
        help="question sets, e.g. tests/data/questions.jsonl tests/data/dev_questions.jsonl",
    )  # fmt: skip
    ev.add_argument("--baseline", action="store_true", help="also measure plain rank-bm25")
    ev.add_argument(
        "--misses", "--verbose", dest="misses", action="store_true",
        help="list the questions missed, with the engine's reason",
    )  # fmt: skip
    ev.set_defaults(handler=cmd_eval)

    _add_logs_parser(commands)

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
        "--shards", type=_positive_int, metavar="N",
        help="open N gateway shards in this one process (discord.py's AutoShardedBot)",
    )  # fmt: skip
    run.add_argument(
        "--shard-ids", type=_shard_ids, metavar="IDS",
        help="this process's shards among several processes, e.g. 0,1 (with --shard-count)",
    )  # fmt: skip
    run.add_argument(
        "--shard-count", type=_positive_int, metavar="N",
        help="shards across all processes (with --shard-ids)",
    )  # fmt: skip
    run.set_defaults(handler=cmd_run)

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
    return parser


PLAYGROUND_PORT = 8765


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, not {port}")
    return port


def _shard_ids(text: str) -> list[int]:
    try:
        ids = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of shard numbers: {text!r}") from None
    if not ids or ids[0] < 0:
        raise argparse.ArgumentTypeError("give shard numbers from 0, e.g. 0,1")
    return ids


def _add_logs_parser(commands: argparse._SubParsersAction) -> None:
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", type=Path, metavar="PATH", default=argparse.SUPPRESS, help=DB_HELP)
    filters = argparse.ArgumentParser(add_help=False, parents=[db])
    filters.add_argument(
        "--limit", type=_positive_int, metavar="N",
        help=f"at most N entries (default: the table shows the latest {TABLE_PAGE}; "
        "--format json/csv write every matching entry)",
    )  # fmt: skip
    filters.add_argument(
        "--all", action="store_true", help="every matching entry, in the table too"
    )
    filters.add_argument("--since", help="entries since a time: 7d, 12h, 2025-05-11, ISO time")
    filters.add_argument(
        "--user", help="entries of one user: an id, or a name (Discord display name, OS user)"
    )
    filters.add_argument("--declined", action="store_true", help="only declined questions")
    filters.add_argument("--flagged", action="store_true", help="only entries voted not helpful")
    filters.add_argument("--search", metavar="TEXT", help="text in the question or answer")
    filters.add_argument(
        "--unreviewed", action="store_true",
        help="only entries no moderator has marked reviewed (with --flagged: the answers "
        "still to look at)",
    )  # fmt: skip
    filters.add_argument(
        "--unanswered", action="store_true",
        help="declined, not-sure and not-helpful questions grouped by their text (case, "
        "punctuation and Discord markup folded), most asked first: the articles to add",
    )  # fmt: skip
    filters.add_argument(
        "--format", choices=("table", "json", "csv"), default="table",
        help="table (default), json (one object per line) or csv",
    )  # fmt: skip

    logs = commands.add_parser(
        "logs", parents=[filters], help="review the answer log",
        description="List recent answer-log entries (newest first), or use a subcommand. "
        "The log file is --db, else TALKS_DB_PATH, else talks.db in the user's data folder.",
    )  # fmt: skip
    logs.set_defaults(handler=cmd_logs_list)
    sub = logs.add_subparsers(dest="logs_command", metavar="SUBCOMMAND")

    show = sub.add_parser(
        "show", parents=[db], help="one entry in full", description="Show one entry in full."
    )
    show.add_argument("id", type=int, help="entry id, as listed")
    show.add_argument("--format", choices=("text", "json"), default="text", help="text or json")
    show.set_defaults(handler=cmd_logs_show)

    review = sub.add_parser(
        "review", parents=[db], help="mark an entry reviewed",
        description="Mark one entry reviewed, by you (the OS user, or --by), now, with an "
        "optional note; marking it again replaces the mark. `logs show` says who and when.",
    )  # fmt: skip
    review.add_argument("id", type=int, help="entry id, as listed")
    review.add_argument("--note", metavar="TEXT", help="what was done, e.g. 'article added'")
    review.add_argument("--by", metavar="NAME", help="reviewer's name (default: the OS user)")
    review.set_defaults(handler=cmd_logs_review)

    stats = sub.add_parser(
        "stats", parents=[db], help="totals over a period",
        description="Entries, answered rate, declined reasons, most asked questions, feedback.",
    )  # fmt: skip
    stats.add_argument("--since", help="from this time: 7d, 2025-05-11, ...")
    stats.add_argument("--until", help="up to this time")
    stats.set_defaults(handler=cmd_logs_stats)

    purge = sub.add_parser(
        "purge", parents=[db], help="delete old entries or one user's entries",
        description="Delete entries (with their feedback) older than a period, or of one user. "
        "On a terminal it says how many and asks first; without a terminal it refuses unless "
        "--yes is given. The text is overwritten, not just unlinked.",
    )  # fmt: skip
    purge.add_argument("--older-than", metavar="AGE", help="e.g. 30d, 12h")
    purge.add_argument("--user", help="delete every entry and vote of this user (an id, or a name)")
    purge.add_argument(
        "--yes", action="store_true",
        help="delete without asking (needed when there is no terminal to ask on)",
    )  # fmt: skip
    purge.add_argument("--dry-run", action="store_true", help="only say how many would go")
    purge.set_defaults(handler=cmd_logs_purge)

    serve = sub.add_parser(
        "serve", parents=[db], help="browse the log in Datasette (read-only)",
        description="Open the log read-only in Datasette on 127.0.0.1, with canned queries. "
        "Needs: pip install 'talks-bot[review]'.",
    )  # fmt: skip
    serve.add_argument("--port", type=int, default=8001, help="port on 127.0.0.1 (default 8001)")
    serve.set_defaults(handler=cmd_logs_serve)


def _snowflake(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("must be a number, e.g. 123456789012345678")
    return int(text)


TABLE_PAGE = 20  # entries the `logs` table shows unless --limit or --all


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


# --- shared helpers ---------------------------------------------------------------------------


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


def _print(text: str, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    out.write(text + "\n")
    out.flush()


def _json(obj: object) -> str:
    """Strict JSON (no NaN/Infinity), one line."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


# --- ask ----------------------------------------------------------------------------------------


def cmd_ask(args: argparse.Namespace) -> int:
    if args.batch is None and args.question is None:
        raise UsageError(f'give a question, e.g. {PROG} ask "Where will the talks be held?"')
    if args.batch is not None and args.question is not None:
        raise UsageError("give either a question or --batch FILE, not both")
    settings = settings_from_args(args)
    engine = load_engine(settings)
    if args.explain:
        from bot.explain import explanation_lines

        if args.question is None:
            raise UsageError("--explain takes one question, not --batch")
        for line in explanation_lines(args.question, engine.explain(args.question)):
            _print(line)
        return 0
    items = (
        _batch_items(args.batch)
        if args.batch is not None
        else iter([(None, repair(args.question), None)])
    )
    try:
        return asyncio.run(_ask(args, settings, engine, items))
    except asyncio.CancelledError:  # SIGTERM: what was answered is logged, then stop
        return 128 + signal.SIGTERM


async def _ask(
    args: argparse.Namespace,
    settings: Settings,
    engine: Engine,
    items: Iterator[tuple[Any, str, str | None]],
) -> int:
    """Answer each item and log it before printing it, so an interrupted batch keeps the
    record of everything it printed. Reading and answering run off the loop, so SIGINT and
    SIGTERM act at once."""
    from bot.app import Asking, Where, Who
    from bot.present import answer_json, answer_text

    task = asyncio.current_task()
    if task is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    store = None if args.no_log else await _open_log(settings)
    if store is not None:  # so `logs show` can say which articles this version had
        from bot import versions

        await asyncio.to_thread(versions.remember, versions.path_for(settings), engine.corpus)
    asking = Asking(engine, store)
    user = _user_name()
    who, where = Who(user_id=user, user_name=user), Where("cli")
    try:
        while True:
            item = await asyncio.to_thread(next, items, None)
            if item is None:
                break
            item_id, question, error = item
            if error:
                _print(_json({"id": item_id, "error": error}))
                continue
            answer, _ = await asking.ask(question, who, where)
            if args.batch is not None or args.json:
                _print(_json(answer_json(answer, item_id)))
            else:
                _print(answer_text(answer))
    finally:
        if store is not None:
            await store.close()
    return 0


async def _open_log(settings: Settings) -> LogStore:
    from bot.logs.store import StoreError, make_store

    try:
        return await make_store(settings).open()
    except StoreError as exc:
        raise UsageError(f"{exc} (or ask with --no-log)") from None


def _user_name() -> str | None:
    """The operating-system user: CLI entries record it, so --user and purge --user find them."""
    try:
        return repair(getpass.getuser())
    except (KeyError, OSError):
        return None


def _strict_float(text: str) -> float | str:
    """JSON numbers too large for a float stay text, so they echo back as valid JSON."""
    value = float(text)
    return value if math.isfinite(value) else text


def _batch_items(name: str) -> Iterator[tuple[Any, str, str | None]]:
    """Batch lines as (id, question, error). Invalid UTF-8 and lone surrogates become U+FFFD;
    NaN/Infinity ids are echoed as strings, so every output line is strict JSON."""
    try:
        if name == "-" and hasattr(sys.stdin, "buffer"):
            stream: TextIO = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
        elif name == "-":
            stream = sys.stdin  # already text (a test's StringIO)
        else:
            stream = open(name, encoding="utf-8", errors="replace")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"cannot read batch file {name}: {exc.strerror}") from None
    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line, parse_constant=str, parse_float=_strict_float)
            except json.JSONDecodeError as exc:
                yield None, "", f"line {n}: not JSON ({exc.msg})"
                continue
            item_id = repair_json(item.get("id")) if isinstance(item, dict) else None
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                yield item_id, "", f'line {n}: expected {{"id": ..., "question": "..."}}'
                continue
            yield item_id, repair(item["question"]), None


def repair_json(value: Any) -> Any:
    """A JSON value with every string in it repaired (an id may be any JSON value)."""
    if isinstance(value, str):
        return repair(value)
    if isinstance(value, list):
        return [repair_json(v) for v in value]
    if isinstance(value, dict):
        return {repair(str(k)): repair_json(v) for k, v in value.items()}
    return value


# --- sources and eval ---------------------------------------------------------------------------


def cmd_sources(args: argparse.Namespace) -> int:
    from bot.articles import corpus_dir
    from bot.present import sources_text
    from retrieval.corpus import CorpusError, load_corpus

    settings = settings_from_args(args)
    try:
        corpus = load_corpus(corpus_dir(settings))
    except CorpusError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        for a in corpus.articles:
            _print(json.dumps({"source": a.source, "file": a.file, "title": a.title,
                               "label": a.label, "paragraphs": a.paragraphs, "outlet": a.outlet,
                               "date": a.date, "url": a.url}, ensure_ascii=False))  # fmt: skip
        return 0
    _print(sources_text(corpus.articles, corpus.version))
    return 0


def _operator_dir(args: argparse.Namespace) -> Path:
    from bot.articles import corpus_dir
    from retrieval.corpus import CorpusError

    try:
        directory = corpus_dir(settings_from_args(args))
    except CorpusError as exc:
        raise UsageError(str(exc)) from None
    assert directory is not None
    if not directory.is_dir():
        raise UsageError(f"corpus folder not found: {directory}")
    from retrieval.corpus import default_corpus_dir

    if directory.resolve() == default_corpus_dir().resolve():
        raise UsageError(
            f"{directory} holds the shipped articles, which are never changed; "
            "unset TALKS_CORPUS_DIR to use your own copy"
        )
    return directory


def cmd_add(args: argparse.Namespace) -> int:
    """Add each source; one line per source, what was added or why not. Exit 1 if any failed."""
    from bot.articles import SourceError, add_source
    from bot.fetch import Policy

    directory = _operator_dir(args)
    policy = Policy(allow_loopback=settings_from_args(args).allow_local_urls)
    failed = 0
    for source in args.source:
        try:
            added = add_source(directory, source, policy)
        except SourceError as exc:
            _print(f"{PROG}: {exc}", sys.stderr)
            failed += 1
            continue
        _print(f"added {added.source}: {added.summary()}")
    return 1 if failed else 0


def cmd_remove(args: argparse.Namespace) -> int:
    from bot.articles import SourceError, remove

    directory = _operator_dir(args)
    try:
        file = remove(directory, args.id)
    except SourceError as exc:
        raise UsageError(str(exc)) from None
    _print(f"removed {file[:-4]}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from retrieval.evaluate import Baseline, evaluate, load_items

    settings = settings_from_args(args)
    engine = load_engine(settings)
    sets = []
    for path in args.files:
        try:
            sets.append((path, load_items(path)))
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read question set {path}: {exc}") from None
    for path, items in sets:
        report = evaluate(engine.answer, items, engine.corpus)
        if args.misses and report.misses:
            _print(f"Missed on {path}:")
            for miss in report.misses:
                if miss.problem == "declined":  # the engine's own reason, finer than the code
                    miss = replace(miss, reason=engine.explain(miss.question).verdict.reason)
                _print("  " + miss.line())
        _print("By kind:")
        for line in report.kind_lines():
            _print("  " + line)
        if args.baseline:
            base = evaluate(Baseline(engine.corpus), items, engine.corpus)
            _print("Baseline (rank-bm25 BM25Okapi, \\w+ tokens, top paragraph, never declines):")
            for line in base.lines():
                _print("  " + line)
        # The headline figures come last, so the tail of the output is the summary.
        _print(f"Talks Bot on {path} ({len(items)} questions, {settings.bm25_variant} BM25):")
        for line in report.lines():
            _print("  " + line)
    return 0


# --- logs ---------------------------------------------------------------------------------------


def _run_store(settings: Settings, action: Any, *, create: bool = False) -> Any:
    """Run ``action(store)`` on the log; reading commands never create an empty log."""
    from bot.logs.store import StoreError, check_path, make_store

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

    async def go() -> Any:
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


def _say_log(settings: Settings, out: TextIO) -> None:
    _print(f"Answer log: {_log_name(settings)}", out)


def _log_name(settings: Settings) -> str:
    from bot.logs.store import describe

    return describe(settings)


def _time(text: str | None) -> str | None:
    from bot.times import parse_time

    if text is None:
        return None
    try:
        return parse_time(text)
    except (ValueError, OverflowError) as exc:
        raise UsageError(str(exc)) from None


def cmd_logs_list(args: argparse.Namespace) -> int:
    from bot.logs import formats
    from bot.logs.models import Filters

    if args.all and args.limit is not None:
        raise UsageError("give either --limit N or --all, not both")
    settings = settings_from_args(args)
    limit = args.limit
    if limit is None and args.format == "table" and not args.all:
        limit = TABLE_PAGE  # the table pages; exports write everything unless --limit
    filters = Filters(
        limit=limit, since=_time(args.since), user_id=args.user, declined=args.declined,
        flagged=args.flagged, search=args.search, unreviewed=args.unreviewed,
    )  # fmt: skip
    if args.unanswered:
        return _list_unanswered(args, settings, filters)

    async def read(store):
        entries = await store.entries(filters)
        total = len(entries)
        if limit is not None and total == limit:
            total = await store.matching(filters)
        return entries, total

    entries, total = _run_store(settings, read)
    if args.format == "table":
        _say_log(settings, sys.stdout)
    elif sys.stderr.isatty():
        _say_log(settings, sys.stderr)
    render = {"table": formats.table, "json": formats.json_lines, "csv": formats.csv_text}
    text = render[args.format](entries)
    if text:
        sys.stdout.write(text if args.format == "csv" else text + "\n")
    if total > len(entries):
        note = f"showing {len(entries)} of {total} (--limit N, --all)"
        _print(note, sys.stdout if args.format == "table" else sys.stderr)
    return 0


def _list_unanswered(args: argparse.Namespace, settings: Settings, filters: Any) -> int:
    """``logs --unanswered``: one line per question the articles did not serve."""
    from bot.logs import formats

    groups = _run_store(settings, lambda s: s.unanswered(filters))
    if args.format == "table":
        _say_log(settings, sys.stdout)
    render = {
        "table": formats.unanswered_table,
        "json": formats.unanswered_json,
        "csv": formats.unanswered_csv,
    }
    text = render[args.format](groups)
    if text:
        sys.stdout.write(text if args.format == "csv" else text + "\n")
    if filters.limit is not None and len(groups) == filters.limit:
        note = f"showing the {len(groups)} most asked (--limit N, --all)"
        _print(note, sys.stdout if args.format == "table" else sys.stderr)
    return 0


def cmd_logs_review(args: argparse.Namespace) -> int:
    from bot.logs import formats
    from bot.logs.models import REVIEW_NOTE_MAX, is_entry_id

    note = None if args.note is None else repair(args.note)
    if note is not None and len(note) > REVIEW_NOTE_MAX:
        raise UsageError(f"the note is {len(note)} characters; at most {REVIEW_NOTE_MAX}")
    reviewer = repair(args.by).strip() if args.by else _user_name()
    if not reviewer:
        raise UsageError("--by needs a name")
    settings = settings_from_args(args)
    entry = None
    if is_entry_id(args.id):
        entry = _run_store(settings, lambda s: s.review(args.id, reviewer, note))
    if entry is None:
        raise UsageError(f"no log entry with id {args.id} in {_log_name(settings)}")
    _print(for_terminal(f"Entry {entry.id} marked reviewed by {reviewer}."))
    _print(formats.detail(entry))
    return 0


def cmd_logs_show(args: argparse.Namespace) -> int:
    from bot.logs import formats
    from bot.logs.models import is_entry_id

    settings = settings_from_args(args)
    entry = _run_store(settings, lambda s: s.get(args.id)) if is_entry_id(args.id) else None
    if entry is None:
        raise UsageError(f"no log entry with id {args.id} in {_log_name(settings)}")
    if args.format == "json":
        _print(formats.json_lines([entry]))
    else:
        from bot import versions
        from bot.present import clip

        _say_log(settings, sys.stdout)
        _print(formats.detail(entry))
        articles = versions.articles_of(versions.path_for(settings), entry.corpus_version)
        lines = versions.describe(articles)
        _print(f"  articles  {lines[0]}")
        for line in lines[1:]:
            _print(f"            {clip(line, 68)}")
    return 0


def cmd_logs_stats(args: argparse.Namespace) -> int:
    from bot.logs import formats

    since, until = _time(args.since), _time(args.until)
    settings = settings_from_args(args)
    stats = _run_store(settings, lambda s: s.stats(since, until))
    _say_log(settings, sys.stdout)
    _print(formats.stats_text(stats))
    return 0


def cmd_logs_purge(args: argparse.Namespace) -> int:
    if args.older_than is None and args.user is None:
        raise UsageError("say what to purge: --older-than 30d and/or --user ID")
    before = _time(args.older_than)
    settings = settings_from_args(args)
    user = None if args.user is None else repair(args.user)
    count = _run_store(settings, lambda s: s.count(before=before, user=user))
    what = f"{count} log {'entry' if count == 1 else 'entries'} from {_log_name(settings)}"
    if args.dry_run or count == 0:
        _print(f"Would delete {what}." if args.dry_run else f"Nothing to delete in {what[2:]}.")
        return 0
    if not args.yes and not sys.stdin.isatty():
        raise UsageError(
            f"not deleting {what}: no terminal to ask on; add --yes to delete without "
            "asking (--dry-run only counts)"
        )
    if not args.yes:
        try:
            reply = input(f"Delete {what}? This cannot be undone. [y/N] ")
        except EOFError:
            reply = ""
        if reply.strip().lower() not in ("y", "yes"):
            _print("Nothing deleted.")
            return 1
    deleted = _run_store(settings, lambda s: s.purge(before=before, user_id=user))
    _print(f"Deleted {deleted} log {'entry' if deleted == 1 else 'entries'}.")
    return 0


def cmd_logs_serve(args: argparse.Namespace) -> int:
    from bot.logs import browse

    settings = settings_from_args(args)
    if settings.db_url is not None:
        raise UsageError(
            "logs serve shows an SQLite log in Datasette; this log is on PostgreSQL "
            f"({_log_name(settings)}): review it with psql \"$TALKS_DB_URL\" or pgAdmin, or "
            "with talks-bot logs"
        )
    _run_store(settings, lambda s: asyncio.sleep(0), create=True)  # create and migrate first
    try:
        return browse.serve(settings.db_path, args.port)
    except browse.BrowseError as exc:
        raise UsageError(str(exc)) from None


# --- invite and doctor ------------------------------------------------------------------------


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
    _print(invite.invite_text(app_id, settings.guild_id))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.discord import doctor

    _print("Checking the setup (sends no message, changes nothing)...")
    try:
        settings = settings_from_args(args)
    except UsageError as exc:  # a typo in .env is what doctor is for: report it as a check
        bad = doctor.Check(False, f"settings: {exc}", "correct it in .env or the environment "
                           "(.env.example describes every setting)")  # fmt: skip
        _print(doctor.report([bad]))
        return 1
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # voice extras: not used
    checks = asyncio.run(doctor.diagnose(settings))
    _print(doctor.report(checks))
    return 0 if all(c.ok is not False for c in checks) else 1


# --- run ----------------------------------------------------------------------------------------


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


# --- playground ---------------------------------------------------------------------------------


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
        _print(f"{PROG}: {exc}", sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
