"""``talks-bot eval``: answer a question set and print how well."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import UsageError, load_engine, say, settings_from_args

if TYPE_CHECKING:
    from bot.cli.common import Commands


def register(commands: Commands, corpus: argparse.ArgumentParser) -> None:
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
            say(f"Missed on {path}:")
            for miss in report.misses:
                if miss.problem == "declined":  # the engine's own reason, finer than the code
                    miss = replace(miss, reason=engine.explain(miss.question).verdict.reason)
                say("  " + miss.line())
        say("By kind:")
        for line in report.kind_lines():
            say("  " + line)
        if args.baseline:
            base = evaluate(Baseline(engine.corpus), items, engine.corpus)
            say("Baseline (rank-bm25 BM25Okapi, \\w+ tokens, top paragraph, never declines):")
            for line in base.lines():
                say("  " + line)
        # The headline figures come last, so the tail of the output is the summary.
        say(f"Talks Bot on {path} ({len(items)} questions, {settings.bm25_variant} BM25):")
        for line in report.lines():
            say("  " + line)
    return 0
