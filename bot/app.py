"""The application layer every surface shares: the engine built from settings.

Retrieval never reads settings; this is where they meet it.
"""

from __future__ import annotations

from pathlib import Path

from config import Settings
from retrieval.corpus import load_corpus
from retrieval.engine import Engine, ProgressFn
from retrieval.index import Params


def build_engine(settings: Settings, *, progress: ProgressFn | None = None) -> Engine:
    """The engine for these settings; the analysed index is cached next to the answer log
    when ``index_cache`` is on, so a restart skips the build."""
    cache_dir = Path(settings.db_path).parent / "index-cache" if settings.index_cache else None
    return Engine(
        load_corpus(settings.corpus_dir),
        params=Params(variant=settings.bm25_variant, k1=settings.bm25_k1, b=settings.bm25_b),
        top_k=settings.top_k,
        max_quotes=settings.max_quotes,
        min_score=settings.min_score,
        max_question_chars=settings.max_question_chars,
        cache_dir=cache_dir,
        progress=progress,
    )
