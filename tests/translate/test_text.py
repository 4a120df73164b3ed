"""Text handling without a model: parsing, segmenting, splitting, rendering."""

from __future__ import annotations

import pytest

from matome_crawl.hn.text import comment_html_to_text
from matome_crawl.translate.options import DEFAULT_TITLE_PREFIXES, Kind
from matome_crawl.translate.text import (
    Document,
    join_pieces,
    parse,
    render,
    split_sentences,
    split_to_fit,
    strip_title_prefix,
)


def fits_chars(limit: int):
    return lambda text: len(text) <= limit


def segments(document: Document) -> list[str]:
    return list(document.segments())


def upper(document: Document) -> str:
    """Render with a stand-in 'translation' that marks every segment."""
    return render(document, {s: f"[{s.upper()}]" for s in document.segments()})


def test_html_paragraphs_links_code_and_quotes():
    html = (
        "As you can see, we do. Read more at "
        '<a href="https:&#x2F;&#x2F;example.com&#x2F;a&#x2F;very&#x2F;long&#x2F;path" '
        'rel="nofollow">https:&#x2F;&#x2F;example.com&#x2F;a&#x2F;very&#x2F;lo...</a>.'
        "<p>&gt; I <i>really</i> doubt it.<p>Try this:<pre><code>  for x in xs:\n"
        "      print(x)  # don&#x27;t\n</code></pre>Done."
    )
    document = parse(comment_html_to_text(html), Kind.TEXT, fits_chars(200))
    assert segments(document) == [
        "As you can see, we do.",
        "Read more at",
        "I really doubt it.",
        "Try this:",
        "Done.",
    ]
    assert upper(document) == (
        "[AS YOU CAN SEE, WE DO.] [READ MORE AT] https://example.com/a/very/long/path.\n"
        "＞[I REALLY DOUBT IT.]\n"
        "[TRY THIS:]\n"
        "  for x in xs:\n      print(x)  # don't\n"
        "[DONE.]"
    )


def test_bare_urls_are_verbatim_and_lose_no_punctuation():
    document = parse(
        "See https://example.com/x?a=1&b=(2) and www.example.org/y, or (http://z.io/q).",
        Kind.TEXT,
        fits_chars(200),
    )
    assert segments(document) == ["See", "and", ", or ("]  # ")." has no letter: kept
    rendered = render(document, {})
    for url in ("https://example.com/x?a=1&b=(2)", "www.example.org/y", "http://z.io/q"):
        assert url in rendered


def test_a_code_block_with_blank_lines_stays_one_verbatim_block():
    html = (
        "Before.<pre><code>  def f():\n      return 1\n\n\n  def g():\n"
        "      return 2</code></pre><p>After it."
    )
    document = parse(comment_html_to_text(html), Kind.TEXT, fits_chars(200))
    assert segments(document) == ["Before.", "After it."]
    assert upper(document) == (
        "[BEFORE.]\n  def f():\n      return 1\n\n\n  def g():\n      return 2\n[AFTER IT.]"
    )


def test_only_indented_paragraphs_are_code():
    text = "A paragraph.\n  indented line in it\n\n  code()\n\nNot code."
    document = parse(text, Kind.TEXT, fits_chars(200))
    assert segments(document) == ["A paragraph.", "indented line in it", "Not code."]


def test_lines_without_latin_letters_pass_through():
    document = parse(
        "日本語だけの行\n\n12:30 → 14:00 !!!\n\nA real sentence.", Kind.TEXT, fits_chars(99)
    )
    assert segments(document) == ["A real sentence."]
    assert render(document, {"A real sentence.": "本当の文。"}) == (
        "日本語だけの行\n12:30 → 14:00 !!!\n本当の文。"
    )


def test_plain_text_paragraphs_and_nested_quotes():
    document = parse("> > deep quote\nreply line\n\nsecond para", Kind.TEXT, fits_chars(99))
    assert render(
        document, {"deep quote": "引用", "reply line": "返信", "second para": "二段"}
    ) == ("＞＞引用\n返信\n二段")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Show HN: A tiny database", "A tiny database"),
        ("Ask HN:   Who is hiring?", "Who is hiring?"),
        ("tell hn: lowercase works", "lowercase works"),
        ("Launch HN: Foo (YC W25) – bar", "Foo (YC W25) – bar"),
        ("Showing HN: not a prefix", "Showing HN: not a prefix"),
        ("Why Show HN: stays inside", "Why Show HN: stays inside"),
    ],
)
def test_title_prefixes_are_left_out(title, expected):
    assert strip_title_prefix(title, DEFAULT_TITLE_PREFIXES) == expected
    document = parse(title, Kind.TITLE, fits_chars(99), DEFAULT_TITLE_PREFIXES)
    assert " ".join(segments(document)) == expected


def test_sentences():
    assert split_sentences("Dr. Smith arrived at 3 p.m. on Monday. He left. Then? Yes!") == [
        "Dr. Smith arrived at 3 p.m. on Monday.",
        "He left.",
        "Then?",
        "Yes!",
    ]


def test_over_long_sentence_is_split_never_truncated():
    words = [f"word{i}" for i in range(400)]
    sentence = ", ".join(" ".join(words[i : i + 7]) for i in range(0, 400, 7)) + "."
    pieces = split_to_fit(sentence, fits_chars(120))
    assert len(pieces) > 1
    assert all(len(p) <= 120 for p in pieces)
    assert " ".join(pieces).split() == sentence.split()
    # without any clause break, words; without spaces, characters
    spaced = " ".join(words)
    assert " ".join(split_to_fit(spaced, fits_chars(50))).split() == words
    blob = "x" * 1000
    parts = split_to_fit(blob, fits_chars(64))
    assert "".join(parts) == blob and all(len(p) <= 64 for p in parts)


def test_long_unbroken_runs_stay_verbatim():
    digest = "a" * 40 + "b" * 60
    document = parse(f"The hash is {digest} here.", Kind.TEXT, fits_chars(99))
    assert segments(document) == ["The hash is", "here."]
    assert digest in render(document, {})


def test_join_pieces_spacing():
    assert join_pieces(["これは文です。", "次の文。"]) == "これは文です。次の文。"
    assert join_pieces(["詳しくは", "https://a.example/", "を参照"]) == (
        "詳しくは https://a.example/ を参照"
    )
    assert join_pieces(["Kept in English.", "日本語"]) == "Kept in English. 日本語"
    assert join_pieces(["見て", ")."]) == "見て)."


def test_empty_and_markup_only_sources():
    assert render(parse("", Kind.TEXT, fits_chars(9)), {}) == ""
    assert comment_html_to_text("") == comment_html_to_text("<p><p><i></i>") == ""
    assert render(parse("\n\n  \n", Kind.TEXT, fits_chars(9)), {}) == ""
    assert segments(parse("   ", Kind.TITLE, fits_chars(9), DEFAULT_TITLE_PREFIXES)) == []
