"""The answer log in Datasette: what a moderator reads in each view, and `logs serve` itself.

The views are fetched in-process through Datasette's own client (marked ``datasette``); the
real ``talks-bot logs serve`` subprocess is a ``slow`` test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import run_cli, three_outcomes

pytest.importorskip("datasette")

from bot.logs import browse
from bot.logs.models import LogEntry
from bot.logs.sqlite import SqliteStore

GUILD = 111222333444555666
HERE = {"guild_id": GUILD, "guild_name": "Peace Watch", "channel_id": 5, "channel_name": "news"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _log(path, engine) -> dict[str, int]:
    """Three entries: answered in a server (voted down), declined in a server, from the CLI."""
    ids = {}
    async with SqliteStore(path) as store:
        for key, question, where in [
            ("answered", "Where will the talks be held?", {"user_id": 1, **HERE}),
            ("declined", "What is photosynthesis?", {"user_id": 2, **HERE}),
            ("cli", "Who is the Kremlin spokesperson?", {}),
        ]:
            entry = LogEntry.from_answer(engine.answer(question), "discord" if where else "cli",
                                         **where)  # fmt: skip
            if entry.answered:  # confident, whatever the reader of the day makes of it
                entry.confidence = "high"
            await store.record(entry)
            ids[key] = entry.id
        await store.vote(ids["answered"], 9, helpful=False)
    return ids


@pytest.mark.datasette
async def test_the_views_tell_confident_not_sure_and_declined_apart(tmp_path) -> None:
    from datasette.app import Datasette

    path = tmp_path / "talks.db"
    async with SqliteStore(path) as store:
        entries = three_outcomes(user_id=1, **HERE)
        for e in entries:
            await store.record(e)
        await store.vote(entries[1].id, 9, helpful=False)
    ds = Datasette([str(path)], metadata=browse.metadata(path, browse.servers(path)))

    async def rows(view: str, **params: str) -> list[dict]:
        query = "".join(f"&{k}={v}" for k, v in params.items())
        response = await ds.client.get(f"/talks/{view}.json?_shape=array{query}")
        assert response.status_code == 200, response.text
        return response.json()

    newest_first = ["declined: not_covered", "not sure", "answered"]
    for view in ("recent", f"server_{GUILD}", "entries_readable"):
        assert [r["result"] for r in await rows(view)] == newest_first, view
    for e, result in zip(entries, reversed(newest_first), strict=True):
        assert {r["result"] for r in await rows("answer", id=str(e.id))} == {result}
    assert [r["result"] for r in await rows("not_helpful")] == ["not sure"]
    assert [r["result"] for r in await rows("to_review")] == ["not sure"]
    counts = {r["question"]: (r["confident"], r["not_sure"], r["declined"])
              for r in await rows("most_asked")}  # fmt: skip
    assert counts == {e.question: kind for e, kind in
                      zip(entries, [(1, 0, 0), (0, 1, 0), (0, 0, 1)], strict=True)}  # fmt: skip
    data = (await ds.client.get("/talks/entries.json")).json()
    assert "confidence" in data["facet_results"]


@pytest.mark.datasette
async def test_each_view_shows_what_a_moderator_needs(tmp_path, engine) -> None:
    from datasette.app import Datasette

    path = tmp_path / "talks.db"
    ids = await _log(path, engine)
    ds = Datasette([str(path)], metadata=browse.metadata(path, browse.servers(path)))

    async def rows(view: str, **params: str) -> list[dict]:
        query = "".join(f"&{k}={v}" for k, v in params.items())
        response = await ds.client.get(f"/talks/{view}.json?_shape=array{query}")
        assert response.status_code == 200, response.text
        return response.json()

    data = (await ds.client.get("/talks/entries.json")).json()
    assert data["rows"][0][0] == ids["cli"]  # newest first
    assert {"answered", "reason", "surface", "guild_name"} <= set(data["facet_results"])

    recent = await rows("recent")
    assert [r["id"] for r in recent] == [str(ids[k]) for k in ("cli", "declined", "answered")]
    assert recent[2]["result"] == "answered" and recent[2]["not_helpful"] == 1
    assert recent[1]["result"] == "declined: not_covered"
    assert (recent[1]["server"], recent[1]["channel"]) == ("Peace Watch", "#news")  # names
    assert "quotes" not in recent[0] and "answer" not in recent[0]  # one line per entry
    # each row links to its answer view, and Datasette's page shows it as a link
    assert recent[1]["open"] == f"http://127.0.0.1:8001/talks/answer?id={ids['declined']}"
    page = (await ds.client.get("/talks/recent")).text
    assert f'<a href="http://127.0.0.1:8001/talks/answer?id={ids["declined"]}">' in page
    readable = await rows("entries_readable")
    assert [r["answered"] for r in readable] == ["yes", "no", "yes"]

    answer = await rows("answer", id=str(ids["answered"]))
    assert [r["quote"] for r in answer] == list(range(1, len(answer) + 1))
    assert "Istanbul" in answer[0]["text"] and answer[0]["not_helpful"] == 1
    assert "¶" in answer[0]["citations"] and ".txt" not in answer[0]["citations"]  # labels
    (declined,) = await rows("answer", id=str(ids["declined"]))  # the link of a declined row
    assert declined["text"].startswith("The articles don't") and declined["citations"] is None

    server = await rows(f"server_{GUILD}")
    assert {r["id"] for r in server} == {str(ids["answered"]), str(ids["declined"])}
    assert await rows("server", server=str(GUILD)) == server
    assert [r["id"] for r in await rows("declined")] == [str(ids["declined"])]
    assert [r["id"] for r in await rows("not_helpful")] == [str(ids["answered"])]
    assert [r["id"] for r in await rows("to_review")] == [str(ids["answered"])]
    unanswered = await rows("unanswered")
    assert {(r["question"], r["times"]) for r in unanswered} == {
        ("What is photosynthesis?", 1), ("Where will the talks be held?", 1),
    }  # fmt: skip
    assert json.loads(unanswered[0]["servers"]) == ["Peace Watch"]
    async with SqliteStore(path) as store:
        await store.review(ids["answered"], "mod")
    assert await rows("to_review") == []  # reviewed: off the list
    assert {r["question"] for r in await rows("most_asked")} == {
        "Where will the talks be held?", "What is photosynthesis?",
        "Who is the Kremlin spokesperson?",
    }  # fmt: skip


def _serve(tmp_path, db: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """The real `talks-bot logs serve` in a session of its own, with a clean environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALKS_")} | db
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "logs", "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip


@pytest.mark.slow
def test_serve_answers_the_declined_canned_query(tmp_path) -> None:
    db = {"TALKS_DB_PATH": str(tmp_path / "talks.db")}
    run_cli("ask", "What is photosynthesis?", env=db, cwd=tmp_path)
    run_cli("ask", "Where will the talks be held?", env=db, cwd=tmp_path)
    port = free_port()
    proc = _serve(tmp_path, db, port)
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
        assert [r["question"] for r in rows] == ["What is photosynthesis?"]
        assert rows[0]["reason"] == "not_covered"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_stopping_serve_stops_datasette(tmp_path, sig) -> None:
    """`kill <pid of logs serve>` (not its process group) leaves nothing holding the port."""
    db = {"TALKS_DB_PATH": str(tmp_path / "talks.db")}
    port = free_port()
    proc = _serve(tmp_path, db, port)
    try:
        deadline = time.monotonic() + 30
        while not _answers(port):
            assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
            time.sleep(0.2)
        os.kill(proc.pid, sig)  # the serve process alone, as `kill PID` does
        assert proc.wait(timeout=10) == 0
        deadline = time.monotonic() + 10
        while _answers(port):
            assert time.monotonic() < deadline, "Datasette outlived `logs serve`"
            time.sleep(0.2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def test_serve_on_a_taken_port_says_who_holds_it_before_serving(tmp_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(
            "logs", "serve", "--port", str(port),
            env={"TALKS_DB_PATH": str(tmp_path / "talks.db")}, cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 2
    assert "Serving" not in result.stdout
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert f"process {os.getpid()} " in result.stderr  # this test holds it
    assert len(result.stderr.strip().splitlines()) == 1
