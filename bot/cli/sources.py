"""``talks-bot sources``, ``add`` and ``remove``: the articles the bot answers from."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import PROG, UsageError, say, settings_from_args

if TYPE_CHECKING:
    from bot.cli.common import Commands


def register(commands: Commands, corpus: argparse.ArgumentParser) -> None:
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
            say(json.dumps({"source": a.source, "file": a.file, "title": a.title,
                               "label": a.label, "paragraphs": a.paragraphs, "outlet": a.outlet,
                               "date": a.date, "url": a.url}, ensure_ascii=False))  # fmt: skip
        return 0
    say(sources_text(corpus.articles, corpus.version))
    return 0


def operator_dir(args: argparse.Namespace) -> Path:
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

    directory = operator_dir(args)
    policy = Policy(allow_loopback=settings_from_args(args).allow_local_urls)
    failed = 0
    for source in args.source:
        try:
            added = add_source(directory, source, policy)
        except SourceError as exc:
            say(f"{PROG}: {exc}", sys.stderr)
            failed += 1
            continue
        say(f"added {added.source}: {added.summary()}")
    return 1 if failed else 0


def cmd_remove(args: argparse.Namespace) -> int:
    from bot.articles import SourceError, remove

    directory = operator_dir(args)
    try:
        file = remove(directory, args.id)
    except SourceError as exc:
        raise UsageError(str(exc)) from None
    say(f"removed {file[:-4]}")
    return 0
