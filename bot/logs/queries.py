"""SQL that the store and Datasette's canned queries share, so both show the same rows."""

from __future__ import annotations

FLAGGED = "EXISTS (SELECT 1 FROM feedback f WHERE f.entry_id = e.id AND f.helpful = 0)"
NOT_SURE = "(e.answered = 1 AND e.confidence = 'low')"  # "the articles may not answer this"


def unanswered_sql(where: str = "", *, limit: str = "500") -> str:
    """Declined, not-sure or voted-not-helpful entries matching ``where`` (a ``WHERE`` clause on
    ``entries e`` or nothing), grouped by question key; one SQL text for the store and for
    Datasette's canned query, so both show the same groups. In SQLite a bare column beside
    ``max()`` comes from the row holding the maximum: the latest wording and its id."""
    joiner = "AND" if where else "WHERE"
    return f"""
        SELECT e.question AS question, count(*) AS times,
          sum(e.answered = 0) AS declined, sum({NOT_SURE}) AS not_sure,
          sum({FLAGGED}) AS flagged,
          max(e.created_at) AS last_asked, e.id AS latest_id,
          json_group_array(DISTINCT coalesce(e.guild_name, e.guild_id, 'DM / terminal'))
            AS servers
        FROM entries e {where} {joiner} (e.answered = 0 OR {NOT_SURE} OR {FLAGGED})
        GROUP BY e.question_key ORDER BY times DESC, last_asked DESC LIMIT {limit}"""
