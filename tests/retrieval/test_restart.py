"""A restart from the cache: the articles are not read again, yet an edit is never missed and
a quote never comes from a file that changed under it."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from bot import wording
from bot.app import engine_options
from retrieval import corpus as corpus_module
from retrieval import lexicon
from retrieval.corpus import load_corpus
from retrieval.engine import Engine
from retrieval.texts import CorpusChanged

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
TALKS = (
    "Zelensky said he would wait for Putin in Istanbul on Thursday for direct talks.\n"
    "The Kremlin said Russia would send a delegation to the talks in Istanbul.\n"
)


def _no_reading(*args: object) -> None:
    raise AssertionError("the articles were read and hashed again")


def test_a_restart_reads_no_article_until_it_quotes_one(tmp_path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    first = Engine.build(
        load_corpus(cache_dir=cache), cache_dir=cache, with_dense=False, **engine_options()
    )
    expected = first.answer("Where will the talks be held?")
    monkeypatch.setattr(corpus_module, "_read_all", _no_reading)
    opened: list[str] = []
    real_open = open

    def counting_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("retrieval.texts.open", counting_open, raising=False)
    corpus = load_corpus(cache_dir=cache)
    assert corpus.version == first.corpus.version
    assert [a.label for a in corpus.articles] == [a.label for a in first.corpus.articles]
    assert opened == []  # listed and stamped, none read
    engine = Engine.build(corpus, cache_dir=cache, with_dense=False, **engine_options())
    answer = engine.answer("Where will the talks be held?")
    assert [q.text for q in answer.quotes] == [q.text for q in expected.quotes]
    assert 0 < len(opened) <= len(corpus.articles)  # only the articles it read to answer
    for quote in answer.quotes:
        for citation in quote.citations:
            assert quote.text in (SEEDS / citation.file).read_text("utf-8")


def test_an_article_edited_in_place_is_read_again_even_with_its_old_times(
    tmp_path, write_corpus
) -> None:
    """Same name, same size, modification time put back: the change time still moves, so the
    restart reads and indexes the new text instead of trusting the cache."""
    folder = write_corpus({"a.txt": TALKS, "b.txt": "Unrelated words about the weather today.\n"})
    cache = tmp_path / "cache"
    before = load_corpus(folder, cache)
    path = folder / "a.txt"
    stat = path.stat()
    edited = TALKS.replace("Istanbul on Thursday", "Ankara on Thursday!!")
    assert len(edited.encode()) == stat.st_size
    path.write_text(edited, "utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    after = load_corpus(folder, cache)
    assert after.version != before.version
    texts = [p.text for p in after.prose]
    assert any("Ankara" in t for t in texts) and not any("Istanbul on Thursday" in t for t in texts)
    engine = Engine.build(after, cache_dir=cache, with_dense=False, **engine_options())
    assert engine.index.n_docs == len(after.prose)


def test_an_article_that_changes_after_loading_is_never_quoted_from_old_offsets(
    tmp_path, write_corpus
) -> None:
    folder = write_corpus({"a.txt": TALKS})
    cache = tmp_path / "cache"
    load_corpus(folder, cache)
    corpus = load_corpus(folder, cache)  # from the cache: texts read when first needed
    (folder / "a.txt").write_text("Completely different text now.\n" + TALKS, "utf-8")
    with pytest.raises(CorpusChanged, match="changed after the corpus was loaded"):
        _ = corpus.article("a").text


def test_labels_are_made_once_per_metadata(tmp_path, write_corpus, monkeypatch) -> None:
    folder = write_corpus({"a.txt": TALKS, "b.txt": TALKS.replace("Thursday", "Friday")})
    cache = tmp_path / "cache"
    first = load_corpus(folder, cache)
    monkeypatch.setattr(corpus_module, "with_labels", _no_reading)
    assert [a.label for a in load_corpus(folder, cache).articles] == [
        a.label for a in first.articles
    ]
    (folder / "articles.json").write_text('{"a.txt": {"label": "Zelensky waits"}}', "utf-8")
    monkeypatch.undo()
    relabelled = load_corpus(folder, cache)
    assert relabelled.article("a").label == "Zelensky waits"
    assert relabelled.version == first.version  # the articles themselves did not change


def test_word_frequencies_are_wordfreqs_own(tmp_path, monkeypatch) -> None:
    """The English list is read without importing wordfreq, and gives exactly its values,
    made from the sources and mapped from the cache alike."""
    import wordfreq

    seeds = " ".join(p.read_text("utf-8").lower() for p in SEEDS.glob("*.txt"))
    words = set(re.findall(r"[a-z]+", seeds))
    made = lexicon.Lexicon.load(tmp_path)
    entries = made._entries
    sample = random.Random(3).sample(range(len(entries)), 3000)
    words |= {entries.line(i).partition("\t")[0] for i in sample}
    words |= {"zelenskyy", "qwertyuiop", "u.s.", "co-op", "café", "2025"}
    monkeypatch.setattr(lexicon, "_sections", None)  # a restart makes nothing: it maps
    mapped = lexicon.Lexicon.load(tmp_path)
    for word in sorted(words):
        expected = str(wordfreq.zipf_frequency(word, "en"))
        assert str(made.zipf(word)) == str(mapped.zipf(word)) == expected, word
        assert made.entry(word) == mapped.entry(word), word
    assert str(lexicon.zipf("talks")) == str(wordfreq.zipf_frequency("talks", "en"))


@pytest.mark.parametrize("damage", ["cut", "flip", "garbage"])
def test_a_damaged_word_list_cache_is_made_again_not_trusted(tmp_path, damage, caplog) -> None:
    lexicon.Lexicon.load(tmp_path)
    (kept,) = tmp_path.glob("lexicon-*.bin")
    data = bytearray(kept.read_bytes())
    if damage == "cut":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[len(data) // 3] ^= 0xFF  # inside WordNet's lines: a wrong entry if trusted
    else:
        data = bytearray(b"not a cache at all")
    kept.write_bytes(bytes(data))
    again = lexicon.Lexicon.load(tmp_path)
    assert "ignoring the word lists' cache" in caplog.text
    assert again.synonyms("truce") == lexicon.Lexicon.load().synonyms("truce")
    assert str(again.zipf("istanbul")) == str(lexicon.Lexicon.load().zipf("istanbul"))
    assert lexicon.Lexicon.load(tmp_path)._entries.find("truce") is not None  # made again


def test_a_question_whose_article_changed_under_the_engine_is_declined_as_updating(
    tmp_path, write_corpus
) -> None:
    folder = write_corpus({"a.txt": TALKS})
    cache = tmp_path / "cache"
    Engine.build(load_corpus(folder, cache), cache_dir=cache, with_dense=False, **engine_options())
    engine = Engine.build(  # restarted: the index from the cache, no article read yet
        load_corpus(folder, cache), cache_dir=cache, with_dense=False, **engine_options()
    )
    (folder / "a.txt").write_text("Completely different text now.\n" + TALKS, "utf-8")
    answer = engine.answer("Where will Zelensky wait for Putin?")
    assert not answer.answered and answer.reason == "updating"
    assert "being updated" in wording.decline_message(answer)  # what the member reads
    assert engine.answer("").reason == "empty"  # the others are answered as ever


def test_the_word_lists_are_sorted_so_every_word_is_found() -> None:
    """The lexicon finds an entry by binary search: an unsorted table would lose words."""
    table = lexicon.Lexicon.load()
    for lines in (table._entries, table._english):
        text = [lines.line(i) for i in range(len(lines))]
        assert [t.encode() for t in text] == sorted(t.encode() for t in text)
        assert all(lines.find(t.partition("\t")[0]) is not None for t in text[::997])


@pytest.mark.parametrize("files", [["a-b.txt", "a.txt", "b.txt"], ["b.txt", "a.txt", "a-b.txt"]])
def test_an_articles_title_is_found_by_its_source_in_any_order(files) -> None:
    """Positions are found by binary search over sorted file names, and by a lookup table
    when the files come in another order: every article keeps its own title either way."""
    import numpy as np

    from retrieval.articles import Articles
    from retrieval.texts import Texts

    titles = [f"Title of {name}" for name in files]
    texts = Texts("/nowhere", files, np.zeros((len(files), 4), dtype=np.int64))
    articles = Articles(files, titles, [1] * len(files), [""] * len(files), {}, texts)
    for name in files:
        assert articles.title(name[:-4]) == f"Title of {name}"
    with pytest.raises(KeyError):
        articles.position("missing")
