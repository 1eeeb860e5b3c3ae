"""The command line as a newcomer uses it: output a person or a script reads.

Most tests call ``main(argv)`` in this process (fast); a few smoke tests run the real
``python -m bot`` subprocess, as a user's shell does.
"""

from __future__ import annotations

import asyncio
import csv
import getpass
import io
import json
import re

import pytest
from conftest import QUESTIONS, run_cli, three_outcomes

from bot.cli import build_parser
from bot.logs.sqlite import SqliteStore

WHERE = "Where will the talks be held?"
OFF_TOPIC = "What is photosynthesis?"


# --- subprocess smoke tests ---------------------------------------------------------------------


def test_smoke_ask_prints_quotes_with_markers_and_sources(tmp_path) -> None:
    result = run_cli("ask", WHERE, "--no-log", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Istanbul" in result.stdout
    assert "[1]" in result.stdout and ".txt, paragraph" in result.stdout
    assert not list(tmp_path.rglob("talks.db"))


def test_smoke_user_error_is_one_line_and_exit_2(tmp_path) -> None:
    result = run_cli("ask", "x", env={"TALKS_TOP_K": "lots"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "TALKS_TOP_K" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_smoke_version_and_help(tmp_path) -> None:
    assert run_cli("--version", cwd=tmp_path).stdout.startswith("talks-bot ")
    assert "ask" in run_cli("--help", cwd=tmp_path).stdout


# --- ask ----------------------------------------------------------------------------------------


def test_terminal_answer_is_plain_text_with_a_blank_line_between_quotes(cli, tmp_path) -> None:
    result = cli("ask", WHERE, "--no-log")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "`" not in text and "**" not in text and "> " not in text  # no Markdown
    blocks = text.split("\n\n")
    assert len(blocks) >= 3 and blocks[-1].startswith("Sources:")
    assert "[1] " in blocks[-1] and ".txt, paragraph" in blocks[-1]
    assert not list(tmp_path.rglob("talks.db"))


def test_terminal_decline_names_the_command_that_lists_articles(cli) -> None:
    result = cli("ask", OFF_TOPIC, "--no-log")
    assert "talks-bot sources" in result.stdout
    assert "`" not in result.stdout


def test_terminal_says_how_many_articles_report_a_quote_only_when_several(cli) -> None:
    shared = cli("ask", "What did Zelensky say about prolonging the killings?", "--no-log")
    assert "reported by 2 of 5" in " ".join(shared.stdout.split())
    single = cli("ask", "Who is the Kremlin spokesperson?", "--no-log")
    assert "reported by 1 " not in " ".join(single.stdout.split())


def test_ask_json_follows_the_contract(cli) -> None:
    data = json.loads(cli("ask", "--json", "--no-log", WHERE).stdout)
    assert set(data) == {
        "id", "question", "answered", "answer", "quotes", "reason", "differ", "confidence",
        "latency_ms", "follows", "short_answer",
    }  # fmt: skip
    assert data["answered"] is True and data["reason"] is None and data["follows"] is None
    assert data["confidence"] in ("high", "low")
    citation = data["quotes"][0]["citations"][0]
    assert set(citation) == {
        "source", "file", "title", "paragraph", "label", "outlet", "date", "url", "text"
    }  # fmt: skip
    assert citation["text"] == data["quotes"][0]["text"]  # the first citation's own words
    assert citation["file"].endswith(".txt") and isinstance(citation["paragraph"], int)
    assert citation["label"] and len(citation["label"]) < len(citation["title"]) + 20


def test_a_follow_up_after_a_logged_entry_takes_its_topic_and_is_linked_in_the_log(cli) -> None:
    """`ask --after ID "and when?"`: read with entry ID's question, answered with its date,
    logged with the id it follows, shown by `logs` and `logs show`."""
    first = json.loads(cli("ask", "--json", "Where did Putin propose holding the talks?").stdout)
    assert "Istanbul" in first["quotes"][0]["text"]
    entry_id = json.loads(cli("logs", "--format", "json").stdout.splitlines()[0])["id"]
    alone = json.loads(cli("ask", "--json", "--no-log", "and when?").stdout)
    assert alone["answered"] is False  # on its own it has no topic
    follow = json.loads(cli("ask", "--json", "--after", str(entry_id), "and when?").stdout)
    assert follow["question"] == "and when?" and follow["follows"] == entry_id
    assert follow["answered"] and re.search(r"May 1[15]|Thursday", follow["quotes"][0]["text"])
    rows = [json.loads(line) for line in cli("logs", "--format", "json").stdout.splitlines()]
    assert [r["follows"] for r in rows] == [entry_id, None]  # newest first
    assert f"follows {entry_id}" in cli("logs").stdout
    assert f"follows   entry {entry_id}" in cli("logs", "show", str(rows[0]["id"])).stdout
    missing = cli("ask", "--after", "123", "and when?")
    assert missing.returncode != 0 and "no such entry" in missing.stderr


def test_citations_show_outlet_date_and_url_from_articles_json(cli, write_corpus) -> None:
    text = (
        "Negotiators will meet in Istanbul on Thursday to discuss a ceasefire.\n"
        "The talks are the first direct meeting since 2022, officials said today.\n"
    )
    folder = write_corpus(
        {
            "a.txt": text,
            "b.txt": "Officials said the delegations would arrive on Wednesday evening.\n",
            "articles.json": json.dumps(
                {
                    "a.txt": {
                        "title": "Talks set for Istanbul",
                        "outlet": "Example News",
                        "date": "2025-05-11",
                        "url": "https://example.org/talks",
                    }
                }
            ),
        }
    )
    question = "Where will negotiators meet?"
    shown = cli("ask", question, "--no-log", "--corpus", str(folder)).stdout
    assert "Talks set for Istanbul, Example News, 2025-05-11" in shown
    assert "https://example.org/talks" in shown
    data = json.loads(cli("ask", "--json", question, "--no-log", "--corpus", str(folder)).stdout)
    citation = data["quotes"][0]["citations"][0]
    assert (citation["outlet"], citation["date"], citation["url"]) == (
        "Example News", "2025-05-11", "https://example.org/talks"
    )  # fmt: skip


def test_batch_answers_every_line_in_order_echoing_ids(cli) -> None:
    lines = [
        {"id": "a", "question": WHERE},
        {"id": 2, "question": OFF_TOPIC},
        "not json",
        {"id": "c", "question": ""},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    result = cli("ask", "--batch", "-", "--json", "--no-log", stdin=stdin)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", 2, None, "c"]
    assert out[0]["answered"] and not out[1]["answered"]
    assert "not JSON" in out[2]["error"]
    assert out[3]["reason"] == "empty"


def test_ask_logs_values_and_neutral_text_by_default(cli) -> None:
    cli("ask", WHERE)
    cli("ask", OFF_TOPIC)
    entries = [json.loads(x) for x in cli("logs", "--format", "json").stdout.splitlines()]
    assert [e["question"] for e in entries] == [OFF_TOPIC, WHERE]
    assert all(e["surface"] == "cli" for e in entries)
    assert entries[1]["quotes"][0]["citations"][0]["label"]
    assert entries[0]["reason"] == "not_covered"
    assert "talks-bot" not in entries[0]["answer"] and "/sources" not in entries[0]["answer"]


# --- sources and eval -----------------------------------------------------------------------------


def test_sources_lists_every_article(cli) -> None:
    result = cli("sources")
    assert result.returncode == 0
    assert "5 articles" in result.stdout and "paragraphs" in result.stdout
    from retrieval.corpus import load_corpus

    for article in load_corpus().articles:  # each by its short label from articles.json
        assert article.label in result.stdout


def test_sources_json_is_one_object_per_article_with_its_label(cli) -> None:
    rows = [json.loads(line) for line in cli("sources", "--json").stdout.splitlines()]
    assert len(rows) == 5
    assert set(rows[0]) == {
        "source", "file", "title", "label", "paragraphs", "outlet", "date", "url"
    }  # fmt: skip
    assert all(r["file"].endswith(".txt") and r["paragraphs"] > 0 for r in rows)


def test_eval_prints_the_figures(cli) -> None:
    result = cli("eval", str(QUESTIONS), "--baseline")
    assert result.returncode == 0, result.stderr
    for figure in ("first-quote accuracy", "abstention", "quote fidelity", "Baseline"):
        assert figure in result.stdout


def test_eval_reports_each_set_per_kind_and_lists_misses_with_a_reason(cli, tmp_path) -> None:
    small = tmp_path / "small.jsonl"
    items = [
        {"id": "a", "kind": "factoid", "question": WHERE, "answers": ["Istanbul"]},
        {"id": "b", "kind": "factoid", "question": OFF_TOPIC, "answers": ["France"]},
    ]
    small.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    result = cli("eval", str(small), str(QUESTIONS), "--misses")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("first-quote accuracy") == 2
    assert "wrongly declined" in result.stdout and "By kind:" in result.stdout
    assert "b (factoid) declined [" in result.stdout  # the engine's own reason in brackets
    assert "a (factoid)" not in result.stdout


def test_ask_explain_shows_focus_weights_type_candidates_and_verdict(cli) -> None:
    result = cli("ask", "--explain", "@everyone how long is the truce europe wants?? lol")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "focus:       'how long is the truce europe wants?? lol'" in out
    assert "answer type: duration (a value is required)" in out
    assert "truce" in out and "synonyms: ceasefir" in out and "weight" in out
    assert "1. p " in out and "logit" in out and "decide:" in out and "answered:" in out
    declined = cli("ask", "--explain", OFF_TOPIC).stdout
    assert "general" in declined and "declined:    not_covered" in declined
    assert "no answer log at" in cli("logs").stderr  # --explain logs nothing


# --- logs -----------------------------------------------------------------------------------------


def test_logs_show_stats_and_purge_succeed(cli) -> None:
    cli("ask", WHERE)
    cli("ask", OFF_TOPIC)
    entries = [json.loads(x) for x in cli("logs", "--format", "json").stdout.splitlines()]
    shown = cli("logs", "show", str(entries[1]["id"]))
    assert shown.returncode == 0
    assert WHERE in shown.stdout and "quote 1" in shown.stdout
    as_json = json.loads(cli("logs", "show", str(entries[0]["id"]), "--format", "json").stdout)
    assert as_json["reason"] == "not_covered"
    for forged in (str(2**63), "0", "-5"):  # beyond SQLite's 64 bits: no such entry, one line
        missing = cli("logs", "show", forged)
        assert missing.returncode == 2 and "no log entry with id" in missing.stderr, forged
        assert len(missing.stderr.strip().splitlines()) == 1
    stats = cli("logs", "stats").stdout
    assert "Declined: 1 (50%)" in stats and "not_covered" in stats
    answered = [line for line in stats.splitlines() if line.startswith("Answered")]
    assert len(answered) == 2 and sum(int(line.split()[-2]) for line in answered) == 1, stats
    purged = cli("logs", "purge", "--older-than", "0s", "--yes")
    assert purged.stdout.strip() == "Deleted 2 log entries."
    assert cli("logs").stdout.strip().endswith("\nNo log entries match.")


def test_every_logs_command_tells_confident_not_sure_and_declined_apart(cli, tmp_path) -> None:
    """What a moderator reads of a log with one answer of each kind: the stats count each
    apart, and the table, CSV, JSON and ``logs show`` say which one each entry was."""
    db = tmp_path / "three.db"

    async def write() -> list[int]:
        async with SqliteStore(db) as store:
            entries = three_outcomes(user_id=1, user_name="ann", guild_id=5, channel_id=6)
            for e in entries:
                await store.record(e)
            return [e.id for e in entries]

    confident, not_sure, declined = asyncio.run(write())
    env = {"TALKS_DB_PATH": str(db)}
    stats = cli("logs", "stats", env=env).stdout.splitlines()
    assert "Answered confidently: 1 (33%)" in stats and "Declined: 1 (33%)" in stats
    assert "Answered, not sure: 1 (33%)" in stats
    assert not any(line.startswith("Answered:") for line in stats)
    rows = {int(line.split()[0]): line for line in cli("logs", env=env).stdout.splitlines()
            if line.split() and line.split()[0].isdigit()}  # fmt: skip
    assert "  answered  " in rows[confident] and "  not sure  " in rows[not_sure]
    assert "  declined: not_covered  " in rows[declined]
    results = {"answered", "not sure", "declined: not_covered"}
    as_csv = cli("logs", "--format", "csv", env=env).stdout.lstrip("\ufeff")
    assert {r["result"] for r in csv.DictReader(io.StringIO(as_csv))} == results
    as_json = cli("logs", "--format", "json", env=env).stdout.splitlines()
    assert {json.loads(x)["result"] for x in as_json} == results
    shown = cli("logs", "show", str(not_sure), env=env).stdout
    assert "  result    not sure\n" in shown
    shown = json.loads(cli("logs", "show", str(not_sure), "--format", "json", env=env).stdout)
    assert shown["result"] == "not sure"


def test_purge_without_a_terminal_refuses_unless_yes(cli) -> None:
    cli("ask", WHERE)
    cli("ask", OFF_TOPIC)
    for stdin in ("n\n", "", "y\n"):  # piped input is no consent: only --yes is
        refused = cli("logs", "purge", "--older-than", "0s", stdin=stdin)
        assert refused.returncode == 2
        assert "not deleting 2 log entries" in refused.stderr and "--yes" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
    refused = cli("logs", "purge", "--user", getpass.getuser())
    assert refused.returncode == 2
    dry = cli("logs", "purge", "--older-than", "0s", "--dry-run")
    assert dry.returncode == 0 and "Would delete 2 log entries" in dry.stdout
    assert len(cli("logs", "--format", "json").stdout.splitlines()) == 2  # nothing went
    done = cli("logs", "purge", "--older-than", "0s", "--yes")
    assert done.returncode == 0 and "Deleted 2 log entries." in done.stdout


def test_exports_write_every_entry_and_the_table_says_what_it_left_out(cli) -> None:
    batch = "".join(json.dumps({"id": n, "question": f"{OFF_TOPIC} {n}"}) + "\n" for n in range(23))
    assert cli("ask", "--batch", "-", "--json", stdin=batch).returncode == 0
    as_json = cli("logs", "--format", "json")
    assert len(as_json.stdout.splitlines()) == 23 and "showing" not in as_json.stderr
    as_csv = cli("logs", "--format", "csv").stdout
    assert len(list(csv.DictReader(io.StringIO(as_csv)))) == 23
    table = cli("logs").stdout
    assert "showing 20 of 23 (--limit N, --all)" in table
    assert table.count(OFF_TOPIC) == 20
    everything = cli("logs", "--all").stdout
    assert everything.count(OFF_TOPIC) == 23 and "showing" not in everything
    limited = cli("logs", "--format", "json", "--limit", "5")
    assert len(limited.stdout.splitlines()) == 5
    assert "showing 5 of 23" in limited.stderr
    assert cli("logs", "--limit", "30").stdout.count(OFF_TOPIC) == 23
    both = cli("logs", "--all", "--limit", "3")
    assert both.returncode == 2 and "not both" in both.stderr


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
def test_user_errors_are_one_line_and_exit_2(cli, args, env, message) -> None:
    result = cli(*args, env=env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


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
