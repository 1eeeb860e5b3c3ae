"""Talks Bot: the Discord side, the command line and the answer log.

Kept free of imports so that ``talks-bot ask`` starts without loading the Discord stack.
"""

__version__ = "0.1.0"
# Where a site operator who sees the bot's fetches in their logs can read what it is (the
# User-Agent names it). Not published yet: replace with the repository's address when it is.
PROJECT_URL = "https://github.com/talks-bot/talks-bot"
