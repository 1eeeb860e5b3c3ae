"""Discord's rules for message bodies: flags, embeds, custom_ids, mentions, attachments."""

from __future__ import annotations

from typing import Any

from bot.playground.rules_schema import Problems, check_schema

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
