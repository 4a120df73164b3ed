"""apply_glossary: the pure function the export path (and later the translate stage) calls."""

from __future__ import annotations

from matome_crawl.review.glossary import Rule, apply_glossary


def test_a_rule_rewrites_the_models_rendering() -> None:
    assert apply_glossary("錆で書いた。", [Rule("錆", "Rust")]) == "Rustで書いた。"


def test_ascii_terms_match_whole_words_only() -> None:
    rules = [Rule("Rust", "Rust", match_case=False)]
    assert apply_glossary("rustとRusty", rules) == "RustとRusty"


def test_case_rule() -> None:
    assert apply_glossary("show hn: x", [Rule("Show HN", "Show HN")]) == "show hn: x"
    assert apply_glossary("show hn: x", [Rule("Show HN", "Show HN", False)]) == "Show HN: x"


def test_longest_term_first_and_no_rewrite_of_a_replacement() -> None:
    rules = [Rule("HN", "ハッカーニュース"), Rule("Show HN", "Show HN"), Rule("ニュース", "X")]
    assert apply_glossary("Show HN と HN", rules) == "Show HN と ハッカーニュース"


def test_no_rules_or_no_text_is_the_identity() -> None:
    assert apply_glossary("そのまま", []) == "そのまま"
    assert apply_glossary("", [Rule("a", "b")]) == ""
    assert apply_glossary("a.b", [Rule("", "x")]) == "a.b"
