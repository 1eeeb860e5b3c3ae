"""What adding an article deals in, below both ``bot.articles`` (the corpus folder) and
``bot.extract_html`` (HTML to text): the extracted article, what was added, and the error."""

from __future__ import annotations

from dataclasses import dataclass


class SourceError(Exception):
    """A source cannot be added (or an id removed); the message is one line and nothing changed."""


@dataclass(frozen=True, slots=True)
class Added:
    """What ``add`` wrote: the article's id (file stem) and what its citations will show."""

    source: str
    file: str
    title: str | None
    outlet: str | None
    date: str | None
    url: str | None
    paragraphs: int

    def summary(self) -> str:
        """``Title (Outlet, date), N paragraphs``: what every surface says was added."""
        about = ", ".join(x for x in (self.outlet, self.date) if x)
        return (f"{self.title or '(no title)'}" + (f" ({about})" if about else "")
                + f", {self.paragraphs} paragraphs")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Extracted:
    """An article reduced to text (one paragraph a line) and the metadata the page states."""

    text: str
    title: str | None = None
    outlet: str | None = None
    date: str | None = None
    url: str | None = None
