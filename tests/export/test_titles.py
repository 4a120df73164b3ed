"""Titles are text in posts: no Markdown, HTML, shortcode, line break or bidi control survives."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date

import pytest

from matome_crawl.export import PostData, QuoteComment, load_template_set, render_post
from matome_crawl.export.escape import escape_markdown, escape_shortcode, plain_title

HOSTILE_TITLE = (
    "![t](http://evil.example/t.png) [click](http://evil.example/) <b>x</b> "
    "{{< param >}} *em* `code` line\nbreak \u202eolleh https://evil.example/bare www.evil.example"
)
POST = PostData(
    day=date(2025, 2, 9),
    title=HOSTILE_TITLE,
    url="https://news.ycombinator.com/item?id=1",
    tags=("タグ",),
    comments=(QuoteComment(body="本文", user_name="u", created_at=None),),
)


@pytest.mark.parametrize("fmt", ["seed", "kaigai", "kaigai-2025-02"])
def test_title_is_literal_text_in_front_matter_and_body(fmt: str) -> None:
    text = render_post(POST, load_template_set(fmt))
    _, front_matter, body = text.split("+++\n", 2)
    expected = plain_title(HOSTILE_TITLE)
    assert tomllib.loads(front_matter)["title"] == expected
    assert "\u202e" not in text and "line\nbreak" not in text
    (title_line,) = [line for line in body.splitlines() if line.startswith("> ")]
    keep = load_template_set(fmt).keep_characters
    assert title_line == "> " + escape_markdown(escape_shortcode(expected, keep=keep))
    for live in ("![", "](", "{{<", "<b>", "http://", "https://", "www.", "*em*", "`code`"):
        assert live not in title_line


def test_plain_title() -> None:
    assert plain_title(" a\r\nb\tc\u2028d\u202a\u2066e\u200f\x1b\x00 ") == "a b c de"
    assert plain_title("LIMOとは？少ない情報で") == "LIMOとは？少ない情報で"


def test_escape_markdown_leaves_japanese_alone() -> None:
    assert (
        escape_markdown("使わない月は料金ストップ！「Kagi」")
        == "使わない月は料金ストップ！「Kagi」"
    )
    assert escape_markdown("a_b [c](d)") == "a\\_b \\[c\\]\\(d\\)"


def test_original_title_is_a_title_too(tmp_path) -> None:
    directory = tmp_path / "mine"
    directory.mkdir()
    (directory / "post.md.j2").write_text("<< post.original_title >>", encoding="utf-8")
    post = replace(POST, original_title="[x](http://evil.example/)\u202e")
    out = render_post(post, load_template_set(templates_dir=directory))
    assert out == "\\[x\\]\\(http\\:\\/\\/evil\\.example\\/\\)"


def test_comment_bodies_lose_bidi_controls() -> None:
    assert escape_shortcode("a\u202eb\u2066c") == "abc"
