"""Talks Bot: the Discord side, the command line and the answer log.

Kept free of imports so that ``talks-bot ask`` starts without loading the Discord stack.
"""

__version__ = "0.1.0"
