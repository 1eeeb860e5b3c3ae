"""``talks-bot logs``: list, show, review, stats, purge and serve the answer log."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any, TextIO

from bot.cli.common import (
    UsageError,
    db_parent,
    log_name,
    positive_int,
    run_store,
    say,
    settings_from_args,
    user_name,
)
from bot.text import for_terminal, repair

if TYPE_CHECKING:
    from bot.cli.common import Commands
    from bot.logs.models import Filters
    from bot.logs.store import LogStore
    from config import Settings

TABLE_PAGE = 20  # entries the `logs` table shows unless --limit or --all


def register(commands: Commands) -> None:
    db = db_parent()
    filters = argparse.ArgumentParser(add_help=False, parents=[db])
    filters.add_argument(
        "--limit", type=positive_int, metavar="N",
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
        description="Entries; answered confidently, answered not sure and declined; declined "
        "reasons, most asked questions, feedback.",
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


def _say_log(settings: Settings, out: TextIO) -> None:
    say(f"Answer log: {log_name(settings)}", out)


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

    async def read(store: LogStore) -> tuple[list[Any], int]:
        entries = await store.entries(filters)
        total = len(entries)
        if limit is not None and total == limit:
            total = await store.matching(filters)
        return entries, total

    entries, total = run_store(settings, read)
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
        say(note, sys.stdout if args.format == "table" else sys.stderr)
    return 0


def _list_unanswered(args: argparse.Namespace, settings: Settings, filters: Filters) -> int:
    """``logs --unanswered``: one line per question the articles did not serve."""
    from bot.logs import formats

    groups = run_store(settings, lambda s: s.unanswered(filters))
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
        say(note, sys.stdout if args.format == "table" else sys.stderr)
    return 0


def cmd_logs_review(args: argparse.Namespace) -> int:
    from bot.logs import formats
    from bot.logs.models import REVIEW_NOTE_MAX, is_entry_id

    note = None if args.note is None else repair(args.note)
    if note is not None and len(note) > REVIEW_NOTE_MAX:
        raise UsageError(f"the note is {len(note)} characters; at most {REVIEW_NOTE_MAX}")
    reviewer = repair(args.by).strip() if args.by else user_name()
    if not reviewer:
        raise UsageError("--by needs a name")
    settings = settings_from_args(args)
    entry = None
    if is_entry_id(args.id):
        entry = run_store(settings, lambda s: s.review(args.id, reviewer, note))
    if entry is None:
        raise UsageError(f"no log entry with id {args.id} in {log_name(settings)}")
    say(for_terminal(f"Entry {entry.id} marked reviewed by {reviewer}."))
    say(formats.detail(entry))
    return 0


def cmd_logs_show(args: argparse.Namespace) -> int:
    from bot.logs import formats
    from bot.logs.models import is_entry_id

    settings = settings_from_args(args)
    entry = run_store(settings, lambda s: s.get(args.id)) if is_entry_id(args.id) else None
    if entry is None:
        raise UsageError(f"no log entry with id {args.id} in {log_name(settings)}")
    if args.format == "json":
        say(formats.json_lines([entry]))
    else:
        from bot import versions
        from bot.present import clip

        _say_log(settings, sys.stdout)
        say(formats.detail(entry))
        articles = versions.articles_of(versions.path_for(settings), entry.corpus_version)
        lines = versions.describe(articles)
        say(f"  articles  {lines[0]}")
        for line in lines[1:]:
            say(f"            {clip(line, 68)}")
    return 0


def cmd_logs_stats(args: argparse.Namespace) -> int:
    from bot.logs import formats

    since, until = _time(args.since), _time(args.until)
    settings = settings_from_args(args)
    stats = run_store(settings, lambda s: s.stats(since, until))
    _say_log(settings, sys.stdout)
    say(formats.stats_text(stats))
    return 0


def cmd_logs_purge(args: argparse.Namespace) -> int:
    if args.older_than is None and args.user is None:
        raise UsageError("say what to purge: --older-than 30d and/or --user ID")
    before = _time(args.older_than)
    settings = settings_from_args(args)
    user = None if args.user is None else repair(args.user)
    count = run_store(settings, lambda s: s.count(before=before, user=user))
    what = f"{count} log {'entry' if count == 1 else 'entries'} from {log_name(settings)}"
    if args.dry_run or count == 0:
        say(f"Would delete {what}." if args.dry_run else f"Nothing to delete in {what[2:]}.")
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
            say("Nothing deleted.")
            return 1
    deleted = run_store(settings, lambda s: s.purge(before=before, user_id=user))
    say(f"Deleted {deleted} log {'entry' if deleted == 1 else 'entries'}.")
    return 0


def cmd_logs_serve(args: argparse.Namespace) -> int:
    from bot.logs import browse

    settings = settings_from_args(args)
    if settings.db_url is not None:
        raise UsageError(
            "logs serve shows an SQLite log in Datasette; this log is on PostgreSQL "
            f'({log_name(settings)}): review it with psql "$TALKS_DB_URL" or pgAdmin, or '
            "with talks-bot logs"
        )
    run_store(settings, lambda s: asyncio.sleep(0), create=True)  # create and migrate first
    try:
        return browse.serve(settings.db_path, args.port)
    except browse.BrowseError as exc:
        raise UsageError(str(exc)) from None
