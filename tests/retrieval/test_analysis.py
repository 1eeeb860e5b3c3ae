from __future__ import annotations

from retrieval import analyzer
from retrieval.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_name_variants_meet() -> None:
    t = analyzer.terms
    assert t("Zelenskyy") == t("Zelensky")
    assert t("Türkiye") == t("Turkiye") == t("Turkey") == t("Turkish")
    assert t("Kiev") == t("Kyiv")
    assert t("U.S.") == t("US") == t("America") == t("Washington") == t("United States")
    assert t("UK") == t("Britain") == t("British")
    assert t("Kremlin") == t("Moscow")


def test_pronoun_us_is_not_the_country() -> None:
    assert analyzer.terms("pressure won't work on us") == analyzer.terms("pressure won't work")


def test_possessives_apostrophes_hyphens_numbers() -> None:
    assert analyzer.terms("Putin’s") == analyzer.terms("Putin's") == analyzer.terms("Putin")
    assert analyzer.terms("cease-fire") == analyzer.terms("cease fire") == ["ceasefir"]
    assert analyzer.terms("face-to-face") == ["face", "face", "facetofac"]
    assert "ceasefir" in analyzer.terms("ceasefire")
    assert analyzer.terms("a 30-day truce in 2022") == ["30", "day", "truce", "2022"]


def test_stopwords_and_stemming() -> None:
    assert analyzer.terms("What is the") == []
    assert analyzer.terms("negotiations") == analyzer.terms("negotiating")
    assert analyzer.terms("held") == analyzer.terms("holding")


def test_sentences_survive_abbreviations_quotes_and_ellipses() -> None:
    text = (
        "The U.S. President spoke to Gen. Kellogg. He said, “We are ready.” Then he left… "
        "and came back... Later, officials met."
    )
    assert sentences(text) == [
        "The U.S. President spoke to Gen. Kellogg.",
        "He said, “We are ready.”",
        "Then he left… and came back... Later, officials met.",
    ]
