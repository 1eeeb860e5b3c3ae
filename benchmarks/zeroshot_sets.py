"""The question sets ``benchmarks.zeroshot`` fits and measures on, besides the shared ones:
SQuAD's questions with their articles, other sources' questions to decline, and a small news
corpus of QAMR Wikinews pages with their questions."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

from retrieval.evaluate import Item, load_items
from tools.general_data import pack_items
from tools.reader_data import QuestionSet

BUILD = Path(__file__).resolve().parent.parent / "build" / "zeroshot"
ELSEWHERE = {"tweetqa_dev": 200, "squadshifts_reddit": 100, "squadshifts_amazon": 100}
# Wikinews pages of QAMR's test split. The reader trained on some of their questions (every
# page has some), so only the others are asked: its scores are of questions it never saw,
# about sentences it may have read.
QAMR_PAGES = 20


def squad_items(eval_dir: Path) -> tuple[list[Item], list[str]]:
    qset = QuestionSet(
        "squad", eval_dir / "squad" / "questions.jsonl", eval_dir / "squad" / "articles"
    )
    items = load_items(qset.questions)
    return items, qset.groups(items)


def elsewhere_items(rng: random.Random, skip: set[str]) -> list[Item]:
    """Questions from other sources, about other things, that the reader did not train on
    and ``skip`` does not hold: to decline."""
    out = []
    for name, count in ELSEWHERE.items():
        items = [i for i in pack_items(name) if i["id"] not in skip]
        for raw in rng.sample(items, count):
            out.append(Item(raw["id"], raw["question"], "off_topic", (), ()))
    return out


def qamr_news(rng: random.Random, skip: set[str]) -> tuple[Path, list[Item]]:
    """A news corpus of QAMR Wikinews pages (test split), one file a page, one paragraph a
    line, and those pages' questions, answerable."""
    items = pack_items("qamr_wikinews_test")
    pages: dict[str, list[dict]] = defaultdict(list)
    for raw in items:
        parts = raw["id"].split(":")
        pages[parts[4]].append(raw)
    chosen = rng.sample(sorted(pages), QAMR_PAGES)
    folder = BUILD / "qamr_news"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    questions = []
    for page in chosen:
        sentences: dict[tuple[int, int], str] = {}
        for raw in pages[page]:
            parts = raw["id"].split(":")
            sentences[(int(parts[5]), int(parts[6]))] = raw["context"]
        paragraphs: dict[int, list[str]] = defaultdict(list)
        for (p, _), text in sorted(sentences.items()):
            paragraphs[p].append(text)
        stem = f"wikinews_{page}"
        body = "\n\n".join(" ".join(s) for _, s in sorted(paragraphs.items()))
        (folder / f"{stem}.txt").write_text(body + "\n", encoding="utf-8")
        by_question: dict[str, dict] = {}
        for raw in pages[page]:
            if raw["id"] not in skip:
                by_question.setdefault(raw["question"], raw)
        for raw in rng.sample(list(by_question.values()), min(6, len(by_question))):
            questions.append(
                Item(raw["id"], raw["question"], "factoid", tuple(raw["answers"]), (stem,))
            )
    return folder, questions
