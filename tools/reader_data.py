"""Candidates for every question of the question sets, labelled: what the reader would read.

    python -m tools.reader_data --recall            # recall per (paragraphs, candidates)

Each question's candidates come from the same components the bot runs (analysis, BM25,
``retrieval.pipeline.candidates``; the dense look's sentences are not added here); a candidate
is labelled right when, quoted alone, it would count as a right first quote
(``retrieval.evaluate.is_right``: an accepted answer in an article that supports it). Groups
name what is held out together: a news part (``a``, ``b``, ``c``), the project's own set
(``own``), or one SQuAD article. ``tools.general_data`` takes the SQuAD rows of the reader's
articles for training; the news rows train nothing (``tools.train_reader`` refuses them).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from retrieval import questions
from retrieval.corpus import load_corpus
from retrieval.engine import Engine
from retrieval.evaluate import Item, is_right, load_items
from retrieval.models import Citation, Quote
from retrieval.pipeline.candidates import LIMIT, PARAGRAPHS, Candidates
from retrieval.pipeline.decide import Decider
from retrieval.pipeline.retrieve import Retriever

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"


@dataclass(frozen=True)
class QuestionSet:
    name: str
    questions: Path
    corpus: Path

    def groups(self, items: list[Item]) -> list[str]:
        """The cross-validation group of each item: the part, or for SQuAD the question's
        article. SQuAD's unanswerable questions name no source; the file keeps each article's
        questions together, so they take the article of the answerable ones before them."""
        if self.name != "squad":
            return [self.name] * len(items)
        out, current = [], ""
        for item in items:
            current = item.sources[0] if item.sources else current
            out.append(current)
        return out


def default_sets(eval_dir: Path = EVAL) -> list[QuestionSet]:
    seeds = ROOT / "seeds"
    return [
        QuestionSet("a", eval_dir / "dev_questions.jsonl", seeds),
        QuestionSet("b", eval_dir / "dev_questions_b.jsonl", seeds),
        QuestionSet("c", eval_dir / "dev_questions_c.jsonl", seeds),
        QuestionSet("own", ROOT / "tests" / "data" / "questions.jsonl", seeds),
        QuestionSet(
            "squad", eval_dir / "squad" / "questions.jsonl", eval_dir / "squad" / "articles"
        ),
    ]


def rows(qset: QuestionSet, paragraphs: int, limit: int) -> Iterator[dict]:
    corpus = load_corpus(qset.corpus)
    engine = Engine.build(
        corpus, top_k=paragraphs, max_quotes=3, max_question_chars=300,
        decider=Decider.untrained(), with_dense=False,
    )  # fmt: skip
    step = Candidates(engine.sentences, corpus.articles.title, engine.tuning, limit=limit)
    retrieve = Retriever(engine.index, engine.sentences, paragraphs)
    items = load_items(qset.questions)
    for item, group in zip(items, qset.groups(items), strict=True):
        row = {
            "set": qset.name, "group": group, "id": item.id, "kind": item.kind,
            "question": item.question, "answerable": not item.should_decline, "candidates": [],
        }  # fmt: skip
        if questions.check(item.question, 300) is None:
            query = engine.analyse(item.question)
            if query.terms:
                row["candidates"] = [
                    {
                        "text": r.candidate.text,
                        "context": r.context,
                        "title": r.title,
                        "source": r.candidate.passage.source,
                        "right": is_right(as_quote(r.candidate, corpus), item),
                        "features": features(r.candidate),
                    }
                    for r in step.run(query, retrieve.run(query))
                ]
            else:
                row["rejected"] = "only_common_words"
        else:
            row["rejected"] = "input"
        yield row


def as_quote(candidate, corpus) -> Quote:  # type: ignore[no-untyped-def]
    """A candidate as the first quote of an answer, to be judged right or not."""
    article = corpus.article(candidate.passage.source)
    return Quote(candidate.text, 0.0, [Citation.of(article, candidate.passage.paragraph)])


def features(c) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The pre-ranker's signals for one candidate (see ``retrieval.pipeline.decide``)."""
    from retrieval.pipeline.decide import candidate_features

    return candidate_features(c)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--eval-dir", type=Path, default=EVAL)
    parser.add_argument("--paragraphs", type=int, default=PARAGRAPHS)
    parser.add_argument("--limit", type=int, default=LIMIT)
    parser.add_argument("--recall", action="store_true", help="recall per (paragraphs, limit)")
    args = parser.parse_args(argv)
    if args.recall:
        return recall(args.eval_dir)
    if args.out is None:
        parser.error("--out or --recall")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for qset in default_sets(args.eval_dir):
            n = 0
            for row in rows(qset, args.paragraphs, args.limit):
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
            print(f"{qset.name}: {n} questions", file=sys.stderr)
    return 0


def recall(eval_dir: Path) -> int:
    """How often a right sentence is among the candidates, for a few settings."""
    for paragraphs in (8, 12, 24):
        for qset in default_sets(eval_dir):
            hits = {n: 0 for n in (1, 5, 10, 20, 40)}
            total = 0
            for row in rows(qset, paragraphs, 40):
                if not row["answerable"]:
                    continue
                total += 1
                ranks = [i for i, c in enumerate(row["candidates"]) if c["right"]]
                for n in hits:
                    hits[n] += bool(ranks and ranks[0] < n)
            shown = "  ".join(f"@{n} {h / max(total, 1):.3f}" for n, h in hits.items())
            print(f"paragraphs {paragraphs:>2} {qset.name:<6} {total:>5}  {shown}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
