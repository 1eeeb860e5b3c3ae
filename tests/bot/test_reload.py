"""Live reload in-process: a new engine is built aside and swapped in whole; questions asked
meanwhile are answered from the old one; a broken corpus keeps the old one."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from support.webpages import PARAGRAPH

from bot import versions
from bot.app import Asking, Where, Who, build_engine
from bot.reload import Reloader
from config import Settings
from retrieval.corpus import default_corpus_dir

QUESTION = "Which government offered to host a second round of talks?"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for path in default_corpus_dir().iterdir():
        if path.suffix == ".txt" or path.name == "articles.json":
            shutil.copyfile(path, folder / path.name)
    return folder


@pytest.fixture
def settings(folder: Path, tmp_path: Path) -> Settings:
    return Settings.model_construct(
        corpus_dir=folder, index_cache=False, db_path=tmp_path / "log" / "talks.db"
    )


def write_article(folder: Path, name: str = "090_malta.txt") -> None:
    body = "\n".join(PARAGRAPH.replace("Vatican", "Government of Malta").replace("Monday", d)
                     for d in ("Monday", "Tuesday", "Wednesday", "Thursday"))  # fmt: skip
    (folder / ".new.tmp").write_text(body + "\n", "utf-8")
    (folder / ".new.tmp").rename(folder / name)


async def test_reload_swaps_in_the_new_articles_and_records_the_version(folder, settings) -> None:
    asking = Asking(build_engine(settings), None)
    old = asking.engine
    reloader = Reloader(settings, asking, corpus_dir=folder)
    try:
        write_article(folder)
        assert await reloader.reload() is None
    finally:
        await reloader.close()
    assert asking.engine is not old and len(asking.engine.corpus.articles) == 6
    assert asking.engine.reader is old.reader  # the model is not loaded twice
    answer = asking.engine.answer(QUESTION)
    assert answer.answered and "090_malta" in {c.source for q in answer.quotes for c in q.citations}
    recorded = versions.articles_of(versions.path_for(settings), asking.engine.corpus.version)
    assert (
        recorded is not None
        and ("090_malta", asking.engine.corpus.article("090_malta").title) in recorded
    )


async def test_questions_during_a_build_are_answered_from_the_old_engine(folder, settings) -> None:
    asking = Asking(build_engine(settings), None)
    old = asking.engine
    reloader = Reloader(settings, asking, corpus_dir=folder)
    started, release = threading.Event(), threading.Event()
    build = reloader._build

    def slow_build(engine):  # the build waits until the questions have been answered
        started.set()
        assert release.wait(30)
        return build(engine)

    reloader._build = slow_build  # type: ignore[method-assign]
    try:
        write_article(folder)
        reloading = asyncio.create_task(reloader.reload())
        assert await asyncio.to_thread(started.wait, 30)
        who, where = Who(), Where("cli")
        during = await asyncio.gather(*(asking.ask(f"{QUESTION} ({n})", who, where)
                                        for n in range(20)))  # fmt: skip
        assert asking.engine is old
        release.set()
        assert await reloading is None
    finally:
        release.set()
        await reloader.close()
    assert {a.corpus_version for a, _ in during} == {old.corpus.version}
    assert asking.engine.corpus.version != old.corpus.version


async def test_a_broken_corpus_keeps_the_old_engine_and_says_why(folder, settings) -> None:
    asking = Asking(build_engine(settings), None)
    old = asking.engine
    reloader = Reloader(settings, asking, corpus_dir=folder)
    try:
        (folder / "articles.json").write_text("{not json", "utf-8")
        problem = await reloader.reload()
    finally:
        await reloader.close()
    assert problem is not None and "articles.json" in problem
    assert asking.engine is old


async def test_requests_during_a_build_are_folded_into_one_more(folder, settings) -> None:
    asking = Asking(build_engine(settings), None)
    reloader = Reloader(settings, asking, corpus_dir=folder)
    builds = 0
    build = reloader._build

    def counted(engine):
        nonlocal builds
        builds += 1
        return build(engine)

    reloader._build = counted  # type: ignore[method-assign]
    try:
        write_article(folder)
        for _ in range(10):
            reloader.request()
        assert await reloader.reload() is None
    finally:
        await reloader.close()
    assert builds <= 2 and len(asking.engine.corpus.articles) == 6


async def test_the_watcher_sees_a_new_file_and_ends_on_close(folder, settings) -> None:
    asking = Asking(build_engine(settings), None)
    old = asking.engine
    reloader = Reloader(settings, asking, corpus_dir=folder)
    watcher = asyncio.create_task(reloader.watch())
    try:
        await asyncio.sleep(0.5)  # the watch is set up
        write_article(folder)
        for _ in range(300):  # bounded: 30 s
            if asking.engine is not old:
                break
            await asyncio.sleep(0.1)
        assert len(asking.engine.corpus.articles) == 6
    finally:
        await reloader.close()
        await asyncio.wait_for(watcher, 10)


def test_versions_are_kept_one_file_each_and_bounded(tmp_path: Path, monkeypatch) -> None:
    from retrieval.corpus import load_corpus

    monkeypatch.setattr(versions, "MAX_VERSIONS", 3)
    path = tmp_path / versions.FOLDER
    folder = tmp_path / "c"
    folder.mkdir()
    remembered = []
    for n in range(5):
        (folder / f"{n:03d}.txt").write_text(PARAGRAPH + f" Item {n}.\n", "utf-8")
        corpus = load_corpus(folder)
        versions.remember(path, corpus)
        remembered.append(corpus.version)
        os.utime(path / f"{corpus.version}.json", ns=(n, n))  # written in this order
    assert sorted(p.stem for p in path.glob("*.json")) == sorted(remembered[-3:])
    assert [s for s, _ in versions.articles_of(path, remembered[-1]) or []] == [
        f"{n:03d}" for n in range(5)
    ]
    assert versions.articles_of(path, remembered[0]) is None  # the oldest went
    # a version recorded in the older single file is still read
    (tmp_path / versions.LEGACY_FILE).write_text(
        json.dumps({"abc123": {"articles": [["old", "Old title"]]}}), "utf-8"
    )
    assert versions.articles_of(path, "abc123") == [("old", "Old title")]
    assert versions.articles_of(path, "../../etc/passwd") is None
    assert versions.articles_of(path, "nope") is None
