"""A follow-up question read together with the question it follows.

After "Where did Putin propose holding the talks?" a member asks "and when?": on its own it has
no topic. A follow-up with few words of its own takes the earlier question's topic and keeps
its own wh-word, so its answer type is its own ("when" wants a date). Where both start with a
wh-phrase, the follow-up's replaces the earlier one's ("When did Putin propose holding the
talks?"), which is what the reader and the dense look read; otherwise the two are read side by
side. The earlier question's words weigh less than any the follow-up adds ("and when was it
announced?": "announced" leads). A follow-up that names its own topic (a name, or several
words that look something up) is read as asked.

The earlier question arrives as a value with each question; nothing is remembered here.
"""

from __future__ import annotations

import re
from dataclasses import replace

from retrieval import focus
from retrieval.query import Query, QueryAnalyzer

# Words of its own (after stop words, chatter and words that only name the kind asked for)
# from which a follow-up is read as asked: two words look something up on their own ("when
# will the talks start?"), one is usually a verb about the earlier topic ("when was it
# announced?").
OWN_TOPIC_TERMS = 2
# A single word rarer than this in general English (Zipf scale: 3 is about once per million
# words) is a name or a subject of its own ("and Peskov?", "what about the ceasefire?"); a
# word unknown to general English (Zipf 0) is one too.
NAME_ZIPF = 3.5
# The earlier question's words weigh this share of their own weight when the follow-up adds
# words: half keeps the topic in the lookup without outvoting what is newly asked.
EARLIER_WEIGHT = 0.5

_CONNECTORS = r"(?:and|but|so|also|ok|okay|then|well|alright|right|hmm+)"
# A wh-phrase: "which city", "how many", "when". After "what"/"which"/"whose", the next word is
# the kind asked for unless it is a verb or an article ("what is …", "which the …").
_NOT_A_KIND = r"(?:is|are|was|were|did|do|does|has|have|had|will|would|can|could|should|the|a|an)"
_WH = (
    rf"(?:(?:what|which|whose)\s+(?!{_NOT_A_KIND}\b)[a-z]+"
    r"|how\s+(?:many|much|long|often|soon)|at\s+what\s+time|since\s+when"
    r"|when|where|who|whom|whose|why|how|what|which)"
)
_LEADING_WH = re.compile(rf"^\W*(?:{_CONNECTORS}\W+)*(?P<wh>{_WH})\b", re.I)
# What may follow a bare wh-word in a topic-less follow-up: "and when exactly?", "where then?"
_BARE_REST = re.compile(
    r"^\W*(?:(?:exactly|then|again|though|precisely|about\s+(?:that|it|this)|"
    r"was\s+(?:that|it)|is\s+(?:that|it)|will\s+(?:that|it)\s+be|did\s+(?:that|it)\s+happen|"
    r"does\s+it|do\s+they|please|pls)\W*)*$",
    re.I,
)


def read_after(analyser: QueryAnalyzer, question: str, earlier: str | None) -> Query:
    """``question`` as the engine reads it after ``earlier`` (None: a question on its own)."""
    own = analyser.analyse(question)
    if not earlier or not earlier.strip() or names_own_topic(own):
        return own
    text = combined_text(question, earlier)
    together = analyser.analyse(text)
    own_terms = {t.term for t in own.terms}
    terms = together.terms
    if own_terms:  # words the follow-up adds lead; the earlier topic weighs less
        terms = tuple(
            t if t.term in own_terms else replace(t, weight=t.weight * EARLIER_WEIGHT)
            for t in terms
        )
    return Query(question, together.text, together.plain, terms, together.answer_type)


def names_own_topic(query: Query) -> bool:
    """Whether a follow-up names a topic of its own, so is read as asked."""
    terms = [t for t in query.terms if not query.answer_type.names_kind(t.term)]
    if len(terms) >= OWN_TOPIC_TERMS:
        return True
    return any(t.zipf < NAME_ZIPF for t in terms)


def combined_text(question: str, earlier: str) -> str:
    """The question the follow-up asks, in words: the earlier question with the follow-up's
    wh-phrase in place of its own when the follow-up is a bare wh-question ("and when?"),
    else the follow-up with the earlier question after it."""
    asked = " ".join(focus.strip_markup(question).split())
    before = " ".join(focus.strip_markup(earlier).split())
    mine, theirs = _LEADING_WH.match(asked), _LEADING_WH.match(before)
    if mine and theirs and _BARE_REST.match(asked[mine.end() :]):
        wh = mine.group("wh")
        rest = before[theirs.end() :]
        return f"{wh[0].upper()}{wh[1:].lower()}{rest}"
    return f"{asked.rstrip(' ?')} ({before.rstrip(' ?')})?"
