"""What each technique of the answer pipeline contributes: switch one off, keep the rest.

    python -m benchmarks.ablation

Prints, for both question sets, the shipped pipeline, the pipeline without each technique
(``retrieval.tuning.Tuning``'s switches), the 0.1 pipeline (every technique off, the
pre-issue coverage rule) and the plain rank-bm25 baseline, all in one run on one index.
"""

from __future__ import annotations

from dataclasses import fields, replace

from benchmarks.quality import Bench, objective, row
from retrieval.evaluate import Baseline, evaluate
from retrieval.tuning import Tuning

SWITCHES = [f.name for f in fields(Tuning) if f.type in ("bool", bool)]


def main() -> int:
    bench = Bench()
    shipped = Tuning()
    reports = bench.reports(shipped)
    print(row("all techniques", reports), f"objective {objective(reports):.3f}")
    for name in SWITCHES:
        without = bench.reports(replace(shipped, **{name: False}))
        print(row(f"without {name}", without), f"objective {objective(without):.3f}")
    none = bench.reports(replace(shipped, **dict.fromkeys(SWITCHES, False)))
    print(row("none of them", none), f"objective {objective(none):.3f}")
    baseline = Baseline(bench.corpus)
    base = {name: evaluate(baseline, items, bench.corpus) for name, items in bench.sets.items()}
    print(row("rank-bm25 baseline", base), f"objective {objective(base):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
