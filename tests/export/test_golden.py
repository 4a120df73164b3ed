"""Golden test: each golden post's data, rendered with its format, gives the post byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from matome_crawl.export import load_template_set, render_post
from tests.conftest import GOLDEN
from tests.export.golden import GOLDEN_FORMATS, golden_paths, read_golden


def test_every_golden_post_has_a_format() -> None:
    posts = {p.name for p in GOLDEN.iterdir() if p.name != "README.md"}
    assert posts == set(GOLDEN_FORMATS)


@pytest.mark.parametrize("path", golden_paths(), ids=lambda p: GOLDEN_FORMATS[p.name])
def test_golden_post_renders_byte_for_byte(path: Path) -> None:
    post = read_golden(path)
    rendered = render_post(post, load_template_set(GOLDEN_FORMATS[path.name]))
    assert rendered.encode("utf-8") == path.read_bytes()


def test_golden_data_is_read_in_full() -> None:
    post = read_golden(GOLDEN / "000_042df3f94546d621.txt")
    assert post.title == "LIMOとは？少ない情報でより良い推論を実現する方法"
    assert post.url == "https://news.ycombinator.com/item?id=42991676"
    assert post.draft is True
    assert len(post.comments) == 123
    assert post.comments[1].user_name == "armcat"
    assert post.comments[1].color == "#ff5733"
    kaigai = read_golden(GOLDEN / next(n for n, f in GOLDEN_FORMATS.items() if f == "kaigai"))
    assert kaigai.featureimage == "thumbnails/light-orange1.jpg"
    assert len(kaigai.comments) == 85
    assert any("\n" in c.body for c in kaigai.comments)
