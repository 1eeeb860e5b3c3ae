"""Shared fixtures: the shipped-corpus engine, temporary corpora, log stores that always close."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.app import engine_options
from bot.logs.models import LogEntry, new_entry_id
from bot.logs.sqlite import SqliteStore
from bot.logs.store import LogStore
from retrieval import Engine
from retrieval.corpus import load_corpus

if TYPE_CHECKING:
    from support.postgres_cluster import Cluster

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"
# Written independently of the engine (../shared/eval), copied unedited: calibrate, never edit.
DEV_QUESTIONS = ROOT / "tests" / "data" / "dev_questions.jsonl"
# The shared evaluation sets, beside the checkout (CI lays a copy of shared/ there too).
SHARED = ROOT.parent / "shared" / "eval"
SHARED_PARTS = ("dev_questions.jsonl", "dev_questions_b.jsonl", "dev_questions_c.jsonl")


@pytest.fixture(scope="session", autouse=True)
def _private_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Point the user's data and cache folders (the log and index cache defaults) at a
    temporary folder, so no test, or bot or CLI subprocess, writes into the real home; and
    make subprocesses run this checkout's code."""
    home = tmp_path_factory.mktemp("xdg")
    os.environ["XDG_DATA_HOME"] = str(home / "data")
    os.environ["XDG_CACHE_HOME"] = str(home / "cache")
    # Subprocesses (`python -m bot`) import this checkout, not whichever one the environment
    # has installed in editable mode (a git worktree shares the main checkout's venv).
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
    )


@pytest.fixture(scope="session", autouse=True)
def _subprocesses_run_this_checkout() -> None:
    """Bot and CLI subprocesses import the code under test: this checkout first on their
    path, whichever checkout an editable install of the package points at."""
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.build(load_corpus(), **engine_options())


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


LOG_BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=LOG_BACKENDS)
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., LogStore]:
    """A factory of (unopened) stores on one answer log, once per backend: SQLite (a file) and
    PostgreSQL (a fresh database on the test cluster). Call it again to reopen the same log,
    as a restarted bot would."""
    if request.param == "sqlite":
        path = tmp_path / "log.db"
        return lambda **kw: SqliteStore(path, **kw)
    from bot.logs.postgres import PostgresStore

    url = request.getfixturevalue("pg_url")
    return lambda **kw: PostgresStore(url, fallback_dir=tmp_path, **kw)


@pytest.fixture
async def store(make_store: Callable[..., LogStore]) -> AsyncIterator[LogStore]:
    """An open answer log on each backend (the log's tests run on both through this)."""
    s = await make_store(retry_delay=0.001).open()
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster for the whole run (tests/support/postgres_cluster.py),
    stopped and deleted at the end. Skipped where PostgreSQL is not installed, except under CI (env
    CI set), where that is a failure: CI must test both backends."""
    from support.postgres_cluster import Cluster, ClusterError, find_bin

    def missing(why: str) -> None:
        if os.environ.get("CI"):
            pytest.fail(f"CI: {why}; install it (apt-get install -y postgresql)")
        pytest.skip(f"{why}: the PostgreSQL backend is not tested (apt-get install postgresql)")

    if find_bin() is None:
        missing("PostgreSQL is not installed (no initdb/pg_ctl)")
    cluster = Cluster()
    try:
        cluster.start()
    except (ClusterError, OSError, subprocess.TimeoutExpired) as exc:
        cluster.close()
        missing(f"cannot start a PostgreSQL cluster ({exc})")
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def pg_url(postgres: Cluster) -> Iterator[str]:
    """A fresh, empty database on the test cluster: its URL (with the password)."""
    if not postgres.running():  # a test that stopped it failed before restarting it
        postgres.start()
    name = f"t_{uuid.uuid4().hex[:16]}"
    postgres.psql(f"CREATE DATABASE {name}")
    try:
        yield postgres.url(name)
    finally:
        if not postgres.running():
            postgres.start()
        postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


NOBODY = 65534  # the unprivileged user and group tests run a command as, when run as root


def unprivileged() -> list[str]:
    """The prefix that runs a command as an ordinary user: under root (as CI runs), root reads
    and writes any file, so permission tests drop privileges with ``setpriv`` instead of
    skipping. Empty when not root."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]


@pytest.fixture
def user_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder the unprivileged user owns (pytest's own are root's, mode 0700)."""
    if os.geteuid() != 0:
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="talks-unprivileged-"))
    os.chown(folder, NOBODY, NOBODY)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str | None = None,
    timeout: float = 60,
    prefix: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot`` as a user would, with a clean TALKS_* environment; with ``cwd``,
    the user's data and cache folders are under it, so each test has its own default log."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("TALKS_") and k != "DISCORD_TOKEN"
    }
    if cwd is not None:
        clean["XDG_DATA_HOME"] = str(Path(cwd) / ".xdg-data")
        clean["XDG_CACHE_HOME"] = str(Path(cwd) / ".xdg-cache")
        if prefix:
            clean["HOME"] = str(cwd)
    clean.update(env or {})
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "bot", *args], capture_output=True, text=True,
        env=clean, cwd=cwd, input=stdin, timeout=timeout,
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
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / ".xdg-data"))  # this test's own log
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / ".xdg-cache"))
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


def assert_none_lost(fault: str, kept: int, recorded: int) -> None:
    """Assert every kept record is on file, and print the count for the issue-9 table
    (``pytest -s ... | grep LOST-RECORDS`` lists them)."""
    print(f"\nLOST-RECORDS {fault}: answered {kept}, on record {recorded}, lost {kept - recorded}")
    assert recorded == kept, f"{fault}: {kept - recorded} records lost"


def three_outcomes(**where: object) -> list[LogEntry]:
    """One entry of each outcome, oldest first: answered confidently ("Who is the Kremlin
    spokesperson?"), answered "not sure" ("How long will the truce last?") and declined
    ("What is photosynthesis?"), built directly so that no reader decides which is which."""
    quote = {
        "text": "Kremlin spokesman Dmitry Peskov said the talks would go ahead.",
        "score": 0.9,
        "citations": [{"source": "a", "file": "a.txt", "paragraph": 1, "label": "A"}],
    }
    made = [
        ("Who is the Kremlin spokesperson?", True, "high", None, [quote]),
        ("How long will the truce last?", True, "low", None, [quote]),
        ("What is photosynthesis?", False, None, "not_covered", []),
    ]
    return [
        LogEntry(
            id=new_entry_id(), created_at=f"2025-05-1{n}T12:00:00.000Z",
            surface="discord" if where else "cli", question=question, answered=answered,
            reason=reason, answer="…", quotes=quotes, corpus_version="v", latency_ms=1.0,
            confidence=confidence, **where,
        )
        for n, (question, answered, confidence, reason, quotes) in enumerate(made, 1)
    ]  # fmt: skip
