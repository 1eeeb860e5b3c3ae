"""Find the part of a chat message that asks: strip Discord markup, talk about the sources,
chat spellings and chatter, keep the clause with the question.

Members write "@everyone where r the talks gonna be held?? according to the articles" or
"new here, quick one: who's the kremlin spokesperson lol". Every word left in weighs in the
lookup, so words that are about the chat rather than about the talks must go first. The tables
are general chat English, not this corpus's words.
"""

from __future__ import annotations

import re

from retrieval import analyzer

# --- Discord and Markdown markup ---------------------------------------------------------------
_MARKUP = [
    (re.compile(r"```(?:[a-z0-9_+-]*\n)?(.*?)```", re.S), r"\1"),  # code blocks keep their text
    (re.compile(r"<a?:\w+:\d+>"), " "),  # custom emoji
    (re.compile(r"<(?:@[!&]?|#)\d+>"), " "),  # user, role and channel mentions
    (re.compile(r"</[\w -]+:\d+>"), " "),  # slash-command mentions
    (re.compile(r"<t:-?\d+(?::[tTdDfFR])?>"), " "),  # timestamps
    (re.compile(r"@(?:everyone|here)\b"), " "),
    # [text](url): a masked link points somewhere else; its text is the link's, not the
    # question's ("where will the talks be held? [x](http://…)" is not a question about X)
    (re.compile(r"\[([^\]]*)\]\(\s*<?https?://[^)\s]*>?\s*\)"), " "),
    (re.compile(r"<?https?://\S+>?|\bwww\.\S+"), " "),  # bare links
    (re.compile(r"(?<!\w):[a-z0-9_+-]{2,32}:(?!\w)"), " "),  # :emoji: shortcodes
    (re.compile(r"^\s*(?:#{1,3}|-#|>>>|>)\s+", re.M), ""),  # headings, subtext, block quotes
    (re.compile(r"\|\||\*\*|__|~~|`"), " "),  # spoilers, bold, underline, strike, code
    (re.compile(r"(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])"), " "),  # *italics*
    (re.compile(r"(?<![\w])_(?=\S)|(?<=\S)_(?![\w])"), " "),  # _italics_
]

# --- Talk about the sources ("according to the articles") -------------------------------------
_SOURCE_NOUNS = (
    r"(?:articles?|reports?|sources?|stories|story|coverage|news|texts?|docs?|documents?|"
    r"press|papers?|media|reporting|data|corpus|seeds?)"
)
_DETERMINER = r"(?:the|these|those|this|your|ur|their|its|my|our|ya)"
_SOURCE_PHRASES = [
    rf"\b(?:according\s+to|based\s+on|from|in|per|as\s+per)\s+(?:all\s+)?{_DETERMINER}\s+"
    rf"(?:news\s+)?{_SOURCE_NOUNS}\b",
    rf"\b(?:do|does|did|can|could|would)\s+(?:any\s+of\s+)?{_DETERMINER}\s+(?:news\s+)?"
    rf"{_SOURCE_NOUNS}\s+(?:say|mention|tell\s+(?:us|me)|report|explain|state|show|know)\b",
    rf"\b{_DETERMINER}\s+(?:news\s+)?{_SOURCE_NOUNS}\s+(?:say|says|said|mention|report|claim)"
    r"(?:s|ed)?\b",
    rf"\bwhat\s+(?:do|does)\s+{_DETERMINER}\s+{_SOURCE_NOUNS}\s+say\s+(?:about\s+)?",
]
_SOURCE = re.compile("|".join(_SOURCE_PHRASES), re.I)

# --- Chat spellings and forms, to plain English (general chat usage, not corpus words) ----------
CHAT_FORMS = {
    "u": "you", "ya": "you", "yu": "you", "ur": "your", "r": "are", "y": "why", "n": "and",
    "rn": "now", "pls": "please", "plz": "please", "plez": "please", "gonna": "will",
    "wanna": "want to", "gotta": "must", "gimme": "give me", "lemme": "let me",
    "wat": "what", "wut": "what", "wht": "what", "whut": "what", "wen": "when", "whn": "when",
    "wher": "where", "whr": "where", "hw": "how", "hou": "how", "whos": "who is",
    "whats": "what is", "wheres": "where is", "whens": "when is", "hows": "how is",
    "whys": "why is", "abt": "about", "bout": "about", "bc": "because", "cuz": "because",
    "coz": "because", "cos": "because", "tho": "though", "thru": "through", "ppl": "people",
    "sth": "something", "smth": "something", "sb": "somebody", "smb": "somebody",
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "isnt": "is not",
    "arent": "are not", "wasnt": "was not", "werent": "were not", "wont": "will not",
    "cant": "can not", "hasnt": "has not", "havent": "have not", "im": "i am", "ive": "i have",
    "theyre": "they are", "k": "ok", "kk": "ok", "da": "the", "teh": "the", "w/": "with",
    "w/o": "without", "b4": "before", "2day": "today", "2moro": "tomorrow", "tmrw": "tomorrow",
    "tmr": "tomorrow", "ppl's": "people's", "gov": "government", "govt": "government",
}  # fmt: skip
# Words that carry no meaning in a question to a bot: greetings, thanks, laughter, hedges.
CHATTER = frozenset(
    """hi hey hello yo sup hiya heya howdy greetings thanks thank thx ty tysm cheers pls please
    lol lmao lmfao rofl haha hahaha hehe omg wtf idk idc tbh imo imho btw fyi ngl fr lowkey
    highkey bruh bro dude guys folks yall y'all everyone anyone somebody someone ok okay
    so um uh hmm well just actually literally honestly basically seriously really quick
    question curious wondering wonder asking ask know tell explain bot""".split()
)
_CHAT_TOKEN = re.compile(r"(?<![\w'])(" + "|".join(
    re.escape(k) for k in sorted(CHAT_FORMS, key=len, reverse=True)
) + r")(?![\w'/])", re.I)  # fmt: skip

# --- Which clause asks ------------------------------------------------------------------------
_ASKING = re.compile(
    r"\b(?:who|whom|whose|what|when|where|which|why|how|is|are|was|were|do|does|did|has|have|"
    r"had|can|could|will|would|should)\b",
    re.I,
)
_CLAUSE_BREAK = re.compile(r"(?<=[.!?:;])\s+|\s+[-–—]\s+|,\s+(?=(?:so\s+|but\s+)?(?:who|what|"
                           r"when|where|which|why|how)\b)", re.I)  # fmt: skip
_LEAD_IN = re.compile(
    r"^(?:(?:i\s+(?:was|am|'m)\s+)?(?:just\s+)?(?:wondering|curious|asking)\s*(?:about|if|"
    r"whether)?|(?:can|could|would)\s+(?:you|someone|anyone|somebody)\s+(?:please\s+)?"
    r"(?:tell|explain|show)\s+(?:me|us)?|(?:does|do)\s+(?:anyone|anybody|somebody|someone|"
    r"u|you)\s+know|(?:i\s+)?(?:want|need|wanna|would\s+like)\s+(?:to\s+)?know|"
    r"(?:please\s+)?tell\s+(?:me|us)|quick\s+(?:question|q)|question)\b[\s,:]*",
    re.I,
)
_SPACES = re.compile(r"\s+")


def strip_markup(text: str) -> str:
    """Discord mentions, emoji, links and Markdown removed; the words they wrap stay."""
    for pattern, replacement in _MARKUP:
        text = pattern.sub(replacement, text)
    return _SPACES.sub(" ", text).strip()


def plain_chat(text: str) -> str:
    """Chat spellings ("u", "rn", "gonna", "wen") written out as plain English."""
    return _CHAT_TOKEN.sub(lambda m: CHAT_FORMS[m.group(1).lower()], text)


def drop_source_talk(text: str) -> str:
    """Phrases about the sources ("according to the articles", "do the reports say")."""
    return _SPACES.sub(" ", _SOURCE.sub(" ", text)).strip(" ,")


def asking_clause(text: str) -> str:
    """From the first clause that asks to the end, without leading chatter or lead-ins.

    "new here, quick one: when does the strike end" → "when does the strike end". A message
    with no clause that asks is kept whole (it may be a bare topic: "putin istanbul when").
    """
    clauses = [c for c in _CLAUSE_BREAK.split(text) if c and c.strip()]
    for i, clause in enumerate(clauses):
        if _ASKING.search(clause) or clause.rstrip().endswith("?"):
            text = " ".join(clauses[i:])
            break
    text = _LEAD_IN.sub("", text.strip()).strip()
    return text


def focus(question: str) -> str:
    """The words of a chat message that ask the question, in plain English."""
    text = strip_markup(question)
    text = plain_chat(text)
    text = drop_source_talk(text)
    focused = asking_clause(text)
    if not focused or not _names_something(focused):
        # "Putin proposed direct talks with Ukraine, when and where though?": the clause that
        # asks only points back at the rest; read the whole message, never drop the topic.
        return text
    return focused


def _names_something(text: str) -> bool:
    """Whether the text holds a content word beyond chatter (its topic, not just "when")."""
    return any(w not in CHATTER for w in analyzer.words(text))
