"""What a person typed in the playground's message box, read as Discord's client reads a slash
command: ``/logs recent limit:5``, ``/ask where will the talks be held?``.

Discord's client gives each option its own field; one line of text is easier to type, so an
option is written ``name:value`` and text before the first named option fills the first option
not named (``/ask where…`` is ``/ask question:where…``). Values are checked and converted as
Discord's client does before sending (numbers, true/false, choices, required options), so a
mistake is a message under the box, not a request Discord would never send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SUBCOMMAND, GROUP = 1, 2
STRING, INTEGER, BOOLEAN, NUMBER = 3, 4, 5, 10
TRUE, FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


class TypedError(ValueError):
    """What is wrong with the typed command, in words for the person typing."""


@dataclass
class Typed:
    """A slash command as typed: which command, subcommand and option values; ``last`` is the
    option whose value the text ends in (the one being typed, for autocomplete)."""

    name: str
    sub: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    last: str | None = None
    raw: dict[str, str] = field(default_factory=dict)  # option values as typed
    last_at: int = 0  # where the last option's value starts in the text (a suggestion replaces
    # the text from there)


def chat_commands(commands: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Slash commands (type 1) by name; message and user commands are not typed."""
    return {c["name"]: c for c in commands if c.get("type", 1) == 1}


def read(text: str, commands: list[dict[str, Any]], *, partial: bool = False) -> Typed:
    """The command ``text`` names, with its options. ``partial``: the person is still typing,
    so missing required options and unconvertible values are not errors yet."""
    if not text.startswith("/"):
        raise TypedError("a command starts with /")
    known = chat_commands(commands)
    head, _, rest = text[1:].partition(" ")
    cmd = known.get(head.lower())
    if cmd is None:
        names = ", ".join(f"/{n}" for n in sorted(known)) or "none yet"
        raise TypedError(f"there is no command /{head} here (commands: {names})")
    level, sub = cmd, None
    subs = {o["name"]: o for o in cmd.get("options", []) if o["type"] in (SUBCOMMAND, GROUP)}
    if subs:
        word, _, rest = rest.lstrip().partition(" ")
        if word.lower() not in subs or subs[word.lower()]["type"] != SUBCOMMAND:
            listed = ", ".join(sorted(subs))
            raise TypedError(f"/{cmd['name']} needs one of: {listed}")
        sub, level = word.lower(), subs[word.lower()]
    typed = Typed(cmd["name"], sub)
    specs = {o["name"]: o for o in level.get("options", [])}
    _fill(typed, rest, len(text) - len(rest), specs, partial=partial, spaced=text.endswith(" "))
    return typed


def _fill(
    typed: Typed,
    rest: str,
    offset: int,
    specs: dict[str, dict[str, Any]],
    *,
    partial: bool,
    spaced: bool = False,
) -> None:
    """Options from ``rest`` (which starts at ``offset`` in the typed text); ``spaced``: the
    text ends in a space, so while typing the first option is focused, still empty."""
    names = "|".join(re.escape(n) for n in sorted(specs, key=len, reverse=True))
    marks = list(re.finditer(rf"(?:^|\s)({names}):", rest)) if specs else []
    pieces: list[tuple[str | None, str, int]] = []
    lead = rest[: marks[0].start()] if marks else rest
    if lead.strip() or (partial and not marks and spaced):
        pieces.append((None, lead, 0))  # "/ask " while typing: the first option, still empty
    for n, mark in enumerate(marks):
        end = marks[n + 1].start() if n + 1 < len(marks) else len(rest)
        pieces.append((mark.group(1), rest[mark.end() : end], mark.end()))
    named = {name for name, _, _ in pieces if name}
    for name, value, start in pieces:
        if name is None:
            free = [n for n in specs if n not in named]
            if not free:
                if partial:
                    continue
                raise TypedError(f"say which option {value.strip()!r} is for, e.g. name:value")
            name = free[0]
        spec = specs[name]
        typed.raw[name] = value.strip()
        typed.last = name
        typed.last_at = offset + start + len(value) - len(value.lstrip())
        converted = _convert(spec, value.strip(), partial=partial)
        if converted is not None:
            typed.options[name] = converted
    if not partial:
        missing = [n for n, o in specs.items() if o.get("required") and n not in typed.options]
        if missing:
            raise TypedError(f"/{typed.name} needs {', '.join(m + ':' for m in missing)}")


def _convert(spec: dict[str, Any], value: str, *, partial: bool) -> Any:
    """The value as Discord would send it, or ``None`` while it is still being typed."""
    kind, name = spec["type"], spec["name"]
    try:
        if not value:
            raise TypedError(f"{name}: is empty")
        if spec.get("choices"):
            for choice in spec["choices"]:
                if value.lower() in (choice["name"].lower(), str(choice["value"]).lower()):
                    return choice["value"]
            options = ", ".join(str(c["value"]) for c in spec["choices"])
            raise TypedError(f"{name}: must be one of {options}")
        if kind == INTEGER:
            if not re.fullmatch(r"-?\d{1,16}", value):
                raise TypedError(f"{name}: must be a whole number")
            number: float = int(value)
        elif kind == NUMBER:
            try:
                number = float(value)
            except ValueError:
                raise TypedError(f"{name}: must be a number") from None
        elif kind == BOOLEAN:
            if value.lower() not in TRUE | FALSE:
                raise TypedError(f"{name}: must be true or false")
            return value.lower() in TRUE
        elif kind == STRING:
            low, high = spec.get("min_length", 0), spec.get("max_length", 6000)
            if not low <= len(value) <= high:
                raise TypedError(f"{name}: must be {low}–{high} characters")
            return value
        else:
            raise TypedError(f"{name}: this page cannot fill options of type {kind} yet")
        low, high = spec.get("min_value"), spec.get("max_value")
        if (low is not None and number < low) or (high is not None and number > high):
            raise TypedError(f"{name}: must be between {low} and {high}")
        return number
    except TypedError:
        if partial:
            return None
        raise
