"""Discord's rules for interaction responses: callback types, autocomplete choices, modals."""

from __future__ import annotations

from typing import Any

from bot.playground.rules_commands import INTEGER, LOCALES, STRING
from bot.playground.rules_messages import EPHEMERAL, SUPPRESS_EMBEDS, check_message
from bot.playground.rules_schema import Problems, check_schema

CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
# Discord's docs (interactions/application-commands#application-command-object-application-
# command-option-choice-structure): a string choice's value is "up to 100 characters"; the
# spec file's schema says 6000 (the option's own limit), Discord refuses more than 100.
CHOICE_STRING_MAX = 100
INT53 = 2**53


# --- interactions -----------------------------------------------------------------------------

COMMAND_CALLBACKS = {4, 5, 9}  # message, deferred message, modal
COMPONENT_CALLBACKS = {4, 5, 6, 7, 9}  # ... plus deferred update and update of the message
AUTOCOMPLETE, AUTOCOMPLETE_RESULT = 4, 8  # interaction type, and its only callback type


def check_autocomplete(body: Any, option: dict[str, Any]) -> Problems:
    """An answer to an autocomplete interaction (type 4) for ``option``, the focused option as
    the command declares it: callback type 8 only, the spec's schema, then Discord's
    documented limits on the choices."""
    if not isinstance(body, dict) or body.get("type") != AUTOCOMPLETE_RESULT:
        kind = body.get("type") if isinstance(body, dict) else None
        return [("type", f"callback_type: {kind} is not a response to interaction type 4")]
    problems = check_schema("autocomplete_callback", body)
    if problems:
        return problems
    choices = (body.get("data") or {}).get("choices")
    if not isinstance(choices, list):
        return [("data/choices", "autocomplete_choices: choices required")]
    if len(choices) > CHOICES_MAX:
        problems.append(("data/choices", f"autocomplete_choices: {len(choices)} > {CHOICES_MAX}"))
    kind = option.get("type")
    for n, c in enumerate(choices):
        where = f"data/choices/{n}"
        if not isinstance(c, dict):
            problems.append((where, "autocomplete_choices: a choice is an object"))
            continue
        name, value = c.get("name"), c.get("value")
        if not isinstance(name, str) or not 1 <= len(name) <= CHOICE_NAME_MAX:
            problems.append((where, f"autocomplete_choices: name {name!r}"))
        if kind == STRING:
            ok = isinstance(value, str) and len(value) <= CHOICE_STRING_MAX
        elif kind == INTEGER:
            ok = isinstance(value, int) and not isinstance(value, bool) and -INT53 < value < INT53
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok:
            problems.append((where, f"autocomplete_choices: value {value!r} for type {kind}"))
        for locale, text in (c.get("name_localizations") or {}).items():
            if locale not in LOCALES or not 1 <= len(str(text)) <= CHOICE_NAME_MAX:
                problems.append((where, f"autocomplete_choices: localised name {locale!r}"))
    return problems


def check_callback(body: Any, interaction_type: int) -> Problems:
    if isinstance(body, dict) and body.get("type") == 9:  # the spec file has no modal schema
        extra = set(body) - {"type", "data"}
        problems: Problems = [("_root", f"schema: unexpected {sorted(extra)}")] if extra else []
        if not isinstance(body.get("data"), dict):
            return [*problems, ("data", "modal: data required")]
    else:
        problems = check_schema("interaction_callback", body)
    if problems:
        return problems
    kind = body["type"]
    if interaction_type == AUTOCOMPLETE:  # only type 8, which check_autocomplete reads
        return [("type", f"callback_type: {kind} is not a response to interaction type 4")]
    allowed = COMMAND_CALLBACKS if interaction_type == 2 else COMPONENT_CALLBACKS
    if interaction_type == 5:  # a modal submit cannot answer with another modal
        allowed = COMPONENT_CALLBACKS - {9}
    if kind not in allowed:
        return [("type", f"callback_type: {kind} is not a response to interaction type "
                 f"{interaction_type}")]  # fmt: skip
    data = body.get("data") or {}
    if kind == 5:
        flags = data.get("flags") or 0
        if flags & ~(EPHEMERAL | SUPPRESS_EMBEDS):
            problems.append(("data/flags", f"flags: {flags} cannot be set on a defer"))
        return problems
    if kind in (4, 7):
        problems += check_message(data, edit=kind == 7, route="")
    if kind == 9:
        problems += check_modal(data)
    return problems


TEXT_INPUT_MAX = 4000


def check_modal(data: dict[str, Any]) -> Problems:
    """A modal (callback type 9): Discord's documented limits on the form and its inputs.

    The trimmed spec file has no modal schema, so these are the documented limits by hand:
    custom_id 1-100, title 1-45, 1-5 rows, each an action row holding one text input (type 4)
    or a label (type 18) holding one; a text input's custom_id 1-100, style 1 or 2, label
    1-45, max_length 1-4000 and min_length 0-4000 not above it, a value within them."""
    problems: Problems = []
    if not 1 <= len(str(data.get("custom_id") or "")) <= 100:
        problems.append(("data/custom_id", "modal: custom_id must be 1-100 characters"))
    if not 1 <= len(str(data.get("title") or "")) <= 45:
        problems.append(("data/title", "modal: title must be 1-45 characters"))
    rows = data.get("components")
    if not isinstance(rows, list) or not 1 <= len(rows) <= 5:
        return [*problems, ("data/components", "modal: 1-5 components required")]
    for n, row in enumerate(rows):
        where = f"data/components/{n}"
        if row.get("type") == 18:
            inner, label = [row.get("component")], row.get("label")
        elif row.get("type") == 1:
            inner, label = row.get("components") or [], None
        else:
            problems.append((where, f"modal: component type {row.get('type')} not allowed"))
            continue
        if len(inner) != 1 or not isinstance(inner[0], dict) or inner[0].get("type") != 4:
            problems.append((where, "modal: each row holds exactly one text input"))
            continue
        problems += _text_input(inner[0], where, label)
    return problems


def _text_input(c: dict[str, Any], where: str, label: str | None) -> Problems:
    problems: Problems = []
    label = label if label is not None else c.get("label")
    if not 1 <= len(str(c.get("custom_id") or "")) <= 100:
        problems.append((where, "text input: custom_id must be 1-100 characters"))
    if c.get("style", 1) not in (1, 2):
        problems.append((where, f"text input: style {c.get('style')} is not 1 or 2"))
    if not 1 <= len(str(label or "")) <= 45:
        problems.append((where, "text input: label must be 1-45 characters"))
    high = c.get("max_length", TEXT_INPUT_MAX)
    low = c.get("min_length", 0)
    if not (isinstance(high, int) and 1 <= high <= TEXT_INPUT_MAX):
        problems.append((where, f"text input: max_length {high} is not 1-{TEXT_INPUT_MAX}"))
    elif not (isinstance(low, int) and 0 <= low <= high):
        problems.append((where, f"text input: min_length {low} is not 0-max_length"))
    if len(str(c.get("placeholder") or "")) > 100:
        problems.append((where, "text input: placeholder over 100 characters"))
    if len(str(c.get("value") or "")) > (high if isinstance(high, int) else TEXT_INPUT_MAX):
        problems.append((where, "text input: value longer than max_length"))
    return problems
