"""The SQL both backends share, each query written once, and Datasette's canned queries reuse.

A query is a function of a ``Dialect``: SQLite's (``?`` placeholders, ``LIKE``, the bare
column beside ``max()``) or PostgreSQL's (``$1``, ``ILIKE``, ``array_agg``). The drivers
(``bot.logs.sqlite``, ``bot.logs.postgres``) run the text; nothing here touches a connection.
"""

from __future__ import annotations

from typing import Any

from bot.logs.models import RESULT_WORDS, Filters, LogEntry

FLAGGED = "EXISTS (SELECT 1 FROM feedback f WHERE f.entry_id = e.id AND f.helpful = 0)"
NOT_SURE = "(e.answered = 1 AND e.confidence = 'low')"  # "the articles may not answer this"


class Params:
    """Collects a query's values and writes the dialect's placeholder for each."""

    def __init__(self, numbered: bool) -> None:
        self.numbered = numbered
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}" if self.numbered else "?"


class Dialect:
    """SQLite: ``?`` placeholders; its LIKE ignores case (ASCII); a bare column beside
    ``max()`` comes from the row holding the maximum; JSON arrays by ``json_group_array``."""

    numbered = False
    like = "LIKE"
    jsonb = ""  # a cast for the quotes column's value
    insert_or_skip = ("INSERT OR IGNORE", "")  # an id already there is left alone

    def params(self) -> Params:
        return Params(self.numbered)

    def json_list(self, expr: str, *, distinct: bool = False) -> str:
        return f"json_group_array({'DISTINCT ' if distinct else ''}{expr})"

    def latest(self, expr: str) -> str:
        """``expr`` of a group's latest row (the query also selects ``max(e.created_at)``)."""
        return expr


class PostgresDialect(Dialect):
    """PostgreSQL: ``$1``, ``$2``, … in the order the values are added; ``ILIKE`` (its LIKE is
    case-sensitive, and search ignores case on both); ``json_agg``; ``array_agg`` for the
    latest row of a group."""

    numbered = True
    like = "ILIKE"
    jsonb = "::jsonb"
    insert_or_skip = ("INSERT", " ON CONFLICT (id) DO NOTHING RETURNING id")

    def json_list(self, expr: str, *, distinct: bool = False) -> str:
        return f"coalesce(json_agg({'DISTINCT ' if distinct else ''}{expr}), '[]'::json)"

    def latest(self, expr: str) -> str:
        return f"(array_agg({expr} ORDER BY e.created_at DESC, e.id DESC))[1]"


SQLITE = Dialect()
POSTGRES = PostgresDialect()


def filter_where(f: Filters, dialect: Dialect) -> tuple[str, list[Any]]:
    """The WHERE clause of a review filter on ``entries e``, with its parameters."""
    p = dialect.params()
    clauses: list[str] = []
    if f.since:
        clauses.append(f"e.created_at >= {p(f.since)}")
    if f.until:
        clauses.append(f"e.created_at < {p(f.until)}")
    if f.guild_id:
        clauses.append(f"e.guild_id = {p(f.guild_id)}")
    if f.user_id:  # an id, or a name (Discord display name, or the OS user for the CLI)
        clauses.append(f"(e.user_id = {p(f.user_id)} OR e.user_name = {p(f.user_id)})")
    if f.declined:
        clauses.append("e.answered = 0")
    if f.flagged:
        clauses.append(FLAGGED)
    if f.unreviewed:
        clauses.append("e.reviewed_at IS NULL")
    if f.search:
        pattern = "%" + f.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        like = dialect.like
        clauses.append(
            f"(e.question {like} {p(pattern)} ESCAPE '\\' OR e.answer {like} {p(pattern)} "
            "ESCAPE '\\')"
        )
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return where, p.values


def purge_where(before: str | None, user: str | None, dialect: Dialect) -> tuple[str, list[Any]]:
    """The WHERE clause of a purge (or its count) on ``entries``: older than, or one user's."""
    if before is None and user is None:
        raise ValueError("purge needs a cut-off time or a user")
    p = dialect.params()
    clauses = []
    if before is not None:
        clauses.append(f"created_at < {p(before)}")
    if user is not None:
        clauses.append(f"(user_id = {p(user)} OR user_name = {p(user)})")
    return "WHERE " + " AND ".join(clauses), p.values


def purge_count_sql(
    before: str | None, user: str | None, dialect: Dialect
) -> tuple[str, list[Any]]:
    """How many entries a purge would delete."""
    where, params = purge_where(before, user, dialect)
    return f"SELECT count(*) FROM entries {where}", params


def purge_sql(before: str | None, user: str | None, dialect: Dialect) -> tuple[str, list[Any]]:
    """Delete the entries (their citations and votes go with them, by foreign key)."""
    where, params = purge_where(before, user, dialect)
    return f"DELETE FROM entries {where}", params


def purge_votes_sql(dialect: Dialect) -> str:
    """Delete one user's votes on any entry (value: the user id)."""
    return f"DELETE FROM feedback WHERE user_id = {dialect.params()(0)}"


def limit_clause(limit: int | None, p: Params) -> str:
    """`` LIMIT n`` as a parameter, or nothing for no limit."""
    return "" if limit is None else f" LIMIT {p(int(limit))}"


def select_entries(dialect: Dialect) -> str:
    """Entries with their votes: the columns ``LogEntry.from_row`` reads."""
    reasons = dialect.json_list("f.reason")
    return f"""
    SELECT e.*,
      (SELECT count(*) FROM feedback f WHERE f.entry_id = e.id AND f.helpful = 1) AS helpful,
      (SELECT count(*) FROM feedback f WHERE f.entry_id = e.id AND f.helpful = 0) AS not_helpful,
      (SELECT {reasons} FROM feedback f
        WHERE f.entry_id = e.id AND f.helpful = 0 AND coalesce(f.reason, '') != '') AS reasons
    FROM entries e"""


def entries_sql(filters: Filters, dialect: Dialect) -> tuple[str, list[Any]]:
    """Entries matching a review filter, newest first, at most ``filters.limit``."""
    where, params = filter_where(filters, dialect)
    p = dialect.params()
    p.values = params
    order = "ORDER BY e.created_at DESC, e.id DESC"
    return f"{select_entries(dialect)} {where} {order}{limit_clause(filters.limit, p)}", p.values


def get_sql(entry_id: int, guild_id: str | None, dialect: Dialect) -> tuple[str, list[Any]]:
    """One entry by id; with ``guild_id``, only if it was asked in that server."""
    p = dialect.params()
    sql = f"{select_entries(dialect)} WHERE e.id = {p(entry_id)}"
    if guild_id is not None:
        sql += f" AND e.guild_id = {p(guild_id)}"
    return sql, p.values


def matching_sql(filters: Filters, dialect: Dialect) -> tuple[str, list[Any]]:
    where, params = filter_where(filters, dialect)
    return f"SELECT count(*) FROM entries e {where}", params


def unanswered_sql(where: str = "", *, limit: str = "500", dialect: Dialect = SQLITE) -> str:
    """Declined, not-sure or voted-not-helpful entries matching ``where`` (a ``WHERE`` clause on
    ``entries e`` or nothing), grouped by question key, most asked first, with the latest
    wording and its id; one SQL text for both stores and Datasette's canned query, so all
    show the same groups. ``limit`` is SQL text: a number or a placeholder ('' for none)."""
    joiner = "AND" if where else "WHERE"
    server = "coalesce(e.guild_name, e.guild_id, 'DM / terminal')"
    servers = dialect.json_list(server, distinct=True)
    limit = f" LIMIT {limit}" if limit else ""
    return f"""
        SELECT {dialect.latest("e.question")} AS question, count(*) AS times,
          sum(CASE WHEN e.answered = 0 THEN 1 ELSE 0 END) AS declined,
          sum(CASE WHEN {NOT_SURE} THEN 1 ELSE 0 END) AS not_sure,
          sum(CASE WHEN {FLAGGED} THEN 1 ELSE 0 END) AS flagged,
          max(e.created_at) AS last_asked, {dialect.latest("e.id")} AS latest_id,
          {servers} AS servers
        FROM entries e {where} {joiner} (e.answered = 0 OR {NOT_SURE} OR {FLAGGED})
        GROUP BY e.question_key ORDER BY times DESC, last_asked DESC{limit}"""


def unanswered_query(filters: Filters, dialect: Dialect) -> tuple[str, list[Any]]:
    where, params = filter_where(filters, dialect)
    p = dialect.params()
    p.values = params
    limit = "" if filters.limit is None else p(int(filters.limit))
    return unanswered_sql(where, limit=limit, dialect=dialect), p.values


def most_asked_sql(where: str = "", *, limit: int = 5) -> str:
    """The most asked questions (grouped by question key) with how often, and how often each
    was answered confidently, answered "not sure" and declined: ``stats``' top five and
    Datasette's "Most asked" query."""
    not_sure = f"sum(CASE WHEN {NOT_SURE} THEN 1 ELSE 0 END)"
    return f"""SELECT min(e.question) AS question, count(*) AS times,
          sum(e.answered) - {not_sure} AS confident, {not_sure} AS not_sure,
          count(*) - sum(e.answered) AS declined FROM entries e {where}
        GROUP BY e.question_key ORDER BY times DESC, min(e.created_at) LIMIT {int(limit)}"""


def stats_sql(where: str) -> tuple[str, str, str, str]:
    """``stats``' four queries over the entries ``where`` matches: the totals (entries,
    answered, answered "not sure"), the decline reasons, the most asked questions, and the
    votes."""
    totals = f"""SELECT count(*), coalesce(sum(e.answered), 0),
        coalesce(sum(CASE WHEN {NOT_SURE} THEN 1 ELSE 0 END), 0) FROM entries e {where}"""
    reasons = f"""SELECT e.reason, count(*) FROM entries e {where}
        {"AND" if where else "WHERE"} e.answered = 0
        GROUP BY e.reason ORDER BY count(*) DESC"""
    votes = f"""SELECT coalesce(sum(f.helpful), 0), coalesce(sum(1 - f.helpful), 0)
        FROM feedback f JOIN entries e ON e.id = f.entry_id {where}"""
    return totals, reasons, most_asked_sql(where), votes


def result_sql() -> str:
    """An entry's result as ``bot.logs.models.result_text`` words it, for Datasette's views:
    "answered", "not sure" or "declined: REASON"."""
    words = RESULT_WORDS
    return (
        f"CASE WHEN e.answered = 0 THEN '{words['declined']}: ' || coalesce(e.reason, '?') "
        f"WHEN {NOT_SURE} THEN '{words['not_sure']}' ELSE '{words['confident']}' END"
    )


def asked_sql(guild_id: str, limit: int, dialect: Dialect) -> tuple[str, list[Any]]:
    """The latest questions of one server without answers (served by the (guild_id,
    created_at) index, so it costs the same on any log size)."""
    p = dialect.params()
    sql = f"""SELECT e.id, e.question,
         e.answered = 1 AND coalesce(e.confidence, 'high') = 'high',
         e.private, {FLAGGED} AS flagged
       FROM entries e WHERE e.guild_id = {p(guild_id)}
       ORDER BY e.created_at DESC, e.id DESC LIMIT {p(limit)}"""
    return sql, p.values


def vote_sql(dialect: Dialect) -> str:
    """One user's vote on an entry, replacing their earlier one (values: entry id, user id,
    helpful 0/1, reason, time)."""
    p = dialect.params()
    return f"""INSERT INTO feedback (entry_id, user_id, helpful, reason, created_at)
       VALUES ({p(0)}, {p(0)}, {p(0)}, {p(0)}, {p(0)})
       ON CONFLICT (entry_id, user_id) DO UPDATE SET
         helpful = excluded.helpful, reason = excluded.reason,
         created_at = excluded.created_at"""


def review_sql(
    entry_id: int, reviewer: str, note: str | None, now: str, guild_id: str | None,
    dialect: Dialect,
) -> tuple[str, list[Any]]:  # fmt: skip
    p = dialect.params()
    sql = (
        f"UPDATE entries SET reviewed_by = {p(reviewer)}, reviewed_at = {p(now)}, "
        f"review_note = {p(note)} WHERE id = {p(entry_id)}"
    )
    if guild_id is not None:
        sql += f" AND guild_id = {p(guild_id)}"
    return sql, p.values


ENTRY_COLUMNS = (
    "id, created_at, surface, guild_id, channel_id, user_id, user_name, question, answered, "
    "reason, answer, quotes, top_score, corpus_version, latency_ms, locale, private, confidence, "
    "guild_name, channel_name, question_key, shard_id, follows"
)


def insert_entry_sql(dialect: Dialect) -> str:
    """One entry, its values in ``ENTRY_COLUMNS``' order; an id already there is skipped (a
    fallback record imported twice)."""
    p = dialect.params()
    values = [p(0) for _ in ENTRY_COLUMNS.split(",")]
    values[11] += dialect.jsonb  # quotes
    verb, tail = dialect.insert_or_skip
    return f"{verb} INTO entries ({ENTRY_COLUMNS}) VALUES ({', '.join(values)}){tail}"


def insert_citations_sql(dialect: Dialect) -> str:
    p = dialect.params()
    return (
        "INSERT INTO citations (entry_id, quote, source, file, paragraph) "
        f"VALUES ({p(0)}, {p(0)}, {p(0)}, {p(0)}, {p(0)})"
    )


def citation_rows(entry: LogEntry) -> list[tuple[int, int, str, str, int]]:
    return [
        (entry.id, n, c["source"], c["file"], c["paragraph"])
        for n, q in enumerate(entry.quotes)
        for c in q["citations"]
    ]
