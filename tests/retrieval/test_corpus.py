from __future__ import annotations

import json
import logging

import pytest

from retrieval.corpus import CorpusError, is_prose, load_corpus


def test_shipped_seeds_load_with_exact_offsets() -> None:
    corpus = load_corpus()
    assert len(corpus.articles) >= 1
    for article in corpus.articles:
        paragraphs = [p for p in corpus.passages if p.source == article.source]
        assert [p.paragraph for p in paragraphs] == list(range(1, article.paragraphs + 1))
        for p in paragraphs:
            assert article.text[p.start : p.end] == p.text


def test_headlines_and_link_lines_are_never_prose() -> None:
    corpus = load_corpus()
    non_prose = {p.text for p in corpus.passages if not p.prose}
    assert any(t.startswith("Read:") for t in non_prose)
    assert all(not t.rstrip().endswith(".") for t in non_prose)
    assert is_prose("Putin has proposed holding direct negotiations with Ukraine in Istanbul.")
    assert not is_prose("Zelenskyy Conditions Peace Talks on Ceasefire, While Trump Urges Action")
    assert not is_prose("Watch:Leaders meet in Kyiv to discuss the ceasefire proposal today.")


def test_blank_line_and_line_per_paragraph_files_number_alike(write_corpus) -> None:
    body = [
        "First paragraph says one thing about the talks.",
        "Second paragraph says another thing about the talks.",
    ]
    folder = write_corpus({"a.txt": "\n".join(body), "b.txt": "\n\n".join(body) + "\n"})
    corpus = load_corpus(folder)
    numbers = {(p.source, p.paragraph, p.text) for p in corpus.passages}
    assert {(s, n, t) for s, n, t in numbers if s == "a"} == {("a", 1, body[0]), ("a", 2, body[1])}
    assert {(n, t) for s, n, t in numbers if s == "b"} == {(1, body[0]), (2, body[1])}


def test_any_file_names_and_counts_work(write_corpus) -> None:
    folder = write_corpus(
        {"zeta-report.txt": "Negotiators met in Geneva on Monday to discuss a truce."}
    )
    corpus = load_corpus(folder)
    assert [a.source for a in corpus.articles] == ["zeta-report"]
    assert corpus.articles[0].title.startswith("Negotiators met in Geneva")


def test_metadata_file_supplies_titles(write_corpus) -> None:
    folder = write_corpus(
        {
            "a.txt": "Negotiators met in Geneva on Monday to discuss a truce.",
            "articles.json": '{"a.txt": {"title": "Geneva talks", "outlet": "Example News"}}',
        }
    )
    article = load_corpus(folder).articles[0]
    assert (article.title, article.outlet) == ("Geneva talks", "Example News")


def test_missing_folder(tmp_path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nowhere")


def test_folder_without_articles(write_corpus) -> None:
    with pytest.raises(CorpusError, match=r"no \.txt articles"):
        load_corpus(write_corpus({"notes.md": "# not an article"}))


def test_undecodable_bytes_name_file_and_offset(write_corpus) -> None:
    folder = write_corpus({"bad.txt": b"Fine text, then \xff broken."})
    with pytest.raises(CorpusError, match=r"bad\.txt.*offset 16"):
        load_corpus(folder)


def test_empty_file_is_skipped_with_a_warning(write_corpus, caplog) -> None:
    folder = write_corpus(
        {"empty.txt": "\n  \n", "ok.txt": "Negotiators met in Geneva on Monday to discuss a truce."}
    )
    with caplog.at_level(logging.WARNING):
        corpus = load_corpus(folder)
    assert [a.source for a in corpus.articles] == ["ok"]
    assert "empty.txt" in caplog.text


def test_every_article_gets_a_short_distinct_label() -> None:
    from retrieval.labels import LABEL_MAX_CHARS

    labels = [a.label for a in load_corpus().articles]
    assert len(set(labels)) == len(labels)
    assert all(len(label) <= LABEL_MAX_CHARS for label in labels)


def test_labels_derived_from_the_shipped_leads_read_as_headlines(write_corpus) -> None:
    """Without articles.json, each shipped article's label is made from its own first
    sentence: short, distinct, no scene-setting opening, people by surname."""
    from retrieval.corpus import default_corpus_dir
    from retrieval.labels import LABEL_MAX_CHARS

    seeds = default_corpus_dir()
    folder = write_corpus({p.name: p.read_text("utf-8") for p in seeds.glob("*.txt")})
    articles = load_corpus(folder).articles
    labels = [a.label for a in articles]
    assert len(set(labels)) == len(labels)
    for article, label in zip(articles, labels, strict=True):
        assert len(label) <= LABEL_MAX_CHARS
        assert not label.startswith("In a "), label
        assert "President" not in label, label  # "Russian President Vladimir Putin": "Putin"
        assert label.rstrip("…").split()[-1].lower() not in {"with", "to", "the", "in", "of"}
        assert label.split()[0].rstrip("’s") in article.text  # the article's own words


def test_a_headline_drops_the_opening_and_keeps_names_of_institutions() -> None:
    from retrieval.labels import headline

    lead = (
        "Late on Tuesday, German Chancellor Friedrich Merz told reporters in Berlin that "
        "a summit with the European Central Bank would follow next month"
    )
    made = headline(lead)
    assert made.startswith("Merz told reporters in Berlin")
    assert len(made) <= 60 and made.endswith("…")
    assert headline("The European Central Bank raised rates") == (
        "The European Central Bank raised rates"
    )
    assert headline("x" * 80).endswith("…") and len(headline("x" * 80)) <= 60


def test_shipped_articles_carry_short_labels_of_their_own() -> None:
    """seeds/articles.json gives each shipped article a short headline; the lead stays its title."""
    from retrieval.corpus import default_corpus_dir

    meta = json.loads((default_corpus_dir() / "articles.json").read_text("utf-8"))
    by_file = {a.file: a for a in load_corpus().articles}
    for name, values in meta.items():
        assert by_file[name].label == values["label"]
        assert len(values["label"]) <= 60


def test_labels_from_articles_json_or_told_apart_where_titles_differ(write_corpus) -> None:
    same = "Officials from both governments said on Monday that the talks"
    folder = write_corpus(
        {
            "a.txt": f"{same} would start in Istanbul this week.\n",
            "b.txt": f"{same} would be delayed until further notice.\n",
            "c.txt": "Another article about the negotiations opens here today.\n",
            "articles.json": '{"c.txt": {"label": "Reuters, 11 May"}}',
        }
    )
    by_file = {a.file: a.label for a in load_corpus(folder).articles}
    assert by_file["c.txt"] == "Reuters, 11 May"
    # Both open "Officials from both governments…": each label shows where its title goes on.
    assert by_file["a.txt"].startswith("…talks would start in Istanbul")
    assert by_file["b.txt"].startswith("…talks would be delayed until")


def test_the_shipped_articles_are_told_apart_by_what_their_titles_say(write_corpus) -> None:
    """Three shipped leads open "Russian President Vladimir Putin has…": without
    articles.json, the labels name the subject by surname and say what each says, not a
    stray word in brackets."""
    from retrieval.corpus import default_corpus_dir

    seeds = default_corpus_dir()
    folder = write_corpus({p.name: p.read_text("utf-8") for p in seeds.glob("*.txt")})
    labels = {a.label for a in load_corpus(folder).articles}
    assert {
        "Putin has called for direct peace talks with Ukraine…",
        "Putin has proposed direct, unconditional peace talks…",
        "Putin has proposed holding direct negotiations with Ukraine…",
    } <= labels  # fmt: skip
    assert not any("(" in label for label in labels)
