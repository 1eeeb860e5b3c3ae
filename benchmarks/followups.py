"""Follow-up questions on the shared question sets: does "and when?" take the earlier topic?

    python -m benchmarks.followups [--sets ../shared/eval/dev_questions*.jsonl] [--show N]

The sets' questions were written one by one, so two of them rarely ask about one topic with
different wh-words (and where they seem to, "Where will the talks be held?" and "When did
Russia and Ukraine last hold talks?", "and when?" after the first does not mean the second).
So each pair is made from one question, with no question written for it: every question to
be answered (factoid or paraphrase) that opens with a wh-phrase ("When did the European
leaders visit Kyiv?") is asked first about the same topic with another wh-word ("Where did
the European leaders visit Kyiv?": ``OTHER_WH``, chosen by the kind of answer it wants), then
its own wh-phrase alone follows, as a member would type it ("and when?"). The follow-up is
right when its first quote holds one of the question's accepted answers and cites one of its
articles (``retrieval.evaluate.is_right``).

Printed per set: the follow-up's first-quote-right share, beside the same follow-up asked on
its own (no topic: it should not be answered) and the question asked in full (what the
follow-up can reach at best). A second check pairs each question with the next one on a
different topic (no looked-up word shared): the second asked after the first must give the
same first quote as asked alone, since a follow-up that names its own topic is read as asked.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from retrieval.corpus import load_corpus
from retrieval.engine import Engine
from retrieval.evaluate import Item, is_right, load_items
from retrieval.followup import _LEADING_WH  # the same wh-phrases the follow-up reading knows

ROOT = Path(__file__).resolve().parent.parent
SETS = sorted((ROOT.parent / "shared" / "eval").glob("dev_questions*.jsonl"))
ANSWERED_KINDS = ("factoid", "paraphrase")


# The earlier question's wh-word, by the kind of answer the question wants: one that asks
# for another kind, so that the follow-up's own wh-word has to win ("when" after "where").
OTHER_WH = {"date": "Where", "place": "When", "person": "When", "time": "Where"}
OTHER_WH_DEFAULT = "When"  # counts, periods, "what …": asked first as "when"
OTHER_WH_FOR_WHEN = "Where"  # a "when" question without a date kind ("since when")


@dataclass(frozen=True)
class Pair:
    first: str  # the earlier question: the same topic, another wh-word
    then: Item  # the question the follow-up means
    followup: str  # its wh-phrase alone: "and when?"


def topic(engine: Engine, question: str) -> frozenset[str]:
    """The index terms a question looks up, without the words that only name the kind."""
    query = engine.analyse(question)
    return frozenset(t.term for t in query.terms if not query.answer_type.names_kind(t.term))


def wh(question: str) -> str | None:
    found = _LEADING_WH.match(question)
    return " ".join(found.group("wh").lower().split()) if found else None


def make_pairs(engine: Engine, items: list[Item]) -> tuple[list[Pair], list[tuple[Item, Item]]]:
    """Pairs with a topic-less follow-up (see the module's docstring), and pairs of questions
    on different topics."""
    usable = [i for i in items if i.kind in ANSWERED_KINDS and i.answers and wh(i.question)]
    same: list[Pair] = []
    for item in usable:
        found = _LEADING_WH.match(item.question)
        assert found is not None
        kind = engine.analyse(item.question).answer_type.kind
        other = OTHER_WH.get(str(kind), OTHER_WH_DEFAULT)
        if other.lower() == wh(item.question):
            other = OTHER_WH_FOR_WHEN
        first = other + item.question[found.end("wh") :]
        same.append(Pair(first, item, f"and {wh(item.question)}?"))
    topics = {i.id: topic(engine, i.question) for i in usable}
    different: list[tuple[Item, Item]] = []
    for a in usable:
        b = next((b for b in usable if topics[a.id] and topics[b.id]
                  and not topics[a.id] & topics[b.id]), None)  # fmt: skip
        if b is not None:
            different.append((a, b))
    return same, different


def first_right(engine: Engine, question: str, item: Item, after: str | None = None) -> bool:
    answer = engine.answer(question, after)
    return bool(answer.answered and answer.quotes and is_right(answer.quotes[0], item))


def first_quote(engine: Engine, question: str, after: str | None = None) -> str | None:
    answer = engine.answer(question, after)
    return answer.quotes[0].text if answer.answered and answer.quotes else None


def share(n: int, total: int) -> str:
    return f"{n}/{total} ({n / total:.0%})" if total else "0/0"


def run(sets: list[Path], show: int = 0) -> dict[str, dict[str, int]]:
    from bot.app import engine_options

    engine = Engine.build(load_corpus(), **engine_options())
    figures: dict[str, dict[str, int]] = {}
    for path in sets:
        same, other = make_pairs(engine, load_items(path))
        followup = sum(first_right(engine, p.followup, p.then, p.first) for p in same)
        alone = sum(first_right(engine, p.followup, p.then) for p in same)
        full = sum(first_right(engine, p.then.question, p.then) for p in same)
        kept = sum(
            first_quote(engine, b.question, a.question) == first_quote(engine, b.question)
            for a, b in other
        )
        figures[path.name] = {
            "pairs": len(same), "followup": followup, "alone": alone, "full": full,
            "other_pairs": len(other), "read_as_asked": kept,
        }  # fmt: skip
        print(
            f"{path.name}: {len(same)} same-topic pairs; follow-up first quote right "
            f"{share(followup, len(same))}; asked alone {share(alone, len(same))}; second "
            f"question in full {share(full, len(same))}. Different topics: read as asked "
            f"{share(kept, len(other))}"
        )
        for p in same[:show]:
            print(f"  {p.first!r} → {p.followup!r} (for {p.then.question!r})")
    pairs = sum(f["pairs"] for f in figures.values())
    right = sum(f["followup"] for f in figures.values())
    other_total = sum(f["other_pairs"] for f in figures.values())
    kept_total = sum(f["read_as_asked"] for f in figures.values())
    print(
        f"all sets: follow-up first quote right {share(right, pairs)}; "
        f"different topics read as asked {share(kept_total, other_total)}"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", type=Path, default=SETS)
    parser.add_argument("--show", type=int, default=0, help="print the first N pairs of each")
    args = parser.parse_args()
    run(args.sets, args.show)


if __name__ == "__main__":
    main()
