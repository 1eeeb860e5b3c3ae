"""HTML reduced to an article's text and the metadata the page states, with trafilatura.

trafilatura is kept up to date, is among the most accurate main-text extractors in published
comparisons, and returns the title, site name, publication date and canonical URL from the
page's own markup (Open Graph, JSON-LD, ``<link rel=canonical>``) in the same pass. It parses
the markup only: no script is run and nothing is fetched.
"""

from __future__ import annotations

from bot.source_values import Extracted, SourceError


def extract(raw: bytes | str, what: str, url: str | None = None) -> Extracted:
    """The article in ``raw`` (one paragraph a line, as extracted) and its metadata."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            raw, url=url, with_metadata=True, include_comments=False, include_tables=False,
            output_format="python",
        )  # fmt: skip
    except Exception as exc:
        raise SourceError(f"{what}: not an HTML article ({type(exc).__name__})") from None
    if doc is None:
        raise SourceError(f"{what}: too little article text (no article found in the page)")
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    return Extracted(
        text=str(data.get("text") or ""),
        title=data.get("title") or None,
        outlet=data.get("sitename") or None,
        date=data.get("date") or None,
        url=data.get("url") or url or None,
    )
