"""Log entries and review filters: what the store writes and what reviews read back."""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bot.text import repair
from bot.times import utc_now
from bot.wording import plain_text
from retrieval.models import Answer

Surface = Literal["discord", "context_menu", "cli"]  # context_menu: "Ask Talks Bot" in Discord

_EPOCH_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
_sequence_lock = threading.Lock()
_sequence = random.Random(os.getpid() ^ time.time_ns()).randrange(4096)


def new_entry_id() -> int:
    """A time-ordered 53-bit id, made before the entry is written.

    Like a Discord snowflake: milliseconds since 2025 and a 12-bit sequence that starts at a
    random point per process. The bot puts the id on an answer's buttons before the record is
    written, so answering never waits for the log, and a bot and a ``talks-bot ask`` writing
    the same file do not collide. 53 bits keeps ids exact in JSON and in the browser.
    """
    global _sequence
    with _sequence_lock:
        _sequence = (_sequence + 1) % 4096
        return ((int(time.time() * 1000) - _EPOCH_MS) << 12) | _sequence


MAX_ENTRY_ID = 2**63 - 1  # SQLite's INTEGER is a 64-bit signed number


def is_entry_id(entry_id: int) -> bool:
    """Whether ``entry_id`` can be an entry's id at all. Ids arrive from buttons, forms and
    commands as text anyone can forge; one out of range is "no such entry", not an error."""
    return isinstance(entry_id, int) and 1 <= entry_id <= MAX_ENTRY_ID


def entry_time(entry_id: int) -> float:
    """When an entry id was made (Unix seconds), read back from the id itself."""
    return ((entry_id >> 12) + _EPOCH_MS) / 1000


# The three outcomes of a question, worded once for every moderator's view (terminal, CSV,
# JSON, Discord's /logs, Datasette): a confident answer, a "not sure" answer (answered with
# low confidence: "the articles may not answer this directly"), or a decline.
Outcome = Literal["confident", "not_sure", "declined"]
RESULT_WORDS: dict[Outcome, str] = {
    "confident": "answered", "not_sure": "not sure", "declined": "declined",
}  # fmt: skip
OUTCOME_LABELS: dict[Outcome, str] = {
    "confident": "Answered confidently", "not_sure": "Answered, not sure", "declined": "Declined",
}  # fmt: skip


def outcome(answered: bool, confidence: str | None) -> Outcome:
    """Which of the three an entry is; an answer logged without a confidence is confident."""
    if not answered:
        return "declined"
    return "not_sure" if confidence == "low" else "confident"


def result_text(answered: bool, confidence: str | None, reason: str | None) -> str:
    """An entry's result as every view shows it: "answered", "not sure", "declined: REASON"."""
    kind = outcome(answered, confidence)
    if kind == "declined":
        return f"{RESULT_WORDS[kind]}: {reason or '?'}"
    return RESULT_WORDS[kind]


@dataclass(slots=True)
class LogEntry:
    id: int
    created_at: str
    surface: Surface
    question: str
    answered: bool
    reason: str | None
    answer: str
    quotes: list[dict[str, Any]]
    corpus_version: str
    latency_ms: float
    guild_id: str | None = None
    channel_id: str | None = None
    user_id: str | None = None
    user_name: str | None = None
    locale: str | None = None
    private: bool | None = None  # shown only to the asker (Discord); None: not known / CLI
    confidence: str | None = None  # "high" or "low" when answered (retrieval.models)
    guild_name: str | None = None  # the server's and channel's names when the question was
    channel_name: str | None = None  # asked (names change; the ids above do not)
    reviewed_by: str | None = None  # the moderator who marked the entry reviewed, when, and
    reviewed_at: str | None = None  # their note (log schema 7)
    review_note: str | None = None
    shard_id: int | None = None  # the Discord gateway shard that received it (None: not Discord)
    follows: int | None = None  # the entry this follow-up question was read with (log schema 9)
    feedback: dict[str, int] = field(default_factory=lambda: {"helpful": 0, "not_helpful": 0})
    reasons: list[str] = field(default_factory=list)  # what "not helpful" voters said was wrong

    @property
    def top_score(self) -> float | None:
        return self.quotes[0]["score"] if self.quotes else None

    @property
    def question_key(self) -> str:
        return question_key(self.question)

    @property
    def outcome(self) -> Outcome:
        return outcome(self.answered, self.confidence)

    @property
    def result(self) -> str:
        """The result in words: "answered", "not sure" or "declined: REASON" (``result_text``)."""
        return result_text(self.answered, self.confidence, self.reason)

    @classmethod
    def from_answer(
        cls,
        answer: Answer,
        surface: Surface,
        *,
        entry_id: int | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        user_id: int | str | None = None,
        user_name: str | None = None,
        locale: str | None = None,
        private: bool | None = None,
        created_at: str | None = None,
        guild_name: str | None = None,
        channel_name: str | None = None,
        shard_id: int | None = None,
        follows: int | None = None,
    ) -> LogEntry:
        """The record of one answer; ``created_at`` is when it was asked (default: now).

        Text that cannot be encoded is repaired here too, so a caller that skipped
        ``bot.text.repair`` still cannot make the record unwritable."""
        data = json.loads(json.dumps(answer.to_dict()), object_hook=_repaired)
        return cls(
            id=entry_id if entry_id is not None else new_entry_id(),
            created_at=created_at or utc_now(),
            surface=surface,
            question=repair(answer.question),
            answered=answer.answered,
            reason=answer.reason,
            answer=repair(plain_text(answer)),
            quotes=data["quotes"],
            corpus_version=answer.corpus_version,
            latency_ms=round(answer.latency_ms, 3),
            guild_id=_text(guild_id),
            channel_id=_text(channel_id),
            user_id=_text(user_id),
            user_name=None if user_name is None else repair(user_name),
            locale=locale,
            private=private,
            confidence=answer.confidence,
            guild_name=None if guild_name is None else repair(guild_name),
            channel_name=None if channel_name is None else repair(channel_name),
            shard_id=shard_id,
            follows=follows,
        )

    @classmethod
    def from_row(cls, row: Any) -> LogEntry:
        """An entry as a store reads it back: a ``sqlite3.Row`` or an ``asyncpg.Record`` (both
        index by column name) of the entries table plus the ``helpful``, ``not_helpful`` and
        ``reasons`` (a JSON array) columns the stores' SELECT adds."""
        return cls(
            id=row["id"],
            created_at=row["created_at"],
            surface=row["surface"],
            question=row["question"],
            answered=bool(row["answered"]),
            reason=row["reason"],
            answer=row["answer"],
            quotes=json.loads(row["quotes"]),
            corpus_version=row["corpus_version"],
            latency_ms=row["latency_ms"],
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            user_id=row["user_id"],
            user_name=row["user_name"],
            locale=row["locale"],
            private=None if row["private"] is None else bool(row["private"]),
            confidence=row["confidence"],
            guild_name=row["guild_name"],
            channel_name=row["channel_name"],
            reviewed_by=row["reviewed_by"],
            reviewed_at=row["reviewed_at"],
            review_note=row["review_note"],
            shard_id=row["shard_id"],
            follows=row["follows"],
            feedback={"helpful": int(row["helpful"]), "not_helpful": int(row["not_helpful"])},
            reasons=json.loads(row["reasons"] or "[]"),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _repaired(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: repair(v) if isinstance(v, str) else v for k, v in obj.items()}


def _text(value: int | str | None) -> str | None:
    return None if value is None else str(value)


@dataclass(slots=True)
class Asked:
    """One question as suggestions and id pickers need it: no answer text, no user."""

    id: int
    question: str
    answered: bool  # and with confidence: a "not sure" answer is not offered as a suggestion
    private: bool | None  # None: not recorded (before log schema 5); treated as private
    flagged: bool  # someone voted it not helpful


@dataclass(frozen=True, slots=True)
class Filters:
    limit: int | None = 20  # None: every matching entry
    since: str | None = None  # ISO date or datetime, UTC
    until: str | None = None
    user_id: str | None = None
    declined: bool = False
    flagged: bool = False
    search: str | None = None
    guild_id: str | None = None  # one server's entries only (its moderators see no other)
    unreviewed: bool = False  # no moderator has marked it reviewed yet


REVIEW_NOTE_MAX = 500  # characters; a note says what was done, not an essay


@dataclass(slots=True)
class Unanswered:
    """Questions the articles did not serve, grouped by ``question_key``: what to add next."""

    question: str  # the latest wording asked
    count: int  # times asked and declined, answered "not sure", or voted not helpful
    declined: int
    not_sure: int  # answered with low confidence: "the articles may not answer this directly"
    flagged: int
    last_asked: str
    servers: list[str]  # server names where known, else ids; "DM / terminal" for none
    latest_id: int


# Discord markup that changes how a question looks, not what it asks: mentions, channel and
# role links, custom emoji, timestamps (<@123>, <#123>, <:name:123>, <t:123:R>).
_DISCORD_TOKENS = re.compile(r"<(?:@[!&]?|#|a?:\w+:|t:)\d+(?::[A-Za-z])?>")


def question_key(text: str) -> str:
    """A question folded for grouping: Discord markup removed, compatibility forms and case
    folded, punctuation and symbols (markdown's ``*_~`|>`` among them) dropped, spaces
    collapsed. "**Where** are the talks?" and "where are the talks" share one key."""
    text = unicodedata.normalize("NFKC", _DISCORD_TOKENS.sub(" ", text)).casefold()
    kept = (
        " " if unicodedata.category(ch)[0] in "PSZC" else ch  # punctuation, symbols, spaces
        for ch in text
    )
    return " ".join("".join(kept).split())


@dataclass(slots=True)
class Stats:
    entries: int
    answered: int  # confidently or "not sure"
    not_sure: int  # of those answered, with low confidence
    declined_reasons: dict[str, int]
    top_questions: list[tuple[str, int]]
    helpful: int
    not_helpful: int
    since: str | None

    def outcomes(self) -> list[tuple[str, int, float]]:
        """Each outcome's label (``OUTCOME_LABELS``), count and share of the entries."""
        counts: dict[Outcome, int] = {
            "confident": self.answered - self.not_sure,
            "not_sure": self.not_sure,
            "declined": self.entries - self.answered,
        }
        return [
            (OUTCOME_LABELS[k], n, n / self.entries if self.entries else 0.0)
            for k, n in counts.items()
        ]


def review_note(note: str | None) -> str | None:
    """A review note as both backends store it: whitespace folded, repaired, bounded."""
    note = repair(" ".join(note.split()))[:REVIEW_NOTE_MAX] if note else None
    return note or None
