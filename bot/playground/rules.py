"""What Discord refuses in a request body, for the emulator: the published schema plus the
documented limits the schema does not encode.

The schemas are a trimmed copy of Discord's OpenAPI document (``data/discord_api_schemas.json``,
made by ``tools/trim_discord_spec.py``; its ``x-source`` and ``x-commit`` say which version).
Each check returns a list of problems as ``(path, message)``; an empty list means Discord would
accept the body. ``RULES`` names every rule, so a test can prove each one still bites.
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_FILE = Path(__file__).parent / "data" / "discord_api_schemas.json"

Problems = list[tuple[str, str]]

# Message flags (docs: resources/message#message-object-message-flags) a request may set.
SUPPRESS_EMBEDS = 1 << 2
EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15
CREATE_FLAGS = SUPPRESS_EMBEDS | EPHEMERAL | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
EDIT_FLAGS = SUPPRESS_EMBEDS | IS_COMPONENTS_V2  # "only SUPPRESS_EMBEDS ... can be set"

EMBED_TOTAL_MAX = 6000  # title + description + field names and values + footer + author
CUSTOM_ID_MAX = 100
NAME_MAX = 32
OPTIONS_MAX = 25
SUBCOMMAND, SUBCOMMAND_GROUP = 1, 2
CHAT_INPUT = 1
STRING, INTEGER, NUMBER = 3, 4, 10  # option types that may autocomplete
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
# Discord's docs (interactions/application-commands#application-command-object-application-
# command-option-choice-structure): a string choice's value is "up to 100 characters"; the
# spec file's schema says 6000 (the option's own limit), Discord refuses more than 100.
CHOICE_STRING_MAX = 100
INT53 = 2**53

RULES = {
    "schema": "request body matches the route's schema in Discord's OpenAPI spec",
    "embed_total": f"all embeds of a message together ≤ {EMBED_TOTAL_MAX} characters",
    "embed_field_blank": "embed field name and value are not empty",
    "custom_id_unique": "custom_id unique within a message",
    "custom_id_length": f"custom_id 1–{CUSTOM_ID_MAX} characters",
    "allowed_mentions": "allowed_mentions.parse lists no type also given as users/roles",
    "flags": "only settable message flags (create: 4, 64, 4096, 32768; edit: 4, 32768)",
    "command_name": "command and option names: 1–32 lowercase letters, digits, - _ '",
    "command_description": "chat-input commands and options have a 1–100 character description",
    "option_order": "required options before optional ones",
    "option_unique": "option names unique within a level; at most 25 options",
    "subcommand_mix": "subcommands are not mixed with plain options",
    "command_unique": "command names unique per type in one sync",
    "menu_command": "user and message commands: a 1–32 character name, no description",
    "localizations": "localisations use Discord's locales; localised names follow the name rules",
    "attachments": "multipart: parts are payload_json or files[n]; attachment ids match parts",
    "callback_type": "callback type allowed for the interaction type",
    "autocomplete_option": "autocomplete only on string, integer and number options, never "
    "together with choices",
    "autocomplete_choices": f"autocomplete result: ≤ {CHOICES_MAX} choices, names 1–"
    f"{CHOICE_NAME_MAX} characters, values of the option's type, strings ≤ "
    f"{CHOICE_STRING_MAX} characters",
}


@cache
def _document() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text("utf-8"))


def spec_version() -> str:
    doc = _document()
    return f"Discord API v{doc['x-api-version']}, discord-api-spec {doc['x-commit']}"


@cache
def _validator(name: str) -> Draft202012Validator:
    doc = _document()
    schema: dict[str, Any] = {"components": doc["components"]}
    if name == "command_overwrite":
        schema |= {
            "type": "array",
            "maxItems": 130,
            "items": {"$ref": "#/components/schemas/ApplicationCommandUpdateRequest"},
        }
    elif name == "autocomplete_callback":
        schema["$ref"] = "#/components/schemas/ApplicationCommandAutocompleteCallbackRequest"
    elif name == "interaction_callback":
        schema["anyOf"] = [
            {"$ref": "#/components/schemas/CreateMessageInteractionCallbackRequest"},
            {"$ref": "#/components/schemas/UpdateMessageInteractionCallbackRequest"},
        ]
    else:
        schema["$ref"] = f"#/components/schemas/{name}"
    return Draft202012Validator(schema)


def check_schema(name: str, body: Any) -> Problems:
    """``name``: ``interaction_callback``, ``command_overwrite``, or a schema name."""
    return [
        ("/".join(map(str, e.absolute_path)) or "_root", f"schema: {e.message[:300]}")
        for e in _validator(name).iter_errors(body)
    ]


# --- messages ---------------------------------------------------------------------------------


def check_message(body: dict[str, Any], *, edit: bool, route: str) -> Problems:
    """A message body sent as an interaction response, a follow-up or an edit."""
    problems = check_schema(route, body) if route else []
    problems += _embeds(body.get("embeds") or [])
    problems += _custom_ids(body.get("components") or [])
    problems += _allowed_mentions(body.get("allowed_mentions"))
    flags = body.get("flags") or 0
    allowed = EDIT_FLAGS if edit else CREATE_FLAGS
    if isinstance(flags, int) and flags & ~allowed:
        problems.append(("flags", f"flags: {flags & ~allowed} cannot be set here"))
    return problems


def _embeds(embeds: list[Any]) -> Problems:
    problems: Problems = []
    total = 0
    for n, e in enumerate(embeds):
        if not isinstance(e, dict):
            continue
        total += len(e.get("title") or "") + len(e.get("description") or "")
        total += len((e.get("footer") or {}).get("text") or "")
        total += len((e.get("author") or {}).get("name") or "")
        for m, f in enumerate(e.get("fields") or []):
            if not isinstance(f, dict):
                continue
            name, value = f.get("name") or "", f.get("value") or ""
            total += len(name) + len(value)
            if not str(name).strip() or not str(value).strip():
                problems.append(
                    (f"embeds/{n}/fields/{m}", "embed_field_blank: name and value required")
                )
    if total > EMBED_TOTAL_MAX:
        problems.append(("embeds", f"embed_total: {total} characters > {EMBED_TOTAL_MAX}"))
    return problems


def _custom_ids(components: list[Any]) -> Problems:
    problems: Problems = []
    seen: set[str] = set()

    def walk(node: Any, path: str) -> None:
        if isinstance(node, list):
            for n, child in enumerate(node):
                walk(child, f"{path}/{n}")
        elif isinstance(node, dict):
            cid = node.get("custom_id")
            if isinstance(cid, str):
                if not 1 <= len(cid) <= CUSTOM_ID_MAX:
                    problems.append((path, f"custom_id_length: {len(cid)} characters"))
                if cid in seen:
                    problems.append((path, f"custom_id_unique: {cid!r} used twice"))
                seen.add(cid)
            for key in ("components", "accessory"):
                if key in node:
                    walk(node[key], f"{path}/{key}")

    walk(components, "components")
    return problems


def _allowed_mentions(am: Any) -> Problems:
    if not isinstance(am, dict):
        return []
    parse = am.get("parse") or []
    return [
        ("allowed_mentions", f"allowed_mentions: parse has {kind!r} and {kind} is a list too")
        for kind in ("users", "roles")
        if kind in parse and am.get(kind)
    ]


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


def check_attachments(
    body: dict[str, Any], part_names: list[str], existing: set[str] | None = None
) -> Problems:
    """Multipart: only payload_json and files[n] parts; every attachment id that is not an
    attachment the message already has names a files[n] part, and every part is named."""
    problems: Problems = []
    indexes: set[str] = set()
    for name in part_names:
        if name == "payload_json":
            continue
        if name.startswith("files[") and name.endswith("]") and name[6:-1].isdigit():
            indexes.add(str(int(name[6:-1])))
        else:
            problems.append((name, f"attachments: unexpected form part {name!r}"))
    listed = body.get("attachments")
    if listed is None:
        return problems
    ids = {str(a.get("id")) for a in listed if isinstance(a, dict)}
    for a in listed:
        aid = str(a.get("id")) if isinstance(a, dict) else "?"
        if aid not in indexes and aid not in (existing or set()):
            problems.append(("attachments", f"attachments: id {aid} matches no files[n] part"))
    for index in sorted(indexes - ids):
        problems.append(("attachments", f"attachments: files[{index}] is not listed"))
    return problems
