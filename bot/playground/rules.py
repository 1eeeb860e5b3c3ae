"""What Discord refuses in a request body, for the emulator: the published schema plus the
documented limits the schema does not encode.

The schemas are a trimmed copy of Discord's OpenAPI document (``data/discord_api_schemas.json``,
made by ``tools/trim_discord_spec.py``; its ``x-source`` and ``x-commit`` say which version).
Each check returns a list of problems as ``(path, message)``; an empty list means Discord would
accept the body. ``RULES`` names every rule, so a test can prove each one still bites.
"""

from __future__ import annotations

from bot.playground.rules_commands import (
    CHAT_INPUT,
    INTEGER,
    LOCALES,
    NAME_MAX,
    NUMBER,
    OPTIONS_MAX,
    STRING,
    SUBCOMMAND,
    SUBCOMMAND_GROUP,
    check_commands,
    valid_name,
)
from bot.playground.rules_interactions import (
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    CHOICE_NAME_MAX,
    CHOICE_STRING_MAX,
    CHOICES_MAX,
    COMMAND_CALLBACKS,
    COMPONENT_CALLBACKS,
    INT53,
    TEXT_INPUT_MAX,
    check_autocomplete,
    check_callback,
    check_modal,
)
from bot.playground.rules_messages import (
    CREATE_FLAGS,
    CUSTOM_ID_MAX,
    EDIT_FLAGS,
    EMBED_TOTAL_MAX,
    EPHEMERAL,
    IS_COMPONENTS_V2,
    LOADING,
    SUPPRESS_EMBEDS,
    SUPPRESS_NOTIFICATIONS,
    check_attachments,
    check_message,
)
from bot.playground.rules_schema import SCHEMA_FILE, Problems, check_schema, spec_version

__all__ = [
    "AUTOCOMPLETE",
    "AUTOCOMPLETE_RESULT",
    "CHAT_INPUT",
    "CHOICES_MAX",
    "CHOICE_NAME_MAX",
    "CHOICE_STRING_MAX",
    "COMMAND_CALLBACKS",
    "COMPONENT_CALLBACKS",
    "CREATE_FLAGS",
    "CUSTOM_ID_MAX",
    "EDIT_FLAGS",
    "EMBED_TOTAL_MAX",
    "EPHEMERAL",
    "INT53",
    "INTEGER",
    "IS_COMPONENTS_V2",
    "LOADING",
    "LOCALES",
    "NAME_MAX",
    "NUMBER",
    "OPTIONS_MAX",
    "RULES",
    "SCHEMA_FILE",
    "STRING",
    "SUBCOMMAND",
    "SUBCOMMAND_GROUP",
    "SUPPRESS_EMBEDS",
    "SUPPRESS_NOTIFICATIONS",
    "TEXT_INPUT_MAX",
    "Problems",
    "check_attachments",
    "check_autocomplete",
    "check_callback",
    "check_commands",
    "check_message",
    "check_modal",
    "check_schema",
    "spec_version",
    "valid_name",
]

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
