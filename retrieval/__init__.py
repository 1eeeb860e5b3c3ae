"""Grounded question answering over a folder of articles: corpus → index → extractive answer.

Knows nothing of Discord or the answer log; callers get plain dataclasses back. The names
below load on first use (PEP 562), so a module such as ``retrieval.pipeline.read`` can be
imported where only numpy is installed (the reader's training machine).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retrieval.engine import Engine
    from retrieval.models import Answer, Article, Citation, Passage, Quote

__all__ = ["Answer", "Article", "Citation", "Engine", "Passage", "Quote"]


def __getattr__(name: str) -> Any:
    if name == "Engine":
        return importlib.import_module("retrieval.engine").Engine
    if name in __all__:
        return getattr(importlib.import_module("retrieval.models"), name)
    raise AttributeError(f"module 'retrieval' has no attribute {name!r}")
