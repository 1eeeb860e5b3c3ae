"""The command line as a newcomer uses it: real subprocesses, output a person or a script reads."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

from bot.cli import build_parser


def test_ask_prints_quotes_with_markers_and_sources(tmp_path) -> None:
    result = run_cli("ask", "Where will the talks be held?", "--no-log", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Istanbul" in result.stdout
    assert "[1]" in result.stdout and ".txt, paragraph" in result.stdout
    assert not list(tmp_path.rglob("talks.db"))


def test_ask_json_follows_the_contract(tmp_path) -> None:
    result = run_cli("ask", "--json", "--no-log", "Where will the talks be held?", cwd=tmp_path)
    data = json.loads(result.stdout)
    assert set(data) == {"id", "question", "answered", "answer", "quotes", "reason", "latency_ms"}
    assert data["answered"] is True and data["reason"] is None
    citation = data["quotes"][0]["citations"][0]
    assert set(citation) == {"source", "file", "title", "paragraph"}
    assert citation["file"].endswith(".txt") and isinstance(citation["paragraph"], int)


def test_batch_answers_every_line_in_order_echoing_ids(tmp_path) -> None:
    lines = [
        {"id": "a", "question": "Where will the talks be held?"},
        {"id": 2, "question": "Who won the 2018 World Cup?"},
        "not json",
        {"id": "c", "question": ""},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    result = run_cli("ask", "--batch", "-", "--json", "--no-log", stdin=stdin, cwd=tmp_path)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", 2, None, "c"]
    assert out[0]["answered"] and not out[1]["answered"]
    assert "not JSON" in out[2]["error"]
    assert out[3]["reason"] == "empty"


def test_ask_logs_to_the_answer_log_by_default(tmp_path) -> None:
    run_cli("ask", "Where will the talks be held?", cwd=tmp_path)
    run_cli("ask", "Who won the 2018 World Cup?", cwd=tmp_path)
    result = run_cli("logs", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["question"] for e in entries] == [
        "Who won the 2018 World Cup?",
        "Where will the talks be held?",
    ]
    assert all(e["surface"] == "cli" for e in entries)
    assert entries[1]["quotes"][0]["citations"][0]["source"]


def test_sources_lists_every_article(tmp_path) -> None:
    result = run_cli("sources", cwd=tmp_path)
    assert result.returncode == 0
    assert "5 articles" in result.stdout and "paragraphs" in result.stdout


def test_eval_prints_the_figures(tmp_path) -> None:
    from conftest import QUESTIONS

    result = run_cli("eval", str(QUESTIONS), "--baseline", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for figure in ("first-quote accuracy", "abstention", "quote fidelity", "Baseline"):
        assert figure in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["ask"], {}, "give a question"),
        (["ask", "x", "--corpus", "/nonexistent/folder"], {}, "corpus folder not found"),
        (["ask", "x"], {"TALKS_TOP_K": "lots"}, "TALKS_TOP_K"),
        (["ask", "x"], {"TALKS_MIN_SCORE": "7"}, "TALKS_MIN_SCORE"),
        (["logs", "--since", "last tuesday"], {}, "not a time"),
        (["logs", "show", "12345"], {}, "no answer log at"),
        (["logs", "purge"], {}, "say what to purge"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(tmp_path, args, env, message) -> None:
    result = run_cli(*args, env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_version_and_help(tmp_path) -> None:
    assert run_cli("--version", cwd=tmp_path).stdout.startswith("talks-bot ")
    assert "ask" in run_cli("--help", cwd=tmp_path).stdout


def _commands(parser, path=()):
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), helps.get(name), sub
                yield from _commands(sub, (*path, name))


def test_every_command_and_option_has_help_text() -> None:
    commands = list(_commands(build_parser()))
    assert len(commands) >= 9
    for path, help_text, parser in commands:
        assert help_text, f"{' '.join(path)} has no help"
        for action in parser._actions:
            if action.__class__.__name__ != "_SubParsersAction":
                assert action.help, f"{' '.join(path)} {action.dest} has no help"
