"""A corpus's articles as a sequence that makes each ``Article`` when it is first used.

At 50,000 files, making every ``Article`` at start cost a restart about 0.2 s, and a question
cites a handful; listing them all (``talks-bot sources``) still makes them all.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from functools import cached_property, partial

from retrieval.lazy import LazySequence
from retrieval.models import Article
from retrieval.texts import Texts


class Articles(LazySequence[Article]):
    """Articles by position, from their columns; ``metadata``: ``articles.json`` by file
    name or stem (outlet, date, url; the title and label are already in their columns)."""

    def __init__(
        self,
        files: Sequence[str],
        titles: Sequence[str],
        counts: Sequence[int],
        labels: Sequence[str],
        metadata: Mapping[str, Mapping[str, str]],
        texts: Texts,
    ) -> None:
        self._files = files
        self._titles = titles
        self._counts = counts
        self._labels = labels
        self._metadata = metadata
        self._texts = texts
        self._made: list[Article | None] = [None] * len(files)

    def __len__(self) -> int:
        return len(self._files)

    def _item(self, i: int) -> Article:
        made = self._made[i]
        if made is None:
            name = self._files[i]
            meta = metadata_of(self._metadata, name)
            made = self._made[i] = Article(
                source=name[:-4],  # the stem: every name ends in ".txt"
                file=name,
                title=self._titles[i],
                paragraphs=self._counts[i],
                outlet=meta.get("outlet"),
                date=meta.get("date"),
                url=meta.get("url"),
                label=self._labels[i],
                read=partial(self._texts.__getitem__, i),
            )
        return made

    def make_all(self) -> None:
        """Make every article now (see ``retrieval.corpus.load_corpus`` for when)."""
        for i in range(len(self)):
            self._item(i)

    def position(self, source: str) -> int:
        """Where the article of this source (file stem) is; KeyError when none is. The files
        come sorted by name (the folder's listing), so it is found by binary search: a dict
        of 50,000 names cost the first question after a restart 20 ms. Files given in
        another order are looked up in one (made on the first miss)."""
        wanted = source + ".txt"
        at = bisect_left(self._files, wanted)
        if at < len(self._files) and self._files[at] == wanted:
            return at
        return self._positions[source]

    def title(self, source: str) -> str:
        """The title of the article of this source, without making the article."""
        return self._titles[self.position(source)]

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {name[:-4]: n for n, name in enumerate(self._files)}


def metadata_of(metadata: Mapping[str, Mapping[str, str]], name: str) -> Mapping[str, str]:
    """An article's entry in ``articles.json``, by file name or by stem; empty if none."""
    return metadata.get(name) or metadata.get(name[:-4]) or {}
