"""Words that English news uses interchangeably, mapped to one canonical term.

The analyzer applies these tables to documents and questions alike, after case and diacritic
folding and before stemming, so "Zelenskyy", "Türkiye" and "Kiev" match "Zelensky", "Turkey"
and "Kyiv". Extend them by adding lower-case, diacritic-free entries; keep each entry a true
synonym in news usage, since a loose one makes unrelated passages match.
"""

from __future__ import annotations

# Single words, lower case and diacritic-free.
ALIASES: dict[str, str] = {
    # people, by transliteration
    "zelenskyy": "zelensky",
    "zelenskiy": "zelensky",
    "zelenskii": "zelensky",
    "erdogan": "erdogan",
    # places and their adjectives
    "turkiye": "turkey",
    "turkish": "turkey",
    "kiev": "kyiv",
    "america": "usa",
    "american": "usa",
    "americans": "usa",
    "washington": "usa",
    "britain": "uk",
    "british": "uk",
    "kremlin": "russia",
    "moscow": "russia",
    "russian": "russia",
    "russians": "russia",
    "ukrainian": "ukraine",
    "ukrainians": "ukraine",
    "french": "france",
    "german": "germany",
    "european": "europe",
    "europeans": "europe",
    # spellings
    "cease-fire": "ceasefire",
    "wwii": "wwii",
    "defense": "defence",
}

# Acronyms, recognised only when written in capitals or with dots ("US", "U.S."), so the
# pronoun "us" stays a stopword.
ACRONYMS: dict[str, str] = {
    "us": "usa",
    "usa": "usa",
    "uk": "uk",
    "gb": "uk",
    "un": "un",
    "eu": "eu",
    "nato": "nato",
}

# Phrases of two or more words, matched on folded words before stopwords are removed.
PHRASES: dict[tuple[str, ...], str] = {
    ("united", "states"): "usa",
    ("united", "kingdom"): "uk",
    ("great", "britain"): "uk",
    ("united", "nations"): "un",
    ("european", "union"): "eu",
    ("cease", "fire"): "ceasefire",
    ("world", "war", "ii"): "wwii",
    ("world", "war", "two"): "wwii",
    ("second", "world", "war"): "wwii",
}

# Word forms the stemmer leaves apart ("held" and "hold", "invasion" and "invade").
IRREGULAR: dict[str, str] = {
    "held": "hold", "met": "meet", "said": "say", "says": "say", "told": "tell",
    "won": "win", "began": "begin", "begun": "begin", "spoke": "speak", "spoken": "speak",
    "wrote": "write", "written": "write", "made": "make", "took": "take", "taken": "take",
    "gave": "give", "given": "give", "went": "go", "gone": "go", "saw": "see", "seen": "see",
    "thought": "think", "brought": "bring", "sought": "seek", "fell": "fall", "fallen": "fall",
    "broke": "break", "broken": "break", "chose": "choose", "chosen": "choose", "led": "lead",
    "sent": "send", "came": "come", "knew": "know", "known": "know", "rose": "rise",
    "ran": "run", "struck": "strike", "stood": "stand", "felt": "feel", "kept": "keep",
    "meant": "mean", "paid": "pay", "fought": "fight", "lost": "lose",
    "built": "build", "drew": "draw", "drawn": "draw", "threw": "throw", "grew": "grow",
    "invasion": "invade", "invasions": "invade",
}  # fmt: skip
