"""Discord's published request schemas (the trimmed OpenAPI file) and the check against them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_FILE = Path(__file__).parent / "data" / "discord_api_schemas.json"

Problems = list[tuple[str, str]]


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
