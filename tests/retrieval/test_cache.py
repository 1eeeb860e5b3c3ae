"""The on-disk index cache: used when it matches, rebuilt when the corpus or file changes."""

from __future__ import annotations

import logging
import os

from bot.app import engine_options
from retrieval import Engine
from retrieval.corpus import load_corpus

ARTICLE = "Negotiators met in Geneva on Monday to discuss a truce between the two sides."


def test_restart_uses_the_cache_and_answers_the_same(tmp_path, engine) -> None:
    cache_dir = tmp_path / "cache"
    first = Engine.build(load_corpus(), cache_dir=cache_dir, **engine_options())
    files = list(cache_dir.glob("index-*.bin"))
    assert len(files) == 1
    calls = []
    second = Engine.build(
        load_corpus(), cache_dir=cache_dir, progress=lambda d, t: calls.append(d),
        **engine_options(),
    )  # fmt: skip
    assert calls == []  # nothing analysed again
    for q in ("Where will the talks be held?", "Who is the Kremln spokesperson?"):
        assert second.answer(q).quotes == first.answer(q).quotes == engine.answer(q).quotes


def test_a_corrupt_cache_is_detected_and_rebuilt(tmp_path, caplog) -> None:
    cache_dir = tmp_path / "cache"
    Engine.build(load_corpus(), cache_dir=cache_dir, **engine_options())
    (path,) = cache_dir.glob("index-*.bin")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        rebuilt = Engine.build(load_corpus(), cache_dir=cache_dir, **engine_options())
    assert "ignoring index cache" in caplog.text
    assert "Istanbul" in rebuilt.answer("Where will the talks be held?").quotes[0].text
    # and the rewritten file loads cleanly
    Engine.build(load_corpus(), cache_dir=cache_dir, **engine_options())
    assert caplog.text.count("ignoring index cache") == 1


def test_a_changed_corpus_gets_a_new_index(tmp_path, write_corpus) -> None:
    cache_dir = tmp_path / "cache"
    folder = write_corpus({"a.txt": ARTICLE})
    before = Engine.build(load_corpus(folder), cache_dir=cache_dir, **engine_options())
    assert all("Turkiye" not in q.text for q in before.answer("Where did Zelensky wait?").quotes)
    (folder / "b.txt").write_text("Zelensky said he would wait for Putin in Turkiye on Thursday.")
    answer = Engine.build(load_corpus(folder), cache_dir=cache_dir, **engine_options()).answer(
        "Where did Zelensky wait?"
    )
    assert answer.answered and answer.quotes[0].citations[0].source == "b"
    assert len(list(cache_dir.glob("index-*.bin"))) == 1


def test_an_empty_or_cut_short_cache_is_rebuilt(tmp_path, caplog) -> None:
    cache_dir = tmp_path / "cache"
    Engine.build(load_corpus(), cache_dir=cache_dir, **engine_options())
    (path,) = cache_dir.glob("index-*.bin")
    whole = path.read_bytes()
    for damaged in (b"", whole[: len(whole) // 3]):  # a crash or a full disk mid-copy
        path.write_bytes(damaged)
        with caplog.at_level(logging.WARNING):
            engine = Engine.build(load_corpus(), cache_dir=cache_dir, **engine_options())
        assert "Istanbul" in engine.answer("Where will the talks be held?").quotes[0].text
        assert path.read_bytes() == whole  # rewritten in full
    assert caplog.text.count("ignoring index cache") == 2


def test_a_restart_reuses_the_paragraph_table(tmp_path, monkeypatch) -> None:
    from retrieval import corpus as corpus_module

    first = load_corpus(cache_dir=tmp_path)
    assert len(list(tmp_path.glob("paragraphs-*.npz"))) == 1

    def no_parsing(*args: object) -> None:
        raise AssertionError("the articles were split into paragraphs again")

    monkeypatch.setattr(corpus_module, "_parse", no_parsing)
    second = load_corpus(cache_dir=tmp_path)
    assert list(second.passages) == list(first.passages)
    assert list(second.articles) == list(first.articles)


def test_an_altered_cache_is_checked_again_even_with_its_old_modification_time(
    tmp_path, caplog
) -> None:
    """A checked file is not read whole again on restart, unless anything wrote to it since:
    restoring its modification time does not hide a change (the change time still moves)."""
    cache_dir = tmp_path / "cache"
    Engine.build(load_corpus(), cache_dir=cache_dir, **engine_options())
    (path,) = cache_dir.glob("index-*.bin")
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    with caplog.at_level(logging.WARNING):
        rebuilt = Engine.build(load_corpus(), cache_dir=cache_dir, **engine_options())
    assert "ignoring index cache" in caplog.text
    assert "Istanbul" in rebuilt.answer("Where will the talks be held?").quotes[0].text
