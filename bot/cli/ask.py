"""``talks-bot ask``: one question, a batch of JSON Lines, or how a question was read."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import math
import signal
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from bot.cli.common import (
    PROG,
    UsageError,
    load_engine,
    say,
    settings_from_args,
    to_json,
    user_name,
)
from bot.text import repair

if TYPE_CHECKING:
    from bot.app import Earlier
    from bot.cli.common import Commands
    from bot.logs.store import LogStore
    from config import Settings
    from retrieval import Engine


def register(commands: Commands, corpus: argparse.ArgumentParser) -> None:
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
        "--after", metavar="ENTRY_ID", type=int,
        help="a follow-up: read the question with the one asked in answer-log entry ENTRY_ID "
        '(e.g. --after 123 "and when?"); the log records which entry it follows',
    )  # fmt: skip
    ask.add_argument(
        "--explain", action="store_true",
        help="show how the question was read (focus, term weights, answer type, candidates) "
        "and why it was answered or declined; nothing is logged",
    )  # fmt: skip
    ask.set_defaults(handler=cmd_ask)


def cmd_ask(args: argparse.Namespace) -> int:
    if args.batch is None and args.question is None:
        raise UsageError(f'give a question, e.g. {PROG} ask "Where will the talks be held?"')
    if args.batch is not None and args.question is not None:
        raise UsageError("give either a question or --batch FILE, not both")
    if args.after is not None and args.batch is not None:
        raise UsageError("--after follows one question, not --batch")
    settings = settings_from_args(args)
    earlier = asyncio.run(earlier_question(settings, args.after)) if args.after else None
    engine = load_engine(settings)
    if args.explain:
        from bot.explain import explanation_lines

        if args.question is None:
            raise UsageError("--explain takes one question, not --batch")
        after = earlier.question if earlier else None
        for line in explanation_lines(args.question, engine.explain(args.question, after)):
            say(line)
        return 0
    items = (
        batch_items(args.batch)
        if args.batch is not None
        else iter([(None, repair(args.question), None)])
    )
    try:
        return asyncio.run(_ask(args, settings, engine, items, earlier))
    except asyncio.CancelledError:  # SIGTERM: what was answered is logged, then stop
        return 128 + signal.SIGTERM


async def _ask(
    args: argparse.Namespace,
    settings: Settings,
    engine: Engine,
    items: Iterator[tuple[Any, str, str | None]],
    earlier: Earlier | None = None,
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
    store = None if args.no_log else await open_log(settings)
    if store is not None:  # so `logs show` can say which articles this version had
        from bot import versions

        await asyncio.to_thread(versions.remember, versions.path_for(settings), engine.corpus)
    asking = Asking(engine, store)
    user = user_name()
    who, where = Who(user_id=user, user_name=user), Where("cli")
    try:
        while True:
            item = await asyncio.to_thread(next, items, None)
            if item is None:
                break
            item_id, question, error = item
            if error:
                say(to_json({"id": item_id, "error": error}))
                continue
            answer, _ = await asking.ask(question, who, where, after=earlier)
            if args.batch is not None or args.json:
                say(to_json(answer_json(answer, item_id, earlier)))
            else:
                say(answer_text(answer, highlight=_highlights()))
    finally:
        if store is not None:
            await store.close()
    return 0


def _highlights() -> bool:
    """Bold in a terminal that shows it; never in a pipe or a file, nor with NO_COLOR set."""
    import os

    return (
        sys.stdout.isatty()
        and not os.environ.get("NO_COLOR")
        and os.environ.get("TERM", "") not in ("", "dumb")
    )


async def earlier_question(settings: Settings, entry_id: int) -> Earlier:
    """The question of answer-log entry ``entry_id``, which a follow-up is read with."""
    from bot.app import Earlier
    from bot.logs.models import is_entry_id

    if not is_entry_id(entry_id):
        raise UsageError(f"--after {entry_id}: not an entry id (talks-bot logs lists them)")
    store = await open_log(settings)
    try:
        entry = await store.get(entry_id)
    finally:
        await store.close()
    if entry is None:
        raise UsageError(f"--after {entry_id}: no such entry in the answer log (talks-bot logs)")
    return Earlier(entry.id, entry.question)


async def open_log(settings: Settings) -> LogStore:
    from bot.logs.factory import make_store
    from bot.logs.store import StoreError

    try:
        return await make_store(settings).open()
    except StoreError as exc:
        raise UsageError(f"{exc} (or ask with --no-log)") from None


def _strict_float(text: str) -> float | str:
    """JSON numbers too large for a float stay text, so they echo back as valid JSON."""
    value = float(text)
    return value if math.isfinite(value) else text


def batch_items(name: str) -> Iterator[tuple[Any, str, str | None]]:
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
