"""``talks-bot playground``: the local Discord, the real bot connected to it, the page; until
Ctrl-C or SIGTERM, then everything stops in reverse order.

The bot is ``talks-bot run`` in its own process, with the operator's settings (answer log,
corpus) and only the Discord ones replaced by the local Discord's, so it takes exactly the
production path: gateway, command sync, interactions over REST.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import threading
import webbrowser
from pathlib import Path
from typing import TextIO

from bot.playground.emulator import Emulator
from bot.playground.logview import LogView
from bot.playground.process import BotProcess
from bot.playground.server import Playground, serve, stop
from config import Settings

CONNECT_S = 300.0  # the first start builds the index cache: minutes on a slow machine
TAIL_LINES = 15


class PlaygroundError(Exception):
    """The playground cannot start: one line for the person who ran it."""


def run(
    settings: Settings, port: int, bot_args: tuple[str, ...], *, browser: bool, out: TextIO
) -> int:
    try:
        return asyncio.run(_main(settings, port, bot_args, browser=browser, out=out))
    except KeyboardInterrupt:  # before the signal handlers were in place
        return 130


def _say(out: TextIO, line: str) -> None:
    print(line, file=out, flush=True)


async def _main(
    settings: Settings, port: int, bot_args: tuple[str, ...], *, browser: bool, out: TextIO
) -> int:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    emu = Emulator()
    await emu.start()
    logs = LogView(settings, emu.guild_id)
    playground = Playground(emu, logs)
    try:
        runner, port = await serve(playground, port)
    except OSError as exc:
        await emu.stop()
        raise PlaygroundError(
            f"cannot serve the page on 127.0.0.1:{port} ({exc.strerror or exc}); "
            "choose another with --port PORT (0: any free port)"
        ) from None
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory(prefix="talks-playground-") as tmp:
        bot = BotProcess(emu.env(), Path.cwd(), bot_args, log_dir=Path(tmp), inherit_settings=True)
        try:
            _say(out, f"Playground: {url}  (Ctrl-C stops it)")
            _say(out, "Starting Talks Bot against the local Discord…")
            await bot.start()
            code = await _connected(emu, bot, stopping)
            if code is None:
                _say(out, "Talks Bot is connected; its commands are synced.")
                if browser and _has_browser():
                    threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
                code = await _until_stopped(bot, playground, stopping)
            if code:
                _say(sys.stderr, _bot_ended(bot, code))
            return code or 0
        finally:
            _say(out, "Stopping…")
            await bot.stop()
            playground.closing = True
            emu.revise()  # wakes the page's waiting requests, so the server stops at once
            await stop(runner)
            await logs.close()
            await emu.stop()


async def _connected(emu: Emulator, bot: BotProcess, stopping: asyncio.Event) -> int | None:
    """None once the bot has connected and synced its commands; else its exit code (0 when
    the person stopped the playground first). A bot that neither connects nor exits in time
    is a ``PlaygroundError``."""
    assert bot.proc is not None
    waits = {
        asyncio.ensure_future(emu.synced.wait()): "synced",
        asyncio.ensure_future(bot.proc.wait()): "exited",
        asyncio.ensure_future(stopping.wait()): "stopping",
    }
    try:
        done, _ = await asyncio.wait(waits, timeout=CONNECT_S, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
    what = {waits[t] for t in done}
    if "stopping" in what:
        return 0
    if "exited" in what:
        return bot.proc.returncode or 1  # before it connected: it did not start
    if "synced" in what:
        return None
    raise PlaygroundError(f"the bot did not connect within {CONNECT_S:.0f} s; {_tail(bot)}")


async def _until_stopped(
    bot: BotProcess, playground: Playground, stopping: asyncio.Event
) -> int | None:
    assert bot.proc is not None
    exited = asyncio.ensure_future(bot.proc.wait())
    stopped = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({exited, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        exited.cancel()
        stopped.cancel()
    if stopping.is_set():
        return None
    # exit 0: the bot was stopped by a signal (Ctrl-C reaches its process group too, and may
    # reach it first); anything else, it failed
    playground.bot_exited = "Talks Bot has stopped"
    return bot.proc.returncode


def _bot_ended(bot: BotProcess, code: int) -> str:
    return f"talks-bot: the bot stopped (exit code {code}); {_tail(bot)}"


def _tail(bot: BotProcess) -> str:
    lines = bot.output.strip().splitlines()[-TAIL_LINES:]
    return "its last words:\n" + ("\n".join(f"  {line}" for line in lines) or "  (no output)")


def _has_browser() -> bool:
    """A browser can open: a desktop session, not a server or container shell."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
