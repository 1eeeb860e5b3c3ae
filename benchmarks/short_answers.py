"""The short answer (the bold words) on the shared news questions, which it was not fitted to.

    python -m benchmarks.short_answers [--sets ../shared/eval/dev_questions*.jsonl] [--show]

For every question of the sets: the short answer, when there is one, must be an exact slice of
its quote (``quote.text[start:end] == text``). For the factoid questions whose first quote is
right (``retrieval.evaluate.is_right``): how often the span the step picks holds an accepted
answer, (a) as shown (only confident answers to a value or a name get one) and (b) picked on
every such first quote whatever the confidence (the step's own quality; most answers are
"not sure" today, so (a) alone would say little).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from retrieval.corpus import load_corpus
from retrieval.engine import Engine
from retrieval.evaluate import _norm, is_right, load_items
from retrieval.pipeline.span import SHORT_KINDS

ROOT = Path(__file__).resolve().parent.parent
SETS = sorted((ROOT.parent / "shared" / "eval").glob("dev_questions*.jsonl"))


def share(n: int, total: int) -> str:
    return f"{n}/{total} ({n / total:.0%})" if total else "0/0"


def run(sets: list[Path], show: bool = False) -> dict[str, int]:
    from bot.app import engine_options

    engine = Engine.build(load_corpus(), **engine_options())
    model = engine.short_answers.model
    f = {"answers": 0, "short": 0, "exact": 0, "right_first": 0, "typed": 0, "picked_right": 0,
         "shown": 0, "shown_right": 0}  # fmt: skip
    for path in sets:
        for item in load_items(path):
            answer = engine.answer(item.question)
            if answer.answered:
                f["answers"] += 1
            s = answer.short_answer
            if s is not None:
                f["short"] += 1
                f["exact"] += answer.quotes[s.quote].text[s.start : s.end] == s.text
            if item.kind != "factoid" or not answer.quotes or not is_right(answer.quotes[0], item):
                continue
            f["right_first"] += 1
            accepted = [_norm(a) for a in item.answers]
            if s is not None:
                f["shown"] += 1
                f["shown_right"] += any(a in _norm(s.text) for a in accepted)
            query = engine.analyse(item.question)
            if query.answer_type.kind not in SHORT_KINDS:
                continue
            f["typed"] += 1
            best = model.best(answer.quotes[0].text, query.plain, query.answer_type.kind)
            text = answer.quotes[0].text[best[0].start : best[0].end] if best else ""
            right = any(a in _norm(text) for a in accepted)
            f["picked_right"] += right
            if show:
                print(f"  {'✓' if right else '✗'} {item.question!r} → {text!r}")
    print(f"{f['answers']} answers, {f['short']} with a short answer; an exact slice of its "
          f"quote: {share(f['exact'], f['short'])}")  # fmt: skip
    print(f"factoid questions, first quote right: {f['right_first']}; asking for a value or a "
          f"name: {f['typed']}")  # fmt: skip
    print(f"(b) the step's span holds an accepted answer: {share(f['picked_right'], f['typed'])}"
          f" of those asking for a value or a name; {share(f['picked_right'], f['right_first'])}"
          " of all")  # fmt: skip
    print(f"(a) shown (confident answers only): {f['shown']}, holding an accepted answer "
          f"{share(f['shown_right'], f['shown'])}")  # fmt: skip
    return f


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", type=Path, default=SETS)
    parser.add_argument("--show", action="store_true", help="print each factoid's span")
    args = parser.parse_args()
    run(args.sets, args.show)


if __name__ == "__main__":
    main()
