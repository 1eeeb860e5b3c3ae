"""The answer log: every question and answer on record in SQLite, for moderators to review."""
