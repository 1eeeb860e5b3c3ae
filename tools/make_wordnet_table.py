"""Generate ``retrieval/data/wordnet.tsv.gz`` from Princeton WordNet 3.0's database files.

Run once where the files are (Debian: ``apt-get install wordnet-base``); the table ships in the
package, so ``pip install .`` alone gives the full engine and nothing reads WordNet at run time:

    python -m tools.make_wordnet_table [/usr/share/wordnet]

One line per word: ``word <TAB> parts of speech <TAB> synonyms`` where the parts of speech are
the letters ``n v a r`` the word has, and the synonyms are the other words of the word's
**first sense** in each part of speech (WordNet lists senses by frequency), and the words
whose first sense lists this word (synonymy is symmetric), then the words the first sense's
derivational and pertainym pointers lead to ("die" → "death", "turkish" → "turkey"), joined
with ``|``; multi-word synonyms keep their spaces. Hypernyms are left out on purpose: a broader word
("official" for "spokesperson") makes unrelated passages match. Lines starting with ``!`` map
an irregular form to its base (WordNet's ``*.exc`` lists: "went" → "go"). Lines starting with
``@`` name a place: a capitalised noun whose hypernyms lead to WordNet's "location" synset
(countries, cities, regions: "France", "Istanbul", "United Kingdom"), which is how answers to
"where" and "which country" are recognised beyond "in <Name>". WordNet's licence
(``WORDNET-LICENSE`` beside the table) allows redistribution with its notice.
"""

from __future__ import annotations

import gzip
import sys
from collections import defaultdict
from pathlib import Path

POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
OUT = Path(__file__).resolve().parent.parent / "retrieval" / "data" / "wordnet.tsv.gz"


def _clean(lemma: str) -> str:
    if "(" in lemma:  # adjective markers: "galore(ip)"
        lemma = lemma[: lemma.index("(")]
    return lemma.replace("_", " ").lower()


# Lexical pointers kept: derivationally related forms ("die" → "death", "announce" →
# "announcement") and pertainyms ("Turkish" → "Turkey"). They link one word to another word
# of the same meaning in another part of speech, so a question's "died" finds "the deaths of".
RELATED = ("+", "\\")

Pointer = tuple[str, str, str, int, int]  # symbol, target offset, target pos, source, target


def _synsets(root: Path) -> dict[tuple[str, str], tuple[list[str], list[Pointer]]]:
    """(pos, synset offset) → its words and lexical pointers, from the ``data.*`` files."""
    out: dict[tuple[str, str], tuple[list[str], list[Pointer]]] = {}
    for pos, name in POS_FILES.items():
        for line in (root / f"data.{name}").read_text(encoding="latin-1").splitlines():
            if line.startswith(" "):  # licence header
                continue
            fields = line.split()
            count = int(fields[3], 16)
            at = 4 + 2 * count
            pointers = []
            for k in range(int(fields[at])):
                symbol, offset, target_pos, st = fields[at + 1 + 4 * k : at + 5 + 4 * k]
                if symbol in RELATED:
                    pointers.append(
                        (symbol, offset, "a" if target_pos == "s" else target_pos,
                         int(st[:2], 16), int(st[2:], 16))
                    )  # fmt: skip
            out[pos, fields[0]] = ([_clean(fields[4 + 2 * i]) for i in range(count)], pointers)
    return out


def _related(word: str, words: list[str], pointers: list[Pointer], synsets: dict) -> list[str]:
    """The words a first sense's lexical pointers lead to from ``word``."""
    out = []
    own = words.index(word) + 1 if word in words else -1
    for _, offset, target_pos, source, target in pointers:
        if source not in (0, own):
            continue
        found = synsets.get((target_pos, offset))
        if found:
            out.extend(found[0] if target == 0 else found[0][target - 1 : target])
    return out


LOCATION = "00027167"  # WordNet 3.0's noun synset "location": a point or extent in space


def _places(path: Path) -> list[str]:
    """Capitalised nouns (proper names) whose synset is, transitively, a kind or an instance
    of "location", from ``data.noun``."""
    words: dict[str, list[str]] = {}
    up: dict[str, list[str]] = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):
            continue
        fields = line.split()
        count = int(fields[3], 16)
        words[fields[0]] = [fields[4 + 2 * i].replace("_", " ") for i in range(count)]
        at = 4 + 2 * count
        pointers = [fields[at + 1 + 4 * k : at + 5 + 4 * k] for k in range(int(fields[at]))]
        up[fields[0]] = [offset for symbol, offset, _, _ in pointers if symbol in ("@", "@i")]
    memo: dict[str, bool] = {LOCATION: True}

    def is_location(offset: str) -> bool:
        todo, seen = [offset], set()
        while todo:  # iterative walk up the hypernym graph (it is shallow but wide)
            o = todo.pop()
            if memo.get(o):
                memo[offset] = True
                return True
            if o not in seen:
                seen.add(o)
                todo.extend(up.get(o, ()))
        memo[offset] = False
        return False

    return sorted(
        {
            w.lower()
            for offset, names in words.items()
            for w in names
            if w[:1].isupper() and "(" not in w and is_location(offset)
        }
    )


def build(root: Path) -> list[str]:
    pos_of: dict[str, set[str]] = defaultdict(set)
    synonyms: dict[str, list[str]] = defaultdict(list)
    synsets = _synsets(root)
    related: dict[str, list[str]] = defaultdict(list)
    for pos, name in POS_FILES.items():
        for line in (root / f"index.{name}").read_text(encoding="latin-1").splitlines():
            if line.startswith(" "):
                continue
            fields = line.split()
            word = _clean(fields[0])
            pos_of[word].add(pos)
            first = fields[-int(fields[2])]  # synset offsets close the line, most frequent first
            words, pointers = synsets[pos, first]
            for other in words:
                if other != word and other not in synonyms[word]:
                    synonyms[word].append(other)
            related[word].extend(_related(word, words, pointers, synsets))
    # Synonymy is symmetric: "premier" lists "pm" in its first sense, so "pm" gets "premier".
    for word, syns in list(synonyms.items()):
        for other in syns:
            if other in pos_of and word not in synonyms[other]:
                synonyms[other].append(word)
    for word, others in related.items():
        for other in others:
            if other != word and other not in synonyms[word]:
                synonyms[word].append(other)
    lines = [
        f"{word}\t{''.join(p for p in 'nvar' if p in pos_of[word])}\t{'|'.join(synonyms[word])}"
        for word in sorted(pos_of)
    ]
    for name in POS_FILES.values():
        for line in (root / f"{name}.exc").read_text(encoding="latin-1").splitlines():
            form, *bases = line.split()
            if bases and form != bases[0]:
                lines.append(f"!{_clean(form)}\t{_clean(bases[0])}")
    lines.extend(f"@{place}" for place in _places(root / "data.noun"))
    return lines


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path("/usr/share/wordnet")
    lines = build(root)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same WordNet gives the same bytes, so regenerating shows no diff.
    with gzip.GzipFile(OUT, "wb", compresslevel=9, mtime=0) as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))
    print(f"wrote {OUT} ({len(lines)} lines, {OUT.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
