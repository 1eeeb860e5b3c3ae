"""The answer log's schema, as one ordered list of steps written for each backend.

Step N takes a log at version N-1 to version N: ``MIGRATIONS[N-1]`` for SQLite (the version in
``PRAGMA user_version``), ``POSTGRES_MIGRATIONS[N-1]`` for PostgreSQL (the version in the
``talks_schema`` table). Both lists hold the same steps in the same order, so a version number
means the same columns on either backend (a test checks their lengths and columns). Never edit
a released step: add the next one to both lists, so that every older log upgrades in place.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: entries with their quotes as JSON, and feedback votes.
    """
    CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        surface TEXT NOT NULL,
        guild_id TEXT,
        channel_id TEXT,
        user_id TEXT,
        user_name TEXT,
        question TEXT NOT NULL,
        answered INTEGER NOT NULL,
        reason TEXT,
        answer TEXT NOT NULL,
        quotes TEXT NOT NULL DEFAULT '[]',
        top_score REAL,
        corpus_version TEXT NOT NULL,
        latency_ms REAL NOT NULL
    );
    CREATE TABLE feedback (
        entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        helpful INTEGER NOT NULL,
        reason TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (entry_id, user_id)
    );
    """,
    # 2: one row per citation, so reviews can ask which articles and paragraphs get quoted;
    #    indexes for the review filters.
    """
    CREATE TABLE citations (
        entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
        quote INTEGER NOT NULL,
        source TEXT NOT NULL,
        file TEXT NOT NULL,
        paragraph INTEGER NOT NULL
    );
    INSERT INTO citations (entry_id, quote, source, file, paragraph)
        SELECT e.id, q.key, json_extract(c.value, '$.source'), json_extract(c.value, '$.file'),
               json_extract(c.value, '$.paragraph')
        FROM entries e, json_each(e.quotes) q, json_each(q.value, '$.citations') c;
    CREATE INDEX citations_entry ON citations(entry_id);
    CREATE INDEX citations_source ON citations(source, paragraph);
    CREATE INDEX entries_created ON entries(created_at);
    CREATE INDEX entries_user ON entries(user_id);
    """,
    # 3: each server's /logs reads only its own entries; without this index every per-server
    #    query scans the whole log (measured on 400,000 entries in three places: /logs stats
    #    over all time 4.9 s without, 1.4 s with).
    """
    CREATE INDEX entries_guild ON entries(guild_id, created_at);
    """,
    # 4: the asker's language as their Discord client reports it (e.g. "uk", "en-US"), so
    #    reviews can see who asks in which language; NULL where a surface does not know it.
    """
    ALTER TABLE entries ADD COLUMN locale TEXT;
    """,
    # 5: whether the exchange was private (ephemeral: /ask private:True, "Ask Talks Bot"), so
    #    /ask autocomplete never offers a private question to the rest of the server. NULL
    #    where it was not recorded (entries before this version, except the message command,
    #    which is always private): such questions are treated as private.
    """
    ALTER TABLE entries ADD COLUMN private INTEGER;
    UPDATE entries SET private = 1 WHERE surface = 'context_menu';
    """,
    # 6: how sure an answer is ("high", or "low" for "the articles may not answer this
    #    directly"); NULL for declines and for entries before this version (all confident).
    """
    ALTER TABLE entries ADD COLUMN confidence TEXT;
    UPDATE entries SET confidence = 'high' WHERE answered = 1;
    """,
    # 7: what moderators come for. The server's and channel's names at the time of asking
    #    (views show names, not numbers); each question's grouping key (bot.logs.models.
    #    question_key, filled in for older entries by the same Python function registered as
    #    talks_question_key) so declined and flagged questions group the same way in the CLI,
    #    /logs and Datasette; and the review mark: who marked an entry reviewed, when, a note.
    """
    ALTER TABLE entries ADD COLUMN guild_name TEXT;
    ALTER TABLE entries ADD COLUMN channel_name TEXT;
    ALTER TABLE entries ADD COLUMN question_key TEXT;
    UPDATE entries SET question_key = talks_question_key(question);
    CREATE INDEX entries_question_key ON entries(question_key);
    ALTER TABLE entries ADD COLUMN reviewed_by TEXT;
    ALTER TABLE entries ADD COLUMN reviewed_at TEXT;
    ALTER TABLE entries ADD COLUMN review_note TEXT;
    """,
    # 8: the Discord gateway shard that received the question, so a bot run as several
    #    processes (issue 22) can tell which one answered; NULL outside Discord and before.
    """
    ALTER TABLE entries ADD COLUMN shard_id INTEGER;
    """,
    # 9: a follow-up question ("and when?", asked with the Follow up button, in a thread under
    #    an answer, or `talks-bot ask --after`) names the entry it follows, so every view can
    #    show the question it was read with. No foreign key: the earlier entry may be written
    #    after it (background writes) or purged before it; views show a missing one as gone.
    """
    ALTER TABLE entries ADD COLUMN follows INTEGER;
    CREATE INDEX entries_follows ON entries(follows);
    """,
)

# PostgreSQL: the same steps. Flags stay integers (0/1) and times ISO text (in the "C"
# collation, so they sort as the text they are), as in SQLite, so both backends answer the same
# review queries; quotes are jsonb.
POSTGRES_MIGRATIONS: tuple[str, ...] = (
    # 1
    """
    CREATE TABLE entries (
        id BIGINT PRIMARY KEY,
        created_at TEXT COLLATE "C" NOT NULL,
        surface TEXT NOT NULL,
        guild_id TEXT,
        channel_id TEXT,
        user_id TEXT,
        user_name TEXT,
        question TEXT NOT NULL,
        answered INTEGER NOT NULL,
        reason TEXT,
        answer TEXT NOT NULL,
        quotes JSONB NOT NULL DEFAULT '[]',
        top_score DOUBLE PRECISION,
        corpus_version TEXT NOT NULL,
        latency_ms DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE feedback (
        entry_id BIGINT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        helpful INTEGER NOT NULL,
        reason TEXT,
        created_at TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (entry_id, user_id)
    );
    """,
    # 2
    """
    CREATE TABLE citations (
        entry_id BIGINT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
        quote INTEGER NOT NULL,
        source TEXT NOT NULL,
        file TEXT NOT NULL,
        paragraph INTEGER NOT NULL
    );
    INSERT INTO citations (entry_id, quote, source, file, paragraph)
        SELECT e.id, q.n - 1, c.value ->> 'source', c.value ->> 'file',
               (c.value ->> 'paragraph')::integer
        FROM entries e,
             jsonb_array_elements(e.quotes) WITH ORDINALITY AS q(value, n),
             jsonb_array_elements(q.value -> 'citations') AS c(value);
    CREATE INDEX citations_entry ON citations(entry_id);
    CREATE INDEX citations_source ON citations(source, paragraph);
    CREATE INDEX entries_created ON entries(created_at);
    CREATE INDEX entries_user ON entries(user_id);
    """,
    # 3
    """
    CREATE INDEX entries_guild ON entries(guild_id, created_at);
    """,
    # 4
    """
    ALTER TABLE entries ADD COLUMN locale TEXT;
    """,
    # 5
    """
    ALTER TABLE entries ADD COLUMN private INTEGER;
    UPDATE entries SET private = 1 WHERE surface = 'context_menu';
    """,
    # 6
    """
    ALTER TABLE entries ADD COLUMN confidence TEXT;
    UPDATE entries SET confidence = 'high' WHERE answered = 1;
    """,
    # 7 (bot.logs.postgres fills in question_key of older entries, in Python, with the same
    #    function SQLite registers as talks_question_key)
    """
    ALTER TABLE entries ADD COLUMN guild_name TEXT;
    ALTER TABLE entries ADD COLUMN channel_name TEXT;
    ALTER TABLE entries ADD COLUMN question_key TEXT;
    CREATE INDEX entries_question_key ON entries(question_key);
    ALTER TABLE entries ADD COLUMN reviewed_by TEXT;
    ALTER TABLE entries ADD COLUMN reviewed_at TEXT;
    ALTER TABLE entries ADD COLUMN review_note TEXT;
    """,
    # 8
    """
    ALTER TABLE entries ADD COLUMN shard_id INTEGER;
    """,
    # 9
    """
    ALTER TABLE entries ADD COLUMN follows BIGINT;
    CREATE INDEX entries_follows ON entries(follows);
    """,
)

VERSION = len(MIGRATIONS)
