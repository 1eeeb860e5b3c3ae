"""``talks-bot run``: check settings, point discord.py at the configured URLs, run until stopped.

A missing or rejected token, or Discord unreachable after a few tries with back-off, ends in
one line and exit code 2; SIGINT and SIGTERM finish the answers in flight, flush the log and
close cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import aiohttp
import discord
import yarl

from bot import versions
from bot.app import build_engine
from bot.articles import corpus_dir
from bot.discord.client import Sharding, SyncError, make_bot
from bot.discord.loopwatch import LoopWatch
from bot.logs.factory import make_store
from bot.logs.store import INTERACTION_WAIT_S, StoreError
from bot.progress import log_lines
from config import Settings
from retrieval.corpus import CorpusError

log = logging.getLogger("bot")

NO_TOKEN = (
    "talks-bot: no Discord token: set TALKS_DISCORD_TOKEN (or DISCORD_TOKEN) in the "
    "environment or in .env (see docs/operators.md, 'Running the Discord bot')"
)


# A network that comes up a few seconds after the bot (a boot, a container start) is waited
# for; one that stays down is reported after about 7 s instead of leaving the operator guessing.
CONNECT_RETRY_DELAYS_S = (1.0, 2.0, 4.0)
CONNECT_TIMEOUT_S = 10.0


def point_at(api_url: str, gateway_url: str) -> None:
    """Send discord.py's REST calls and its first gateway connection to these URLs."""
    discord.http.Route.BASE = api_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


__all__ = ["Sharding", "point_at", "run"]


def run(settings: Settings, sharding: Sharding | None = None) -> int:
    """Run the bot; ``sharding``: ``--shards N`` (all in this process) or ``--shard-ids`` of
    ``--shard-count`` (this process's part of a bot run as several processes)."""
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        print(NO_TOKEN, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    logging.getLogger("discord").setLevel(logging.WARNING)
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # voice extras: not used
    point_at(settings.discord_api_url, settings.discord_gateway_url)
    try:
        return asyncio.run(_main(settings, sharding))
    except KeyboardInterrupt:
        return 0


def _fail(message: str) -> int:
    print(f"talks-bot: {message}", file=sys.stderr)
    return 2


async def _main(settings: Settings, sharding: Sharding | None = None) -> int:
    try:
        engine = await asyncio.to_thread(build_engine, settings, progress=log_lines(log))
        directory = corpus_dir(settings, create=False)
    except CorpusError as exc:
        return _fail(str(exc))
    await asyncio.to_thread(versions.remember, versions.path_for(settings), engine.corpus)
    unreachable = await _wait_for_discord(settings.discord_api_url)
    if unreachable:
        return _fail(unreachable)
    try:
        store = await make_store(settings, wait_timeout=INTERACTION_WAIT_S).open()
    except StoreError as exc:
        return _fail(str(exc))
    log.info("answer log: %s (%s)", store.label, store.backend)
    if sharding is not None:
        ids = "all" if sharding.ids is None else ",".join(map(str, sharding.ids))
        log.info("gateway shards %s of %d in this process", ids, sharding.count)
    bot = make_bot(settings, engine, store, sharding, corpus_dir=directory)
    watch = LoopWatch()
    watch.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    token = settings.discord_token.get_secret_value().strip()  # type: ignore[union-attr]
    runner = asyncio.create_task(bot.start(token, reconnect=True))
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner.done():
            error = runner.exception()
            if isinstance(error, discord.LoginFailure):
                return _fail(
                    "Discord rejected the token (401 Unauthorized): check TALKS_DISCORD_TOKEN"
                )
            if isinstance(error, SyncError):
                return _fail(str(error))
            if isinstance(error, discord.PrivilegedIntentsRequired):
                return _fail("Discord refused the gateway intents; the bot needs none privileged")
            if isinstance(error, aiohttp.ClientConnectionError | OSError):
                return _fail(f"lost the connection to Discord while starting ({error})")
            if error is not None:
                log.error("the bot stopped on an error", exc_info=error)
                return 1
            return 0
        log.info("stopping: finishing answers in flight")
        return 0
    finally:
        stopper.cancel()
        await bot.close()  # finishes work in flight, then closes the answer log it owns
        if not runner.done():
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
        await watch.stop()


async def _wait_for_discord(api_url: str) -> str | None:
    """None once Discord's API answers at all (any HTTP status); else the line to print."""
    url = api_url.rstrip("/") + "/gateway"
    timeout = aiohttp.ClientTimeout(total=CONNECT_TIMEOUT_S)
    error = ""
    for attempt, delay in enumerate((*CONNECT_RETRY_DELAYS_S, None), 1):
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url):
                return None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            error = str(exc) or type(exc).__name__
        if delay is None:
            break
        log.warning(
            "cannot reach Discord at %s (%s); retrying in %.0f s (try %d of %d)",
            api_url, error, delay, attempt, len(CONNECT_RETRY_DELAYS_S) + 1,
        )  # fmt: skip
        await asyncio.sleep(delay)
    return (
        f"cannot reach Discord at {api_url} after {len(CONNECT_RETRY_DELAYS_S) + 1} tries "
        f"({error}): check the network connection, or TALKS_DISCORD_API_URL"
    )
