"""Log entries as moderators read them in a terminal: table, JSON Lines, CSV, one in full."""

from __future__ import annotations

import csv
import io
import json

from bot.logs.models import LogEntry, Stats
from bot.present import clip, printable
from bot.times import second

CSV_FIELDS = (
    "id", "created_at", "surface", "guild_id", "channel_id", "user_id", "user_name", "question",
    "answered", "reason", "top_score", "citations", "helpful", "not_helpful", "latency_ms",
    "corpus_version", "answer",
)  # fmt: skip


def citations_text(entry: LogEntry) -> str:
    return "; ".join(
        f"{c['source']} ¶{c['paragraph']}" for q in entry.quotes for c in q["citations"]
    )


def table(entries: list[LogEntry]) -> str:
    if not entries:
        return "No log entries match."
    header = f"{'id':>16}  {'time (UTC)':19}  {'via':7}  {'user':14}  {'result':12}  question"
    lines = [header, "-" * len(header)]
    for e in entries:
        result = "answered" if e.answered else (e.reason or "declined")
        flags = " ✗" if e.feedback.get("not_helpful") else ""
        lines.append(
            f"{e.id:>16}  {second(e.created_at):19}  {e.surface:7}  "
            f"{clip(e.user_name or e.user_id or '-', 14):14}  {clip(result, 12):12}  "
            f"{clip(e.question, 60)}{flags}"
        )
    return "\n".join(lines)


def json_lines(entries: list[LogEntry]) -> str:
    return "\n".join(json.dumps(e.to_dict(), ensure_ascii=False) for e in entries)


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
                "guild_id": e.guild_id, "channel_id": e.channel_id, "user_id": e.user_id,
                "user_name": e.user_name, "question": e.question, "answered": int(e.answered),
                "reason": e.reason, "top_score": e.top_score, "citations": citations_text(e),
                "helpful": e.feedback["helpful"], "not_helpful": e.feedback["not_helpful"],
                "latency_ms": e.latency_ms, "corpus_version": e.corpus_version,
                "answer": e.answer,
            }
        )  # fmt: skip
    return out.getvalue()


def detail(entry: LogEntry) -> str:
    who = printable(entry.user_name or entry.user_id or "-")
    where = f"guild {entry.guild_id}, channel {entry.channel_id}" if entry.guild_id else "-"
    lines = [
        f"Entry {entry.id}",
        f"  time      {entry.created_at}",
        f"  via       {entry.surface}",
        f"  user      {who}" + (f" ({entry.user_id})" if entry.user_id and entry.user_name else ""),
        f"  where     {where}",
        f"  question  {printable(entry.question)}",
        f"  result    {'answered' if entry.answered else 'declined: ' + (entry.reason or '?')}",
        f"  latency   {entry.latency_ms:.1f} ms",
        f"  corpus    {entry.corpus_version}",
        f"  feedback  {entry.feedback['helpful']} helpful, "
        f"{entry.feedback['not_helpful']} not helpful",
    ]
    for n, q in enumerate(entry.quotes, 1):
        cites = ", ".join(_cite(c) for c in q["citations"])
        text = printable(q["text"])
        lines += ["", f"  quote {n} (score {q['score']:.2f}; {cites})", f"    {text}"]
    if not entry.answered:
        lines += ["", f"  message   {entry.answer}"]
    return "\n".join(lines)


def _cite(c: dict[str, object]) -> str:
    """A stored citation as "label (file ¶n)"; entries logged before labels show the file."""
    label = c.get("label")
    where = f"{c['file']} ¶{c['paragraph']}"
    return f"{printable(str(label))} ({where})" if label else where


def stats_text(s: Stats) -> str:
    lines = [
        f"Entries {('since ' + s.since) if s.since else '(all time)'}: {s.entries}",
        f"Answered: {s.answered} ({s.answered_rate:.0%})",
        f"Feedback: {s.helpful} helpful, {s.not_helpful} not helpful",
    ]
    if s.declined_reasons:
        lines.append("Declined, by reason:")
        lines += [f"  {reason:20} {n}" for reason, n in s.declined_reasons.items()]
    if s.top_questions:
        lines.append("Most asked:")
        lines += [f"  {n:4}  {clip(q, 70)}" for q, n in s.top_questions]
    return "\n".join(lines)
