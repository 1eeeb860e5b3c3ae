"""Grounded question answering over a folder of articles: corpus → index → extractive answer.

Knows nothing of Discord or the answer log; callers get plain dataclasses back.
"""

from retrieval.engine import Engine
from retrieval.models import Answer, Article, Citation, Passage, Quote

__all__ = ["Answer", "Article", "Citation", "Engine", "Passage", "Quote"]
