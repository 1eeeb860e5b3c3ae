"""The playground's one channel as the page shows it: what people did, in order, and what
Discord (the emulator) shows for each now.

The emulator keeps every interaction and the messages the bot made for it, edited in place;
this keeps only the order and who did what, and reads the rest from the emulator each time,
so the page never shows a state Discord would not.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from bot.playground.emulator import EPHEMERAL, Emulator, Exchange

# The two people of the playground, as the emulator names them: a member, and a moderator
# (Manage Messages). What each may do is decided by Discord's rules and the bot, not the page.
IDENTITIES = {"member": "Member", "moderator": "Moderator"}


@dataclass
class Post:
    """One thing in the channel: a person's message, an interaction, or a notice only that
    person sees (Discord's own, e.g. a command it would not offer them)."""

    kind: str  # "chat", "interaction" or "notice"
    who: str
    at: float = field(default_factory=time.time)
    invoked: str | None = None  # "/ask question: …", "Ask Talks Bot" (interaction)
    token: str | None = None  # the interaction's, to read it back from the emulator
    message: dict[str, Any] | None = None  # chat: the message as Discord has it
    text: str | None = None  # notice


class Channel:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.posts: list[Post] = []
        self.chat: dict[str, dict[str, Any]] = {}  # people's messages by id

    def said(self, who: str, content: str) -> dict[str, Any]:
        message = self.emu.post(who, content)
        self.chat[message["id"]] = message
        self.posts.append(Post("chat", who, message=message))
        self.emu.revise()
        return message

    def acted(self, who: str, ex: Exchange, invoked: str | None) -> None:
        self.posts.append(Post("interaction", who, invoked=invoked, token=ex.token))
        self.emu.revise()

    def notice(self, who: str, text: str) -> None:
        self.posts.append(Post("notice", who, text=text))
        self.emu.revise()

    def message(self, message_id: str) -> dict[str, Any] | None:
        """A message in the channel by id, as Discord has it now (a person's or the bot's)."""
        if message_id in self.chat:
            return self.chat[message_id]
        return self.emu.messages.get(int(message_id)) if message_id.isdigit() else None

    def shown(self) -> list[dict[str, Any]]:
        """Every post as the page draws it."""
        return [self._shown(n, post) for n, post in enumerate(self.posts)]

    def _shown(self, n: int, post: Post) -> dict[str, Any]:
        out: dict[str, Any] = {"n": n, "kind": post.kind, "who": post.who, "at": post.at}
        if post.kind == "chat":
            out["message"] = _message(post.message or {})
        elif post.kind == "notice":
            out["text"] = post.text
        else:
            ex = self.emu.exchanges[post.token or ""]
            out |= _interaction(ex, post.invoked)
        return out


def _interaction(ex: Exchange, invoked: str | None) -> dict[str, Any]:
    """An interaction: the "thinking…" placeholder while deferred, else the messages it made
    (the original response, then follow-ups); a form it opened; its requests."""
    messages = []
    own = ex.original is not None and ex.original is not ex.source_message
    if own and not ex.loading:
        messages.append(_message(ex.original))  # type: ignore[arg-type]
    messages += [_message(m) for m in ex.followups]
    return {
        "token": ex.token,
        "invoked": invoked,
        "interaction_type": ex.kind,
        "thinking": ex.loading,
        "thinking_ephemeral": bool(ex.loading and ex.original["flags"] & EPHEMERAL),  # type: ignore[index]
        "messages": messages,
        "modal": ex.modal,
        "trace": ex.trace,
    }


def _message(m: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": m.get("id"),
        "author": (m.get("author") or {}).get("global_name") or "",
        "bot": bool((m.get("author") or {}).get("bot")),
        "content": m.get("content") or "",
        "embeds": m.get("embeds") or [],
        "components": m.get("components") or [],
        "ephemeral": bool((m.get("flags") or 0) & EPHEMERAL),
        "edited": m.get("edited_timestamp") is not None,
        "attachments": [
            {"filename": a.get("filename"), "size": a.get("size")}
            for a in m.get("attachments") or []
        ],
    }
