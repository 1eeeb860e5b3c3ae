"""Make ``discord_api_schemas.json``: the request-body schemas the emulator checks, cut from
Discord's published OpenAPI document (github.com/discord/discord-api-spec, specs/openapi.json).

    python tools/trim_discord_spec.py openapi.json COMMIT \
        > bot/playground/data/discord_api_schemas.json

Only the schemas reachable from the routes below are kept, unchanged except for the
relaxations listed in ``x-relaxed``: places where the spec is stricter than Discord itself
and discord.py relies on Discord's leniency.
"""

from __future__ import annotations

import json
import sys

ROUTES = {
    # emulator route name: schema the request body must match
    "interaction_callback": "CreateMessageInteractionCallbackRequest | "
    "UpdateMessageInteractionCallbackRequest",
    "webhook_execute": "IncomingWebhookRequestPartial",
    "webhook_edit_message": "IncomingWebhookUpdateRequestPartial",
    "command_overwrite_item": "ApplicationCommandUpdateRequest",
    "interaction_autocomplete": "ApplicationCommandAutocompleteCallbackRequest",
}

RELAXED = {
    "SnowflakeType": (
        {"type": ["string", "integer"], "pattern": "^(0|[1-9][0-9]*)$", "minimum": 0},
        "Discord accepts snowflakes as JSON integers too; discord.py sends new attachments' "
        "ids as the integer index of their files[n] part.",
    ),
}
PERMISSIONS = (
    {"type": ["integer", "string", "null"], "pattern": "^[0-9]+$", "minimum": 0,
     "maximum": 18014398509481983},
    "The spec says integer; Discord's docs and discord.py use a string bitfield, which "
    "Discord accepts.",
)  # fmt: skip


def trim(spec: dict, commit: str) -> dict:
    schemas = spec["components"]["schemas"]
    keep: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    name = value.rsplit("/", 1)[-1]
                    if name not in keep:
                        keep.add(name)
                        walk(schemas[name])
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    roots = [n.strip() for spec_names in ROUTES.values() for n in spec_names.split("|")]
    for name in roots:
        keep.add(name)
        walk(schemas[name])
    kept = {name: schemas[name] for name in sorted(keep)}
    relaxed = {}
    for name, (schema, why) in RELAXED.items():
        kept[name] = schema
        relaxed[f"#/components/schemas/{name}"] = why
    command = kept["ApplicationCommandUpdateRequest"]["properties"]
    command["default_member_permissions"] = PERMISSIONS[0]
    relaxed[
        "#/components/schemas/ApplicationCommandUpdateRequest/properties/default_member_permissions"
    ] = PERMISSIONS[1]
    return {
        "x-source": f"https://github.com/discord/discord-api-spec/blob/{commit}/specs/openapi.json",
        "x-commit": commit,
        "x-openapi": spec["openapi"],
        "x-api-version": spec["info"]["version"],
        "x-routes": ROUTES,
        "x-relaxed": relaxed,
        "components": {"schemas": kept},
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        document = json.load(f)
    json.dump(trim(document, sys.argv[2]), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
