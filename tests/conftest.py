"""Shared fixtures: the shipped-corpus engine, temporary corpora, log stores that always close."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.logs.store import LogStore
from retrieval import Engine
from retrieval.corpus import load_corpus

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"
# Written independently of the engine (../shared/eval), copied unedited: calibrate, never edit.
DEV_QUESTIONS = ROOT / "tests" / "data" / "dev_questions.jsonl"


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.build(load_corpus())


@pytest.fixture
def write_corpus(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Write files into a fresh corpus folder and return it."""

    def write(files: dict[str, str | bytes]) -> Path:
        folder = tmp_path / "corpus"
        folder.mkdir(exist_ok=True)
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            (folder / name).write_bytes(data)
        return folder

    return write


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[LogStore]:
    s = await LogStore(tmp_path / "log.db", retry_delay=0.001).open()
    try:
        yield s
    finally:
        await s.close()


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot`` as a user would, with a clean TALKS_* environment."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("TALKS_") and k != "DISCORD_TOKEN"
    }
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=clean,
        cwd=cwd, input=stdin, timeout=timeout,
    )  # fmt: skip


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


CliRunner = Callable[..., CliResult]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``talks-bot`` in this process (``main(argv)``), in a fresh folder with a clean
    TALKS_* environment; returns the exit code and what it printed."""
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("TALKS_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)

    def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> CliResult:
        with monkeypatch.context() as m:
            for name, value in (env or {}).items():
                m.setenv(name, value)
            if stdin is not None:
                m.setattr(sys, "stdin", io.StringIO(stdin))
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: --help, --version, bad options
                code = exc.code if isinstance(exc.code, int) else 2
            out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return run
