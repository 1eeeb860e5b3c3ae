"""Log entries as moderators read them: a terminal table, JSON Lines, CSV, one entry in full.

User text reaches a moderator's terminal here, so the table and the full entry show control
characters as escapes (a member cannot send escape sequences to it), and JSON escapes the
ones JSON itself leaves raw (DEL, C1 controls, bidirectional overrides). CSV is data for a
spreadsheet and keeps text as stored.
"""

from __future__ import annotations

import csv
import io
import json
import re

from bot.logs.models import LogEntry, Stats, Unanswered
from bot.text import for_terminal
from bot.times import second
from retrieval.labels import shorten

CSV_FIELDS = (
    "id", "created_at", "surface", "guild_name", "guild_id", "channel_name", "channel_id",
    "user_id", "user_name", "question", "result", "answered", "reason", "confidence", "top_score",
    "citations", "helpful", "not_helpful", "reviewed_by", "reviewed_at", "review_note",
    "latency_ms", "corpus_version", "answer", "follows",
)  # fmt: skip
UNANSWERED_FIELDS = (
    "question", "count", "declined", "not_sure", "flagged", "last_asked", "servers",
)  # fmt: skip


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def place(entry: LogEntry) -> str:
    """Where an entry was asked, by name where the log has it: "Peace Watch #news"."""
    if not entry.guild_id:
        return "DM / terminal" if entry.surface == "cli" else "DM"
    server = entry.guild_name or f"server {entry.guild_id}"
    channel = f"#{entry.channel_name}" if entry.channel_name else f"channel {entry.channel_id}"
    return f"{server} {channel}"


def citations_text(entry: LogEntry) -> str:
    return "; ".join(
        f"{c['source']} ¶{c['paragraph']}" for q in entry.quotes for c in q["citations"]
    )


def clip(text: str, width: int) -> str:
    """One line of at most ``width`` characters, control characters shown as escapes."""
    return shorten(for_terminal(" ".join(text.split())), width)


_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _json_line(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


RESULT_WIDTH = 28  # "declined: control_characters", the longest result, fits


def table(entries: list[LogEntry]) -> str:
    if not entries:
        return "No log entries match."
    results = [clip(e.result, RESULT_WIDTH) for e in entries]
    width = max(len("result"), *map(len, results))  # as wide as this table's results need
    header = (
        f"{'id':>16}  {'time (UTC)':19}  {'where':18}  {'user':14}  {'result':{width}}  question"
    )
    lines = [header, "-" * len(header)]
    for e, result in zip(entries, results, strict=True):
        flags = " ✗" if e.feedback.get("not_helpful") else ""
        flags += " ✓" if e.reviewed_at else ""
        lines.append(
            f"{e.id:>16}  {second(e.created_at):19}  {clip(place(e), 18):18}  "
            f"{clip(e.user_name or e.user_id or '-', 14):14}  {result:{width}}  "
            f"{clip(e.question, 60)}{flags}"
        )
        if e.follows:  # a follow-up: the entry whose question it was read with
            lines.append(f"{'':>16}  ↳ follows {e.follows}")
        lines += [f"{'':>16}  ✗ {clip(r, 100)}" for r in e.reasons]
    return "\n".join(lines)


def json_lines(entries: list[LogEntry]) -> str:
    return "\n".join(_json_line({**e.to_dict(), "result": e.result}) for e in entries)


def csv_text(entries: list[LogEntry]) -> str:
    """CSV with a header row and a BOM, so spreadsheets open it as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for e in entries:
        writer.writerow(
            {
                "id": e.id, "created_at": e.created_at, "surface": e.surface,
                "guild_name": e.guild_name, "guild_id": e.guild_id,
                "channel_name": e.channel_name, "channel_id": e.channel_id,
                "user_id": e.user_id, "user_name": e.user_name, "question": e.question,
                "result": e.result, "answered": yes_no(e.answered), "reason": e.reason,
                "confidence": e.confidence,
                "top_score": e.top_score, "citations": citations_text(e),
                "helpful": e.feedback["helpful"], "not_helpful": e.feedback["not_helpful"],
                "reviewed_by": e.reviewed_by, "reviewed_at": e.reviewed_at,
                "review_note": e.review_note, "latency_ms": e.latency_ms,
                "corpus_version": e.corpus_version, "answer": e.answer, "follows": e.follows,
            }
        )  # fmt: skip
    return out.getvalue()


def detail(entry: LogEntry) -> str:
    return for_terminal(_detail(entry), keep_newlines=True)


def _detail(entry: LogEntry) -> str:
    who = entry.user_name or entry.user_id or "-"
    where = place(entry)
    if entry.guild_id:
        where += f" (server {entry.guild_id}, channel {entry.channel_id})"
    if entry.reviewed_at:
        reviewed = f"by {entry.reviewed_by} at {entry.reviewed_at}"
        reviewed += f": {entry.review_note}" if entry.review_note else ""
    else:
        reviewed = "not yet"
    lines = [
        f"Entry {entry.id}",
        f"  time      {entry.created_at}",
        f"  via       {entry.surface}",
        f"  user      {who}" + (f" ({entry.user_id})" if entry.user_id and entry.user_name else ""),
        f"  where     {where}",
        f"  question  {for_terminal(entry.question)}",
        *([f"  follows   entry {entry.follows} (read with its question)"] if entry.follows else []),
        f"  result    {entry.result}",
        f"  latency   {entry.latency_ms:.1f} ms",
        f"  corpus    {entry.corpus_version}",
        f"  feedback  {entry.feedback['helpful']} helpful, "
        f"{entry.feedback['not_helpful']} not helpful",
        *(f"  wrong     {for_terminal(r)}" for r in entry.reasons),
        f"  reviewed  {for_terminal(reviewed)}",
    ]
    for n, q in enumerate(entry.quotes, 1):
        cites = ", ".join(_cite(c) for c in q["citations"])
        text = for_terminal(q["text"])
        lines += ["", f"  quote {n} (score {q['score']:.2f}; {cites})", f"    {text}"]
    if not entry.answered:
        lines += ["", f"  message   {entry.answer}"]
    return "\n".join(lines)


def _cite(c: dict[str, object]) -> str:
    """A stored citation as "label (file ¶n)"; entries logged before labels show the file."""
    label = c.get("label")
    where = f"{c['file']} ¶{c['paragraph']}"
    return f"{for_terminal(str(label))} ({where})" if label else where


def stats_text(s: Stats) -> str:
    lines = [
        f"Entries {('since ' + s.since) if s.since else '(all time)'}: {s.entries}",
        *(f"{label}: {n} ({share:.0%})" for label, n, share in s.outcomes()),
        f"Feedback: {s.helpful} helpful, {s.not_helpful} not helpful",
    ]
    if s.declined_reasons:
        lines.append("Declined, by reason:")
        lines += [f"  {reason:20} {n}" for reason, n in s.declined_reasons.items()]
    if s.top_questions:
        lines.append("Most asked:")
        lines += [f"  {n:4}  {clip(q, 70)}" for q, n in s.top_questions]
    return "\n".join(lines)


def unanswered_table(groups: list[Unanswered]) -> str:
    if not groups:
        return "No declined, not-sure or not-helpful questions match."
    header = (
        f"{'times':>5}  {'declined':>8}  {'not sure':>8}  {'flagged':>7}  {'last asked (UTC)':19}  "
        f"{'servers':28}  question"
    )
    lines = [header, "-" * len(header)]
    for g in groups:
        lines.append(
            f"{g.count:>5}  {g.declined:>8}  {g.not_sure:>8}  {g.flagged:>7}  "
            f"{second(g.last_asked):19}  "
            f"{clip(', '.join(g.servers), 28):28}  {clip(g.question, 60)}"
        )
    return "\n".join(lines)


def _unanswered_row(g: Unanswered) -> dict[str, object]:
    return {
        "question": g.question, "count": g.count, "declined": g.declined,
        "not_sure": g.not_sure, "flagged": g.flagged, "last_asked": g.last_asked,
        "servers": g.servers, "latest_id": g.latest_id,
    }  # fmt: skip


def unanswered_json(groups: list[Unanswered]) -> str:
    return "\n".join(_json_line(_unanswered_row(g)) for g in groups)


def unanswered_csv(groups: list[Unanswered]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(
        out, fieldnames=(*UNANSWERED_FIELDS, "latest_id"), lineterminator="\r\n"
    )
    writer.writeheader()
    for g in groups:
        writer.writerow({**_unanswered_row(g), "servers": "; ".join(g.servers)})
    return out.getvalue()
