"""The answer log: every question and answer on record, for moderators to review.

In SQLite (``sqlite.py``, the default) or PostgreSQL (``postgres.py``); both implement the
``LogStore`` protocol (``store.py``) with the SQL they share (``sql.py``), and ``factory.py``
picks one from the settings. ``formats.py`` and ``browse.py`` show it; ``health.py`` checks it.
"""
