"""`talks-bot logs serve`: Datasette on 127.0.0.1 with the canned review queries."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import run_cli

pytest.importorskip("datasette")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_the_declined_canned_query(tmp_path) -> None:
    db = {"TALKS_DB_PATH": str(tmp_path / "talks.db")}
    run_cli("ask", "Who won the 2018 World Cup?", env=db, cwd=tmp_path)
    run_cli("ask", "Where will the talks be held?", env=db, cwd=tmp_path)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALKS_")} | db
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "logs", "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/talks/declined.json?_shape=array"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    rows = json.load(resp)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert [r["question"] for r in rows] == ["Who won the 2018 World Cup?"]
        assert rows[0]["reason"] == "not_covered"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
