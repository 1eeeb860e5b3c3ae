"""Talks Bot's application: one ask-and-log path (``app.py``), the surfaces (``cli/``,
``discord/``, ``present.py``), the answer log (``logs/``) and the articles' operations.

Kept free of imports so that ``talks-bot ask`` starts without loading the Discord stack.
"""

__version__ = "0.1.0"
