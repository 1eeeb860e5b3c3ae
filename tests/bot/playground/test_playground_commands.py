"""The message box reads a typed slash command as Discord's client would send it."""

from __future__ import annotations

import pytest

from bot.playground.commands import TypedError, read

COMMANDS = [
    {"name": "ask", "type": 1, "options": [
        {"name": "question", "type": 3, "required": True, "autocomplete": True,
         "max_length": 300},
        {"name": "private", "type": 5},
    ]},
    {"name": "logs", "type": 1, "options": [
        {"name": "recent", "type": 1, "options": [
            {"name": "limit", "type": 4, "min_value": 1, "max_value": 25}]},
        {"name": "show", "type": 1, "options": [
            {"name": "id", "type": 3, "required": True, "autocomplete": True}]},
        {"name": "export", "type": 1, "options": [
            {"name": "which", "type": 3, "choices": [
                {"name": "All", "value": "all"}, {"name": "Declined", "value": "declined"}]}]},
    ]},
    {"name": "Ask Talks Bot", "type": 3},
]  # fmt: skip


def test_free_text_fills_the_first_option() -> None:
    typed = read("/ask where will the talks be held?", COMMANDS)
    assert (typed.name, typed.sub) == ("ask", None)
    assert typed.options == {"question": "where will the talks be held?"}


def test_named_options_subcommands_and_conversions() -> None:
    assert read("/ask where? private:yes", COMMANDS).options == {
        "question": "where?", "private": True,
    }  # fmt: skip
    typed = read("/logs recent limit:5", COMMANDS)
    assert (typed.sub, typed.options) == ("recent", {"limit": 5})
    assert read("/logs export which:Declined", COMMANDS).options == {"which": "declined"}
    assert read("/LOGS recent", COMMANDS).options == {}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("ask where", "starts with /"),
        ("/pizza", "no command /pizza"),
        ("/apps", r"\(commands: /ask, /logs\)"),  # a message command is not typed
        ("/logs", "needs one of: export, recent, show"),
        ("/logs recent limit:x", "whole number"),
        ("/logs recent limit:99", "between 1 and 25"),
        ("/logs export which:some", "one of all, declined"),
        ("/ask", "needs question:"),
        ("/ask private:maybe", "true or false"),
        ("/logs recent 5 limit:3", "say which option"),
    ],
)
def test_mistakes_are_one_line_for_the_person(text: str, says: str) -> None:
    with pytest.raises(TypedError, match=says):
        read(text, COMMANDS)


def test_while_typing_the_last_option_is_focused_and_where_its_value_starts() -> None:
    typed = read("/ask where will the t", COMMANDS, partial=True)
    assert (typed.last, typed.raw["question"], typed.last_at) == ("question", "where will the t", 5)
    typed = read("/ask ", COMMANDS, partial=True)  # just started: the first option, empty
    assert (typed.last, typed.raw["question"], typed.last_at) == ("question", "", 5)
    typed = read("/logs show id:12", COMMANDS, partial=True)
    assert (typed.last, typed.raw["id"], "/logs show id:12"[: typed.last_at]) == (
        "id", "12", "/logs show id:",
    )  # fmt: skip
    assert read("/logs recent limit:", COMMANDS, partial=True).options == {}  # not an error yet
