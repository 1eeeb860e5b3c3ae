"""``talks-bot ask --explain``: how the engine read a question and why it answered or declined.

A maintainer sees the focus kept, each term with its weight and where the weight came from,
the answer type, what each step of the pipeline produced (paragraphs retrieved, candidates
read, the ranked candidates with the reader's scores, the decision) — without a debugger.
"""

from __future__ import annotations

from bot.present import clip
from retrieval.engine import Explanation

TOP = 5  # candidates listed
QUOTE_WIDTH = 110  # characters of each candidate shown


def explanation_lines(question: str, steps: Explanation) -> list[str]:
    lines = [f"question:    {clip(question, 300)!r}"]
    query = steps.query
    if query is None:
        return [*lines, f"declined:    {steps.reason} (refused before lookup)"]
    wanted = query.answer_type
    kind = wanted.kind.value if wanted.kind else "none"
    if wanted.speaker:
        kind += f" (speaker: {' '.join(wanted.speaker)})"
    if wanted.required:
        kind += " (a value is required)"
    lines += [f"focus:       {clip(query.text, 300)!r}", f"answer type: {kind}", "terms:"]
    for t in sorted(query.terms, key=lambda t: -t.weight):
        share = t.weight / query.total
        extra = f"  synonyms: {', '.join(' '.join(s) for s in t.synonyms)}" if t.synonyms else ""
        lines.append(
            f"  {t.word:<16} -> {t.term:<14} weight {t.weight:5.2f} ({share:4.0%})  "
            f"{t.source:<8} zipf {t.zipf:4.2f} pos {t.pos or '-':<4}{extra}"
        )
    lines.append(f"retrieve:    {len(steps.retrieved)} paragraphs (BM25)")
    lines.append(f"candidates:  {len(steps.readings)} sentences read by the reader")
    decision = steps.decision
    if decision is None or not decision.ranked:
        lines.append(f"declined:    {steps.reason} (nothing in the articles to read)")
        return lines
    lines.append("read and ranked, best first (p: the ranker's probability that it answers):")
    for n, s in enumerate(decision.ranked[:TOP], 1):
        c = s.candidate
        flags = "".join([" type" if c.holds_type else "", " speaker" if c.attributed else ""])
        lines.append(
            f"  {n}. p {s.probability:4.2f} logit {s.logit:5.2f} (pre-rank {c.rank:4.2f} "
            f"coverage {c.coverage:4.2f}{flags})  "
            f"{c.passage.source} ¶{c.passage.paragraph}: {clip(c.text, QUOTE_WIDTH)!r}"
        )
    rules = "answer" if decision.rules.answered else f"decline ({decision.rules.reason})"
    lines.append(f"rules:       {rules} (one of the decide step's signals)")
    lines.append(f"decide:      answerability {decision.answerability:4.2f} → {decision.outcome}")
    if steps.reason is None:
        lines.append(f"answered:    {len(steps.chosen)} quote(s), {OUTCOMES[decision.outcome]}")
    else:
        lines.append(f"declined:    {steps.reason}")
    return lines


OUTCOMES = {"confident": "confident", "not_sure": "not sure (shown as the closest passages)"}
