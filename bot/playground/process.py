"""The real ``talks-bot run`` as a subprocess, pointed at the emulator: what the tests and the
playground run, so both exercise the production gateway and REST path."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

from bot.playground.emulator import snowflake


class BotProcess:
    """The real ``talks-bot run`` as a subprocess; its output goes to a file the test reads."""

    def __init__(
        self,
        env: dict[str, str],
        cwd: Path,
        args: tuple[str, ...] = (),
        *,
        log_dir: Path | None = None,
        inherit_settings: bool = False,
    ) -> None:
        """``args``: more for ``talks-bot run``, e.g. ``("--shard-ids", "1", "--shard-count",
        "2")``. The caller's TALKS_* settings are dropped (tests choose every one), unless
        ``inherit_settings`` (the playground: the operator's log and corpus settings, as for
        ``run``); ``env`` wins either way. Output goes to a file in ``log_dir`` (default
        ``cwd``)."""
        self.args = args
        base = {
            k: v
            for k, v in os.environ.items()
            if inherit_settings or (not k.startswith("TALKS_") and k != "DISCORD_TOKEN")
        }
        if inherit_settings:
            base.pop("DISCORD_TOKEN", None)  # the local Discord's token only
        self.env = {**base, **env}
        self.cwd = cwd
        self.log_path = (log_dir or cwd) / f"bot-{snowflake()}.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> BotProcess:
        self._log = self.log_path.open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            *self.args,
            cwd=self.cwd,
            env=self.env,
            stdout=self._log,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
        )
        return self

    @property
    def output(self) -> str:
        return self.log_path.read_text("utf-8", "replace")

    async def wait(self, timeout: float = 30) -> int:
        assert self.proc is not None
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        finally:
            self._log.close()

    async def stop(self, timeout: float = 20) -> int | None:
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self._log.close()
        return self.proc.returncode
