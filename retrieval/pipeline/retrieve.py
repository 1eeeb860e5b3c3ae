"""Retrieve: the paragraphs whose BM25 score (as rank-bm25 computes it) is highest."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.index import BM25Index
from retrieval.models import Passage
from retrieval.pipeline.sentence_table import SentenceTable
from retrieval.query import Query


@dataclass(frozen=True, slots=True)
class Retrieved:
    index: int  # the paragraph's place among the corpus's prose paragraphs
    passage: Passage
    score: float


class Retriever:
    """Query → its ``top_k`` paragraphs, best first."""

    def __init__(self, index: BM25Index, sentences: SentenceTable, top_k: int) -> None:
        self.index = index
        self.sentences = sentences
        self.top_k = top_k

    def run(self, query: Query) -> list[Retrieved]:
        return [
            Retrieved(i, self.sentences.passage(i), s)
            for i, s in self.index.top(query.lookup(), self.top_k)
        ]
