"""Slugs, collision suffixes and post paths."""

from __future__ import annotations

from datetime import date

import pytest

from matome_crawl.export import post_path, slugify, unique_slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("LIMO: Less Is More for Reasoning", "limo_less_is_more_for"),
        ("Fair pricing", "fair_pricing"),
        (
            "Chat Control proposal fails again after public opposition",
            "chat_control_proposal_fails_again",
        ),
        ("Show HN: I put an AI agent on a $7/month VPS", "show_hn_i_put_an"),
        ("Café au lait, naïve façade", "cafe_au_lait_naive_facade"),
        ("C++20's   modules -- finally!", "c_20_s_modules_finally"),
        ("GPT-4o", "gpt_4o"),
    ],
)
def test_slug_is_the_first_five_words(title: str, slug: str) -> None:
    assert slugify(title, 1) == slug


def test_a_title_without_ascii_words_falls_back_to_the_story_id() -> None:
    assert slugify("日本語だけのタイトル", 4242) == "hn4242"
    assert slugify("!!!", 7) == "hn7"


def test_collisions_get_a_suffix() -> None:
    assert unique_slug("fair_pricing", set()) == "fair_pricing"
    assert unique_slug("fair_pricing", {"fair_pricing"}) == "fair_pricing_2"
    assert unique_slug("fair_pricing", {"fair_pricing", "fair_pricing_2"}) == "fair_pricing_3"


def test_post_path() -> None:
    path = post_path(date(2025, 2, 9), "limo_less_is_more_for")
    assert str(path) == "content/posts/2025_02/2025_02_09_limo_less_is_more_for/index.md"
