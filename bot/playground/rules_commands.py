"""Discord's rules for application commands: names, descriptions, options, localisations."""

from __future__ import annotations

import unicodedata
from typing import Any

from bot.playground.rules_schema import Problems, check_schema

NAME_MAX = 32
OPTIONS_MAX = 25
SUBCOMMAND, SUBCOMMAND_GROUP = 1, 2
CHAT_INPUT = 1
STRING, INTEGER, NUMBER = 3, 4, 10  # option types that may autocomplete


# --- commands ---------------------------------------------------------------------------------


def valid_name(name: Any) -> bool:
    """Discord's ``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, lowercase for chat input.

    Letters and digits by Unicode category; Devanagari and Thai marks by block.
    """
    if not isinstance(name, str) or not 1 <= len(name) <= NAME_MAX or name != name.lower():
        return False
    for ch in name:
        cat = unicodedata.category(ch)
        if ch in "-_'" or cat[0] in "LN":
            continue
        if cat[0] == "M" and ("\u0900" <= ch <= "\u097f" or "\u0e00" <= ch <= "\u0e7f"):
            continue
        return False
    return True


def check_commands(body: Any) -> Problems:
    """A bulk overwrite (PUT .../commands): schema, then naming and option rules."""
    problems = check_schema("command_overwrite", body)
    if problems or not isinstance(body, list):
        return problems
    seen: set[tuple[int, str]] = set()
    for n, cmd in enumerate(body):
        kind = cmd.get("type") or CHAT_INPUT
        key = (kind, cmd.get("name"))
        if key in seen:
            problems.append((f"{n}/name", f"command_unique: {cmd.get('name')!r} twice"))
        seen.add(key)
        problems += _localized(cmd, f"{n}", menu=kind != CHAT_INPUT)
        if kind == CHAT_INPUT:
            problems += _named(cmd, f"{n}")
            problems += _options(cmd.get("options") or [], f"{n}/options")
        else:
            problems += _menu(cmd, f"{n}")
    return problems


# Discord's locales (reference#locales): the only keys a *_localizations object may have.
LOCALES = frozenset(
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el "
    "bg ru uk hi th zh-CN ja zh-TW ko".split()
)


def _localized(item: dict[str, Any], path: str, *, menu: bool) -> Problems:
    """Localised names and descriptions: known locales; each name valid as the name would be
    (lowercase for chat input, trimmed for menus); descriptions' lengths are the schema's."""
    problems: Problems = []
    for key in ("name_localizations", "description_localizations"):
        for locale, text in (item.get(key) or {}).items():
            if locale not in LOCALES:
                problems.append((f"{path}/{key}", f"localizations: unknown locale {locale!r}"))
            elif key == "name_localizations":
                ok = text == text.strip() and 1 <= len(text) <= NAME_MAX if menu else (
                    valid_name(text)
                )  # fmt: skip
                if not ok:
                    problems.append((f"{path}/{key}/{locale}", f"localizations: name {text!r}"))
    return problems


def _menu(cmd: dict[str, Any], path: str) -> Problems:
    """User and message commands: any case and spaces, but 1–32 characters, no description."""
    problems: Problems = []
    name = cmd.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= NAME_MAX or name != name.strip():
        problems.append((f"{path}/name", f"menu_command: name {name!r}"))
    if cmd.get("description") or cmd.get("options"):
        problems.append((path, "menu_command: a menu command has no description or options"))
    return problems


def _named(item: dict[str, Any], path: str) -> Problems:
    problems: Problems = []
    if not valid_name(item.get("name")):
        problems.append((f"{path}/name", f"command_name: {item.get('name')!r}"))
    description = item.get("description")
    if not isinstance(description, str) or not 1 <= len(description) <= 100:
        problems.append((f"{path}/description", "command_description: 1–100 characters"))
    return problems


def _options(options: list[dict[str, Any]], path: str) -> Problems:
    problems: Problems = []
    if len(options) > OPTIONS_MAX:
        problems.append((path, f"option_unique: {len(options)} options > {OPTIONS_MAX}"))
    names = [o.get("name") for o in options]
    if len(set(names)) != len(names):
        problems.append((path, "option_unique: duplicate option names"))
    subs = [o.get("type") in (SUBCOMMAND, SUBCOMMAND_GROUP) for o in options]
    if any(subs) and not all(subs):
        problems.append((path, "subcommand_mix: subcommands mixed with options"))
    optional_seen = False
    for n, o in enumerate(options):
        problems += _named(o, f"{path}/{n}")
        problems += _localized(o, f"{path}/{n}", menu=False)
        if o.get("type") in (SUBCOMMAND, SUBCOMMAND_GROUP):
            problems += _options(o.get("options") or [], f"{path}/{n}/options")
            continue
        problems += _autocomplete(o, f"{path}/{n}")
        if o.get("required"):
            if optional_seen:
                problems.append((f"{path}/{n}", "option_order: required after optional"))
        else:
            optional_seen = True
    return problems


def _autocomplete(o: dict[str, Any], path: str) -> Problems:
    """Docs: "autocomplete may not be set to true if choices are present", and only string,
    integer and number options autocomplete."""
    if not o.get("autocomplete"):
        return []
    if o.get("type") not in (STRING, INTEGER, NUMBER):
        return [(path, f"autocomplete_option: option type {o.get('type')} cannot autocomplete")]
    if o.get("choices"):
        return [(path, "autocomplete_option: autocomplete together with choices")]
    return []
