"""The command line under bad input, bad state and interruption: one line and exit code 2,
never a traceback; every answer printed is on record."""

from __future__ import annotations

import builtins
import getpass
import json
import os
import pty
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import assert_none_lost, run_cli, unprivileged

from retrieval.corpus import CorpusError, load_corpus

QUESTION = "Where will the talks be held?"


def one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def rows(db: Path, sql: str = "SELECT question, user_id, user_name FROM entries") -> list:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def env_for(tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TALKS_")}
    base["XDG_DATA_HOME"] = str(tmp_path / ".xdg-data")
    base["XDG_CACHE_HOME"] = str(tmp_path / ".xdg-cache")
    return base


# --- where the log lives ------------------------------------------------------------------------


def test_the_log_defaults_to_the_user_data_folder_whatever_the_working_folder(tmp_path) -> None:
    work = tmp_path / "somewhere"
    work.mkdir()
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert run_cli("ask", QUESTION, env=env, cwd=work).returncode == 0
    db = tmp_path / "data" / "talks-bot" / "talks.db"
    assert rows(db)[0][0] == QUESTION
    assert not (work / "data").exists()
    assert list((tmp_path / "cache" / "talks-bot").glob("index-*"))  # the index cache too
    listing = run_cli("logs", env=env, cwd=tmp_path)  # another folder: the same log
    assert listing.stdout.splitlines()[0] == f"Answer log: {db}"
    assert QUESTION in listing.stdout


def test_db_option_before_or_after_the_command(tmp_path) -> None:
    db = tmp_path / "mine.db"
    assert run_cli("--db", str(db), "ask", QUESTION, cwd=tmp_path).returncode == 0
    assert run_cli("ask", "What is photosynthesis?", "--db", str(db), cwd=tmp_path).returncode == 0
    assert len(rows(db)) == 2
    out = run_cli("logs", "--db", str(db), cwd=tmp_path).stdout
    assert f"Answer log: {db}" in out and "photosynthesis" in out


def test_logs_on_a_missing_file_says_so_and_creates_nothing(tmp_path) -> None:
    db = tmp_path / "nothing-here.db"
    one_line_error(run_cli("logs", "--db", str(db), cwd=tmp_path), str(db))
    assert not db.exists()


# --- bad input and bad state: one line, exit 2 ------------------------------------------------


def test_unreadable_article_is_one_line(tmp_path, write_corpus, monkeypatch) -> None:
    folder = write_corpus({"a.txt": "Negotiators met in Geneva on Monday to talk about a truce."})
    real = builtins.open

    def denied(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.fspath(file).endswith("a.txt"):
            raise PermissionError(13, "Permission denied")
        return real(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", denied)
    with pytest.raises(CorpusError, match=r"a\.txt: cannot read it .*permissions"):
        load_corpus(folder)


def test_unreadable_article_from_the_command_line(user_dir) -> None:
    folder = user_dir / "corpus"  # as an ordinary user (root reads any file): setpriv
    folder.mkdir()
    (folder / "a.txt").write_text("Negotiators met in Geneva on Monday to talk about a truce.")
    (folder / "a.txt").chmod(0)
    folder.chmod(0o755)
    result = run_cli("ask", "x", "--corpus", str(folder), cwd=user_dir, prefix=unprivileged())
    one_line_error(result, "a.txt")


@pytest.mark.parametrize("command", [["logs"], ["ask", QUESTION], ["logs", "stats"]])
def test_corrupt_database_is_one_line(tmp_path, command) -> None:
    db = tmp_path / "talks.db"
    db.write_bytes(b"not a database at all " * 200)
    before = db.read_bytes()
    one_line_error(run_cli(*command, "--db", str(db), cwd=tmp_path), "not a usable answer log")
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    ("db_path", "needle"),
    [
        ("", "TALKS_DB_PATH"),
        ("/proc/talks.db", "/proc"),
        ("{tmp}/a-file/sub/talks.db", "cannot create the folder"),
    ],
)
def test_bad_database_paths_are_one_line(tmp_path, db_path, needle) -> None:
    (tmp_path / "a-file").write_text("I am a file, not a folder")
    env = {"TALKS_DB_PATH": db_path.format(tmp=tmp_path)}
    one_line_error(run_cli("ask", QUESTION, env=env, cwd=tmp_path), needle)


def test_env_file_that_is_not_utf8_is_one_line(tmp_path) -> None:
    (tmp_path / ".env").write_bytes(b"TALKS_TOP_K=5\nTALKS_GUILD_ID=\xff\xfe\n")
    one_line_error(run_cli("ask", QUESTION, cwd=tmp_path), ".env", "UTF-8")


def test_token_with_a_newline_is_one_line_without_the_token(tmp_path) -> None:
    env = {"TALKS_DISCORD_TOKEN": "first-half-secret\nsecond-half", "TALKS_DB_PATH": "x.db"}
    line = one_line_error(run_cli("run", env=env, cwd=tmp_path), "TALKS_DISCORD_TOKEN")
    assert "secret" not in line and "second-half" not in line


def test_a_token_written_with_its_bot_prefix_says_so_without_the_token(tmp_path) -> None:
    (tmp_path / ".env").write_text("TALKS_DISCORD_TOKEN=Bot abc.secret-part\n")
    line = one_line_error(run_cli("run", cwd=tmp_path), "TALKS_DISCORD_TOKEN", "'Bot '")
    assert "secret-part" not in line


def test_bm25_k1_must_be_a_finite_number() -> None:
    from config import SettingsError, load_settings

    for value in ("inf", "1e308", "nan"):
        with pytest.raises(SettingsError, match="TALKS_BM25_K1"):
            load_settings(bm25_k1=value)


@pytest.mark.slow  # waits out a real lock, backoff or grace period: runs in CI (-m "")
def test_discord_unreachable_at_start_is_retried_then_one_line(tmp_path) -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        "TALKS_DISCORD_TOKEN": "a-token",
        "TALKS_DB_PATH": str(tmp_path / "x.db"),
        "TALKS_DISCORD_API_URL": f"http://127.0.0.1:{port}/api/v10",
        "TALKS_DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}/gateway",
    }
    started = time.monotonic()
    result = run_cli("run", env=env, cwd=tmp_path, timeout=90)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("retrying in") == 3  # said so while retrying
    final = [x for x in result.stderr.splitlines() if x.startswith("talks-bot:")]
    assert len(final) == 1 and "cannot reach Discord" in final[0]
    assert time.monotonic() - started < 60


def test_purge_older_than_an_absurd_age_is_one_line(tmp_path) -> None:
    run_cli("ask", QUESTION, cwd=tmp_path)
    one_line_error(run_cli("logs", "purge", "--older-than", "99999999d", cwd=tmp_path), "99999999d")


# --- bad bytes: repaired once, strict JSON ----------------------------------------------------


def test_invalid_utf8_in_the_question_is_repaired_answered_and_logged(tmp_path) -> None:
    db = tmp_path / "t.db"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "--db", str(db),
         QUESTION.encode() + b" \xff"],
        capture_output=True, env=env_for(tmp_path), cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["question"].endswith(" \ufffd") and data["answered"]
    assert rows(db)[0][0] == data["question"]
    assert_none_lost("invalid UTF-8 in ask", 1, len(rows(db)))


def test_batch_with_bad_bytes_surrogates_and_nan_ids_is_strict_json_and_all_logged(
    tmp_path,
) -> None:
    db = tmp_path / "t.db"
    lines = [
        b'{"id": 1, "question": "Where will the talks be held? \xff\xfe"}',
        b'{"id": NaN, "question": "Who is the Kremlin spokesperson? \\ud800"}',
        b'{"id": Infinity, "question": "What is photosynthesis?"}',
        b'{"id": 1e999, "question": "Who is Trump\'s Ukraine envoy?"}',
    ]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--batch", "-", "--db", str(db)],
        input=b"\n".join(lines) + b"\n", capture_output=True, env=env_for(tmp_path),
        cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = [json.loads(line, parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
           for line in result.stdout.decode().splitlines()]  # fmt: skip
    assert [o["id"] for o in out] == [1, "NaN", "Infinity", "1e999"]
    assert out[0]["question"].endswith("\ufffd\ufffd")
    assert out[1]["question"].endswith("\ufffd")
    assert_none_lost("bad bytes, surrogates, NaN ids on --batch stdin", 4, len(rows(db)))


def test_an_interrupted_batch_keeps_the_records_of_what_it_answered(tmp_path) -> None:
    db = tmp_path / "t.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--batch", "-", "--db", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=env_for(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    assert proc.stdin and proc.stdout
    answered = 0
    for i in range(3):
        proc.stdin.write(json.dumps({"id": i, "question": QUESTION}).encode() + b"\n")
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["id"] == i
        answered += 1
    proc.send_signal(signal.SIGINT)  # the batch is cut off while waiting for more
    proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert_none_lost("batch interrupted (SIGINT)", answered, len(rows(db)))


# --- the moderator's terminal and privacy -------------------------------------------------------


def test_logs_and_show_escape_control_characters(tmp_path) -> None:
    db = tmp_path / "t.db"
    nasty = "Where \x1b]0;pwned\x07 are the talks\x00\x1b[2J?"
    batch = json.dumps({"id": 1, "question": nasty})  # a NUL cannot go in argv
    assert (
        run_cli("ask", "--db", str(db), "--batch", "-", stdin=batch, cwd=tmp_path).returncode == 0
    )
    (entry_id,) = rows(db, "SELECT id FROM entries")[0]
    for args in (["logs"], ["logs", "show", str(entry_id)], ["logs", "--format", "json"]):
        out = run_cli(*args, "--db", str(db), cwd=tmp_path).stdout
        assert not any(c in out for c in "\x1b\x07\x00"), args
        assert "pwned" in out
    assert "\\x1b]0;pwned\\x07" in run_cli("logs", "--db", str(db), cwd=tmp_path).stdout


def test_cli_entries_record_the_os_user_and_user_accepts_a_name(tmp_path) -> None:
    db = tmp_path / "t.db"
    run_cli("ask", "--db", str(db), QUESTION, cwd=tmp_path)
    me = getpass.getuser()
    assert rows(db)[0][1:] == (me, me)
    listing = run_cli("logs", "--db", str(db), "--user", me, "--format", "json", cwd=tmp_path)
    assert json.loads(listing.stdout)["user_name"] == me
    dry = run_cli("logs", "purge", "--db", str(db), "--user", me, "--dry-run", cwd=tmp_path)
    assert "Would delete 1 log entry" in dry.stdout and len(rows(db)) == 1
    done = run_cli("logs", "purge", "--db", str(db), "--user", me, "--yes", cwd=tmp_path)
    assert "Deleted 1 log entry" in done.stdout and rows(db) == []


def test_purge_asks_on_a_terminal_and_says_how_many(tmp_path) -> None:
    db = tmp_path / "t.db"
    run_cli("ask", "--db", str(db), QUESTION, cwd=tmp_path)
    run_cli("ask", "--db", str(db), "What is photosynthesis?", cwd=tmp_path)
    for reply, left in ((b"n\n", 2), (b"y\n", 0)):
        master, slave = pty.openpty()
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "logs", "purge", "--db", str(db),
                 "--older-than", "0s"],
                stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=env_for(tmp_path), cwd=tmp_path,
            )  # fmt: skip
            os.write(master, reply)
            out, err = proc.communicate(timeout=30)
        finally:
            os.close(master)
            os.close(slave)
        assert b"Traceback" not in err
        assert len(rows(db)) == left
    assert b"Deleted 2 log entries" in out
